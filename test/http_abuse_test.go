package test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/store"
)

// slowBody opens a connection to s and sends a request's headers, then
// only the first byte of its body.
func slowBody(t *testing.T, s *testServer) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_, err = conn.Write([]byte("POST /api/v1/auth/login HTTP/1.1\r\nHost: confer\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"))
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// A client that sends its body byte by byte loses the connection after
// http.body_timeout instead of holding a handler for ever.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, func(c *config.Config) { c.HTTP.BodyTimeout = 500 * time.Millisecond })
	conn := slowBody(t, s)
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("the server still waits for the body after 20 s; want it to give up after the body timeout")
	}
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("slow body answered %d, want a 4xx or a closed connection", resp.StatusCode)
		}
	}
}

// One client address cannot hold more than http.max_in_flight requests.
func TestRequestsInFlightPerClient(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, func(c *config.Config) { c.HTTP.MaxInFlight = 5 })
	for range 5 {
		slowBody(t, s)
	}
	var last int
	eventually(t, 10*time.Second, "the 6th request refused with 429", func() bool {
		code, _ := s.call(t, http.MethodGet, "/healthz", "")
		last = code
		return code == http.StatusTooManyRequests
	})
	if last != http.StatusTooManyRequests {
		t.Errorf("got %d", last)
	}
}

// Generating key pairs (a second of CPU each at 4096 bits) is limited per
// tenant; uploading keys is not.
func TestKeyGenerationIsLimited(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s) // generates the first pair
	for i := range 4 {
		if code, out := s.call(t, http.MethodPost, "/api/v1/tenants/"+f.ID+"/keys", `{"generate": true}`); code != http.StatusCreated {
			t.Fatalf("generation %d: %d %s", i+2, code, out)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/v1/tenants/"+f.ID+"/keys", strings.NewReader(`{"generate": true}`))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := s.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("6th generation in a row: %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	other := newTenant(t, s)
	if code, out := s.call(t, http.MethodPost, "/api/v1/tenants/"+other.ID+"/keys", `{"generate": true}`); code != http.StatusCreated {
		t.Errorf("another tenant's generation: %d %s", code, out)
	}
}

// A tenant has at most 20 webhook endpoints, and sends test events and
// replays by hand at a bounded rate: each is a delivery to every endpoint.
func TestWebhookLimits(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo, func(c *config.Config) { c.Webhook.AllowPrivate = true })
	f := newTenant(t, s)
	var first string
	for i := range 20 {
		id, _ := createEndpoint(t, s, f.ID, fmt.Sprintf("http://127.0.0.1:9/hook%d", i), []string{"ROOM_CREATED"})
		if i == 0 {
			first = id
		}
	}
	code, body := s.call(t, http.MethodPost, "/api/v1/tenants/"+f.ID+"/webhooks", `{"url": "http://127.0.0.1:9/more", "events": ["ROOM_CREATED"]}`)
	if code != http.StatusConflict || errorCode(t, body) != "limit_reached" {
		t.Errorf("21st endpoint: %d %s, want 409 limit_reached", code, body)
	}
	for i := range 30 {
		if code, body := s.call(t, http.MethodPost, "/api/v1/tenants/"+f.ID+"/webhooks/"+first+"/test", ""); code != http.StatusAccepted {
			t.Fatalf("test event %d: %d %s", i+1, code, body)
		}
	}
	if code, body := s.call(t, http.MethodPost, "/api/v1/tenants/"+f.ID+"/webhooks/"+first+"/test", ""); code != http.StatusTooManyRequests {
		t.Errorf("31st test event at once: %d %s, want 429", code, body)
	}
}
