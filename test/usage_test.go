package test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/usage"
)

// TestMonthlyActiveUsers: MAU counts devices that met at least one other
// participant this month, once each; a lone participant does not count.
func TestMonthlyActiveUsers(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo)
		f := newTenant(t, s)
		other := newTenant(t, s)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		join := func(room, name, device string) *meetclient.Client {
			cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: f.ID + "/" + room, JWT: f.token(t, room, name, false), DeviceID: device})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cl.Join(ctx, meetclient.JoinOptions{}); err != nil {
				t.Fatal(err)
			}
			return cl
		}
		lone := join("solo", "Lone", "device-lone")
		time.Sleep(100 * time.Millisecond)
		lone.Close()
		b := join("team", "B", "device-b")
		c := join("team", "C", "device-c")
		c.Close()
		join("team", "C", "device-c") // same device again: still one MAU
		join("team", "D", "device-d")
		time.Sleep(200 * time.Millisecond)
		b.Close()

		get := func(tenant, month string) (int, usage.Month) {
			code, body := s.call(t, "GET", "/api/v1/tenants/"+tenant+"/usage?month="+month, "")
			var m usage.Month
			json.Unmarshal(body, &m)
			return code, m
		}
		month := time.Now().UTC().Format("2006-01")
		var m usage.Month
		eventually(t, 10*time.Second, "usage recorded", func() bool { _, m = get(f.ID, month); return m.MAU == 3 && m.Meetings == 2 })
		last := m.Daily[len(m.Daily)-1]
		if m.Month != month || m.IncludedMAU != 25 || last.MAU != 3 || last.Date != time.Now().UTC().Format("2006-01-02") || m.ParticipantMinutes <= 0 {
			t.Errorf("usage: %+v", m)
		}
		if _, o := get(other.ID, month); o.MAU != 0 || o.Meetings != 0 {
			t.Errorf("another tenant's usage: %+v", o)
		}
		if _, prev := get(f.ID, "2020-01"); prev.MAU != 0 || len(prev.Daily) != 31 {
			t.Errorf("an old month: %+v", prev)
		}
		if code, _ := get(f.ID, "november"); code != 400 {
			t.Errorf("bad month: %d, want 400", code)
		}
		if code, _ := get("vpaas-magic-cookie-00000000000000000000000000000000", month); code != 404 {
			t.Errorf("unknown tenant: %d, want 404", code)
		}
	})
}
