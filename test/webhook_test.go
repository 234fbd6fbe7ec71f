package test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/webhook"
)

// receiver is an integrator's webhook endpoint: it records what arrives and
// can fail the first N requests.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	failures atomic.Int32
}

type received struct {
	header http.Header
	body   []byte
	env    webhook.Envelope
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if r.failures.Add(-1) >= 0 {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		var env webhook.Envelope
		json.Unmarshal(body, &env)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: body, env: env})
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) events() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *receiver) count(eventType string) int {
	n := 0
	for _, e := range r.events() {
		if e.env.EventType == eventType {
			n++
		}
	}
	return n
}

func fastWebhooks(c *config.Config) {
	c.Demo = false
	c.Webhook.AllowPrivate = true
	c.Webhook.RetryBase = 100 * time.Millisecond
}

// createEndpoint posts the exact body shape of the issue and returns id and secret.
func createEndpoint(t *testing.T, s *testServer, tenant, url string, events []string) (string, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"url": url, "events": events, "authorization": "Bearer integrator-token"})
	code, body := s.call(t, "POST", "/api/v1/tenants/"+tenant+"/webhooks", string(b))
	var out struct{ ID, Secret string }
	if code != 201 || json.Unmarshal(body, &out) != nil || !strings.HasPrefix(out.Secret, "whsec_") || out.ID == "" {
		t.Fatalf("create endpoint: %d %s", code, body)
	}
	return out.ID, out.Secret
}

// TestWebhookMeetingEvents: a meeting of two participants produces JaaS's
// event sequence, each signed, with the envelope's fields.
func TestWebhookMeetingEvents(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, fastWebhooks)
		f := newTenant(t, s)
		rcv := newReceiver(t)
		_, secret := createEndpoint(t, s, f.ID, rcv.URL, []string{"ROOM_CREATED", "ROOM_DESTROYED", "PARTICIPANT_JOINED", "PARTICIPANT_LEFT", "USAGE"})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		room := f.ID + "/hooks"
		a, aj := s.join(ctx, t, room, f.token(t, "hooks", "Ada", true), nil)
		b, _ := s.join(ctx, t, room, f.token(t, "hooks", "Bob", false), nil)
		b.Close()
		a.Close()
		// Deliveries go out concurrently, so the last event may arrive
		// before an earlier one: wait for them all.
		want := map[string]int{"ROOM_CREATED": 1, "PARTICIPANT_JOINED": 2, "USAGE": 1, "PARTICIPANT_LEFT": 2, "ROOM_DESTROYED": 1}
		eventually(t, 20*time.Second, "all events", func() bool {
			for typ, n := range want {
				if rcv.count(typ) < n {
					return false
				}
			}
			return true
		})
		keys := map[string]bool{}
		for typ, n := range want {
			if got := rcv.count(typ); got != n {
				t.Errorf("%s: received %d, want %d", typ, got, n)
			}
		}
		for _, e := range rcv.events() {
			env := e.env
			if err := webhook.Verify(e.header.Get("X-Jaas-Signature"), secret, e.body, time.Now(), time.Minute); err != nil {
				t.Errorf("%s: signature: %v", env.EventType, err)
			}
			if e.header.Get("Content-Type") != "application/json" || e.header.Get("Authorization") != "Bearer integrator-token" {
				t.Errorf("%s: headers %v", env.EventType, e.header)
			}
			if env.AppID != f.ID || env.CustomerID != strings.TrimPrefix(f.ID, "vpaas-magic-cookie-") || env.FQN != room ||
				env.SessionID != aj.Room.MeetingID || time.Since(time.UnixMilli(env.Timestamp)) > time.Minute {
				t.Errorf("%s: envelope %+v", env.EventType, env)
			}
			if keys[env.IdempotencyKey] {
				t.Errorf("%s: idempotencyKey %s reused across events", env.EventType, env.IdempotencyKey)
			}
			keys[env.IdempotencyKey] = true
			data, _ := env.Data.(map[string]any)
			switch env.EventType {
			case "ROOM_CREATED", "ROOM_DESTROYED":
				if !strings.HasPrefix(data["conference"].(string), "hooks@conference."+f.ID+".") {
					t.Errorf("%s: conference %v", env.EventType, data["conference"])
				}
			case "PARTICIPANT_JOINED":
				if data["participantId"] == "" || (data["name"] != "Ada" && data["name"] != "Bob") || data["id"] == "" {
					t.Errorf("PARTICIPANT_JOINED data %v", data)
				}
				if data["name"] == "Ada" && data["moderator"] != true {
					t.Errorf("Ada joined as non-moderator: %v", data)
				}
			case "PARTICIPANT_LEFT":
				if data["disconnectReason"] != "left" {
					t.Errorf("PARTICIPANT_LEFT reason %v", data["disconnectReason"])
				}
			case "USAGE":
				items, _ := env.Data.([]any)
				if len(items) != 2 {
					t.Errorf("USAGE at the second join lists %d participants, want both", len(items))
				}
				for _, it := range items {
					m := it.(map[string]any)
					if m["deviceId"] == "" || !strings.HasPrefix(m["kid"].(string), f.ID+"/") {
						t.Errorf("USAGE item %v", m)
					}
				}
			}
		}
	})
}

// TestWebhookRetries: a receiver that fails the first attempts gets the event
// after retries with the same idempotencyKey; the delivery log tells it.
func TestWebhookRetries(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	f := newTenant(t, s)
	rcv := newReceiver(t)
	rcv.failures.Store(3)
	id, _ := createEndpoint(t, s, f.ID, rcv.URL, []string{"ROOM_CREATED"})
	code, body := s.call(t, "POST", "/api/v1/tenants/"+f.ID+"/webhooks/"+id+"/test", "")
	if code != http.StatusAccepted {
		t.Fatalf("test event: %d %s", code, body)
	}
	eventually(t, 20*time.Second, "the test event after 3 failures", func() bool { return rcv.count("TEST") == 1 })
	path := "/api/v1/tenants/" + f.ID + "/webhooks/" + id + "/deliveries"
	var log struct{ Deliveries []webhook.Delivery }
	eventually(t, 10*time.Second, "delivery log", func() bool {
		_, body := s.call(t, "GET", path, "")
		json.Unmarshal(body, &log)
		return len(log.Deliveries) == 1 && log.Deliveries[0].Status == "succeeded"
	})
	d := log.Deliveries[0]
	if d.Attempts != 4 || d.StatusCode != 204 || d.EventType != "TEST" {
		t.Errorf("delivery log: %+v, want 4 attempts ending in 204", d)
	}
	// Replay sends the same payload and idempotencyKey again.
	if code, body := s.call(t, "POST", path+"/"+d.ID+"/replay", ""); code != http.StatusAccepted {
		t.Fatalf("replay: %d %s", code, body)
	}
	eventually(t, 10*time.Second, "the replay", func() bool { return rcv.count("TEST") == 2 })
	ev := rcv.events()
	if ev[0].env.IdempotencyKey != ev[1].env.IdempotencyKey || string(ev[0].body) != string(ev[1].body) {
		t.Error("replay changed the payload or idempotencyKey")
	}
	// Rotating the secret signs later deliveries with the new one.
	code, body = s.call(t, "POST", "/api/v1/tenants/"+f.ID+"/webhooks/"+id+"/rotate-secret", "")
	var rotated struct{ Secret string }
	json.Unmarshal(body, &rotated)
	if code != 200 || !strings.HasPrefix(rotated.Secret, "whsec_") {
		t.Fatalf("rotate: %d %s", code, body)
	}
	s.call(t, "POST", "/api/v1/tenants/"+f.ID+"/webhooks/"+id+"/test", "")
	eventually(t, 10*time.Second, "a test event after rotation", func() bool { return rcv.count("TEST") == 3 })
	last := rcv.events()[2]
	if err := webhook.Verify(last.header.Get("X-Jaas-Signature"), rotated.Secret, last.body, time.Now(), time.Minute); err != nil {
		t.Errorf("after rotation: %v", err)
	}
}

func TestWebhookEndpointsAPI(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo) // private addresses not allowed
	f := newTenant(t, s)
	other := newTenant(t, s)
	base := "/api/v1/tenants/" + f.ID + "/webhooks"
	for _, tc := range []struct{ name, body, code string }{
		{"loopback refused", `{"url": "http://127.0.0.1:9/hook", "events": ["ROOM_CREATED"]}`, "invalid_argument"},
		{"private refused", `{"url": "http://10.1.2.3/hook", "events": ["ROOM_CREATED"]}`, "invalid_argument"},
		{"link-local metadata refused", `{"url": "http://169.254.169.254/latest", "events": ["ROOM_CREATED"]}`, "invalid_argument"},
		{"ftp refused", `{"url": "ftp://example.com/", "events": ["ROOM_CREATED"]}`, "invalid_argument"},
		{"unknown event", `{"url": "https://hooks.example.com/", "events": ["ROOM_PARTY"]}`, "invalid_argument"},
		{"no events", `{"url": "https://hooks.example.com/", "events": []}`, "invalid_argument"},
		{"header injection", `{"url": "https://hooks.example.com/", "events": ["USAGE"], "authorization": "x\r\nX-Evil: 1"}`, "invalid_argument"},
	} {
		code, body := s.call(t, "POST", base, tc.body)
		if code != 400 || errorCode(t, body) != tc.code {
			t.Errorf("%s: %d %s", tc.name, code, body)
		}
	}
	code, body := s.call(t, "POST", base, `{"url": "https://hooks.example.com/jaas", "events": ["room_created", "USAGE"]}`)
	var e webhook.Endpoint
	if code != 201 || json.Unmarshal(body, &e) != nil || len(e.Events) != 2 || !e.Enabled {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := s.call(t, "PATCH", base+"/"+e.ID, `{"enabled": false, "events": ["PARTICIPANT_LEFT"]}`); code != 200 || strings.Contains(string(body), "whsec_") ||
		!strings.Contains(string(body), `"enabled": false`) {
		t.Errorf("patch: %d %s", code, body)
	}
	if code, body := s.call(t, "GET", base, ""); code != 200 || strings.Contains(string(body), "whsec_") || !strings.Contains(string(body), e.ID) {
		t.Errorf("list: %d %s", code, body)
	}
	if code, _ := s.call(t, "GET", "/api/v1/tenants/"+other.ID+"/webhooks/"+e.ID, ""); code != 404 {
		t.Errorf("another tenant's endpoint: %d, want 404", code)
	}
	if code, _ := s.call(t, "DELETE", "/api/v1/tenants/"+other.ID+"/webhooks/"+e.ID, ""); code != 404 {
		t.Errorf("deleting another tenant's endpoint: %d, want 404", code)
	}
	if code, _ := s.call(t, "DELETE", base+"/"+e.ID, ""); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if code, _ := s.call(t, "GET", base+"/"+e.ID, ""); code != 404 {
		t.Errorf("deleted endpoint: %d, want 404", code)
	}
}
