package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// TestStore runs the same suite against every dialect.
func TestStore(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			for name, fn := range map[string]func(*testing.T, *store.Store){
				"tenants":  testTenants,
				"keys":     testKeys,
				"settings": testSettings,
				"tx":       testTx,
				"branding": testBranding,
			} {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					fn(t, storetest.Open(t, d))
				})
			}
		})
	}
}

var now = time.Date(2026, 11, 22, 10, 0, 0, 123e6, time.UTC)

func testTenants(t *testing.T, s *store.Store) {
	ctx := context.Background()
	for _, id := range []string{"b", "a", "c"} {
		if err := s.CreateTenant(ctx, store.Tenant{ID: id, Name: "Tenant " + id, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateTenant(ctx, store.Tenant{ID: "a", Name: "dup", CreatedAt: now}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate tenant: got %v, want ErrConflict", err)
	}
	got, err := s.Tenant(ctx, "a")
	if err != nil || got.Name != "Tenant a" || !got.CreatedAt.Equal(now) {
		t.Fatalf("Tenant(a): got %+v, %v", got, err)
	}
	if _, err := s.Tenant(ctx, "zzz"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Tenant(zzz): got %v, want ErrNotFound", err)
	}
	page, err := s.ListTenants(ctx, "", 2)
	if err != nil || len(page) != 2 || page[0].ID != "a" || page[1].ID != "b" {
		t.Fatalf("first page: got %+v, %v", page, err)
	}
	page, err = s.ListTenants(ctx, "b", 2)
	if err != nil || len(page) != 1 || page[0].ID != "c" {
		t.Fatalf("second page: got %+v, %v", page, err)
	}
}

func testKeys(t *testing.T, s *store.Store) {
	ctx := context.Background()
	if err := s.CreateTenant(ctx, store.Tenant{ID: "t1", Name: "T1", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	k := store.Key{TenantID: "t1", ID: "k1", PublicKeyPEM: "PEM", Bits: 4096, Fingerprint: "fp", CreatedAt: now}
	if err := s.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	k2 := k
	k2.ID, k2.CreatedAt = "k2", now.Add(time.Second)
	if err := s.CreateKey(ctx, k2); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateKey(ctx, k); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate key: got %v, want ErrConflict", err)
	}
	orphan := k
	orphan.TenantID = "nobody"
	if err := s.CreateKey(ctx, orphan); !errors.Is(err, store.ErrReference) {
		t.Fatalf("key of missing tenant: got %v, want ErrReference", err)
	}
	got, err := s.Key(ctx, "t1", "k1")
	if err != nil || got.Bits != 4096 || got.RevokedAt != nil || !got.CreatedAt.Equal(now) {
		t.Fatalf("Key: got %+v, %v", got, err)
	}
	list, err := s.ListKeys(ctx, "t1")
	if err != nil || len(list) != 2 || list[0].ID != "k2" {
		t.Fatalf("ListKeys: got %+v, %v (want newest first)", list, err)
	}
	if err := s.RevokeKey(ctx, "t1", "k1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeKey(ctx, "t1", "k1", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Key(ctx, "t1", "k1")
	if got.RevokedAt == nil || !got.RevokedAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("RevokedAt: got %v, want first revocation time", got.RevokedAt)
	}
	if err := s.RevokeKey(ctx, "t1", "nope", now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoke missing key: got %v, want ErrNotFound", err)
	}
	if err := s.TouchKey(ctx, "t1", "k2", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Key(ctx, "t1", "k2")
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("LastUsedAt: got %v", got.LastUsedAt)
	}
	if _, err := s.Key(ctx, "t1", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing key: got %v, want ErrNotFound", err)
	}
}

func testSettings(t *testing.T, s *store.Store) {
	ctx := context.Background()
	if _, err := s.Setting(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unset: got %v, want ErrNotFound", err)
	}
	for _, v := range []string{"one", "two"} {
		if err := s.SetSetting(ctx, "x", v); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := s.Setting(ctx, "x"); err != nil || v != "two" {
		t.Fatalf("Setting: got %q, %v; want two", v, err)
	}
}

// testTx checks that a failed transaction leaves nothing behind.
func testTx(t *testing.T, s *store.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateTenant(ctx, store.Tenant{ID: "half", Name: "Half", CreatedAt: now}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx: got %v, want boom", err)
	}
	if _, err := s.Tenant(ctx, "half"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rolled-back tenant: got %v, want ErrNotFound", err)
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateTenant(ctx, store.Tenant{ID: "whole", Name: "Whole", CreatedAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tenant(ctx, "whole"); err != nil {
		t.Fatalf("committed tenant: %v", err)
	}
}

// TestReopen checks migrations are applied once and data survives a restart.
func TestReopen(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			cfg := storetest.Config(t, d)
			ctx := context.Background()
			s, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CreateTenant(ctx, store.Tenant{ID: "kept", Name: "Kept", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s, err = store.Open(ctx, cfg)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer s.Close()
			if _, err := s.Tenant(ctx, "kept"); err != nil {
				t.Fatalf("after reopen: %v", err)
			}
			if s.Dialect() != d {
				t.Errorf("Dialect: got %v, want %v", s.Dialect(), d)
			}
		})
	}
}

func testBranding(t *testing.T, s *store.Store) {
	ctx := context.Background()
	if err := s.CreateTenant(ctx, store.Tenant{ID: "t1", Name: "T1", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	b, err := s.Branding(ctx, "t1")
	if err != nil || b.InviteURL != "" || !b.UpdatedAt.IsZero() {
		t.Fatalf("unset branding: got %+v, %v", b, err)
	}
	for _, url := range []string{"https://app.example.com/meet", "https://other.example.com"} {
		if err := s.SetBranding(ctx, store.Branding{TenantID: "t1", InviteURL: url, FrameAncestors: "https://app.example.com", UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := s.Branding(ctx, "t1"); b.InviteURL != "https://other.example.com" || b.FrameAncestors != "https://app.example.com" {
		t.Fatalf("branding: got %+v", b)
	}
	if err := s.SetBranding(ctx, store.Branding{TenantID: "nobody", UpdatedAt: now}); !errors.Is(err, store.ErrReference) {
		t.Fatalf("branding of a missing tenant: got %v, want ErrReference", err)
	}
}
