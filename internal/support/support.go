// Package support is the way a tenant reaches the deployment's operator:
// members open support requests (subject, body, severity, the console page
// and meeting they are about), the operator answers them, and each request
// is a thread both sides write to, with a status (open, answered, closed).
// With a mailer, new requests and members' replies are e-mailed to the
// operator's address and the operator's replies to the requester, through a
// durable job inserted in the same transaction as the message.
package support

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"time"

	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/jobs"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"

	"github.com/confer-video/confer/internal/public"
)

// Bounds on what members may write, so that support cannot be used to fill
// the database or the operator's mailbox.
const (
	// DefaultMaxActive is the requests a tenant may have that are not closed.
	DefaultMaxActive = 50
	// DefaultMaxReplies is the replies one request may have (after its body).
	DefaultMaxReplies = 200
	// MaxBody is the size of a request's body or a reply, in bytes.
	MaxBody = 10 << 10
	// MaxSubject is the length of a subject, in characters.
	MaxSubject = 200
	// DefaultUserRate is the messages (requests and replies) one member may
	// write per RateWindow, across tenants.
	DefaultUserRate = 20
	// DefaultTenantRate is the messages a tenant's members may write
	// together per RateWindow.
	DefaultTenantRate = 100
	// RateWindow is the window of the rate limits.
	RateWindow = time.Hour
)

// Mailer sends e-mail.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Config configures a Service.
type Config struct {
	Store *store.Store
	// Mailer, when set, e-mails notifications; Jobs is then required.
	Mailer Mailer
	// Jobs runs the e-mail job.
	Jobs *jobs.Runner
	// OperatorEmail receives new requests and members' replies (with a
	// Mailer); empty: the operator is not e-mailed.
	OperatorEmail string
	// OperatorName signs the operator's replies; default "Confer support".
	OperatorName string
	// PublicURL is the server's URL as people reach it (links in e-mails).
	PublicURL func() string
	// MaxActive, MaxReplies, UserRate and TenantRate default to the
	// Default… constants.
	MaxActive  int
	MaxReplies int
	UserRate   int
	TenantRate int
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Rand is the source of ids; default crypto/rand.
	Rand   io.Reader
	Logger *slog.Logger
}

// Service keeps support requests.
type Service struct {
	cfg Config
}

// New returns a Service and, with a Mailer, registers its e-mail worker
// with Config.Jobs (before the runner is built).
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.PublicURL == nil {
		return nil, errors.New("support: Config.Store and Config.PublicURL are required")
	}
	if cfg.Mailer != nil && cfg.Jobs == nil {
		return nil, errors.New("support: Config.Jobs is required with a Mailer")
	}
	if cfg.OperatorEmail != "" {
		if a, err := mail.ParseAddress(cfg.OperatorEmail); err != nil || a.Name != "" {
			return nil, fmt.Errorf("support: support.email %q is not an e-mail address like help@example.com", cfg.OperatorEmail)
		}
	}
	cfg.OperatorName = cmp.Or(cfg.OperatorName, "Confer support")
	cfg.MaxActive = cmp.Or(cfg.MaxActive, DefaultMaxActive)
	cfg.MaxReplies = cmp.Or(cfg.MaxReplies, DefaultMaxReplies)
	cfg.UserRate = cmp.Or(cfg.UserRate, DefaultUserRate)
	cfg.TenantRate = cmp.Or(cfg.TenantRate, DefaultTenantRate)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Rand = cmp.Or[io.Reader](cfg.Rand, rand.Reader)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	s := &Service{cfg: cfg}
	if cfg.Mailer != nil {
		river.AddWorker(cfg.Jobs.Workers(), &mailWorker{s: s})
	}
	return s, nil
}

// OperatorEmail is the address new requests are e-mailed to ("" when
// none is, or no mailer is configured).
func (s *Service) OperatorEmail() string {
	if s.cfg.Mailer == nil {
		return ""
	}
	return s.cfg.OperatorEmail
}

// Severity is how much a request hurts.
type Severity string

// The severities, least first.
const (
	Low    Severity = "low"
	Normal Severity = "normal"
	High   Severity = "high"
	Urgent Severity = "urgent"
)

// Severities lists the severities, least first.
var Severities = []Severity{Low, Normal, High, Urgent}

// ParseSeverity checks s names a severity; "" is Normal.
func ParseSeverity(s string) (Severity, error) {
	if s == "" {
		return Normal, nil
	}
	for _, v := range Severities {
		if string(v) == s {
			return v, nil
		}
	}
	return "", public.Errorf(ErrInvalid, "severity %q is not one of low, normal, high, urgent", truncate(s))
}

// Status is where a request stands.
type Status string

// The statuses.
const (
	// Open waits for the operator.
	Open Status = "open"
	// Answered has the operator's reply last.
	Answered Status = "answered"
	// Closed is done; a reply reopens it.
	Closed Status = "closed"
)

// ParseStatus checks s names a status.
func ParseStatus(s string) (Status, error) {
	switch Status(s) {
	case Open, Answered, Closed:
		return Status(s), nil
	}
	return "", public.Errorf(ErrInvalid, "status %q is not one of open, answered, closed", truncate(s))
}

// Author is who writes: a member (UserID, Name, Email) or the operator.
type Author struct {
	UserID   string
	Name     string
	Email    string
	Operator bool
}

// Request is a support request.
type Request struct {
	ID         string
	Tenant     tenant.ID
	TenantName string
	Subject    string
	Severity   Severity
	Status     Status
	// Page is the console page it was sent from; "" from the API or CLI.
	Page string
	// MeetingID is the meeting it is about, or "".
	MeetingID string
	OpenedBy  Author
	// Replies counts the messages after the body.
	Replies   int
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  *time.Time
	// Messages is the thread, the body first; only Get fills it.
	Messages []Message
}

// Message is one message of a request's thread.
type Message struct {
	ID        string
	Author    Author
	Body      string
	CreatedAt time.Time
}

func requestFrom(r store.SupportRequest) Request {
	return Request{ID: r.ID, Tenant: tenant.ID(r.TenantID), TenantName: r.TenantName, Subject: r.Subject, Severity: Severity(r.Severity),
		Status: Status(r.Status), Page: r.Page, MeetingID: r.MeetingID, Replies: max(r.Messages-1, 0),
		OpenedBy:  Author{UserID: r.OpenedBy, Name: r.OpenerName, Email: r.OpenerEmail},
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ClosedAt: r.ClosedAt}
}

func messageFrom(m store.SupportMessage) Message {
	return Message{ID: m.ID, Body: m.Body, CreatedAt: m.CreatedAt,
		Author: Author{UserID: m.AuthorID, Name: m.AuthorName, Email: m.AuthorEmail, Operator: m.FromOperator}}
}

// Filter selects requests for List.
type Filter struct {
	// Tenant keeps one tenant's requests; "" every tenant's (the operator).
	Tenant tenant.ID
	// Status keeps one status; "active" those not closed; "" all.
	Status string
	// Limit bounds the list: 1 to 500, default 100.
	Limit int
}

// List returns the requests f selects, most recently changed first.
func (s *Service) List(ctx context.Context, f Filter) ([]Request, error) {
	if f.Status != "" && f.Status != "active" {
		if _, err := ParseStatus(f.Status); err != nil {
			return nil, fmt.Errorf("%w (or active)", err)
		}
	}
	if f.Limit < 0 || f.Limit > 500 {
		return nil, public.Errorf(ErrInvalid, "limit must be from 1 to 500")
	}
	rows, err := s.cfg.Store.SupportRequests(ctx, store.SupportFilter{TenantID: string(f.Tenant), Status: f.Status, Limit: cmp.Or(f.Limit, 100)})
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, len(rows))
	for _, r := range rows {
		out = append(out, requestFrom(r))
	}
	return out, nil
}

// Get returns a request with its thread; tenantID "" finds any tenant's
// (the operator).
func (s *Service) Get(ctx context.Context, tenantID tenant.ID, id string) (Request, error) {
	row, err := s.cfg.Store.SupportRequest(ctx, string(tenantID), id)
	if err != nil {
		return Request{}, notFound(err, id)
	}
	r := requestFrom(row)
	ms, err := s.cfg.Store.SupportMessages(ctx, id)
	if err != nil {
		return Request{}, err
	}
	for _, m := range ms {
		r.Messages = append(r.Messages, messageFrom(m))
	}
	return r, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) randomID(prefix string) (string, error) {
	b := make([]byte, 8)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		return "", fmt.Errorf("support: random id: %w", err)
	}
	return prefix + hex.EncodeToString(b), nil
}

// notFound turns the store's ErrNotFound into this package's.
func notFound(err error, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return public.Errorf(ErrNotFound, "no support request %q among this tenant's", truncate(id))
	}
	return err
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
