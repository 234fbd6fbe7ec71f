package signal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/token"
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
	key, err := parseRoom(m.Room)
	if err != nil {
		s.refuse("roomInvalid", err.Error(), CloseProtocol)
		return true
	}
	claims, err := s.srv.cfg.Tokens.Verify(ctx, m.JWT, key.String())
	var te *token.Error
	switch {
	case errors.As(err, &te):
		if r := s.srv.cfg.Refusals; r != nil && key.Tenant != "" {
			r.JoinRefused(ctx, key.Tenant, key.Name, string(te.Reason), te.Message, truncate(m.DeviceID, 64), s.userAgent)
		}
		s.refuse(string(te.Reason), te.Message, CloseTokenRefused)
		return true
	case err != nil:
		s.log.ErrorContext(ctx, "verify token", "err", err)
		s.refuse("internal", "the server could not check the token; try again", websocket.StatusInternalError)
		return true
	}
	if key.Tenant != "" && claims.Mode == token.ModeAnonymous {
		s.refuse(string(token.ReasonTokenMissing), "a token is required for the rooms of a tenant; only rooms without a tenant admit guests", CloseTokenRefused)
		return true
	}
	if key.Tenant != "" {
		if _, err := s.srv.cfg.Tenants.Get(ctx, tenant.ID(key.Tenant)); err != nil {
			if errors.Is(err, tenant.ErrNotFound) {
				s.refuse("tenantNotFound", fmt.Sprintf("there is no tenant %q on this server", key.Tenant), CloseNotFound)
			} else {
				s.log.ErrorContext(ctx, "look up tenant", "err", err)
				s.refuse("internal", "the server could not look up the tenant; try again", websocket.StatusInternalError)
			}
			return true
		}
	}
	if p := s.srv.cfg.Placement; p != nil {
		url, err := p.Place(ctx, key.String())
		if err != nil {
			s.log.WarnContext(ctx, "placing the room", "err", err)
			s.refuse("unavailable", "no server can take this meeting right now; try again in a moment", CloseUnavailable)
			return true
		}
		if url != "" {
			s.srv.metrics.refused.WithLabelValues("redirect").Inc()
			s.send(redirectMsg{Type: "redirect", URL: url})
			s.close(closeWith(CloseRedirect, "redirect: "+url))
			return true
		}
	}
	deviceID := truncate(m.DeviceID, 64)
	if a := s.srv.cfg.Admission; a != nil && key.Tenant != "" {
		sum := sha256.Sum256([]byte(strings.TrimSpace(m.JWT)))
		p := room.Participant{UserID: claims.User.ID, DeviceID: deviceID, UserAgent: s.userAgent}
		usageKey, err := a.Admit(ctx, key, p, hex.EncodeToString(sum[:]))
		if err != nil {
			if r := s.srv.cfg.Refusals; r != nil {
				r.JoinRefused(ctx, key.Tenant, key.Name, "mauLimitReached", err.Error(), deviceID, s.userAgent)
			}
			s.refuse("mauLimitReached", err.Error(), CloseForbidden)
			return true
		}
		s.usageKey = usageKey
	}
	var b tenant.Branding
	if key.Tenant != "" {
		if got, err := s.srv.cfg.Tenants.Branding(ctx, tenant.ID(key.Tenant)); err == nil {
			b = got
		}
	}
	s.claims, s.key = claims, key
	s.greeted.Store(true)
	s.deviceID = deviceID
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

// parseRoom reads "<tenant>/<room>" or a tenant-less "<room>".
func parseRoom(raw string) (room.Key, error) {
	tenantID, name, ok := strings.Cut(raw, "/")
	if !ok {
		tenantID, name = "", raw
	}
	if ok {
		if _, err := tenant.ParseID(tenantID); err != nil {
			return room.Key{}, fmt.Errorf("%q is not a tenant id: the meeting link is /<tenant>/<room>", truncate(tenantID, 60))
		}
	}
	if err := checkRoomName(name); err != nil {
		return room.Key{}, err
	}
	return room.NewKey(tenantID, name), nil
}

// checkRoomName accepts 1 to 128 printable characters without / ? # or spaces.
func checkRoomName(name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > 128 || !utf8.ValidString(name) {
		return fmt.Errorf("a room name has 1 to 128 characters")
	}
	if i := strings.IndexFunc(name, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("/?#\\", r)
	}); i >= 0 {
		r, _ := utf8.DecodeRuneInString(name[i:])
		return fmt.Errorf("room name %q contains %q", truncate(name, 60), r)
	}
	return nil
}
