package test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/usage"
)

// TestMonthlyActiveUsers: MAU counts devices that met at least one other
// participant this month, once each; a lone participant does not count.
func TestMonthlyActiveUsers(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		clock := &testClock{}
		s := startServerClock(t, d, clock.Now, noDemo)
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
		clock.Advance(time.Minute)
		lone.Close()
		b := join("team", "B", "device-b")
		c := join("team", "C", "device-c")
		c.Close()
		join("team", "C", "device-c") // same device again: still one MAU
		join("team", "D", "device-d")
		clock.Advance(time.Minute)
		b.Close()
		// Lone, C the first time and B have left: their minutes are counted.
		eventually(t, 10*time.Second, "three leaves", func() bool { return len(s.Events.find(room.ParticipantLeft)) == 3 })

		get := func(tenant, month string) (int, usage.Month) {
			code, body := s.call(t, "GET", "/api/v1/tenants/"+tenant+"/usage?month="+month, "")
			var m usage.Month
			json.Unmarshal(body, &m)
			return code, m
		}
		month := clock.Now().UTC().Format("2006-01")
		var m usage.Month
		eventually(t, 10*time.Second, "usage recorded", func() bool { _, m = get(f.ID, month); return m.MAU == 3 && m.Meetings == 2 })
		last := m.Daily[len(m.Daily)-1]
		if m.Month != month || m.IncludedMAU != 25 || last.MAU != 3 || last.Date != clock.Now().UTC().Format("2006-01-02") || m.ParticipantMinutes < 2 {
			t.Errorf("usage: %+v", m)
		}
		if _, o := get(other.ID, month); o.MAU != 0 || o.Meetings != 0 {
			t.Errorf("another tenant's usage: %+v", o)
		}
		if _, prev := get(f.ID, "2020-01"); prev.MAU != 0 || len(prev.Daily) != 31 {
			t.Errorf("an old month: %+v", prev)
		}
		code, svg := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/usage/chart.svg?month="+month, "")
		if code != 200 || !strings.HasPrefix(string(svg), "<svg") || !strings.Contains(string(svg), "3 of 25 included") {
			t.Errorf("chart: %d %.200s", code, svg)
		}
		if code, _ := get(f.ID, "november"); code != 400 {
			t.Errorf("bad month: %d, want 400", code)
		}
		if code, _ := get("vpaas-magic-cookie-00000000000000000000000000000000", month); code != 404 {
			t.Errorf("unknown tenant: %d, want 404", code)
		}
	})
}

// TestMAUMonthBoundary: months are calendar months in UTC. Devices meeting
// before midnight on the last day and still together after it are active
// in both months (counted at the next join or leave); a device is counted
// once per month however many meetings it attends.
func TestMAUMonthBoundary(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		var clock atomic.Int64
		clock.Store(time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC).UnixNano())
		now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
		first := startServer(t, d, noDemo)
		f := newTenant(t, first)
		stop, cancelStop := context.WithTimeout(context.Background(), 5*time.Second)
		first.Stop(stop)
		cancelStop()
		s := runServer(t, first.Config, now)

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		join := func(room, name string) *meetclient.Client {
			jwt := f.token(t, room, name, false, func(g *token.Grant) {
				g.NotBefore, g.Expires = now().Add(-time.Hour), now().Add(24*time.Hour)
			})
			cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: f.ID + "/" + room, JWT: jwt, DeviceID: "device-" + name})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cl.Join(ctx, meetclient.JoinOptions{}); err != nil {
				t.Fatal(err)
			}
			return cl
		}
		mau := func(month string) int {
			var m usage.Month
			_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/usage?month="+month, "")
			json.Unmarshal(body, &m)
			return m.MAU
		}
		a, b := join("late", "A"), join("late", "B")
		d1, e1 := join("overnight", "D"), join("overnight", "E")
		eventually(t, 10*time.Second, "four MAU in November", func() bool { return mau("2026-11") == 4 })
		clock.Store(time.Date(2026, 12, 1, 0, 1, 0, 0, time.UTC).UnixNano())
		if got := mau("2026-12"); got != 0 {
			t.Errorf("December before anyone joins or leaves in it: %d MAU", got)
		}
		c := join("late", "C") // A and B are with C in December
		eventually(t, 10*time.Second, "three MAU in December", func() bool { return mau("2026-12") == 3 })
		e1.Close() // D and E were together in December until now
		eventually(t, 10*time.Second, "five MAU in December", func() bool { return mau("2026-12") == 5 })
		a2, c2 := join("next", "A"), join("next", "C") // the same devices in another meeting
		for _, cl := range []*meetclient.Client{a, b, c, d1, a2, c2} {
			cl.Close()
		}
		// The three meetings have ended: every join and leave is counted.
		eventually(t, 10*time.Second, "the meetings ended", func() bool { return len(s.Events.find(room.RoomDestroyed)) == 3 })
		if nov, dec := mau("2026-11"), mau("2026-12"); nov != 4 || dec != 5 {
			t.Errorf("MAU November %d, December %d; want 4 and 5", nov, dec)
		}
	})
}
