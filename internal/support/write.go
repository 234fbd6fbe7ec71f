package support

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// OpenParams describes a new request.
type OpenParams struct {
	Subject  string
	Body     string
	Severity string
	// Page is the console path it is sent from (/console/…), or "".
	Page string
	// MeetingID names a meeting of the tenant (from Analytics), or "".
	MeetingID string
}

// Open records a member's new request in tenantID and e-mails the operator.
func (s *Service) Open(ctx context.Context, by Author, tenantID tenant.ID, p OpenParams) (Request, error) {
	if by.Operator || by.UserID == "" {
		return Request{}, public.Errorf(ErrForbidden, "a tenant's members open support requests; the operator answers them")
	}
	fields, err := s.checkOpen(ctx, tenantID, p)
	if err != nil {
		return Request{}, err
	}
	reqID, err := s.randomID("sup_")
	if err != nil {
		return Request{}, err
	}
	msgID, err := s.randomID("msg_")
	if err != nil {
		return Request{}, err
	}
	now := s.now()
	fields.ID, fields.TenantID, fields.Status = reqID, string(tenantID), string(Open)
	fields.OpenedBy, fields.OpenerName, fields.OpenerEmail = by.UserID, by.Name, by.Email
	fields.CreatedAt, fields.UpdatedAt = now, now
	msg := store.SupportMessage{ID: msgID, RequestID: reqID, TenantID: string(tenantID), AuthorID: by.UserID, AuthorName: by.Name,
		AuthorEmail: by.Email, Body: p.Body, CreatedAt: now}
	err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		t, err := s.lockTenant(ctx, tx, string(tenantID))
		if err != nil {
			return err
		}
		if err := s.checkRates(ctx, tx, by.UserID, string(tenantID)); err != nil {
			return err
		}
		if err := s.checkActive(ctx, tx, string(tenantID)); err != nil {
			return err
		}
		if err := tx.CreateSupportRequest(ctx, fields, msg); err != nil {
			return err
		}
		fields.TenantName = t.Name
		return s.enqueue(ctx, tx, s.toOperator(fields, msg, true))
	})
	if err != nil {
		return Request{}, err
	}
	s.cfg.Logger.InfoContext(ctx, "support request opened", "tenant", tenantID, "request", reqID, "severity", fields.Severity)
	return s.Get(ctx, tenantID, reqID)
}

// checkOpen checks a new request's fields and returns them cleaned.
func (s *Service) checkOpen(ctx context.Context, tenantID tenant.ID, p OpenParams) (store.SupportRequest, error) {
	subject, err := checkSubject(p.Subject)
	if err != nil {
		return store.SupportRequest{}, err
	}
	if err := checkBody(p.Body); err != nil {
		return store.SupportRequest{}, err
	}
	sev, err := ParseSeverity(p.Severity)
	if err != nil {
		return store.SupportRequest{}, err
	}
	page, err := checkPage(p.Page)
	if err != nil {
		return store.SupportRequest{}, err
	}
	meeting := strings.TrimSpace(p.MeetingID)
	if meeting != "" {
		if len(meeting) > 128 {
			return store.SupportRequest{}, public.Errorf(ErrInvalid, "the meeting id is longer than 128 bytes; copy it from Analytics")
		}
		if _, err := s.cfg.Store.Meeting(ctx, string(tenantID), meeting); errors.Is(err, store.ErrNotFound) {
			return store.SupportRequest{}, public.Errorf(ErrInvalid, "this tenant has no meeting %q; copy the id from Analytics", truncate(meeting))
		} else if err != nil {
			return store.SupportRequest{}, err
		}
	}
	return store.SupportRequest{Subject: subject, Severity: string(sev), Page: page, MeetingID: meeting}, nil
}

// Reply adds a message to a request's thread: a member's reopens a closed
// request and is e-mailed to the operator; the operator's marks it
// answered and is e-mailed to the requester. TenantID "" finds any tenant's
// request (the operator).
func (s *Service) Reply(ctx context.Context, by Author, tenantID tenant.ID, id, body string) (Message, error) {
	if !by.Operator && (by.UserID == "" || tenantID == "") {
		return Message{}, public.Errorf(ErrForbidden, "only the operator may answer without naming the tenant")
	}
	if err := checkBody(body); err != nil {
		return Message{}, err
	}
	msgID, err := s.randomID("msg_")
	if err != nil {
		return Message{}, err
	}
	msg := store.SupportMessage{ID: msgID, RequestID: id, AuthorID: by.UserID, AuthorName: by.Name, AuthorEmail: by.Email,
		FromOperator: by.Operator, Body: body, CreatedAt: s.now()}
	status := Open
	if by.Operator {
		msg.AuthorID, msg.AuthorName, msg.AuthorEmail, status = "", s.cfg.OperatorName, "", Answered
	}
	err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		row, err := s.lockRequest(ctx, tx, tenantID, id)
		if err != nil {
			return err
		}
		if row.Messages > s.cfg.MaxReplies {
			return public.Errorf(ErrLimit, "this request has %d replies, the most one may have; open a new request", s.cfg.MaxReplies)
		}
		if !by.Operator {
			if err := s.checkRates(ctx, tx, by.UserID, row.TenantID); err != nil {
				return err
			}
			if row.Status == string(Closed) {
				if err := s.checkActive(ctx, tx, row.TenantID); err != nil {
					return err
				}
			}
		}
		msg.TenantID = row.TenantID
		if err := tx.AddSupportMessage(ctx, msg, string(status)); err != nil {
			return err
		}
		if by.Operator {
			return s.enqueue(ctx, tx, s.toRequester(row, msg))
		}
		return s.enqueue(ctx, tx, s.toOperator(row, msg, false))
	})
	if err != nil {
		return Message{}, err
	}
	return messageFrom(msg), nil
}

// SetStatus closes or reopens a request (members), or sets any status
// (the operator). TenantID "" finds any tenant's request (the operator).
func (s *Service) SetStatus(ctx context.Context, by Author, tenantID tenant.ID, id string, status Status) (Request, error) {
	if _, err := ParseStatus(string(status)); err != nil {
		return Request{}, err
	}
	if !by.Operator && (tenantID == "" || status == Answered) {
		return Request{}, public.Errorf(ErrForbidden, "members may close or reopen a request; only the operator marks it answered")
	}
	var owner tenant.ID
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		row, err := s.lockRequest(ctx, tx, tenantID, id)
		if err != nil {
			return err
		}
		owner = tenant.ID(row.TenantID)
		if row.Status == string(status) {
			return nil
		}
		if row.Status == string(Closed) && !by.Operator {
			if err := s.checkActive(ctx, tx, row.TenantID); err != nil {
				return err
			}
		}
		return tx.SetSupportStatus(ctx, id, string(status), s.now())
	})
	if err != nil {
		return Request{}, err
	}
	return s.Get(ctx, owner, id)
}

// lockTenant takes the tenant's write lock for the transaction, so that
// the counts below hold until it commits, and returns the tenant.
func (s *Service) lockTenant(ctx context.Context, tx *store.Tx, tenant string) (store.Tenant, error) {
	if err := tx.LockTenant(ctx, tenant); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.Tenant{}, public.Errorf(ErrNotFound, "no tenant %q", truncate(tenant))
		}
		return store.Tenant{}, err
	}
	return tx.Tenant(ctx, tenant)
}

// lockRequest finds a request, locks its tenant and reads it again (as it
// stands under the lock).
func (s *Service) lockRequest(ctx context.Context, tx *store.Tx, tenantID tenant.ID, id string) (store.SupportRequest, error) {
	row, err := tx.SupportRequest(ctx, string(tenantID), id)
	if err != nil {
		return store.SupportRequest{}, notFound(err, id)
	}
	if _, err := s.lockTenant(ctx, tx, row.TenantID); err != nil {
		return store.SupportRequest{}, err
	}
	row, err = tx.SupportRequest(ctx, row.TenantID, id)
	return row, notFound(err, id)
}

// checkActive refuses one more request that is not closed past MaxActive.
func (s *Service) checkActive(ctx context.Context, tx *store.Tx, tenant string) error {
	n, err := tx.CountActiveSupportRequests(ctx, tenant)
	if err != nil {
		return err
	}
	if n >= s.cfg.MaxActive {
		return public.Errorf(ErrLimit, "this tenant has %d support requests that are not closed, the most it may; close some first", n)
	}
	return nil
}

// checkRates refuses a member's message over the author's or the tenant's
// rate limit.
func (s *Service) checkRates(ctx context.Context, tx *store.Tx, userID, tenant string) error {
	now := s.now()
	for _, lim := range []struct {
		column, key, who string
		max              int
	}{{"author_id", userID, "you", s.cfg.UserRate}, {"tenant_id", tenant, "this tenant's members", s.cfg.TenantRate}} {
		ts, err := tx.RecentSupportMessages(ctx, lim.column, lim.key, now.Add(-RateWindow), lim.max)
		if err != nil {
			return err
		}
		if len(ts) >= lim.max {
			return &RateError{Wait: ts[lim.max-1].Add(RateWindow).Sub(now), Who: lim.who, Max: lim.max, Per: RateWindow}
		}
	}
	return nil
}

func checkSubject(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return "", public.Errorf(ErrInvalid, "a subject is required")
	case !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxSubject || strings.ContainsFunc(s, unicode.IsControl):
		return "", public.Errorf(ErrInvalid, "the subject must be one line of up to %d characters", MaxSubject)
	}
	return s, nil
}

func checkBody(b string) error {
	switch {
	case strings.TrimSpace(b) == "":
		return public.Errorf(ErrInvalid, "the message is empty; say what happened")
	case len(b) > MaxBody:
		return public.Errorf(ErrInvalid, "the message is %d bytes, more than the %d allowed; attach less or link to it", len(b), MaxBody)
	case !utf8.ValidString(b) || strings.ContainsRune(b, 0):
		return public.Errorf(ErrInvalid, "the message must be UTF-8 text")
	}
	return nil
}

func checkPage(p string) (string, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return "", nil
	}
	if !strings.HasPrefix(p, "/console/") || len(p) > 200 || strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", public.Errorf(ErrInvalid, "page must be a console path such as /console/t/…/analytics, up to 200 bytes")
	}
	return p, nil
}
