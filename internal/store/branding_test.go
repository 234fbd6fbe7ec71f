package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// TestBrandingAssets covers the logo link, background colour and images of
// migration 0012 on every dialect.
func TestBrandingAssets(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			testBrandingAssets(t, storetest.Open(t, d))
		})
	}
}

func testBrandingAssets(t *testing.T, s *store.Store) {
	ctx := context.Background()
	for _, id := range []string{"t1", "t2"} {
		if err := s.CreateTenant(ctx, store.Tenant{ID: id, Name: id, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	want := store.Branding{TenantID: "t1", InviteURL: "https://a.example", LogoLink: "https://www.example.com/?ref=meet",
		BackgroundColor: "#112233", UpdatedAt: now}
	if err := s.SetBranding(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Branding(ctx, "t1"); err != nil || got != want {
		t.Fatalf("Branding: got %+v, %v; want %+v", got, err, want)
	}

	// Bytes that are not valid UTF-8, with NULs, must come back unchanged.
	data := []byte{0x89, 'P', 'N', 'G', 0, 0xff, 0xfe, 0, '\n', ';'}
	logo := store.BrandingImage{TenantID: "t1", Kind: "logo", ContentType: "image/png", Data: data, SHA256: "aa", UpdatedAt: now}
	if err := s.SetBrandingImage(ctx, logo); err != nil {
		t.Fatal(err)
	}
	replaced := logo
	replaced.Data, replaced.SHA256, replaced.UpdatedAt = append([]byte{0}, data...), "bb", now.Add(time.Minute)
	if err := s.SetBrandingImage(ctx, replaced); err != nil {
		t.Fatalf("replace logo: %v", err)
	}
	bg := store.BrandingImage{TenantID: "t1", Kind: "background", ContentType: "image/jpeg", Data: []byte("jpeg"), SHA256: "cc", UpdatedAt: now}
	if err := s.SetBrandingImage(ctx, bg); err != nil {
		t.Fatal(err)
	}
	got, err := s.BrandingImage(ctx, "t1", "logo")
	if err != nil || !bytes.Equal(got.Data, replaced.Data) || got.SHA256 != "bb" || got.ContentType != "image/png" || !got.UpdatedAt.Equal(replaced.UpdatedAt) {
		t.Fatalf("BrandingImage(logo): got %+v, %v; want %+v", got, err, replaced)
	}
	list, err := s.BrandingImages(ctx, "t1")
	if err != nil || len(list) != 2 || list[0].Kind != "background" || list[1].Kind != "logo" || list[1].SHA256 != "bb" || list[1].Data != nil {
		t.Fatalf("BrandingImages: got %+v, %v; want background and logo, without data", list, err)
	}
	if list, err := s.BrandingImages(ctx, "t2"); err != nil || len(list) != 0 {
		t.Fatalf("another tenant's images: got %+v, %v", list, err)
	}
	if _, err := s.BrandingImage(ctx, "t2", "logo"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing image: got %v, want ErrNotFound", err)
	}
	orphan := logo
	orphan.TenantID = "nobody"
	if err := s.SetBrandingImage(ctx, orphan); !errors.Is(err, store.ErrReference) {
		t.Fatalf("image of a missing tenant: got %v, want ErrReference", err)
	}
	bad := logo
	bad.Kind = "favicon"
	if err := s.SetBrandingImage(ctx, bad); err == nil {
		t.Fatal("an image of kind favicon was stored; the CHECK constraint should refuse it")
	}

	for range 2 { // deleting twice is fine
		if err := s.DeleteBrandingImage(ctx, "t1", "logo"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.BrandingImage(ctx, "t1", "logo"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted logo: got %v, want ErrNotFound", err)
	}
	if _, err := s.BrandingImage(ctx, "t1", "background"); err != nil {
		t.Fatalf("background after deleting the logo: %v", err)
	}
}
