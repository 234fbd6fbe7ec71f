package test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/usage"
)

// TestPlansAndHardCap: an operator defines plans and moves a tenant onto a
// capped one; once its included MAU are used, a new device is refused with
// mauLimitReached while devices already counted this month still join.
func TestPlansAndHardCap(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo, func(c *config.Config) {
			c.Plans = []config.Plan{{ID: "enterprise", Name: "Enterprise", PriceCents: 99900, IncludedMAU: 5000, OverageCents: 25}}
		})
		f := newTenant(t, s)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		for _, tc := range []struct {
			name, body string
			code       int
		}{
			{"capped", `{"id":"tiny","name":"Tiny","price_cents":500,"included_mau":2,"overage_cents":0,"hard_cap":true}`, 201},
			{"overage", `{"id":"grow","name":"Grow","price_cents":9900,"included_mau":1,"overage_cents":99}`, 201},
			{"bad id", `{"id":"Tiny Plan","name":"x"}`, 400},
			{"no name", `{"id":"x"}`, 400},
			{"negative", `{"id":"neg","name":"Neg","included_mau":-1}`, 400},
			{"not json", `{"id":`, 400},
		} {
			if code, body := s.call(t, "POST", "/api/v1/plans", tc.body); code != tc.code {
				t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.code)
			}
		}
		var list struct{ Plans []usage.Plan }
		_, body := s.call(t, "GET", "/api/v1/plans", "")
		json.Unmarshal(body, &list)
		if len(list.Plans) != 4 || list.Plans[3].ID != "enterprise" || list.Plans[3].IncludedMAU != 5000 {
			t.Errorf("plans: %s", body)
		}
		if code, _ := s.call(t, "PUT", "/api/v1/tenants/"+f.ID+"/plan", `{"plan":"nope"}`); code != 404 {
			t.Errorf("unknown plan: %d, want 404", code)
		}
		if code, body := s.call(t, "PUT", "/api/v1/tenants/"+f.ID+"/plan", `{"plan":"tiny"}`); code != 200 {
			t.Fatalf("set plan: %d %s", code, body)
		}

		join := func(name, device string) (*meetclient.Client, error) {
			cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: f.ID + "/standup", JWT: f.token(t, "standup", name, false), DeviceID: device})
			if err != nil {
				return nil, err
			}
			_, err = cl.Join(ctx, meetclient.JoinOptions{})
			return cl, err
		}
		a, err := join("A", "device-a")
		if err != nil {
			t.Fatal(err)
		}
		b, err := join("B", "device-b")
		if err != nil {
			t.Fatal(err)
		}
		status := func() usage.PlanStatus {
			var st usage.PlanStatus
			_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/plan", "")
			json.Unmarshal(body, &st)
			return st
		}
		eventually(t, 10*time.Second, "two MAU", func() bool { return status().MAU == 2 })

		var refused *meetclient.RefusedError
		if _, err := join("C", "device-c"); !errors.As(err, &refused) || refused.Code != "mauLimitReached" {
			t.Fatalf("third device on a 2-MAU capped plan: %v", err)
		}
		b.Close()
		if again, err := join("B", "device-b"); err != nil {
			t.Fatalf("a device already counted this month: %v", err)
		} else {
			again.Close()
		}
		a.Close()

		// Moving to a plan with overage lifts the cap and bills the excess.
		s.call(t, "PUT", "/api/v1/tenants/"+f.ID+"/plan", `{"plan":"grow"}`)
		c, err := join("C", "device-c")
		if err != nil {
			t.Fatalf("after the upgrade: %v", err)
		}
		defer c.Close()
		st := status()
		if st.Plan.ID != "grow" || st.MAU != 2 || st.OverageMAU != 1 || st.ProjectedMAU < 2 ||
			st.ProjectedTotalCents != 9900+int64(st.ProjectedMAU-1)*99 {
			t.Errorf("plan status: %+v", st)
		}

		var fails struct {
			Failures []struct{ Reason string } `json:"join_failures"`
		}
		_, body = s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/analytics/join-failures", "")
		json.Unmarshal(body, &fails)
		found := false
		for _, x := range fails.Failures {
			found = found || x.Reason == "mauLimitReached"
		}
		if !found {
			t.Errorf("the capped join is not among the join failures: %s", body)
		}
	})
}
