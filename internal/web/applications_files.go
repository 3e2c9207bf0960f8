package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/storage"
	"github.com/opvk/cabinet/internal/upload"
)

// Attachments (C3): files are read part by part from the request (r.MultipartReader, never
// ParseMultipartForm), checked by their first bytes and streamed to storage, so a 50 MB file
// passes through a small buffer and memory stays flat. A file is recorded in the database only
// after it is stored; when the record fails, the stored file is deleted again.

// maxTextPart bounds a text part of an upload form (the kind, an answer, the version).
const maxTextPart = 64 << 10

// storedFile is one file of an upload request: stored, or refused with a message.
type storedFile struct {
	Name  string `json:"name"`
	Error string `json:"error,omitempty"`
	kind  string
	ctype upload.Kind
	key   string
	info  storage.Info
}

// uploadForm is what an upload request carries: its text fields and its files, in order.
type uploadForm struct {
	values map[string]string
	files  []storedFile
}

// readUpload streams a multipart request: text parts into values, each file part checked by
// content (upload.Check) and written to storage. The kind of the files is the "kind" part, which
// the form puts before the files. Refused files carry their message and store nothing. The
// caller deletes the stored files if it does not record them (discard).
func (s *Server) readUpload(r *http.Request, lang string) (*uploadForm, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", apperr.Invalid, err)
	}
	out := &uploadForm{values: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			s.discard(r.Context(), out.files)
			return nil, fmt.Errorf("%w: %v", apperr.Invalid, err)
		}
		if part.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(part, maxTextPart))
			part.Close()
			if err != nil {
				s.discard(r.Context(), out.files)
				return nil, fmt.Errorf("%w: %v", apperr.Invalid, err)
			}
			out.values[part.FormName()] = string(b)
			continue
		}
		f := storedFile{Name: application.CleanFilename(part.FileName()), kind: out.values["kind"]}
		f.ctype, f.key, f.info, f.Error, err = s.storeUpload(r.Context(), part, lang)
		part.Close()
		if err != nil {
			s.discard(r.Context(), out.files)
			return nil, err
		}
		out.files = append(out.files, f)
	}
}

// storeUpload checks one file by its content and streams it to storage. A file that is not a PDF,
// JPEG or PNG, is empty or too large gives a message (in lang) and stores nothing; the rest of its
// part is skipped by the multipart reader.
func (s *Server) storeUpload(ctx context.Context, rd io.Reader, lang string) (upload.Kind, string, storage.Info, string, error) {
	limit := s.cfg.UploadMaxFile
	tooLarge := s.cat.T(lang, "applications.files.err_large", map[string]any{"MB": limit >> 20})
	k, body, err := upload.Check(rd, limit)
	switch {
	case errors.Is(err, upload.ErrEmpty):
		return "", "", storage.Info{}, s.cat.T(lang, "applications.files.err_empty"), nil
	case errors.Is(err, upload.ErrTooLarge):
		return "", "", storage.Info{}, tooLarge, nil
	case errors.Is(err, upload.ErrType):
		return "", "", storage.Info{}, s.cat.T(lang, "applications.files.err_type"), nil
	case err != nil:
		return "", "", storage.Info{}, "", err
	}
	key := storage.NewKey("attachments")
	info, err := s.store.Put(ctx, key, body)
	switch {
	case errors.Is(err, upload.ErrTooLarge):
		return "", "", storage.Info{}, tooLarge, nil
	case err != nil:
		return "", "", storage.Info{}, "", err
	}
	return k, key, info, "", nil
}

// discard deletes stored files that were not recorded.
func (s *Server) discard(ctx context.Context, files []storedFile) {
	for _, f := range files {
		if f.key != "" {
			_ = s.store.Delete(context.WithoutCancel(ctx), f.key)
		}
	}
}

// attach records the stored files of form on application id, each in its own transaction, so
// that one refused file (the application's total reached) does not drop the others. It returns
// whether any was recorded; refused files get their message and are deleted from storage.
func (s *Server) attach(r *http.Request, id int64, files []storedFile) (bool, error) {
	ctx := r.Context()
	actor := s.actor(r)
	added := false
	for i := range files {
		f := &files[i]
		if f.key == "" {
			continue
		}
		var a application.Application
		err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
			_, err := s.apps.AddAttachment(ctx, tx, actor, id, application.NewAttachment{Kind: f.kind, Filename: f.Name,
				ContentType: string(f.ctype), Size: f.info.Size, SHA256: f.info.SHA256, StorageKey: f.key}, time.Now())
			if err == nil {
				a, err = application.Get(ctx, tx, id)
			}
			return err
		})
		var inv *application.InvalidError
		switch {
		case errors.As(err, &inv):
			for _, m := range inv.Problems {
				f.Error = m
			}
			s.discard(ctx, []storedFile{*f})
			f.key = ""
		case err != nil:
			s.discard(ctx, files[i:])
			return added, err
		default:
			added = true
			s.published(a)
		}
	}
	return added, nil
}

// uploadProblems joins the messages of refused files, each with its file name.
func uploadProblems(files []storedFile) string {
	var msgs []string
	for _, f := range files {
		if f.Error != "" {
			msgs = append(msgs, f.Name+": "+f.Error)
		}
	}
	return strings.Join(msgs, "; ")
}

// uploadDraftFiles adds files of one kind to a draft: several at once, each checked by content.
// Our script sends them with XMLHttpRequest (for the progress bar) and reads JSON; without it the
// form posts and the page comes back with a flash, or with the problems (422).
func (s *Server) uploadDraftFiles(w http.ResponseWriter, r *http.Request) error {
	a, svc, err := s.ownDraft(r)
	if err != nil {
		return err
	}
	if !a.Draft() {
		return fmt.Errorf("application %d is sent: %w", a.ID, apperr.Conflict)
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.UploadMaxTotal+1<<20)
	lang := languageOf(r)
	form, err := s.readUpload(r, lang)
	if err != nil {
		return err
	}
	if len(form.files) == 0 {
		form.files = append(form.files, storedFile{Error: s.cat.T(lang, "applications.files.err_none")})
	}
	if _, err := s.attach(r, a.ID, form.files); err != nil {
		return err
	}
	problems := uploadProblems(form.files)
	if wantsJSON(r) {
		status := http.StatusOK
		if problems != "" {
			status = http.StatusUnprocessableEntity
		}
		return writeJSON(w, status, map[string]any{"files": form.files})
	}
	if problems != "" {
		if a, err = application.Get(r.Context(), s.db, a.ID); err != nil {
			return err
		}
		p := &draftPage{basePage: s.newBase(w, r), UploadErr: problems}
		if err := s.buildDraftPage(r, p, a, svc, a.Data, nil, false); err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "applications/draft", p)
	}
	s.flash(w, "applications.flash.attached")
	http.Redirect(w, r, draftURL(a.ID)+"#files", http.StatusSeeOther)
	return nil
}

// removeDraftFile removes a file from a draft; the stored file goes after the commit.
func (s *Server) removeDraftFile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, _, err := s.ownDraft(r)
	if err != nil {
		return err
	}
	fileID, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil {
		return errNotFound
	}
	var key string
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		var err error
		if key, err = s.apps.RemoveAttachment(ctx, tx, s.actor(r), a.ID, fileID, time.Now()); err != nil {
			return err
		}
		a, err = application.Get(ctx, tx, a.ID)
		return err
	})
	if err != nil {
		return err
	}
	_ = s.store.Delete(context.WithoutCancel(ctx), key)
	s.published(a)
	if wantsJSON(r) {
		return writeJSON(w, http.StatusOK, map[string]any{"removed": fileID})
	}
	s.flash(w, "applications.flash.removed")
	http.Redirect(w, r, draftURL(a.ID)+"#files", http.StatusSeeOther)
	return nil
}

// downloadDraftFile serves a file of the user's own draft.
func (s *Server) downloadDraftFile(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.ownDraft(r)
	if err != nil {
		return err
	}
	return s.serveAttachment(w, r, a)
}

// downloadFile serves a file of an application its owner, or staff, may see.
func (s *Server) downloadFile(w http.ResponseWriter, r *http.Request) error {
	a, err := s.visibleApp(r)
	if err != nil {
		return err
	}
	return s.serveAttachment(w, r, a)
}

// serveAttachment sends the file as a download with the type recognised from its content, never
// one the browser guesses (nosniff): an uploaded file must not run as a page of our origin.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request, a application.Application) error {
	fileID, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil {
		return errNotFound
	}
	f, err := application.GetAttachment(r.Context(), s.db, a.ID, fileID)
	if err != nil {
		return err
	}
	rc, err := s.store.Open(r.Context(), f.StorageKey)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Filename}))
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	h.Set("Cache-Control", "private, no-store")
	_, err = io.Copy(w, rc)
	return err
}
