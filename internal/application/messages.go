package application

import (
	"fmt"

	"github.com/opvk/cabinet/internal/catalog"
)

// All the text this package shows to users is in this file; the problems of the form's fields come
// from the catalogue.

type msgID string

const (
	msgConsent        msgID = "consent"
	msgQuestion       msgID = "question"
	msgAnswer         msgID = "answer"
	msgClarification  msgID = "clarification"
	msgRefusalReason  msgID = "refusal_reason"
	msgCommentEmpty   msgID = "comment_empty"
	msgDueDate        msgID = "due_date"
	msgKind           msgID = "attachment_kind"
	msgContentType    msgID = "attachment_type"
	msgTooManyFiles   msgID = "attachment_count"
	msgTooLarge       msgID = "attachment_total"
	msgAttachmentMeta msgID = "attachment_meta"
	msgMessageEmpty   msgID = "message_empty"
)

var messages = map[msgID]catalog.Text{
	msgMessageEmpty: {
		RU: "Напишите текст сообщения",
		EN: "Please write the text of the message",
	},
	msgConsent: {
		RU: "Чтобы отправить заявление, подтвердите согласие на обработку персональных данных",
		EN: "To send the application, please confirm your consent to the processing of personal data",
	},
	msgQuestion: {
		RU: "Напишите, какие сведения или документы нужны от заявителя",
		EN: "Please write what information or documents the applicant must provide",
	},
	msgAnswer: {
		RU: "Напишите ответ на запрос или приложите документы и кратко опишите их",
		EN: "Please write your answer to the request, or attach documents and describe them briefly",
	},
	msgClarification: {
		RU: "Напишите текст уточнения",
		EN: "Please write the text of your clarification",
	},
	msgRefusalReason: {
		RU: "Укажите причину отказа: заявитель увидит её в решении",
		EN: "Please state the reason for the refusal: the applicant will see it in the decision",
	},
	msgCommentEmpty: {
		RU: "Напишите комментарий для заявителя или служебную заметку",
		EN: "Please write a comment for the applicant or an internal note",
	},
	msgDueDate: {
		RU: "Срок ответа должен быть позже сегодняшнего дня",
		EN: "The answer date must be after today",
	},
	msgKind: {
		RU: "Выберите вид документа из списка",
		EN: "Please choose the kind of document from the list",
	},
	msgContentType: {
		RU: "Можно приложить только файлы PDF, JPG или PNG",
		EN: "Only PDF, JPG or PNG files can be attached",
	},
	msgTooManyFiles: {
		RU: "Достигнут предел числа файлов заявления (%d): объедините документы в один PDF",
		EN: "The application has reached its limit of files (%d): please combine the documents into one PDF",
	},
	msgTooLarge: {
		RU: "Общий размер файлов заявления превысил бы %d МБ: уменьшите файлы или объедините их",
		EN: "The files of the application would exceed %d MB in total: please make them smaller",
	},
	msgAttachmentMeta: {
		RU: "Файл не удалось сохранить: загрузите его ещё раз",
		EN: "The file could not be saved: please upload it again",
	},
}

func message(id msgID, lang string, args ...any) string {
	t := messages[id].In(lang)
	if len(args) > 0 {
		return fmt.Sprintf(t, args...)
	}
	return t
}
