// Package account keeps the people who use the Developer Console: users
// (e-mail + argon2id password), browser sessions with their CSRF tokens,
// memberships of tenants with a role, invitations and personal API tokens.
// Every secret handed out (session id, invitation link, API token) is
// stored as a SHA-256 digest only.
package account

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"

	"github.com/confer-video/confer/internal/public"
)

var (
	// ErrInvalid means the request is wrong in a way the message explains.
	ErrInvalid = errors.New("invalid")
	// ErrNotFound means the user, member, invitation or token does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists means the e-mail address or membership is taken already.
	ErrExists = errors.New("already exists")
	// ErrCredentials means the e-mail address and password do not match.
	ErrCredentials = errors.New("wrong e-mail address or password")
	// ErrUnauthenticated means the session or API token is unknown,
	// expired or revoked.
	ErrUnauthenticated = errors.New("not signed in")
	// ErrForbidden means the actor's role does not allow the change.
	ErrForbidden = errors.New("forbidden")
	// ErrLastOwner means the change would leave a tenant without an owner.
	ErrLastOwner = errors.New("a tenant needs at least one owner")
	// ErrExpired means the invitation is past its expiry.
	ErrExpired = errors.New("invitation expired")
	// ErrSignupClosed means the operator has switched open sign-up off.
	ErrSignupClosed = errors.New("sign-up is closed")
	// ErrLimit means the user or tenant has as many of something as it may.
	ErrLimit = errors.New("limit reached")
)

// Bounds on what one user or tenant may create, so that an open sign-up
// cannot be used to fill the database.
const (
	// MaxOwnedTenants is the tenants one user may own (the operator
	// creates more for them).
	MaxOwnedTenants = 20
	// MaxAPITokens is the live API tokens one user may hold in a tenant.
	MaxAPITokens = 50
	// MaxPendingInvitations is the invitations a tenant may have waiting.
	MaxPendingInvitations = 100
)

// Mailer sends e-mail; the console e-mails invitations when one is set.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Config configures a Service.
type Config struct {
	Store   *store.Store
	Tenants *tenant.Service
	// OpenSignup lets anyone create an account; without it only invited
	// people (and the operator's CLI) can.
	OpenSignup bool
	// SessionTTL is how long a console session lasts without use; default 7 days.
	SessionTTL time.Duration
	// InvitationTTL is how long an invitation link works; default 7 days.
	InvitationTTL time.Duration
	// Mailer, when set, e-mails invitations.
	Mailer Mailer
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Rand is the source of secrets; default crypto/rand.
	Rand io.Reader
	// MaxHashes bounds the password hashes computed at once (each holds
	// 19 MiB); default two per core, at most 16.
	MaxHashes int
	// HashWait is how long a password check waits for its turn before it
	// is refused with ErrBusy; default 2 s.
	HashWait time.Duration
	Logger   *slog.Logger
}

// Service manages accounts.
type Service struct {
	cfg Config
	// dummyHash is verified against when an e-mail address is unknown, so
	// that a login takes as long whether or not the account exists.
	dummyHash string
	gate      *hashGate
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Tenants == nil {
		return nil, errors.New("account: Config.Store and Config.Tenants are required")
	}
	cfg.SessionTTL = cmp.Or(cfg.SessionTTL, 7*24*time.Hour)
	cfg.InvitationTTL = cmp.Or(cfg.InvitationTTL, 7*24*time.Hour)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	dummy, err := hashPassword(cfg.Rand, "not a password anybody has")
	if err != nil {
		return nil, err
	}
	gate := newHashGate(cmp.Or(cfg.MaxHashes, defaultMaxHashes()), cmp.Or(cfg.HashWait, 2*time.Second))
	return &Service{cfg: cfg, dummyHash: dummy, gate: gate}, nil
}

// OpenSignup says whether anyone may sign up.
func (s *Service) OpenSignup() bool { return s.cfg.OpenSignup }

// User is a console user.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

func userFrom(u store.User) User {
	return User{ID: u.ID, Email: u.Email, Name: u.Name, CreatedAt: u.CreatedAt}
}

// SignUpParams describes a new account.
type SignUpParams struct {
	Email    string
	Name     string
	Password string
	// Invitation, when set, is an invitation token for this e-mail address:
	// it lets the person sign up when sign-up is closed, and is accepted.
	Invitation string
	// ByOperator skips the open sign-up check (the operator's API and CLI).
	ByOperator bool
}

// SignUp creates an account, accepting the invitation if one is given.
func (s *Service) SignUp(ctx context.Context, p SignUpParams) (User, error) {
	email, err := normalizeEmail(p.Email)
	if err != nil {
		return User{}, err
	}
	var inv store.Invitation
	if p.Invitation != "" {
		if inv, err = s.pendingInvitation(ctx, p.Invitation); err != nil {
			return User{}, err
		}
		if inv.Email != email {
			return User{}, public.Errorf(ErrForbidden, "this invitation is for %s; sign up with that address", inv.Email)
		}
	} else if !s.cfg.OpenSignup && !p.ByOperator {
		return User{}, public.Errorf(ErrSignupClosed, "ask a team owner for an invitation")
	}
	name, err := checkName(p.Name, email)
	if err != nil {
		return User{}, err
	}
	if err := checkPassword(p.Password, email); err != nil {
		return User{}, err
	}
	hash, err := s.hash(ctx, p.Password)
	if err != nil {
		return User{}, err
	}
	id, err := s.randomID("usr_", 10)
	if err != nil {
		return User{}, err
	}
	u := store.User{ID: id, Email: email, Name: name, PasswordHash: hash, CreatedAt: s.now()}
	err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return public.Errorf(ErrExists, "an account with %s exists; sign in instead", email)
			}
			return err
		}
		if inv.ID != "" {
			return s.accept(ctx, tx, inv, u.ID)
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	s.cfg.Logger.InfoContext(ctx, "account created", "user", u.ID)
	return userFrom(u), nil
}

// User returns a user by id.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	u, err := s.cfg.Store.User(ctx, id)
	if err != nil {
		return User{}, notFound(err, "user "+id)
	}
	return userFrom(u), nil
}

// ChangePassword replaces a user's password after checking the current one,
// and ends the user's other sessions (keep is the digest of the session to
// keep, as Session.Hash).
func (s *Service) ChangePassword(ctx context.Context, userID, current, next, keep string) error {
	u, err := s.cfg.Store.User(ctx, userID)
	if err != nil {
		return notFound(err, "user "+userID)
	}
	if len(current) > maxPassword {
		return public.Errorf(ErrCredentials, "the current password is not right")
	}
	if ok, err := s.verify(ctx, u.PasswordHash, current); err != nil {
		return err
	} else if !ok {
		return public.Errorf(ErrCredentials, "the current password is not right")
	}
	return s.setPassword(ctx, u, next, keep)
}

// setPassword checks and stores a new password and ends the user's
// sessions but keep (a session digest; empty: all).
func (s *Service) setPassword(ctx context.Context, u store.User, next, keep string) error {
	if err := checkPassword(next, u.Email); err != nil {
		return err
	}
	hash, err := s.hash(ctx, next)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.SetPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	return s.cfg.Store.DeleteConsoleSessions(ctx, u.ID, keep, s.now())
}

// ResetPassword sets a user's password without the current one (the
// operator's way to let someone back in) and ends all their sessions.
func (s *Service) ResetPassword(ctx context.Context, email, next string) (User, error) {
	e, err := normalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	u, err := s.cfg.Store.UserByEmail(ctx, e)
	if err != nil {
		return User{}, notFound(err, "no account with "+e)
	}
	if err := s.setPassword(ctx, u, next, ""); err != nil {
		return User{}, err
	}
	s.cfg.Logger.InfoContext(ctx, "password reset by the operator", "user", u.ID)
	return userFrom(u), nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// secret returns a new random secret (base64url of 32 bytes) and its digest.
func (s *Service) secret(prefix string) (raw, hash string, err error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		return "", "", fmt.Errorf("account: random: %w", err)
	}
	raw = prefix + base64.RawURLEncoding.EncodeToString(b)
	return raw, digest(raw), nil
}

// digest is the stored form of a secret. Secrets carry 256 random bits, so
// an unsalted SHA-256 is enough, and it lets the secret be looked up.
func digest(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

func (s *Service) randomID(prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		return "", fmt.Errorf("account: random id: %w", err)
	}
	return prefix + hex.EncodeToString(b), nil
}

func normalizeEmail(raw string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(raw))
	if a, err := mail.ParseAddress(e); err != nil || a.Address != e || len(e) > 254 || !strings.Contains(e[strings.IndexByte(e, '@'):], ".") {
		if e == "" {
			return "", public.Errorf(ErrInvalid, "an e-mail address is required")
		}
		return "", public.Errorf(ErrInvalid, "%q is not an e-mail address like ada@example.com", truncate(raw))
	}
	return e, nil
}

func checkName(name, email string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	if utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\r\n") {
		return "", public.Errorf(ErrInvalid, "the name must be up to 100 characters on one line")
	}
	return name, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// notFound turns the store's ErrNotFound into this package's.
func notFound(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}
