package test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../internal/rsakey/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, func(c *config.Config) { c.Metrics.Token = "metrics-token-0123456789" })
	for _, tc := range []struct{ path, bearer, want string }{
		{"/healthz", "", "ok"},
		{"/readyz", "", "ready"},
		{"/metrics", adminToken, "confer_http_requests_total"},
		{"/metrics", "metrics-token-0123456789", "confer_http_requests_total"},
	} {
		s.call(t, http.MethodGet, "/healthz", "") // so the counter has a sample
		code, body := s.callAs(t, tc.bearer, http.MethodGet, tc.path, "")
		if code != http.StatusOK || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s: got %d %.80q, want 200 containing %q", tc.path, code, body, tc.want)
		}
	}
	for _, bearer := range []string{"", "wrong", "metrics-token-0123456789x"} {
		if code, _ := s.callAs(t, bearer, http.MethodGet, "/metrics", ""); code != http.StatusUnauthorized {
			t.Errorf("GET /metrics with bearer %q: got %d, want 401", bearer, code)
		}
	}
}

// With metrics.listen, /metrics is served there, openly, and not on the
// main address.
func TestMetricsListen(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, func(c *config.Config) { c.Metrics.Listen = "127.0.0.1:0" })
	s.call(t, http.MethodGet, "/healthz", "") // so the counter has a sample
	resp, err := http.Get("http://" + s.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "confer_http_requests_total") {
		t.Errorf("GET metrics.listen /metrics: got %d %.80q", resp.StatusCode, body)
	}
	if _, body := s.callAs(t, adminToken, http.MethodGet, "/metrics", ""); strings.Contains(string(body), "confer_http_requests_total") {
		t.Errorf("GET /metrics on the main address served metrics; want them only on metrics.listen")
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite)
	for _, bearer := range []string{"", "wrong", adminToken + "x", strings.ToUpper(adminToken)} {
		code, body := s.callAs(t, bearer, http.MethodGet, "/api/v1/tenants", "")
		if code != http.StatusUnauthorized || errorCode(t, body) != "unauthorized" {
			t.Errorf("bearer %q: got %d %s, want 401 unauthorized", bearer, code, body)
		}
	}
	if code, _ := s.call(t, http.MethodGet, "/api/v1/nothing-here", ""); code != http.StatusNotFound {
		t.Errorf("unknown endpoint: got %d, want 404", code)
	}
}

func TestTenantsAPI(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo)
		code, body := s.call(t, http.MethodPost, "/api/v1/tenants", `{"name": "Acme Health"}`)
		var created api.Tenant
		if code != http.StatusCreated || json.Unmarshal(body, &created) != nil ||
			!strings.HasPrefix(created.ID, "vpaas-magic-cookie-") || len(created.ID) != 51 || created.Name != "Acme Health" {
			t.Fatalf("create: got %d %s", code, body)
		}
		code, body = s.call(t, http.MethodGet, "/api/v1/tenants/"+created.ID, "")
		if code != http.StatusOK || !strings.Contains(string(body), `"Acme Health"`) {
			t.Fatalf("get: got %d %s", code, body)
		}
		jaasID := "vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe"
		if code, body := s.call(t, http.MethodPost, "/api/v1/tenants", `{"id": "`+jaasID+`", "name": "From JaaS"}`); code != http.StatusCreated {
			t.Fatalf("create with JaaS AppID: got %d %s", code, body)
		}
		for _, tc := range []struct {
			name, method, path, body string
			status                   int
			code                     string
		}{
			{"duplicate id", "POST", "/api/v1/tenants", `{"id": "` + jaasID + `", "name": "x"}`, 409, "already_exists"},
			{"empty name", "POST", "/api/v1/tenants", `{"name": "  "}`, 400, "invalid_argument"},
			{"bad id", "POST", "/api/v1/tenants", `{"id": "acme", "name": "x"}`, 400, "invalid_argument"},
			{"not JSON", "POST", "/api/v1/tenants", `name=x`, 400, "invalid_json"},
			{"empty body", "POST", "/api/v1/tenants", ``, 400, "invalid_json"},
			{"unknown field", "POST", "/api/v1/tenants", `{"name": "x", "plan": "gold"}`, 400, "invalid_json"},
			{"trailing data", "POST", "/api/v1/tenants", `{"name": "x"} {}`, 400, "invalid_json"},
			{"too large", "POST", "/api/v1/tenants", `{"name": "` + strings.Repeat("x", 2<<20) + `"}`, 413, "body_too_large"},
			{"unknown tenant", "GET", "/api/v1/tenants/vpaas-magic-cookie-00000000000000000000000000000000", "", 404, "tenant_not_found"},
			{"malformed tenant", "GET", "/api/v1/tenants/acme", "", 404, "tenant_not_found"},
			{"bad limit", "GET", "/api/v1/tenants?limit=0", "", 400, "invalid_argument"},
		} {
			code, body := s.call(t, tc.method, tc.path, tc.body)
			if code != tc.status || errorCode(t, body) != tc.code {
				t.Errorf("%s: got %d %.200s, want %d %s", tc.name, code, body, tc.status, tc.code)
			}
		}
		for i := range 3 {
			if _, err := s.Client.CreateTenant(context.Background(), api.CreateTenantRequest{Name: fmt.Sprint("T", i)}); err != nil {
				t.Fatal(err)
			}
		}
		seen, cursor := 0, ""
		for page := 0; ; page++ {
			list, err := s.Client.ListTenants(context.Background(), cursor, 2)
			if err != nil {
				t.Fatal(err)
			}
			seen += len(list.Tenants)
			if cursor = list.NextCursor; cursor == "" || page > 5 {
				break
			}
		}
		if seen != 5 {
			t.Errorf("paged through %d tenants, want 5", seen)
		}
	})
}

func noDemo(c *config.Config) { c.Demo = false }

func TestKeysAPI(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo)
		ctx := context.Background()
		tn, err := s.Client.CreateTenant(ctx, api.CreateTenantRequest{Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.Client.CreateTenant(ctx, api.CreateTenantRequest{Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		keys := "/api/v1/tenants/" + tn.ID + "/keys"
		uploads := []struct {
			name, body string
			status     int
			code       string
		}{
			{"SPKI", `{"public_key": ` + jsonString(readTestdata(t, "rsa2048_spki.pub")) + `}`, 201, ""},
			{"PKCS#1", `{"public_key": ` + jsonString(readTestdata(t, "rsa2048_pkcs1.pub")) + `}`, 201, ""},
			{"chosen id", `{"id": "4f4910", "public_key": ` + jsonString(readTestdata(t, "rsa2048_spki.pub")) + `}`, 201, ""},
			{"chosen id again", `{"id": "4f4910", "public_key": ` + jsonString(readTestdata(t, "rsa2048_spki.pub")) + `}`, 409, "already_exists"},
			{"1024-bit", `{"public_key": ` + jsonString(readTestdata(t, "rsa1024.pub")) + `}`, 400, "weak_key"},
			{"EC", `{"public_key": ` + jsonString(readTestdata(t, "ec.pub")) + `}`, 400, "not_rsa"},
			{"Ed25519", `{"public_key": ` + jsonString(readTestdata(t, "ed25519.pub")) + `}`, 400, "not_rsa"},
			{"private key", `{"public_key": ` + jsonString(readTestdata(t, "rsa2048_pkcs1.key")) + `}`, 400, "private_key"},
			{"OpenSSH", `{"public_key": ` + jsonString(readTestdata(t, "openssh_rsa.pub")) + `}`, 400, "malformed_key"},
			{"garbage", `{"public_key": "hello"}`, 400, "malformed_key"},
			{"blank", `{"public_key": "   "}`, 400, "malformed_key"},
			{"both", `{"public_key": "x", "generate": true}`, 400, "invalid_argument"},
			{"bad id", `{"id": "Bad!", "generate": true}`, 400, "invalid_argument"},
		}
		for _, u := range uploads {
			code, body := s.call(t, http.MethodPost, keys, u.body)
			if code != u.status {
				t.Errorf("%s: got %d %s, want %d", u.name, code, body, u.status)
				continue
			}
			if u.code != "" {
				if got := errorCode(t, body); got != u.code {
					t.Errorf("%s: code %q, want %q", u.name, got, u.code)
				}
				continue
			}
			var k api.Key
			json.Unmarshal(body, &k)
			if k.KID != tn.ID+"/"+k.ID || k.Bits != 2048 || k.PrivateKey != "" {
				t.Errorf("%s: got key %+v", u.name, k)
			}
		}
		list, err := s.Client.Keys(ctx, tn.ID)
		if err != nil || len(list.Keys) != 3 {
			t.Fatalf("after uploads (refusals write nothing): got %d keys, %v; want 3", len(list.Keys), err)
		}

		for _, body := range []string{`{}`, `{"generate": true}`} {
			code, resp := s.call(t, http.MethodPost, keys, body)
			var k api.Key
			if code != 201 || json.Unmarshal(resp, &k) != nil {
				t.Fatalf("generate %s: got %d %s", body, code, resp)
			}
			priv, err := rsakey.ParsePrivate([]byte(k.PrivateKey))
			if err != nil || rsakey.Fingerprint(&priv.PublicKey) != k.Fingerprint {
				t.Fatalf("generate %s: private key does not match (%v)", body, err)
			}
		}
		list, _ = s.Client.Keys(ctx, tn.ID)
		for _, k := range list.Keys {
			if k.PrivateKey != "" {
				t.Fatal("key list exposes a private key")
			}
		}

		k := list.Keys[0]
		otherKeys := "/api/v1/tenants/" + other.ID + "/keys/"
		for _, tc := range []struct {
			name, method, path string
			status             int
		}{
			{"get", "GET", keys + "/" + k.ID, 200},
			{"get via other tenant", "GET", otherKeys + k.ID, 404},
			{"revoke via other tenant", "DELETE", otherKeys + k.ID, 404},
			{"revoke", "DELETE", keys + "/" + k.ID, 204},
			{"revoke again", "DELETE", keys + "/" + k.ID, 204},
			{"revoke unknown", "DELETE", keys + "/nope", 404},
			{"keys of unknown tenant", "GET", "/api/v1/tenants/vpaas-magic-cookie-00000000000000000000000000000000/keys", 404},
			{"upload to unknown tenant", "POST", "/api/v1/tenants/vpaas-magic-cookie-00000000000000000000000000000000/keys", 404},
		} {
			body := ""
			if tc.method == "POST" {
				body = "{}"
			}
			if code, resp := s.call(t, tc.method, tc.path, body); code != tc.status {
				t.Errorf("%s: got %d %s, want %d", tc.name, code, resp, tc.status)
			}
		}
		code, resp := s.call(t, "GET", keys+"/"+k.ID, "")
		var got api.Key
		if code != 200 || json.Unmarshal(resp, &got) != nil || got.RevokedAt == nil {
			t.Errorf("revoked key: got %d %s, want revoked_at set", code, resp)
		}
	})
}

func TestTokenCheckAPI(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo)
		ctx := context.Background()
		tn, _ := s.Client.CreateTenant(ctx, api.CreateTenantRequest{Name: "Acme"})
		other, _ := s.Client.CreateTenant(ctx, api.CreateTenantRequest{Name: "Other"})
		k, err := s.Client.CreateKey(ctx, tn.ID, api.CreateKeyRequest{Generate: true})
		if err != nil {
			t.Fatal(err)
		}
		priv, _ := rsakey.ParsePrivate([]byte(k.PrivateKey))
		jwt, err := token.SignRS256(priv, k.KID, token.Grant{
			Tenant: tn.ID, Room: "standup", Moderator: true, Features: map[string]bool{"recording": true},
			User: token.User{ID: "u1", Name: "Ada", Email: "ada@example.com"},
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Client.CheckToken(ctx, jwt, tn.ID+"/standup")
		if err != nil {
			t.Fatal(err)
		}
		if !res.Valid || res.Reason != "" || !res.Moderator || !res.Features["recording"] || res.User.Name != "Ada" ||
			res.User.Email != "ada@example.com" || res.Tenant != tn.ID || res.KID != k.KID || res.ExpiresAt == nil {
			t.Fatalf("valid token: got %+v", res)
		}
		var hdr, pay map[string]any
		if json.Unmarshal(res.Header, &hdr) != nil || json.Unmarshal(res.Payload, &pay) != nil || hdr["kid"] != k.KID || pay["room"] != "standup" {
			t.Errorf("decoded header/payload: got %s / %s", res.Header, res.Payload)
		}
		expired, _ := token.SignRS256(priv, k.KID, token.Grant{Tenant: tn.ID, Room: "standup",
			NotBefore: time.Now().Add(-3 * time.Hour), Expires: time.Now().Add(-42 * time.Second)})
		for _, tc := range []struct {
			name, jwt, room, reason, msg string
		}{
			{"other room", jwt, tn.ID + "/weekly", "roomMismatch", `not "weekly"`},
			{"other tenant's room", jwt, other.ID + "/standup", "subInvalid", other.ID},
			{"expired", expired, tn.ID + "/standup", "tokenExpired", "expired 4"},
			{"missing", "", tn.ID + "/standup", "tokenMissing", "no token"},
			{"garbage", "a.b", tn.ID + "/standup", "malformed", "3 dot-separated"},
		} {
			res, err := s.Client.CheckToken(ctx, tc.jwt, tc.room)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if res.Valid || res.Reason != tc.reason || !strings.Contains(res.Message, tc.msg) {
				t.Errorf("%s: got valid=%v %q %q, want %s containing %q", tc.name, res.Valid, res.Reason, res.Message, tc.reason, tc.msg)
			}
		}
		if _, err := s.Client.CheckToken(ctx, jwt, "a/b/c"); err == nil || !strings.Contains(err.Error(), "400") {
			t.Errorf("malformed room: got %v, want a 400", err)
		}
		if res, _ := s.Client.CheckToken(ctx, jwt, "standup"); res.Valid || res.Reason != "subInvalid" {
			t.Errorf("JaaS token in a tenant-less room: got %+v, want subInvalid", res)
		}
		if err := s.Client.RevokeKey(ctx, tn.ID, k.ID); err != nil {
			t.Fatal(err)
		}
		res, _ = s.Client.CheckToken(ctx, jwt, tn.ID+"/standup")
		if res.Valid || res.Reason != "keyRevoked" {
			t.Errorf("after revoke: got %+v, want keyRevoked", res)
		}
	})
}
