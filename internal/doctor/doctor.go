// Package doctor checks a running Confer deployment from where it runs — an
// operator's laptop outside the server's network — and says, for each path
// people and media take to it, whether it works and, when it does not,
// what to open or fix: the HTTP(S) endpoints and certificate, then each
// media path for real (UDP and ICE over TCP to the SFU, TURN over UDP, TCP
// and TLS) through the node's media probe (api.ProbeMessage): ICE connects
// and DTLS completes with the SFU's own sockets over exactly that path, and
// a data channel message comes back.
package doctor

import (
	"cmp"
	"context"
	"crypto/x509"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Config says what to check and how.
type Config struct {
	// Server is the deployment's base URL, e.g. https://meet.example.com.
	Server string
	// Token is the operator (admin) token the media probe needs; without
	// it the media paths are not checked.
	Token string
	// RootCAs verify the HTTPS certificate (and TURN over TLS's); nil: the
	// system's roots.
	RootCAs *x509.CertPool
	// PathTimeout bounds one media path's check; default 10 s.
	PathTimeout time.Duration
	// HTTPTimeout bounds one HTTP request; default 10 s.
	HTTPTimeout time.Duration
	// ExpiryWarning is how close to its expiry a certificate is warned
	// about; default 14 days.
	ExpiryWarning time.Duration
	// Now is the clock certificates are checked against; default time.Now.
	Now func() time.Time
}

// Status is a check's outcome.
type Status string

// The outcomes of a check.
const (
	StatusOK   Status = "ok"
	StatusWarn Status = "warn"
	StatusFail Status = "fail"
	// StatusSkip: not checked (an earlier check failed, or no token).
	StatusSkip Status = "skip"
)

// Group is the part of the deployment a check belongs to.
type Group string

// The groups of checks: the HTTP ones must all pass; of the media ones at
// least one.
const (
	GroupHTTP  Group = "http"
	GroupMedia Group = "media"
)

// Check is one line of the report.
type Check struct {
	// Name identifies the check: certificate, healthz, readyz, https, udp,
	// ice-tcp, turn-udp, turn-tcp, turn-tls.
	Name  string `json:"name"`
	Group Group  `json:"group"`
	// Target is what was tested: a URL, an address.
	Target string `json:"target,omitempty"`
	Status Status `json:"status"`
	// Duration is how long the check took (for a media path: until its
	// data channel message came back).
	Duration time.Duration `json:"-"`
	// Millis is Duration in milliseconds (in JSON).
	Millis int64 `json:"ms"`
	// Detail says what was seen; Fix, for a failure or warning, what to do.
	Detail string `json:"detail,omitempty"`
	Fix    string `json:"fix,omitempty"`
}

// Report is the outcome of Run.
type Report struct {
	Server string `json:"server"`
	// Node is the node whose media was probed (in a cluster, the one the
	// load balancer picked); "" when none was.
	Node   string  `json:"node,omitempty"`
	Checks []Check `json:"checks"`
	// OK is true when every HTTP check passed and at least one media path
	// works; missing fallbacks are reported but do not clear it.
	OK      bool   `json:"ok"`
	Summary string `json:"summary"`
}

// doctor runs the checks of one Config.
type doctor struct {
	cfg  Config
	base *url.URL
	// insecure is set once the certificate failed: later requests still
	// reach the server to check the rest.
	insecure bool
}

// Run checks the deployment; its error is only for a Config it cannot use.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg.PathTimeout = cmp.Or(cfg.PathTimeout, 10*time.Second)
	cfg.HTTPTimeout = cmp.Or(cfg.HTTPTimeout, 10*time.Second)
	cfg.ExpiryWarning = cmp.Or(cfg.ExpiryWarning, 14*24*time.Hour)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	base, err := parseServer(cfg.Server)
	if err != nil {
		return Report{}, err
	}
	d := &doctor{cfg: cfg, base: base}
	r := Report{Server: base.String()}
	r.Checks = d.httpChecks(ctx)
	media, node := d.mediaChecks(ctx, httpUp(r.Checks))
	r.Checks, r.Node = append(r.Checks, media...), node
	for i := range r.Checks {
		r.Checks[i].Millis = r.Checks[i].Duration.Milliseconds()
	}
	r.OK, r.Summary = summarize(r.Checks)
	return r, nil
}

// parseServer reads the base URL.
func parseServer(s string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrServerURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not http(s)://host[:port]", ErrServerURL, s)
	}
	return u, nil
}

// httpUp reports whether the server answered /healthz.
func httpUp(checks []Check) bool {
	for _, c := range checks {
		if c.Name == "healthz" {
			return c.Status == StatusOK
		}
	}
	return false
}

// summarize decides the outcome: every HTTP check passed and a media path
// works.
func summarize(checks []Check) (bool, string) {
	httpOK, media, working := true, 0, 0
	var missing []string
	for _, c := range checks {
		switch {
		case c.Group == GroupHTTP && c.Status == StatusFail:
			httpOK = false
		case c.Group == GroupMedia && c.Status == StatusOK:
			media++
			working++
		case c.Group == GroupMedia:
			media++
			missing = append(missing, pathTitle(c.Name))
		}
	}
	switch {
	case !httpOK:
		return false, "FAIL: the server's HTTP(S) side has a problem (see above)"
	case working == 0:
		return false, "FAIL: no media path works from here: meetings would have no audio or video"
	case len(missing) > 0:
		return true, fmt.Sprintf("OK: media works over %d of %d paths; missing: %s (participants on networks that need them get no media)",
			working, media, strings.Join(missing, ", "))
	}
	return true, fmt.Sprintf("OK: HTTP(S) and all %d media paths work", media)
}

// elapsed is the time since start on the wall clock (durations are the
// network's, not the deployment's clock).
func elapsed(start time.Time) time.Duration { return time.Since(start) }
