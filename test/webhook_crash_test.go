package test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/usage"
	"github.com/confer-video/confer/internal/webhook"
)

// TestWebhooksSurviveKill: events of a meeting whose receiver is down are
// not lost when Confer is killed with SIGKILL, not even those being sent at
// that moment: after a restart, the receiver gets every one of them (at
// least once), and the meeting is counted once in the analytics.
func TestWebhooksSurviveKill(t *testing.T) {
	t.Parallel()
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	data := t.TempDir()
	addr := freePort(t)
	rcvAddr := freePort(t) // nothing listens there yet: the receiver is down
	env := append(os.Environ(), "CONFER_ADMIN_TOKEN="+adminToken, "CONFER_DEMO=false", "CONFER_RTC_UDP=127.0.0.1:0", "CONFER_RTC_TCP=127.0.0.1:0",
		"CONFER_TURN_LISTEN=127.0.0.1:0", "CONFER_WEBHOOK_ALLOW_PRIVATE=true", "CONFER_WEBHOOK_RETRY_BASE=300ms",
		"CONFER_WEBHOOK_RETRY_MAX=2s", "CONFER_WEBHOOK_TIMEOUT=2s")
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--listen", addr, "--data", data)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		waitHealthy(t, "http://"+addr)
		return cmd
	}
	srv := start()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := &client.Client{BaseURL: "http://" + addr, Token: adminToken}
	tn, err := c.CreateTenant(ctx, api.CreateTenantRequest{Name: "Crash"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateKey(ctx, tn.ID, api.CreateKeyRequest{Generate: true})
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := rsakey.ParsePrivate([]byte(k.PrivateKey))
	body := fmt.Sprintf(`{"url": "http://%s/hook", "events": ["ROOM_CREATED", "ROOM_DESTROYED", "PARTICIPANT_JOINED", "PARTICIPANT_LEFT", "USAGE"]}`, rcvAddr)
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/tenants/"+tn.ID+"/webhooks", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create endpoint: %v %v", err, resp)
	}
	var ep struct{ ID, Secret string }
	json.NewDecoder(resp.Body).Decode(&ep)
	resp.Body.Close()

	// A meeting of two: created, 2 joined, usage, 2 left, destroyed = 7 events.
	var clients []*meetclient.Client
	for _, name := range []string{"Ada", "Bob"} {
		jwt, _ := token.SignRS256(priv, k.KID, token.Grant{Tenant: tn.ID, Room: "crash", User: token.User{Name: name}})
		cl, err := meetclient.Dial(ctx, meetclient.Config{URL: "ws://" + addr + "/_confer/signal", Room: tn.ID + "/crash", JWT: jwt, DeviceID: "dev-" + name})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Join(ctx, meetclient.JoinOptions{}); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, cl)
	}
	for _, cl := range clients {
		cl.Close()
	}
	// Wait until all 7 deliveries exist and were tried (and failed) at least once.
	deliveriesURL := "http://" + addr + "/api/v1/tenants/" + tn.ID + "/webhooks/" + ep.ID + "/deliveries"
	waitDeliveries := func(want int) {
		eventually(t, 20*time.Second, fmt.Sprintf("%d tried deliveries", want), func() bool {
			req, _ := http.NewRequest("GET", deliveriesURL, nil)
			req.Header.Set("Authorization", "Bearer "+adminToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			var log struct{ Deliveries []webhook.Delivery }
			json.NewDecoder(resp.Body).Decode(&log)
			tried := 0
			for _, d := range log.Deliveries {
				if d.Attempts > 0 {
					tried++
				}
			}
			return len(log.Deliveries) == want && tried == want
		})
	}
	waitDeliveries(7)

	// The receiver comes up but does not answer: deliveries are being sent
	// (claimed, leased) when Confer is killed.
	hung := make(chan struct{}, 16)
	release := make(chan struct{})
	hangLn, err := net.Listen("tcp", rcvAddr)
	if err != nil {
		t.Fatal(err)
	}
	hang := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case hung <- struct{}{}:
		default:
		}
		<-release
	})}
	go hang.Serve(hangLn)
	select {
	case <-hung:
	case <-ctx.Done():
		t.Fatal("no delivery reached the receiver that hangs")
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	close(release)
	hang.Close()

	var mu sync.Mutex
	keys := map[string]string{}
	ln, err := net.Listen("tcp", rcvAddr)
	if err != nil {
		t.Fatal(err)
	}
	rcv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if webhook.Verify(r.Header.Get("X-Jaas-Signature"), ep.Secret, b, time.Now(), time.Minute) != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var env webhook.Envelope
		json.Unmarshal(b, &env)
		mu.Lock()
		keys[env.IdempotencyKey] = env.EventType
		mu.Unlock()
	})}
	go rcv.Serve(ln)
	t.Cleanup(func() { rcv.Close() })

	start()
	defer func() {
		if t.Failed() {
			mu.Lock()
			t.Logf("received after restart: %v", keys)
			mu.Unlock()
		}
	}()
	eventually(t, 120*time.Second, "every event after the restart", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(keys) == 7
	})
	count := map[string]int{}
	for _, typ := range keys {
		count[typ]++
	}
	if count["PARTICIPANT_JOINED"] != 2 || count["PARTICIPANT_LEFT"] != 2 || count["ROOM_CREATED"] != 1 || count["ROOM_DESTROYED"] != 1 || count["USAGE"] != 1 {
		t.Errorf("events after restart: %v", count)
	}
	var ms struct{ Meetings []usage.Meeting }
	adminGet(t, "http://"+addr+"/api/v1/tenants/"+tn.ID+"/analytics/meetings", &ms)
	if len(ms.Meetings) != 1 || ms.Meetings[0].Joins != 2 || ms.Meetings[0].Ongoing {
		t.Errorf("meetings after restart: got %+v, want one ended meeting of 2 joins", ms.Meetings)
	}
	var month usage.Month
	adminGet(t, "http://"+addr+"/api/v1/tenants/"+tn.ID+"/usage", &month)
	if month.MAU != 2 {
		t.Errorf("MAU after restart: got %d, want 2", month.MAU)
	}
}

// adminGet decodes the JSON answer of an admin GET.
func adminGet(t *testing.T, url string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
}
