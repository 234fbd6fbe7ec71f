package account

import (
	"context"
	"errors"
	"time"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/store"
)

// SessionCookie is the name of the cookie that carries a session's token,
// for the API and the console pages alike.
const SessionCookie = "confer_session"

// Session is a signed-in browser.
type Session struct {
	// Token is the cookie value; set only by Login.
	Token string
	// Hash is the stored digest of Token.
	Hash string
	// CSRF must accompany every state-changing request of this session.
	CSRF      string
	User      User
	ExpiresAt time.Time
}

// Login checks the e-mail address and password and opens a session.
func (s *Service) Login(ctx context.Context, email, password string) (Session, error) {
	e, err := normalizeEmail(email)
	if err != nil {
		return Session{}, err
	}
	// Every refusal costs one hash, whether the account exists or not and
	// whatever the password's length, so timing tells nothing.
	if len(password) > maxPassword {
		if _, err := s.verify(ctx, s.dummyHash, password[:maxPassword]); err != nil {
			return Session{}, err
		}
		return Session{}, ErrCredentials
	}
	u, err := s.cfg.Store.UserByEmail(ctx, e)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := s.verify(ctx, s.dummyHash, password); err != nil {
			return Session{}, err
		}
		return Session{}, ErrCredentials
	}
	if err != nil {
		return Session{}, err
	}
	if ok, err := s.verify(ctx, u.PasswordHash, password); err != nil {
		return Session{}, err
	} else if !ok {
		s.cfg.Logger.InfoContext(ctx, "login refused", "user", u.ID)
		return Session{}, ErrCredentials
	}
	token, hash, err := s.secret("")
	if err != nil {
		return Session{}, err
	}
	csrf, _, err := s.secret("")
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	row := store.ConsoleSession{IDHash: hash, UserID: u.ID, CSRFToken: csrf, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.cfg.Store.CreateConsoleSession(ctx, row); err != nil {
		return Session{}, err
	}
	// Sweep the user's expired sessions while here.
	if err := s.cfg.Store.DeleteConsoleSessions(ctx, "", "", now); err != nil {
		s.cfg.Logger.WarnContext(ctx, "sweeping sessions", "err", err)
	}
	s.cfg.Logger.InfoContext(ctx, "signed in", "user", u.ID)
	return Session{Token: token, Hash: hash, CSRF: csrf, User: userFrom(u), ExpiresAt: row.ExpiresAt}, nil
}

// Session returns the live session whose cookie value is token, sliding its
// expiry forward when past half its life.
func (s *Service) Session(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrUnauthenticated
	}
	row, err := s.cfg.Store.ConsoleSession(ctx, digest(token))
	if errors.Is(err, store.ErrNotFound) {
		return Session{}, public.Errorf(ErrUnauthenticated, "the session has ended; sign in again")
	}
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	if !now.Before(row.ExpiresAt) {
		return Session{}, public.Errorf(ErrUnauthenticated, "the session expired; sign in again")
	}
	if row.ExpiresAt.Sub(now) < s.cfg.SessionTTL/2 {
		row.ExpiresAt = now.Add(s.cfg.SessionTTL)
		if err := s.cfg.Store.ExtendConsoleSession(ctx, row.IDHash, row.ExpiresAt); err != nil {
			return Session{}, err
		}
	}
	u, err := s.cfg.Store.User(ctx, row.UserID)
	if err != nil {
		return Session{}, notFound(err, "user "+row.UserID)
	}
	return Session{Hash: row.IDHash, CSRF: row.CSRFToken, User: userFrom(u), ExpiresAt: row.ExpiresAt}, nil
}

// Logout ends the session whose cookie value is token.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.cfg.Store.DeleteConsoleSession(ctx, digest(token))
}
