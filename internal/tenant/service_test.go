package tenant_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/token"
)

func setup(t *testing.T, d store.Dialect) *tenant.Service {
	t.Helper()
	s, err := tenant.New(tenant.Config{Store: storetest.Open(t, d), KeyBits: 2048})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func forEachDialect(t *testing.T, fn func(t *testing.T, s *tenant.Service)) {
	t.Helper()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t, d))
		})
	}
}

func TestCreateTenant(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *tenant.Service) {
		ctx := context.Background()
		tn, err := s.Create(ctx, tenant.CreateParams{Name: "  Acme Health  "})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tenant.ParseID(string(tn.ID)); err != nil || tn.Name != "Acme Health" {
			t.Fatalf("created %+v (%v)", tn, err)
		}
		got, err := s.Get(ctx, tn.ID)
		if err != nil || got != tn {
			t.Fatalf("Get: got %+v, %v; want %+v", got, err, tn)
		}
		imported := "vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe"
		if _, err := s.Create(ctx, tenant.CreateParams{ID: imported, Name: "From JaaS"}); err != nil {
			t.Fatalf("import JaaS AppID: %v", err)
		}
		if _, err := s.Create(ctx, tenant.CreateParams{ID: imported, Name: "Again"}); !errors.Is(err, tenant.ErrExists) {
			t.Fatalf("duplicate id: got %v, want ErrExists", err)
		}
		for _, p := range []tenant.CreateParams{
			{Name: ""}, {Name: "   "}, {Name: strings.Repeat("x", 101)}, {Name: "bad\x00name"},
			{Name: "ok", ID: "vpaas-magic-cookie-XYZ"}, {Name: "ok", ID: "acme"},
			{Name: "ok", ID: "vpaas-magic-cookie-1FC542A3E4414A44B2611668195E2BFE"},
		} {
			if _, err := s.Create(ctx, p); !errors.Is(err, tenant.ErrInvalid) {
				t.Errorf("Create(%+v): got %v, want ErrInvalid", p, err)
			}
		}
		if _, err := s.Get(ctx, "vpaas-magic-cookie-00000000000000000000000000000000"); !errors.Is(err, tenant.ErrNotFound) {
			t.Fatalf("Get(missing): got %v, want ErrNotFound", err)
		}
		list, err := s.List(ctx, "", 10)
		if err != nil || len(list) != 2 {
			t.Fatalf("List: got %d, %v; want 2", len(list), err)
		}
	})
}

func TestKeys(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *tenant.Service) {
		ctx := context.Background()
		tn, err := s.Create(ctx, tenant.CreateParams{Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{"rsa2048_spki.pub", "rsa2048_pkcs1.pub"} {
			k, err := s.AddKey(ctx, tn.ID, tenant.AddKeyParams{PublicKeyPEM: readFile(t, "../rsakey/testdata/"+file)})
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if k.Bits != 2048 || !strings.HasPrefix(k.KID(), string(tn.ID)+"/") || len(k.ID) != 6 {
				t.Errorf("%s: got key %+v", file, k)
			}
		}
		refused := map[string]error{
			"rsa1024.pub": rsakey.ErrWeak, "ec.pub": rsakey.ErrNotRSA, "rsa2048_pkcs1.key": rsakey.ErrPrivateKey,
			"openssh_rsa.pub": rsakey.ErrMalformed,
		}
		for file, want := range refused {
			_, err := s.AddKey(ctx, tn.ID, tenant.AddKeyParams{PublicKeyPEM: readFile(t, "../rsakey/testdata/"+file)})
			if !errors.Is(err, tenant.ErrInvalid) || !errors.Is(err, want) {
				t.Errorf("%s: got %v, want ErrInvalid and %v", file, err, want)
			}
		}
		spki := readFile(t, "../rsakey/testdata/rsa2048_spki.pub")
		if _, err := s.AddKey(ctx, tn.ID, tenant.AddKeyParams{ID: "4f4910", PublicKeyPEM: spki}); err != nil {
			t.Fatalf("chosen id: %v", err)
		}
		if _, err := s.AddKey(ctx, tn.ID, tenant.AddKeyParams{ID: "4f4910", PublicKeyPEM: spki}); !errors.Is(err, tenant.ErrExists) {
			t.Fatalf("chosen id twice: got %v, want ErrExists", err)
		}
		if _, err := s.AddKey(ctx, tn.ID, tenant.AddKeyParams{ID: "Bad-ID", PublicKeyPEM: spki}); !errors.Is(err, tenant.ErrInvalid) {
			t.Fatalf("bad id: got %v, want ErrInvalid", err)
		}
		missing := tenant.ID("vpaas-magic-cookie-00000000000000000000000000000000")
		if _, err := s.AddKey(ctx, missing, tenant.AddKeyParams{PublicKeyPEM: spki}); !errors.Is(err, tenant.ErrNotFound) {
			t.Fatalf("key for missing tenant: got %v, want ErrNotFound", err)
		}
		gen, priv, err := s.GenerateKey(ctx, tn.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		pk, err := rsakey.ParsePrivate(priv)
		if err != nil || rsakey.Fingerprint(&pk.PublicKey) != gen.Fingerprint {
			t.Fatalf("generated private key does not match the stored public key (%v)", err)
		}
		if strings.Contains(gen.PublicKeyPEM, "PRIVATE") {
			t.Fatal("stored key contains a private key")
		}
		keys, err := s.Keys(ctx, tn.ID)
		if err != nil || len(keys) != 4 {
			t.Fatalf("Keys: got %d, %v; want 4", len(keys), err)
		}
		if err := s.RevokeKey(ctx, tn.ID, gen.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeKey(ctx, tn.ID, gen.ID); err != nil {
			t.Fatalf("second revoke: %v", err)
		}
		if err := s.RevokeKey(ctx, tn.ID, "nope"); !errors.Is(err, tenant.ErrKeyNotFound) {
			t.Fatalf("revoke missing: got %v, want ErrKeyNotFound", err)
		}
		if k, _ := s.Key(ctx, tn.ID, gen.ID); !k.Revoked() {
			t.Fatal("key not marked revoked")
		}
	})
}

// TestTokensThroughService wires the real verifier to the real service: a
// token verifies, and is refused with keyRevoked as soon as its key is revoked.
func TestTokensThroughService(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *tenant.Service) {
		ctx := context.Background()
		tn, k, privPEM, err := s.CreateWithKey(ctx, tenant.CreateParams{Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		priv, _ := rsakey.ParsePrivate(privPEM)
		v, err := token.New(token.Config{Keys: s})
		if err != nil {
			t.Fatal(err)
		}
		jwt, err := token.SignRS256(priv, k.KID(), token.Grant{Tenant: string(tn.ID), Room: "standup", Expires: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		room := string(tn.ID) + "/standup"
		if _, err := v.Verify(ctx, jwt, room); err != nil {
			t.Fatalf("fresh key: %v", err)
		}
		if k2, _ := s.Key(ctx, tn.ID, k.ID); k2.LastUsedAt == nil {
			t.Error("LastUsedAt not recorded")
		}
		if err := s.RevokeKey(ctx, tn.ID, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(ctx, jwt, room); token.ReasonOf(err) != token.ReasonKeyRevoked {
			t.Fatalf("after revoke: got %v, want keyRevoked", err)
		}
		other, err := s.Create(ctx, tenant.CreateParams{Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		k3, priv3PEM, err := s.GenerateKey(ctx, tn.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		priv3, _ := rsakey.ParsePrivate(priv3PEM)
		jwt3, _ := token.SignRS256(priv3, k3.KID(), token.Grant{Tenant: string(tn.ID), Room: "*"})
		if _, err := v.Verify(ctx, jwt3, string(other.ID)+"/standup"); token.ReasonOf(err) != token.ReasonSubInvalid {
			t.Fatalf("token of tenant A in a room of tenant B: got %v, want subInvalid", err)
		}
	})
}

func TestParseKID(t *testing.T) {
	t.Parallel()
	for kid, ok := range map[string]bool{
		"vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe/4f4910": true,
		"vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe/":       false,
		"vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe":        false,
		"acme/4f4910": false,
		"vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe/4F4910": false,
	} {
		if _, _, err := tenant.ParseKID(kid); (err == nil) != ok {
			t.Errorf("ParseKID(%q): got err %v, want ok=%v", kid, err, ok)
		}
	}
}

// A tenant may hold MaxActiveKeys keys in use; revoking one makes room.
func TestKeyLimit(t *testing.T) {
	t.Parallel()
	s := setup(t, store.DialectSQLite)
	ctx := context.Background()
	tn, err := s.Create(ctx, tenant.CreateParams{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	pem := readFile(t, "../rsakey/testdata/rsa2048_spki.pub")
	var first tenant.Key
	for i := range tenant.MaxActiveKeys {
		k, err := s.AddKey(ctx, tn.ID, tenant.AddKeyParams{PublicKeyPEM: pem})
		if err != nil {
			t.Fatalf("key %d: %v", i+1, err)
		}
		if i == 0 {
			first = k
		}
	}
	if _, err := s.AddKey(ctx, tn.ID, tenant.AddKeyParams{PublicKeyPEM: pem}); !errors.Is(err, tenant.ErrLimit) {
		t.Fatalf("key %d: got %v, want ErrLimit", tenant.MaxActiveKeys+1, err)
	}
	if err := s.RevokeKey(ctx, tn.ID, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddKey(ctx, tn.ID, tenant.AddKeyParams{PublicKeyPEM: pem}); err != nil {
		t.Errorf("after revoking one: %v", err)
	}
}
