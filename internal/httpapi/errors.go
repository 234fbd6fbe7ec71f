package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/webhook"
)

// Error is an error with the HTTP status and public code and message to
// answer with. Other errors become 500 with a generic message; their detail
// goes only to the log.
type Error struct {
	Status  int
	Code    string
	Message string
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

// publicError maps a handler's error to what the client is told.
func publicError(err error) *Error {
	var he *Error
	switch {
	case errors.As(err, &he):
		return he
	case errors.Is(err, webhook.ErrNotFound):
		return errorf(http.StatusNotFound, "webhook_not_found", message(err))
	case errors.Is(err, webhook.ErrInvalid):
		return errorf(http.StatusBadRequest, "invalid_argument", message(err))
	case errors.Is(err, tenant.ErrNotFound), errors.Is(err, webhook.ErrTenantNotFound):
		return errorf(http.StatusNotFound, "tenant_not_found", message(err))
	case errors.Is(err, tenant.ErrKeyNotFound):
		return errorf(http.StatusNotFound, "key_not_found", message(err))
	case errors.Is(err, tenant.ErrExists):
		return errorf(http.StatusConflict, "already_exists", message(err))
	case errors.Is(err, rsakey.ErrPrivateKey):
		return errorf(http.StatusBadRequest, "private_key", message(err))
	case errors.Is(err, rsakey.ErrNotRSA):
		return errorf(http.StatusBadRequest, "not_rsa", message(err))
	case errors.Is(err, rsakey.ErrWeak):
		return errorf(http.StatusBadRequest, "weak_key", message(err))
	case errors.Is(err, rsakey.ErrMalformed):
		return errorf(http.StatusBadRequest, "malformed_key", message(err))
	case errors.Is(err, tenant.ErrLimit), errors.Is(err, account.ErrLimit), errors.Is(err, webhook.ErrLimit):
		return errorf(http.StatusConflict, "limit_reached", message(err))
	case errors.Is(err, account.ErrBusy):
		return &Error{Status: http.StatusServiceUnavailable, Code: "busy", RetryAfter: time.Second,
			Message: "the server is checking many passwords right now; try again in a second"}
	case errors.Is(err, account.ErrCredentials):
		return errorf(http.StatusUnauthorized, "invalid_credentials", "wrong e-mail address or password")
	case errors.Is(err, account.ErrUnauthenticated):
		return errorf(http.StatusUnauthorized, "unauthorized", message(err))
	case errors.Is(err, account.ErrForbidden):
		return errorf(http.StatusForbidden, "forbidden", message(err))
	case errors.Is(err, account.ErrSignupClosed):
		return errorf(http.StatusForbidden, "signup_closed", message(err))
	case errors.Is(err, account.ErrLastOwner):
		return errorf(http.StatusConflict, "last_owner", message(err))
	case errors.Is(err, account.ErrExpired):
		return errorf(http.StatusGone, "invitation_expired", message(err))
	case errors.Is(err, account.ErrExists):
		return errorf(http.StatusConflict, "already_exists", message(err))
	case errors.Is(err, account.ErrNotFound):
		return errorf(http.StatusNotFound, "not_found", message(err))
	case errors.Is(err, tenant.ErrInvalid), errors.Is(err, token.ErrInvalidRoom), errors.Is(err, account.ErrInvalid):
		return errorf(http.StatusBadRequest, "invalid_argument", message(err))
	default:
		return errorf(http.StatusInternalServerError, "internal", "internal error; the server log has the details")
	}
}

// message is the reason a refusal gives people (public.Message): the
// error's text without its sentinel or the wrapping added on its way up.
func message(err error) string { return public.Message(err) }

// handlerFunc is an HTTP handler that returns its error.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc: errors become {"error": {code, message}}.
func (a *API) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			// The client went away mid-request: nobody to answer, nothing wrong here.
			a.cfg.Logger.DebugContext(r.Context(), "api request abandoned", "method", r.Method, "route", r.Pattern)
			return
		}
		pe := publicError(err)
		level := slog.LevelInfo
		if pe.Status >= 500 {
			level = slog.LevelError
		}
		a.cfg.Logger.Log(r.Context(), level, "api error", "method", r.Method, "route", r.Pattern, "status", pe.Status, "code", pe.Code, "err", err)
		if pe.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(pe.RetryAfter.Seconds()))))
		}
		writeJSON(w, pe.Status, api.Error{Error: api.ErrorDetail{Code: pe.Code, Message: pe.Message}})
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// readJSON decodes the request body into v, refusing unknown fields, bodies
// over maxBody and trailing data.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errorf(http.StatusRequestEntityTooLarge, "body_too_large", "request body is larger than 1 MiB")
		}
		if errors.Is(err, io.EOF) {
			return errorf(http.StatusBadRequest, "invalid_json", "request body is empty; send a JSON object")
		}
		return errorf(http.StatusBadRequest, "invalid_json", "request body is not the expected JSON: "+err.Error())
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, "invalid_json", "request body has data after the JSON object")
	}
	return nil
}
