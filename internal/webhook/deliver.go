package webhook

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/store"
)

// Delivery statuses.
const (
	statusPending   = "pending"
	statusRetrying  = "retrying"
	statusSucceeded = "succeeded"
	statusDead      = "dead"
	statusCancelled = "cancelled"
)

// testEventType is the eventType of POST …/webhooks/{id}/test.
const testEventType = "TEST"

// DeliveryArgs is the River job that sends one delivery.
type DeliveryArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (DeliveryArgs) Kind() string { return "webhook_delivery" }

type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	s *Service
}

// Work sends a delivery once; an error makes River retry it (NextRetry).
func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	s := w.s
	d, err := s.cfg.Store.WebhookDelivery(ctx, job.Args.DeliveryID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("delivery %s is gone (endpoint deleted)", job.Args.DeliveryID))
	}
	if err != nil {
		return err
	}
	ep, err := s.cfg.Store.WebhookEndpoint(ctx, "", d.EndpointID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("endpoint %s is gone", d.EndpointID))
	}
	if err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	d.Attempts, d.UpdatedAt, d.NextAttemptAt = job.Attempt, now, nil
	if !ep.Enabled {
		d.Status, d.LastError = statusCancelled, "endpoint disabled"
		s.cfg.Store.RecordWebhookAttempt(ctx, d)
		return river.JobCancel(errors.New("endpoint disabled"))
	}
	code, latency, snippet, sendErr := s.post(ctx, ep, []byte(d.Payload))
	d.LastStatusCode, d.LastLatencyMS, d.ResponseSnippet, d.LastError = code, latency.Milliseconds(), snippet, ""
	switch {
	case sendErr == nil:
		d.Status = statusSucceeded
	case now.Sub(d.CreatedAt) >= s.cfg.MaxAge:
		d.Status, d.LastError = statusDead, sendErr.Error()
	default:
		next := now.Add(s.backoff(job.ID, job.Attempt))
		d.Status, d.LastError, d.NextAttemptAt = statusRetrying, sendErr.Error(), &next
	}
	if err := s.cfg.Store.RecordWebhookAttempt(ctx, d); err != nil {
		s.cfg.Logger.WarnContext(ctx, "record webhook attempt", "delivery", d.ID, "err", err)
	}
	switch d.Status {
	case statusSucceeded:
		return nil
	case statusDead:
		s.cfg.Logger.WarnContext(ctx, "webhook delivery dead", "delivery", d.ID, "endpoint", ep.ID, "attempts", d.Attempts, "err", sendErr)
		return river.JobCancel(sendErr)
	default:
		return sendErr
	}
}

// NextRetry is the deliveries' retry policy: exponential back-off from
// RetryBase, capped at RetryMax, with jitter.
func (w *deliveryWorker) NextRetry(job *river.Job[DeliveryArgs]) time.Time {
	return w.s.cfg.Now().Add(w.s.backoff(job.ID, job.Attempt))
}

// Timeout bounds an attempt: the HTTP timeout and time to record it.
func (w *deliveryWorker) Timeout(*river.Job[DeliveryArgs]) time.Duration {
	return w.s.cfg.Timeout + 10*time.Second
}

// backoff is deterministic for a job and attempt, so the delivery log's
// next-attempt time matches River's schedule.
func (s *Service) backoff(jobID int64, attempt int) time.Duration {
	d := s.cfg.RetryBase << min(max(attempt-1, 0), 20)
	if d > s.cfg.RetryMax || d <= 0 {
		d = s.cfg.RetryMax
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d", jobID, attempt)
	jitter := float64(h.Sum64()%1000) / 1000 // 0..1
	return time.Duration(float64(d) * (0.5 + 0.5*jitter))
}

// post sends one signed request; any 2xx is success.
func (s *Service) post(ctx context.Context, ep store.WebhookEndpoint, body []byte) (int, time.Duration, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, strings.NewReader(string(body)))
	if err != nil {
		return 0, 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Confer-Webhooks/1")
	req.Header.Set(SignatureHeader, Header(ep.Secret, s.cfg.Now(), body))
	if ep.Authorization != "" {
		req.Header.Set("Authorization", ep.Authorization)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	latency := time.Since(start)
	if err != nil {
		return 0, latency, "", fmt.Errorf("POST %s: %w", ep.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	snippet := strings.ToValidUTF8(string(b), "?")
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, latency, snippet, fmt.Errorf("POST %s: %s", ep.URL, resp.Status)
	}
	return resp.StatusCode, latency, snippet, nil
}

// newHTTPClient makes the delivery client: no redirects, and (unless
// allowed) no connections to loopback, private, link-local or other
// special-purpose addresses (checkAddr), checked at connect time so DNS
// cannot be used to get around it.
func newHTTPClient(timeout time.Duration, allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		// Control sees the numeric address of every connection attempt
		// (each A and AAAA answer, IPv6 zones included).
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %q: %w", ErrForbiddenTarget, address, err)
			}
			return checkAddr(ap.Addr())
		}
	}
	return &http.Client{
		Timeout:       timeout,
		Transport:     &http.Transport{DialContext: dialer.DialContext, Proxy: nil, MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
