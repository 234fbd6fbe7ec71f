package signal

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/admission"
	"github.com/confer-video/confer/internal/tenant"
)

// hello checks the token for the room; nothing else happens before.
func (s *session) hello(ctx context.Context, m *inbound) bool {
	if s.claims != nil {
		return s.reject("badRequest", "hello was already sent")
	}
	if m.V != Version {
		s.fail(CloseProtocol, "unsupportedVersion", fmt.Sprintf("protocol version %d is not supported; this server speaks %d", m.V, Version))
		return true
	}
	g, err := s.srv.admit.Admit(ctx, admission.Request{Room: m.Room, JWT: m.JWT, DeviceID: m.DeviceID, UserAgent: s.userAgent})
	var r *admission.Refusal
	switch {
	case errors.As(err, &r):
		if r.Err != nil {
			s.log.ErrorContext(ctx, "admission", "reason", r.Reason, "err", r.Err)
		}
		s.refuse(r.Reason, r.Message, closeCode(r.Kind))
		return true
	case err != nil:
		s.log.ErrorContext(ctx, "admission", "err", err)
		s.refuse("internal", "the server could not admit you; try again", websocket.StatusInternalError)
		return true
	case g.Redirect != "":
		s.srv.metrics.refused.WithLabelValues("redirect").Inc()
		to := withRegion(g.Redirect, s.lbRegion)
		s.send(redirectMsg{Type: "redirect", URL: to})
		s.close(closeWith(CloseRedirect, "redirect: "+to))
		return true
	}
	claims, key := g.Claims, g.Key
	s.grant = g
	var b tenant.Branding
	if key.Tenant != "" {
		if got, err := s.srv.cfg.Tenants.Branding(ctx, tenant.ID(key.Tenant)); err == nil {
			b = got
		}
	}
	s.claims, s.key = claims, key
	s.greeted.Store(true)
	s.deviceID = g.DeviceID
	s.log = s.log.With("room", key.String())
	u := claims.User
	s.send(readyMsg{Type: "ready", Room: key.String(), Moderator: claims.Moderator, Features: claims.Features, InviteURL: b.InviteURL,
		LogoURL: b.LogoURL, LogoLink: b.LogoLink, BackgroundColor: b.BackgroundColor, BackgroundURL: b.BackgroundURL,
		User: userJSON{ID: u.ID, Name: u.Name, Email: u.Email, Avatar: u.Avatar}})
	return false
}

func (s *session) refuse(reason, message string, code websocket.StatusCode) {
	s.srv.metrics.refused.WithLabelValues(reason).Inc()
	s.fail(code, reason, message)
}

// closeCode is the WebSocket close code of a refusal of kind k.
func closeCode(k admission.Kind) websocket.StatusCode {
	switch k {
	case admission.KindInvalid:
		return CloseProtocol
	case admission.KindToken:
		return CloseTokenRefused
	case admission.KindNotFound:
		return CloseNotFound
	case admission.KindForbidden:
		return CloseForbidden
	case admission.KindUnavailable:
		return CloseUnavailable
	}
	return websocket.StatusInternalError
}

// withRegion adds the client's region, if known, to the URL of a redirect
// (the next node has no load balancer's header to read it from).
func withRegion(to, region string) string {
	u, err := url.Parse(to)
	if region == "" || err != nil {
		return to
	}
	q := u.Query()
	q.Set("region", region)
	u.RawQuery = q.Encode()
	return u.String()
}
