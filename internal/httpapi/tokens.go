package httpapi

import (
	"errors"
	"net/http"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/token"
)

// checkToken is the token debugger: would this token let its holder into
// this room, and if not, why. A refusal is a 200 with valid=false.
func (a *API) checkToken(w http.ResponseWriter, r *http.Request) error {
	var req api.CheckTokenRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	out := api.CheckTokenResponse{Room: req.Room, Features: map[string]bool{}}
	out.Header, out.Payload = token.Inspect(req.JWT)
	claims, err := a.cfg.Tokens.Verify(r.Context(), req.JWT, req.Room)
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
	a.tokenCheck.WithLabelValues(out.Reason).Inc()
	return writeJSON(w, http.StatusOK, out)
}
