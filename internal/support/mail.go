package support

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/store"
)

// MailArgs is the River job that sends one notification e-mail.
type MailArgs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Kind implements river.JobArgs.
func (MailArgs) Kind() string { return "support_mail" }

// InsertOpts gives a mail server that is down for a while about eleven
// hours of retries (River waits attempt⁴ seconds between them).
func (MailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

type mailWorker struct {
	river.WorkerDefaults[MailArgs]
	s *Service
}

// Work sends the e-mail.
func (w *mailWorker) Work(ctx context.Context, job *river.Job[MailArgs]) error {
	if err := w.s.cfg.Mailer.Send(ctx, job.Args.To, job.Args.Subject, job.Args.Body); err != nil {
		w.s.cfg.Logger.WarnContext(ctx, "support e-mail not sent; will retry", "attempt", job.Attempt, "err", err)
		return err
	}
	return nil
}

// Timeout bounds one attempt (the mailer's own limit is 30 s).
func (w *mailWorker) Timeout(*river.Job[MailArgs]) time.Duration { return time.Minute }

// enqueue inserts the e-mails' jobs in tx (none without a mailer).
func (s *Service) enqueue(ctx context.Context, tx *store.Tx, mails ...MailArgs) error {
	if s.cfg.Mailer == nil {
		return nil
	}
	var params []river.InsertManyParams
	for _, m := range mails {
		if m.To != "" {
			params = append(params, river.InsertManyParams{Args: m})
		}
	}
	if len(params) == 0 {
		return nil
	}
	if err := s.cfg.Jobs.InsertManyTx(ctx, tx.SQL(), params); err != nil {
		return fmt.Errorf("support: enqueue e-mail: %w", err)
	}
	return nil
}

// toOperator tells the operator about a new request (first) or a member's
// reply.
func (s *Service) toOperator(r store.SupportRequest, m store.SupportMessage, first bool) MailArgs {
	if s.cfg.OperatorEmail == "" {
		return MailArgs{}
	}
	var b strings.Builder
	if first {
		fmt.Fprintf(&b, "%s <%s> opened a support request for %s (%s).\n\n", m.AuthorName, m.AuthorEmail, r.TenantName, r.TenantID)
		fmt.Fprintf(&b, "Subject:  %s\nSeverity: %s\n", r.Subject, r.Severity)
		if r.Page != "" {
			fmt.Fprintf(&b, "Page:     %s\n", s.link(r.Page))
		}
		if r.MeetingID != "" {
			fmt.Fprintf(&b, "Meeting:  %s\n", r.MeetingID)
		}
	} else {
		fmt.Fprintf(&b, "%s <%s> replied to support request %s of %s (%s).\n", m.AuthorName, m.AuthorEmail, r.ID, r.TenantName, r.TenantID)
	}
	fmt.Fprintf(&b, "\n%s\n\n-- \nAnswer in the operator's inbox: %s\nor: confer support reply %s --server %s\n",
		m.Body, s.link("/console/operator/support#"+r.ID), r.ID, strings.TrimRight(s.cfg.PublicURL(), "/"))
	prefix := "New support request"
	if !first {
		prefix = "Re"
	}
	return MailArgs{To: s.cfg.OperatorEmail, Subject: oneLine(fmt.Sprintf("%s [%s]: %s (%s)", prefix, r.Severity, r.Subject, r.TenantName)), Body: b.String()}
}

// toRequester sends the operator's reply to whoever opened the request.
func (s *Service) toRequester(r store.SupportRequest, m store.SupportMessage) MailArgs {
	body := fmt.Sprintf("%s answered your support request for %s:\n\n%s\n\n-- \nSee the whole thread and reply in the console: %s\n",
		m.AuthorName, r.TenantName, m.Body, s.link("/console/t/"+url.PathEscape(r.TenantID)+"/support#"+r.ID))
	return MailArgs{To: r.OpenerEmail, Subject: oneLine("Re: " + r.Subject + " [" + s.cfg.OperatorName + "]"), Body: body}
}

func (s *Service) link(path string) string { return strings.TrimRight(s.cfg.PublicURL(), "/") + path }

// oneLine makes s fit an e-mail header: control characters become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
