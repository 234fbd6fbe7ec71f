package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/token"
)

// checkToken is the token debugger: would this token let its holder into
// this room, and if not, why. A refusal is a 200 with valid=false; a room
// that is not "<tenant>/<room>" or is too long is a 400.
func (a *API) checkToken(w http.ResponseWriter, r *http.Request) error {
	var req api.CheckTokenRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	claims, err := a.cfg.Tokens.Verify(r.Context(), req.JWT, req.Room)
	out := api.CheckTokenResponse{Room: req.Room, Features: map[string]bool{}}
	var refusal *token.Error
	switch {
	case errors.As(err, &refusal):
		out.Reason, out.Message = string(refusal.Reason), refusal.Message
	case err != nil:
		return err
	default:
		out.Valid = true
		out.Message = "token is valid for room " + req.Room
		if req.Room == "" {
			out.Message = "token is valid (no room given, so the room and tenant were not checked)"
		}
		out.Mode, out.Tenant, out.KID = claims.Mode.String(), claims.Subject, claims.KeyID
		out.Moderator = claims.Moderator
		if claims.Features != nil {
			out.Features = claims.Features
		}
		u := claims.User
		out.User = api.User{ID: u.ID, Name: u.Name, Avatar: u.Avatar, Email: u.Email}
		if !claims.Expires.IsZero() {
			exp := claims.Expires.UTC()
			out.ExpiresAt = &exp
		}
	}
	out.Header, out.Payload = token.Inspect(req.JWT)
	a.tokenCheck.WithLabelValues(out.Reason).Inc()
	return writeEcho(w, http.StatusOK, out)
}

// writeEcho is writeJSON for an answer that echoes the sender's JSON: it
// neither indents (a json.Encoder re-indents a RawMessage, and indenting
// nested JSON multiplies its size) nor escapes HTML (each '<' would become
// six bytes), so the answer stays about the size of the request.
func writeEcho(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff") // never sniffed as HTML
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
