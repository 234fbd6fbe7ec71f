package test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/store"
)

const testPassword = "correct horse battery"

// browser is a console user's HTTP client: a cookie jar and the session's
// CSRF token, as the console pages send them.
type consoleUser struct {
	s      *testServer
	hc     *http.Client
	csrf   string
	origin string // sent as Origin on changes; default the server's
	me     api.Me
	// forwardedFor, if set, is sent as X-Forwarded-For (a client behind
	// a trusted proxy).
	forwardedFor string
}

func newConsoleUser(s *testServer) *consoleUser {
	jar, _ := cookiejar.New(nil)
	return &consoleUser{s: s, hc: &http.Client{Jar: jar, Transport: s.HTTP.Transport, Timeout: s.HTTP.Timeout}, origin: s.URL}
}

// do sends a request with the session cookie and (for changes) the CSRF
// token and Origin, unless noCSRF.
func (b *consoleUser) do(t *testing.T, method, path, body string, noCSRF ...bool) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, b.s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if b.forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", b.forwardedFor)
	}
	if method != http.MethodGet && len(noCSRF) == 0 {
		req.Header.Set("X-CSRF-Token", b.csrf)
		req.Header.Set("Origin", b.origin)
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// signUp creates an account (with an invitation token, if given) and keeps
// its session.
func (b *consoleUser) signUp(t *testing.T, email, invitation string) {
	t.Helper()
	b.signUpNamed(t, email, "Test "+email, invitation)
}

// signUpNamed is signUp with a display name.
func (b *consoleUser) signUpNamed(t *testing.T, email, name, invitation string) {
	t.Helper()
	body := fmt.Sprintf(`{"email": %q, "name": %q, "password": %q, "invitation": %q}`, email, name, testPassword, invitation)
	code, out := b.do(t, http.MethodPost, "/api/v1/auth/signup", body)
	if code != http.StatusCreated {
		t.Fatalf("sign up %s: %d %s", email, code, out)
	}
	b.keepMe(t, out)
}

func (b *consoleUser) login(t *testing.T, email, password string) int {
	t.Helper()
	code, out := b.do(t, http.MethodPost, "/api/v1/auth/login", fmt.Sprintf(`{"email": %q, "password": %q}`, email, password))
	if code == http.StatusOK {
		b.keepMe(t, out)
	}
	return code
}

func (b *consoleUser) keepMe(t *testing.T, body []byte) {
	t.Helper()
	b.me = api.Me{}
	if err := json.Unmarshal(body, &b.me); err != nil || b.me.CSRFToken == "" {
		t.Fatalf("me = %s (%v)", body, err)
	}
	b.csrf = b.me.CSRFToken
}

// createTenant creates a tenant owned by the browser's user.
func (b *consoleUser) createTenant(t *testing.T, name string) string {
	t.Helper()
	code, out := b.do(t, http.MethodPost, "/api/v1/tenants", fmt.Sprintf(`{"name": %q}`, name))
	var tn api.Tenant
	if code != http.StatusCreated || json.Unmarshal(out, &tn) != nil || tn.Role != "owner" {
		t.Fatalf("create tenant: %d %s", code, out)
	}
	return tn.ID
}

// invite invites email with role and returns the invitation link's token.
func (b *consoleUser) invite(t *testing.T, tenant, email, role string) string {
	t.Helper()
	code, out := b.do(t, http.MethodPost, "/api/v1/tenants/"+tenant+"/invitations", fmt.Sprintf(`{"email": %q, "role": %q}`, email, role))
	var inv api.Invitation
	if code != http.StatusCreated || json.Unmarshal(out, &inv) != nil || inv.Link == "" {
		t.Fatalf("invite %s: %d %s", email, code, out)
	}
	return inv.Link[strings.LastIndex(inv.Link, "/")+1:]
}

func TestConsoleSessions(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite)
	b := newConsoleUser(s)
	b.signUp(t, "Ada@Example.com", "")
	if b.me.User == nil || b.me.User.Email != "ada@example.com" || len(b.me.Tenants) != 0 {
		t.Fatalf("me after sign-up = %+v", b.me)
	}
	code, out := b.do(t, http.MethodGet, "/api/v1/me", "")
	if code != http.StatusOK || !strings.Contains(string(out), b.csrf) {
		t.Fatalf("GET /me: %d %s", code, out)
	}

	// Changes need the CSRF token and this origin.
	if code, out := b.do(t, http.MethodPost, "/api/v1/tenants", `{"name": "Acme"}`, true); code != http.StatusForbidden || errorCode(t, out) != "csrf" {
		t.Fatalf("no CSRF token: %d %s", code, out)
	}
	b.origin = "https://evil.example"
	if code, out := b.do(t, http.MethodPost, "/api/v1/tenants", `{"name": "Acme"}`); code != http.StatusForbidden || !strings.Contains(string(out), "cross-site") {
		t.Fatalf("cross-site: %d %s", code, out)
	}
	b.origin = s.URL
	tid := b.createTenant(t, "Acme")
	code, out = b.do(t, http.MethodGet, "/api/v1/tenants", "")
	var list api.TenantList
	if code != http.StatusOK || json.Unmarshal(out, &list) != nil || len(list.Tenants) != 1 || list.Tenants[0].ID != tid {
		t.Fatalf("my tenants: %d %s", code, out)
	}

	// Sign-up refusals.
	for _, tc := range []struct{ body, code, msg string }{
		{`{"email": "ada@example.com", "password": "another long one"}`, "already_exists", "sign in instead"},
		{`{"email": "bob@example.com", "password": "short"}`, "invalid_argument", "use at least 10"},
		{`{"email": "nope", "password": "another long one"}`, "invalid_argument", "not an e-mail address"},
	} {
		code, out := newConsoleUser(s).do(t, http.MethodPost, "/api/v1/auth/signup", tc.body)
		if errorCode(t, out) != tc.code || !strings.Contains(string(out), tc.msg) || code/100 != 4 {
			t.Errorf("sign up %s: %d %s", tc.body, code, out)
		}
	}

	// Log out; the cookie no longer works.
	if code, _ := b.do(t, http.MethodPost, "/api/v1/auth/logout", ""); code != http.StatusNoContent {
		t.Fatalf("logout: %d", code)
	}
	if code, _ := b.do(t, http.MethodGet, "/api/v1/me", ""); code != http.StatusUnauthorized {
		t.Fatalf("after logout: %d", code)
	}
	if code := b.login(t, "ada@example.com", "wrong password!"); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", code)
	}
	if code := b.login(t, "ada@example.com", testPassword); code != http.StatusOK {
		t.Fatalf("login: %d", code)
	}

	// Password change: the old password stops working, this session stays.
	if code, out := b.do(t, http.MethodPut, "/api/v1/me/password", `{"current": "wrong one!!", "new": "a brand new password"}`); errorCode(t, out) != "wrong_password" {
		t.Fatalf("wrong current password: %d %s", code, out)
	}
	if code, out := b.do(t, http.MethodPut, "/api/v1/me/password", fmt.Sprintf(`{"current": %q, "new": "a brand new password"}`, testPassword)); code != http.StatusNoContent {
		t.Fatalf("change password: %d %s", code, out)
	}
	if code, _ := b.do(t, http.MethodGet, "/api/v1/me", ""); code != http.StatusOK {
		t.Fatalf("session after password change: %d", code)
	}
	if code := newConsoleUser(s).login(t, "ada@example.com", testPassword); code != http.StatusUnauthorized {
		t.Fatalf("old password: %d", code)
	}

	// Guessing is throttled: after 10 failures, even the right password waits.
	g := newConsoleUser(s)
	for range 10 {
		g.login(t, "ada@example.com", "guess guess guess")
	}
	code, out = g.do(t, http.MethodPost, "/api/v1/auth/login", `{"email": "ada@example.com", "password": "a brand new password"}`)
	if code != http.StatusTooManyRequests || !strings.Contains(string(out), "try again in") {
		t.Fatalf("11th attempt: %d %s", code, out)
	}
}

func TestConsoleClosedSignupAndInvitations(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, func(c *config.Config) { c.Console.ClosedSignup = true })
	code, out := newConsoleUser(s).do(t, http.MethodPost, "/api/v1/auth/signup", `{"email": "eve@example.com", "password": "a long password"}`)
	if code != http.StatusForbidden || errorCode(t, out) != "signup_closed" {
		t.Fatalf("closed sign-up: %d %s", code, out)
	}
	// The operator creates the first account and makes it owner.
	if code, out := s.call(t, http.MethodPost, "/api/v1/auth/signup", `{"email": "owner@example.com", "password": "`+testPassword+`"}`); code != http.StatusCreated {
		t.Fatalf("operator sign-up: %d %s", code, out)
	}
	tn, err := s.Client.CreateTenant(context.Background(), api.CreateTenantRequest{Name: "Closed Co"})
	if err != nil {
		t.Fatal(err)
	}
	if code, out := s.call(t, http.MethodPost, "/api/v1/tenants/"+tn.ID+"/members", `{"email": "owner@example.com", "role": "owner"}`); code != http.StatusCreated {
		t.Fatalf("operator adds owner: %d %s", code, out)
	}
	owner := newConsoleUser(s)
	if code := owner.login(t, "owner@example.com", testPassword); code != http.StatusOK {
		t.Fatalf("owner login: %d", code)
	}
	tok := owner.invite(t, tn.ID, "dev@example.com", "developer")

	// The invitation page's data, without signing in.
	code, out = newConsoleUser(s).do(t, http.MethodGet, "/api/v1/invitations/"+tok, "")
	if code != http.StatusOK || !strings.Contains(string(out), `"tenant_name": "Closed Co"`) || !strings.Contains(string(out), `"role": "developer"`) {
		t.Fatalf("invitation: %d %s", code, out)
	}
	dev := newConsoleUser(s)
	dev.signUp(t, "dev@example.com", tok)
	if len(dev.me.Tenants) != 1 || dev.me.Tenants[0].Role != "developer" {
		t.Fatalf("dev's tenants = %+v", dev.me.Tenants)
	}
	if code, _ := newConsoleUser(s).do(t, http.MethodGet, "/api/v1/invitations/"+tok, ""); code != http.StatusNotFound {
		t.Fatalf("used invitation: %d", code)
	}

	// An existing user accepts an invitation while signed in.
	second := owner.createTenant(t, "Second Co")
	join := owner.invite(t, second, "dev@example.com", "viewer")
	if code, out := dev.do(t, http.MethodPost, "/api/v1/invitations/"+join+"/accept", ""); code != http.StatusOK || !strings.Contains(string(out), `"role": "viewer"`) {
		t.Fatalf("accept: %d %s", code, out)
	}
	other := owner.invite(t, tn.ID, "ops@example.com", "admin")
	if code, out := dev.do(t, http.MethodPost, "/api/v1/invitations/"+other+"/accept", ""); code != http.StatusForbidden || !strings.Contains(string(out), "this invitation is for ops@example.com") {
		t.Fatalf("accepting someone else's invitation: %d %s", code, out)
	}
	code, out = owner.do(t, http.MethodGet, "/api/v1/tenants/"+tn.ID+"/members", "")
	var ml api.MemberList
	if code != http.StatusOK || json.Unmarshal(out, &ml) != nil || len(ml.Members) != 2 || len(ml.Invitations) != 1 {
		t.Fatalf("members: %d %s", code, out)
	}
	for _, inv := range ml.Invitations {
		if code, _ := owner.do(t, http.MethodDelete, "/api/v1/tenants/"+tn.ID+"/invitations/"+inv.ID, ""); code != http.StatusNoContent {
			t.Fatalf("withdraw invitation: %d", code)
		}
	}
	if code, _ := newConsoleUser(s).do(t, http.MethodGet, "/api/v1/invitations/"+other, ""); code != http.StatusNotFound {
		t.Fatalf("withdrawn invitation: %d", code)
	}
}

// team is a tenant with one member of each role, each signed in.
type team struct {
	tenant string
	by     map[string]*consoleUser
}

func newTeam(t *testing.T, s *testServer, name string) team {
	t.Helper()
	owner := newConsoleUser(s)
	owner.signUp(t, "owner@"+name+".example", "")
	tm := team{tenant: owner.createTenant(t, name), by: map[string]*consoleUser{"owner": owner}}
	for _, role := range []string{"admin", "developer", "viewer"} {
		tok := owner.invite(t, tm.tenant, role+"@"+name+".example", role)
		b := newConsoleUser(s)
		b.signUp(t, role+"@"+name+".example", tok)
		tm.by[role] = b
	}
	return tm
}

func TestConsoleRoleEnforcement(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, func(c *config.Config) { c.Webhook.AllowPrivate = true })
		tm := newTeam(t, s, "acme")
		base := "/api/v1/tenants/" + tm.tenant
		pem := jsonString(readTestdata(t, "rsa2048_spki.pub"))
		// Each request with the lowest role that may make it; every role
		// below gets 403 forbidden, every role at or above it gets through.
		// Bodies are valid, so "through" means 2xx.
		for _, tc := range []struct {
			method, path, body, least string
		}{
			{"GET", base, "", "viewer"},
			{"GET", base + "/keys", "", "viewer"},
			{"POST", base + "/keys", `{"public_key": ` + pem + `}`, "developer"},
			{"GET", base + "/webhooks", "", "viewer"},
			{"POST", base + "/webhooks", `{"url": "http://127.0.0.1:9/hook", "events": ["ROOM_CREATED"]}`, "developer"},
			{"GET", base + "/branding", "", "viewer"},
			{"PUT", base + "/branding", `{"invite_url": "https://app.example.com/meet"}`, "developer"},
			{"GET", base + "/members", "", "viewer"},
			{"POST", base + "/invitations", `{"email": "new-%s@acme.example", "role": "viewer"}`, "admin"},
			{"GET", base + "/usage", "", "viewer"},
			{"GET", base + "/analytics/meetings", "", "viewer"},
			{"GET", base + "/plan", "", "viewer"},
			{"PUT", base + "/plan", `{"plan": "free"}`, "owner"},
			{"PUT", base + "/billing", `{"email": "billing@acme.example"}`, "owner"},
			{"GET", base + "/invoices", "", "viewer"},
			{"POST", base + "/api-tokens", `{"name": "ci-%s"}`, "viewer"},
			{"POST", base + "/test-meeting", "", "viewer"},
		} {
			allowed := false
			for _, role := range []string{"viewer", "developer", "admin", "owner"} {
				allowed = allowed || role == tc.least
				body := tc.body
				if strings.Contains(body, "%s") {
					body = fmt.Sprintf(body, role)
				}
				code, out := tm.by[role].do(t, tc.method, tc.path, body)
				switch {
				case allowed && code/100 != 2:
					t.Errorf("%s %s as %s: %d %s, want 2xx", tc.method, tc.path, role, code, out)
				case !allowed && (code != http.StatusForbidden || errorCode(t, out) != "forbidden" || !strings.Contains(string(out), "your role in this tenant is "+role)):
					t.Errorf("%s %s as %s: %d %s, want 403 naming the role", tc.method, tc.path, role, code, out)
				}
			}
		}
		// Webhook secrets and receivers' credentials are for those who configure.
		code, out := tm.by["owner"].do(t, "POST", base+"/webhooks", `{"url": "http://127.0.0.1:9/auth", "events": ["ROOM_CREATED"], "authorization": "Bearer receiver-secret"}`)
		var hook struct{ ID, Secret string }
		if code != http.StatusCreated || json.Unmarshal(out, &hook) != nil {
			t.Fatalf("create webhook: %d %s", code, out)
		}
		if code, out := tm.by["viewer"].do(t, "GET", base+"/webhooks/"+hook.ID+"/secret", ""); code != http.StatusForbidden {
			t.Errorf("viewer reveals the secret: %d %s", code, out)
		}
		if code, out := tm.by["developer"].do(t, "GET", base+"/webhooks/"+hook.ID+"/secret", ""); code != http.StatusOK || !strings.Contains(string(out), hook.Secret) {
			t.Errorf("developer reveals the secret: %d %s", code, out)
		}
		if _, out := tm.by["viewer"].do(t, "GET", base+"/webhooks/"+hook.ID, ""); strings.Contains(string(out), "receiver-secret") || !strings.Contains(string(out), "(hidden)") {
			t.Errorf("viewer sees the Authorization value: %s", out)
		}
		if _, out := tm.by["developer"].do(t, "GET", base+"/webhooks", ""); !strings.Contains(string(out), "receiver-secret") {
			t.Errorf("developer does not see the Authorization value: %s", out)
		}
		// Operator-only actions stay the operator's, whatever the role.
		for _, p := range []struct{ method, path, body string }{
			{"POST", "/api/v1/plans", `{"id": "pro", "name": "Pro", "price_cents": 100, "included_mau": 10, "overage_cents": 1}`},
			{"POST", "/api/v1/billing/close", `{"month": "2026-10"}`},
			{"POST", base + "/members", `{"email": "owner@acme.example", "role": "viewer"}`},
		} {
			if code, out := tm.by["owner"].do(t, p.method, p.path, p.body); code != http.StatusForbidden || !strings.Contains(string(out), "operator") {
				t.Errorf("%s %s as owner: %d %s", p.method, p.path, code, out)
			}
		}
		// Team management: admins manage everyone but owners; the last
		// owner stays.
		ownerID := tm.by["owner"].me.User.ID
		if code, out := tm.by["admin"].do(t, "PATCH", base+"/members/"+ownerID, `{"role": "viewer"}`); code != http.StatusForbidden {
			t.Errorf("admin demotes owner: %d %s", code, out)
		}
		if code, out := tm.by["owner"].do(t, "DELETE", base+"/members/"+ownerID, ""); code != http.StatusConflict || errorCode(t, out) != "last_owner" {
			t.Errorf("last owner leaves: %d %s", code, out)
		}
		devID := tm.by["developer"].me.User.ID
		if code, out := tm.by["admin"].do(t, "PATCH", base+"/members/"+devID, `{"role": "viewer"}`); code != http.StatusOK || !strings.Contains(string(out), `"role": "viewer"`) {
			t.Errorf("admin re-roles developer: %d %s", code, out)
		}
		if code, out := tm.by["developer"].do(t, "POST", base+"/keys", `{"generate": true}`); code != http.StatusForbidden {
			t.Errorf("demoted developer creates a key: %d %s", code, out)
		}
		if code, out := tm.by["admin"].do(t, "PATCH", base+"/members/"+devID, `{"role": "boss"}`); code != http.StatusBadRequest || !strings.Contains(string(out), "not one of owner, admin, developer, viewer") {
			t.Errorf("unknown role: %d %s", code, out)
		}
		viewerID := tm.by["viewer"].me.User.ID
		if code, out := tm.by["developer"].do(t, "DELETE", base+"/members/"+viewerID, ""); code != http.StatusForbidden {
			t.Errorf("viewer-level member removes another: %d %s", code, out)
		}
		if code, out := tm.by["viewer"].do(t, "DELETE", base+"/members/"+viewerID, ""); code != http.StatusNoContent {
			t.Errorf("viewer leaves: %d %s", code, out)
		}
		if code, _ := tm.by["viewer"].do(t, "GET", base, ""); code != http.StatusNotFound {
			t.Errorf("former member reads the tenant: %d", code)
		}
	})
}

// TestConsoleTenantIsolation: a member of tenant A, by session or by API
// token, gets 404 for every resource of tenant B, as if it did not exist.
func TestConsoleTenantIsolation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, func(c *config.Config) { c.Webhook.AllowPrivate = true })
		a, b := newConsoleUser(s), newConsoleUser(s)
		a.signUp(t, "a@example.com", "")
		b.signUp(t, "b@example.com", "")
		ta, tb := a.createTenant(t, "A"), b.createTenant(t, "B")
		// B's resources.
		code, out := b.do(t, "POST", "/api/v1/tenants/"+tb+"/keys", `{"generate": true}`)
		var key api.Key
		if code != http.StatusCreated || json.Unmarshal(out, &key) != nil {
			t.Fatalf("B's key: %d %s", code, out)
		}
		code, out = b.do(t, "POST", "/api/v1/tenants/"+tb+"/webhooks", `{"url": "http://127.0.0.1:9/hook", "events": ["ROOM_CREATED"]}`)
		var hook struct{ ID string }
		if code != http.StatusCreated || json.Unmarshal(out, &hook) != nil {
			t.Fatalf("B's webhook: %d %s", code, out)
		}
		code, out = b.do(t, "POST", "/api/v1/tenants/"+tb+"/api-tokens", `{"name": "b's"}`)
		var btok api.APIToken
		if code != http.StatusCreated || json.Unmarshal(out, &btok) != nil {
			t.Fatalf("B's token: %d %s", code, out)
		}
		code, out = a.do(t, "POST", "/api/v1/tenants/"+ta+"/api-tokens", `{"name": "a's"}`)
		var atok api.APIToken
		if code != http.StatusCreated || json.Unmarshal(out, &atok) != nil || !strings.HasPrefix(atok.Token, "cfr_") {
			t.Fatalf("A's token: %d %s", code, out)
		}
		// A's token works for A.
		if code, out := s.callAs(t, atok.Token, "GET", "/api/v1/tenants/"+ta+"/keys", ""); code != http.StatusOK {
			t.Fatalf("A's token on A: %d %s", code, out)
		}
		base := "/api/v1/tenants/" + tb
		for _, r := range []struct{ method, path, body string }{
			{"GET", base, ""},
			{"GET", base + "/keys", ""},
			{"GET", base + "/keys/" + key.ID, ""},
			{"DELETE", base + "/keys/" + key.ID, ""},
			{"POST", base + "/keys", `{"generate": true}`},
			{"GET", base + "/webhooks", ""},
			{"GET", base + "/webhooks/" + hook.ID, ""},
			{"PATCH", base + "/webhooks/" + hook.ID, `{"enabled": false}`},
			{"DELETE", base + "/webhooks/" + hook.ID, ""},
			{"GET", base + "/webhooks/" + hook.ID + "/deliveries", ""},
			{"GET", base + "/branding", ""},
			{"PUT", base + "/branding", `{"invite_url": "https://evil.example"}`},
			{"GET", base + "/members", ""},
			{"POST", base + "/invitations", `{"email": "a@example.com", "role": "owner"}`},
			{"DELETE", base + "/members/" + b.me.User.ID, ""},
			{"GET", base + "/api-tokens", ""},
			{"DELETE", base + "/api-tokens/" + btok.ID, ""},
			{"GET", base + "/usage", ""},
			{"GET", base + "/analytics/meetings", ""},
			{"GET", base + "/analytics/join-failures", ""},
			{"GET", base + "/plan", ""},
			{"GET", base + "/invoices", ""},
			{"GET", base + "/billing", ""},
			{"POST", base + "/test-meeting", ""},
		} {
			if code, out := a.do(t, r.method, r.path, r.body); code != http.StatusNotFound || errorCode(t, out) != "tenant_not_found" {
				t.Errorf("A's session: %s %s = %d %s, want 404 tenant_not_found", r.method, r.path, code, out)
			}
			if code, out := s.callAs(t, atok.Token, r.method, r.path, r.body); code != http.StatusNotFound || errorCode(t, out) != "tenant_not_found" {
				t.Errorf("A's token: %s %s = %d %s, want 404 tenant_not_found", r.method, r.path, code, out)
			}
		}
		// Nothing of B's changed.
		if code, out := b.do(t, "GET", base+"/keys/"+key.ID, ""); code != http.StatusOK || strings.Contains(string(out), "revoked_at") {
			t.Fatalf("B's key after A's attempts: %d %s", code, out)
		}
		if code, _ := s.callAs(t, btok.Token, "GET", base, ""); code != http.StatusOK {
			t.Fatalf("B's token after A's attempts: %d", code)
		}
		// A's token lists only A; it cannot create tenants or tokens.
		code, out = s.callAs(t, atok.Token, "GET", "/api/v1/tenants", "")
		if code != http.StatusOK || strings.Contains(string(out), tb) || !strings.Contains(string(out), ta) {
			t.Fatalf("A's token lists: %d %s", code, out)
		}
		if code, _ := s.callAs(t, atok.Token, "POST", "/api/v1/tenants", `{"name": "C"}`); code != http.StatusForbidden {
			t.Fatalf("token creates a tenant: %d", code)
		}
		// Revoked, the token stops working at once.
		if code, _ := a.do(t, "DELETE", "/api/v1/tenants/"+ta+"/api-tokens/"+atok.ID, ""); code != http.StatusNoContent {
			t.Fatalf("revoke: %d", code)
		}
		if code, out := s.callAs(t, atok.Token, "GET", "/api/v1/tenants/"+ta, ""); code != http.StatusUnauthorized || !strings.Contains(string(out), "revoked") {
			t.Fatalf("revoked token: %d %s", code, out)
		}
	})
}

// TestConsoleTestMeeting: the start guide's button mints a moderator token
// for the signed-in user that the token debugger calls valid.
func TestConsoleTestMeeting(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite)
	b := newConsoleUser(s)
	b.signUp(t, "host@example.com", "")
	tid := b.createTenant(t, "Meet Co")
	code, out := b.do(t, "POST", "/api/v1/tenants/"+tid+"/test-meeting", "")
	var tm api.TestMeeting
	if code != http.StatusCreated || json.Unmarshal(out, &tm) != nil {
		t.Fatalf("test meeting: %d %s", code, out)
	}
	if !strings.HasPrefix(tm.URL, s.URL+"/"+tid+"/test-") || !strings.HasPrefix(tm.Room, tid+"/test-") {
		t.Fatalf("test meeting = %+v", tm)
	}
	room := strings.TrimPrefix(tm.Room, tid+"/")
	code, out = b.do(t, "POST", "/api/v1/tokens/check", fmt.Sprintf(`{"jwt": %q, "room": %q}`, tm.JWT, tm.Room))
	var res api.CheckTokenResponse
	if code != http.StatusOK || json.Unmarshal(out, &res) != nil || !res.Valid || !res.Moderator {
		t.Fatalf("check: %d %s", code, out)
	}
	// The console key is no tenant's API key, and signs for no other tenant.
	other := b.createTenant(t, "Other Co")
	code, out = b.do(t, "POST", "/api/v1/tokens/check", fmt.Sprintf(`{"jwt": %q, "room": %q}`, tm.JWT, other+"/"+room))
	res = api.CheckTokenResponse{}
	if code != http.StatusOK || json.Unmarshal(out, &res) != nil || res.Valid {
		t.Fatalf("other tenant's room: %d %s", code, out)
	}
	code, out = b.do(t, "GET", "/api/v1/tenants/"+tid+"/keys", "")
	if code != http.StatusOK || strings.Contains(string(out), "_console") {
		t.Fatalf("keys: %d %s", code, out)
	}
}

// TestConsolePageAccess: pages need a session, tenant pages a membership,
// and every page forbids framing and inline script.
func TestConsolePageAccess(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	a, b := newConsoleUser(s), newConsoleUser(s)
	a.signUp(t, "a@example.com", "")
	b.signUp(t, "b@example.com", "")
	ta := a.createTenant(t, "A")
	anon := newConsoleUser(s)
	anon.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	get := func(u *consoleUser, path string) (*http.Response, string) {
		t.Helper()
		resp, err := u.hc.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	for _, path := range []string{"/console", "/console/tenants", "/console/account", "/console/t/" + ta + "/keys"} {
		resp, _ := get(anon, path)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/login?next=") {
			t.Errorf("signed out %s: %d %s", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for _, pg := range []string{"start", "keys", "webhooks", "branding", "activity", "analytics", "plan", "billing", "team", "tokens"} {
		resp, body := get(a, "/console/t/"+ta+"/"+pg)
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != http.StatusOK || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") ||
			!strings.Contains(body, `<script type="module" src="/console/static/`+pg+`.js">`) || !strings.Contains(body, `aria-current="page"`) {
			t.Errorf("%s: %d csp=%q", pg, resp.StatusCode, csp)
		}
		if resp, _ := get(b, "/console/t/"+ta+"/"+pg); resp.StatusCode != http.StatusNotFound {
			t.Errorf("non-member sees %s: %d", pg, resp.StatusCode)
		}
	}
	if resp, _ := get(a, "/console/t/"+ta+"/nonsense"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown page: %d", resp.StatusCode)
	}
	for _, f := range []string{"console.js", "console.css", "keys.js"} {
		if resp, _ := get(anon, "/console/static/"+f); resp.StatusCode != http.StatusOK || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("static %s: %d", f, resp.StatusCode)
		}
	}
	if resp, body := get(anon, "/console/login"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="login"`) {
		t.Errorf("login page: %d", resp.StatusCode)
	}
}
