package test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/webhook"
)

// TestSettingsProvisioning: before a room is created its tenant's
// SETTINGS_PROVISIONING endpoint is asked (signed); maxOccupants: 2 refuses
// a third participant, lobbyEnabled puts joiners in the lobby, passcode locks
// the room, autoRecord records from the first join, and a slow endpoint
// lets the meeting start with defaults.
func TestSettingsProvisioning(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	f := newTenant(t, s)
	var secret atomic.Value
	var calls, badSigs atomic.Int32
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		calls.Add(1)
		if sec, _ := secret.Load().(string); webhook.Verify(r.Header.Get("X-Jaas-Signature"), sec, body, time.Now(), time.Minute) != nil {
			badSigs.Add(1)
		}
		var req struct{ FQN string }
		json.Unmarshal(body, &req)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(req.FQN, "/small"):
			io.WriteString(w, `{"maxOccupants": 2}`)
		case strings.HasSuffix(req.FQN, "/waiting"):
			io.WriteString(w, `{"lobbyEnabled": true, "lobbyType": "WAIT_FOR_APPROVAL"}`)
		case strings.HasSuffix(req.FQN, "/locked"):
			io.WriteString(w, `{"passcode": "4321"}`)
		case strings.HasSuffix(req.FQN, "/recorded"):
			io.WriteString(w, `{"autoRecord": true}`)
		case strings.HasSuffix(req.FQN, "/slow"):
			<-r.Context().Done() // answers only when the server has given up
			io.WriteString(w, `{"maxOccupants": 2}`)
		default:
			io.WriteString(w, `{}`)
		}
	}))
	t.Cleanup(prov.Close)
	_, sec := createEndpoint(t, s, f.ID, prov.URL, []string{"SETTINGS_PROVISIONING"})
	secret.Store(sec)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	join := func(room, name string, moderator bool, pw string) (*meetclient.Client, error) {
		cl, err := s.dial(t, f.ID+"/"+room, f.token(t, room, name, moderator), nil)
		if err != nil {
			return nil, err
		}
		_, err = cl.Join(ctx, meetclient.JoinOptions{Password: pw})
		return cl, err
	}

	for _, name := range []string{"A", "B"} {
		if _, err := join("small", name, false, ""); err != nil {
			t.Fatalf("small room, %s: %v", name, err)
		}
	}
	var refused *meetclient.RefusedError
	if _, err := join("small", "C", false, ""); !errors.As(err, &refused) || refused.Code != "roomFull" {
		t.Errorf("third participant of a maxOccupants 2 room: got %v, want roomFull", err)
	}

	if _, err := join("waiting", "Host", true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := join("waiting", "Guest", false, ""); !errors.Is(err, meetclient.ErrInLobby) {
		t.Errorf("joiner of a lobbyEnabled room: got %v, want the lobby", err)
	}

	if _, err := join("locked", "Host", true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := join("locked", "Guest", false, ""); !errors.As(err, &refused) || refused.Code != "passwordRequired" {
		t.Errorf("guest of a passcode room: got %v, want passwordRequired", err)
	}
	if _, err := join("locked", "Guest2", false, "4321"); err != nil {
		t.Errorf("guest with the passcode: %v", err)
	}

	// autoRecord (Confer's, beyond JaaS): recorded from the first join.
	rita, err := join("recorded", "Rita", false, "")
	if err != nil {
		t.Fatal(err)
	}
	sigExpect(t, rita, "recordingStatus", func(m meetclient.Message) bool {
		var st struct {
			On          bool   `json:"on"`
			InitiatorID string `json:"initiatorId"`
		}
		return m.Decode(&st) == nil && st.On && st.InitiatorID == "autoRecord"
	})

	start := time.Now()
	for _, name := range []string{"A", "B", "C"} {
		if _, err := join("slow", name, false, ""); err != nil {
			t.Errorf("slow provisioning, %s: %v (a slow endpoint must mean defaults)", name, err)
		}
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("joining behind a slow provisioning endpoint took %v", time.Since(start))
	}
	if calls.Load() < 4 || badSigs.Load() != 0 {
		t.Errorf("provisioning calls %d, with %d bad signatures", calls.Load(), badSigs.Load())
	}
}
