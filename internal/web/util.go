package web

import (
	"errors"
	"strconv"

	"github.com/opvk/cabinet/internal/apperr"
)

func isNotFoundErr(err error) bool { return errors.Is(err, apperr.NotFound) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func isConflict(err error) bool { return errors.Is(err, apperr.Conflict) }
