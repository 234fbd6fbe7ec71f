package test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/store"
)

// TestConsoleCLIParity: what the console does, the CLI does against a
// running server, with a personal API token (--server URL --token cfr_…)
// that carries its user's role, or with the operator's token.
func TestConsoleCLIParity(t *testing.T) {
	t.Parallel()
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	s := startServer(t, store.DialectSQLite, noDemo)
	owner := newConsoleUser(s)
	owner.signUp(t, "owner@example.com", "")
	tenant := owner.createTenant(t, "CLI Co")
	code, out := owner.do(t, http.MethodPost, "/api/v1/tenants/"+tenant+"/api-tokens", `{"name": "laptop"}`)
	var tok api.APIToken
	if code != http.StatusCreated || json.Unmarshal(out, &tok) != nil {
		t.Fatalf("token: %d %s", code, out)
	}
	env := []string{}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CONFER_") {
			env = append(env, e)
		}
	}
	as := func(token string) cli {
		return cli{t: t, bin: bin, dir: t.TempDir(), env: env}.withArgs("--server", s.URL, "--token", token)
	}
	op, own := as(adminToken), as(tok.Token)

	if got := own.must("account", "whoami"); !strings.Contains(got, "owner@example.com") || !strings.Contains(got, tenant+"  owner") {
		t.Fatalf("whoami: %s", got)
	}
	// The operator creates an account; the owner's token manages the team.
	op.env = append(op.env, "CONFER_PASSWORD="+testPassword)
	if got := op.must("account", "create", "dev@example.com", "--name", "Dev"); !strings.Contains(got, "created") {
		t.Fatalf("account create: %s", got)
	}
	if got := op.must("members", "add", "dev@example.com", "--role", "developer", "--tenant", tenant); !strings.Contains(got, "is developer") {
		t.Fatalf("members add: %s", got)
	}
	if out, _ := own.fail("members", "add", "x@example.com", "--role", "viewer", "--tenant", tenant); !strings.Contains(out, "operator") {
		t.Fatalf("owner's token adds directly: %s", out)
	}
	got := own.must("members", "invite", "new@example.com", "--role", "viewer", "--tenant", tenant)
	if !strings.Contains(got, "link     "+s.URL+"/console/invitations/") {
		t.Fatalf("invite: %s", got)
	}
	if got := own.must("members", "set-role", "dev@example.com", "viewer", "--tenant", tenant); !strings.Contains(got, "dev@example.com is viewer") {
		t.Fatalf("set-role: %s", got)
	}
	list := own.must("members", "list", "--tenant", tenant)
	for _, want := range []string{"owner@example.com", "dev@example.com", "viewer", "new@example.com", "invited until"} {
		if !strings.Contains(list, want) {
			t.Errorf("members list lacks %q:\n%s", want, list)
		}
	}
	if out, _ := own.fail("members", "remove", "owner@example.com", "--tenant", tenant); !strings.Contains(out, "only owner") {
		t.Fatalf("last owner removed: %s", out)
	}

	// The same token drives keys, webhooks and branding of its tenant only.
	if got := own.must("keys", "create", "--tenant", tenant, "--out", filepath.Join(t.TempDir(), "key.pem")); !strings.Contains(got, tenant+"/") {
		t.Fatalf("keys create: %s", got)
	}
	if got := own.must("branding", "set", "--invite-url", "https://cli.example/meet", "--tenant", tenant); !strings.Contains(got, "https://cli.example/meet") {
		t.Fatalf("branding set: %s", got)
	}
	if got := own.must("webhooks", "list", "--tenant", tenant); !strings.Contains(got, "URL") {
		t.Fatalf("webhooks list: %s", got)
	}
	other, _ := s.Client.CreateTenant(t.Context(), api.CreateTenantRequest{Name: "Not yours"})
	if out, _ := own.fail("members", "list", "--tenant", other.ID); !strings.Contains(out, "no tenant") {
		t.Fatalf("another tenant: %s", out)
	}
	if got := own.must("members", "remove", "dev@example.com", "--tenant", tenant); !strings.Contains(got, "removed") {
		t.Fatalf("remove: %s", got)
	}

	// Someone locked out: the operator sets a new password (read whole from
	// stdin, spaces and all); their sessions end, the new password works.
	dev := newConsoleUser(s)
	if code := dev.login(t, "dev@example.com", testPassword); code != http.StatusOK {
		t.Fatalf("dev's login: %d", code)
	}
	if out, code := as(adminToken).run("a new pass phrase\n", "account", "set-password", "dev@example.com"); code != 0 || !strings.Contains(out, "signed out") {
		t.Fatalf("set-password: exit %d %s", code, out)
	}
	if code, _ := dev.do(t, http.MethodGet, "/api/v1/me", ""); code != http.StatusUnauthorized {
		t.Fatalf("session after the reset: %d", code)
	}
	if code := newConsoleUser(s).login(t, "dev@example.com", "a new pass phrase"); code != http.StatusOK {
		t.Fatalf("login with the new password: %d", code)
	}
	if out, _ := own.fail("account", "set-password", "dev@example.com"); !strings.Contains(out, "operator") {
		t.Fatalf("a member resets a password: %s", out)
	}
}
