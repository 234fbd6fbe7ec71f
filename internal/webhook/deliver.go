package webhook

import (
	"bytes"
	"context"
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

	"github.com/confer-video/confer/internal/public"
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

// DeliveryArgs is the River job that sent one delivery before deliveries
// became a queue of their own. A job of an older version still queued
// finishes at once: the senders send its delivery row.
type DeliveryArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (DeliveryArgs) Kind() string { return "webhook_delivery" }

type legacyWorker struct {
	river.WorkerDefaults[DeliveryArgs]
}

// Work does nothing: the delivery's row is due, and the senders send it.
func (*legacyWorker) Work(context.Context, *river.Job[DeliveryArgs]) error { return nil }

// attempt sends a claimed delivery once and returns it with the outcome,
// due again at NextAttemptAt when it is to be retried.
func (s *Service) attempt(ctx context.Context, d store.WebhookDelivery, ep *store.WebhookEndpoint) store.WebhookDelivery {
	now := s.cfg.Now().UTC()
	d.Attempts++
	d.UpdatedAt, d.NextAttemptAt = now, nil
	switch {
	case ep == nil:
		d.Status, d.LastError = statusCancelled, "endpoint deleted"
		return d
	case !ep.Enabled:
		d.Status, d.LastError = statusCancelled, "endpoint disabled"
		return d
	}
	code, latency, snippet, sendErr := s.post(ctx, *ep, []byte(d.Payload))
	d.LastStatusCode, d.LastLatencyMS, d.ResponseSnippet, d.LastError = code, latency.Milliseconds(), snippet, ""
	switch {
	case sendErr == nil:
		d.Status = statusSucceeded
	case now.Sub(d.CreatedAt) >= s.cfg.MaxAge:
		d.Status, d.LastError = statusDead, sendErr.Error()
		s.cfg.Logger.WarnContext(ctx, "webhook delivery dead", "delivery", d.ID, "endpoint", ep.ID, "attempts", d.Attempts, "err", sendErr)
	default:
		next := now.Add(s.backoff(d.ID, d.Attempts))
		d.Status, d.LastError, d.NextAttemptAt = statusRetrying, sendErr.Error(), &next
	}
	return d
}

// backoff is the retry policy: exponential from RetryBase, capped at
// RetryMax, with jitter that is deterministic for a delivery and attempt.
func (s *Service) backoff(deliveryID string, attempt int) time.Duration {
	d := s.cfg.RetryBase << min(max(attempt-1, 0), 20)
	if d > s.cfg.RetryMax || d <= 0 {
		d = s.cfg.RetryMax
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", deliveryID, attempt)
	jitter := float64(h.Sum64()%1000) / 1000 // 0..1
	return time.Duration(float64(d) * (0.5 + 0.5*jitter))
}

// post sends one signed request; any 2xx is success.
func (s *Service) post(ctx context.Context, ep store.WebhookEndpoint, body []byte) (int, time.Duration, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
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
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // read to the end: the connection is kept
	snippet := strings.ToValidUTF8(string(b), "?")
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, latency, snippet, fmt.Errorf("POST %s: %s", ep.URL, resp.Status)
	}
	return resp.StatusCode, latency, snippet, nil
}

// newHTTPClient makes the delivery client: connections kept alive (as many
// per host as deliveries run at once), no redirects, and (unless allowed)
// no connections to loopback, private, link-local or other special-purpose
// addresses (checkAddr), checked at connect time so DNS cannot be used to
// get around it.
func newHTTPClient(timeout time.Duration, allowPrivate bool, conns int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		// Control sees the numeric address of every connection attempt
		// (each A and AAAA answer, IPv6 zones included).
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return public.Errorf(ErrForbiddenTarget, "%q: %w", address, err)
			}
			return checkAddr(ap.Addr())
		}
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil, MaxIdleConnsPerHost: conns,
			IdleConnTimeout: time.Minute, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
