// Package test holds Confer's full-server tests: a real server on 127.0.0.1
// (in-process, or the built binary), driven by real HTTP clients.
package test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/server"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

const adminToken = "test-admin-token-0123456789abcdef"

// testServer is a running in-process server.
type testServer struct {
	*server.Server
	URL    string
	Client *client.Client
	Out    *bytes.Buffer
	Events *eventLog
	HTTP   *http.Client
	Config config.Config
}

// eventLog records the room events a server emits.
type eventLog struct {
	mu     sync.Mutex
	events []room.Event
}

func (l *eventLog) Emit(_ context.Context, e room.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

// find returns the events of a type.
func (l *eventLog) find(t room.EventType) []room.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []room.Event
	for _, e := range l.events {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

// startServer runs a server on a free loopback port against a fresh
// database of the given dialect.
func startServer(t *testing.T, d store.Dialect, mutate ...func(*config.Config)) *testServer {
	t.Helper()
	return startServerClock(t, d, nil, mutate...)
}

// startServerClock is startServer with the server's clock (nil: time.Now).
func startServerClock(t *testing.T, d store.Dialect, now func() time.Time, mutate ...func(*config.Config)) *testServer {
	t.Helper()
	sc := storetest.Config(t, d)
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	cfg.Database.URL = sc.URL
	if sc.DataDir != "" {
		cfg.Data = sc.DataDir
	}
	cfg.AdminToken = adminToken
	cfg.RTC.UDP = "127.0.0.1:0"
	cfg.RTC.TCP = "127.0.0.1:0"
	cfg.TURN.Listen = "127.0.0.1:0"
	for _, m := range mutate {
		m(&cfg)
	}
	return runServer(t, cfg, now)
}

// testClock is a server clock that runs with real time and that a test
// moves forward, instead of sleeping, when time must pass (a meeting's
// length, a speaker's turn).
type testClock struct{ ahead atomic.Int64 }

// Now is the real time plus how far the test moved the clock.
func (c *testClock) Now() time.Time { return time.Now().Add(time.Duration(c.ahead.Load())) }

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) { c.ahead.Add(int64(d)) }

// runServer starts a server with the given configuration (another server's
// Config reopens its database) and clock (nil: time.Now).
func runServer(t *testing.T, cfg config.Config, now func() time.Time) *testServer {
	t.Helper()
	logs := newTestWriter(t)
	out := &bytes.Buffer{}
	events := &eventLog{}
	ctx := context.Background()
	srv, err := server.New(ctx, cfg, server.Deps{Out: out, KeyBits: 2048, Events: events, Now: now,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Stop(ctx)
	})
	url := srv.URL()
	hc := &http.Client{Timeout: 30 * time.Second}
	if cfg.TLS.SelfSigned {
		pem, err := os.ReadFile(filepath.Join(cfg.Data, server.SelfSignedCert))
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	}
	return &testServer{Server: srv, URL: url, Out: out, Events: events, HTTP: hc, Config: cfg,
		Client: &client.Client{BaseURL: url, Token: adminToken, HTTP: hc}}
}

// testWriter sends server logs to the test log, so they show only for
// failing tests (and with -v); writes after the test ended are dropped.
type testWriter struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func newTestWriter(t *testing.T) *testWriter {
	w := &testWriter{t: t}
	t.Cleanup(func() { w.mu.Lock(); w.done = true; w.mu.Unlock() }) // registered first, runs last
	return w
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// call sends a request with the admin token and returns status and body.
func (s *testServer) call(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	return s.callAs(t, adminToken, method, path, body)
}

func (s *testServer) callAs(t *testing.T, bearer, method, path, body string) (int, []byte) {
	t.Helper()
	auth := ""
	if bearer != "" {
		auth = "Bearer " + bearer
	}
	resp, b := s.send(t, method, path, []byte(body), "Authorization", auth)
	return resp.StatusCode, b
}

// errorCode extracts error.code from an error body.
func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	e := errorBody(t, body)
	if e.Message == "" {
		t.Errorf("error body %s has no message", body)
	}
	return e.Code
}

// errorMessage is error.message of an error body.
func errorMessage(t *testing.T, body []byte) string {
	t.Helper()
	return errorBody(t, body).Message
}

func errorBody(t *testing.T, body []byte) api.ErrorDetail {
	t.Helper()
	var e api.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	return e.Error
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func forEachDialect(t *testing.T, fn func(t *testing.T, d store.Dialect)) {
	t.Helper()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}
