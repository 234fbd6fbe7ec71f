// Package stripemock runs stripe-mock (github.com/stripe/stripe-mock), the
// Stripe API implementation Stripe publishes for tests, on a free port, and
// builds and signs webhook events as Stripe does.
package stripemock

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/confer-video/confer/internal/store/storetest"
)

// Path finds the stripe-mock binary: on PATH or in $GOPATH/bin (where
// ./scripts/test installs it). Outside CI/integration runs a missing binary
// skips the test.
func Path(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(gopath, "bin", "stripe-mock")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if storetest.Required() {
		t.Fatal("stripe-mock is missing; ./scripts/test installs it")
	}
	t.Skip("stripe-mock not installed; run ./scripts/test (go install github.com/stripe/stripe-mock@v0.203.0)")
	return ""
}

var listening = regexp.MustCompile(`Listening for HTTP at address: .*:(\d+)`)

// Start runs stripe-mock for the test and returns its base URL
// (http://127.0.0.1:port); it stops when the test ends.
func Start(t testing.TB) string {
	t.Helper()
	cmd := exec.Command(Path(t), "-http-port", "0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start stripe-mock: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				port <- m[1]
			}
		}
	}()
	select {
	case p := <-port:
		return "http://127.0.0.1:" + p
	case <-time.After(30 * time.Second):
		t.Fatal("stripe-mock did not say where it listens within 30 s")
		return ""
	}
}

// Event builds a Stripe event's JSON: id, type and data.object.
func Event(id, typ string, object map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "api_version": stripe.APIVersion,
		"created": time.Now().Unix(), "data": map[string]any{"object": object}})
	if err != nil {
		panic(err)
	}
	return b
}

// Sign returns the Stripe-Signature header Stripe would send for payload
// signed with secret at the given time (the v1 HMAC-SHA256 scheme).
func Sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

// Request is one API call a Recorder passed on.
type Request struct {
	Method, Path   string
	IdempotencyKey string
	Form           url.Values
}

// Recorder is a reverse proxy in front of stripe-mock that keeps every
// request, so a test can count the charges Confer made (stripe-mock keeps
// nothing).
type Recorder struct {
	// URL is the proxy's base URL, to give Confer as the API base.
	URL  string
	mu   sync.Mutex
	reqs []Request
}

// Record starts a Recorder in front of the stripe-mock at base; it stops
// when the test ends.
func Record(t testing.TB, base string) *Recorder {
	t.Helper()
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	r := &Recorder{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		r.mu.Lock()
		r.reqs = append(r.reqs, Request{Method: req.Method, Path: req.URL.Path, IdempotencyKey: req.Header.Get("Idempotency-Key"), Form: form})
		r.mu.Unlock()
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// Requests returns the requests made with method to path, oldest first.
func (r *Recorder) Requests(method, path string) []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Request
	for _, q := range r.reqs {
		if q.Method == method && q.Path == path {
			out = append(out, q)
		}
	}
	return out
}
