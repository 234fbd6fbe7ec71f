package tenant_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// encode returns a w×h image in format ("png", "jpeg" or "gif"); noisy
// pixels make PNGs that do not compress.
func encode(t *testing.T, format string, w, h int, noisy bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: uint8(x), G: uint8(y), B: 200, A: 255}
			if noisy {
				c = color.RGBA{R: uint8(rng.Uint32()), G: uint8(rng.Uint32()), B: uint8(rng.Uint32()), A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpHeader is the start of a lossless WebP of the given size: enough for
// the size check, which reads only the header.
func webpHeader(w, h int) []byte {
	bits := uint32(w-1) | uint32(h-1)<<14
	b := []byte("RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f")
	b = append(b, byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24))
	return append(b, make([]byte, 16)...)
}

func TestSetBrandingImage(t *testing.T) {
	t.Parallel()
	s := setup(t, store.DialectSQLite)
	ctx := context.Background()
	tn, err := s.Create(ctx, tenant.CreateParams{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	for _, tc := range []struct {
		name        string
		kind        tenant.ImageKind
		declared    string
		data        []byte
		wantType    string // accepted with this content type
		wantMessage string // or refused with this in the message
	}{
		{"png logo", tenant.ImageLogo, "image/png", encode(t, "png", 120, 40, false), "image/png", ""},
		{"jpeg background declared as octet-stream", tenant.ImageBackground, "application/octet-stream", encode(t, "jpeg", 640, 360, false), "image/jpeg", ""},
		{"gif logo", tenant.ImageLogo, "", encode(t, "gif", 32, 32, false), "image/gif", ""},
		{"webp logo", tenant.ImageLogo, "image/webp", webpHeader(200, 100), "image/webp", ""},
		{"largest side", tenant.ImageLogo, "image/png", encode(t, "png", 4096, 1, false), "image/png", ""},
		{"svg", tenant.ImageLogo, "image/svg+xml", svg, "", "logo is image/svg+xml; upload PNG, JPEG, WebP or GIF"},
		{"svg declared as png", tenant.ImageLogo, "image/png", svg, "", "logo is image/svg+xml; upload PNG, JPEG, WebP or GIF"},
		{"svg with XML prolog", tenant.ImageBackground, "", append([]byte(`<?xml version="1.0"?>`+"\n"), svg...), "", "background is image/svg+xml"},
		{"html", tenant.ImageLogo, "image/png", []byte("<html><script>alert(1)</script></html>"), "", "logo is text/html; upload PNG, JPEG, WebP or GIF"},
		{"garbage", tenant.ImageLogo, "", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, "", "logo is application/octet-stream; upload PNG, JPEG, WebP or GIF"},
		{"garbage declared png", tenant.ImageLogo, "image/png", []byte{0, 1, 2, 3}, "", "logo is not a readable image (declared image/png)"},
		{"truncated png", tenant.ImageLogo, "image/png", encode(t, "png", 10, 10, false)[:20], "", "logo is not a valid png image"},
		{"empty", tenant.ImageLogo, "image/png", nil, "", "logo is empty"},
		{"oversize logo", tenant.ImageLogo, "image/png", encode(t, "png", 700, 700, true), "", "logo is 1.4 MiB; the limit is 1 MiB"},
		{"just over", tenant.ImageLogo, "image/png", make([]byte, 1<<20+1), "", "logo is 1048577 bytes; the limit is 1 MiB"},
		{"wide png", tenant.ImageLogo, "image/png", encode(t, "png", 4097, 1, false), "", "logo is 4097x1 pixels; the limit is 4096x4096"},
		{"tall webp", tenant.ImageBackground, "image/webp", webpHeader(100, 5000), "", "background is 100x5000 pixels; the limit is 4096x4096"},
		{"unknown kind", tenant.ImageUnknown, "image/png", encode(t, "png", 1, 1, false), "", "kind must be logo or background"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := s.SetBrandingImage(ctx, tn.ID, tc.kind, tc.declared, tc.data)
			if tc.wantMessage != "" {
				if !errors.Is(err, tenant.ErrInvalid) || !strings.Contains(err.Error(), tc.wantMessage) {
					t.Fatalf("got %v, want ErrInvalid with %q", err, tc.wantMessage)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want accepted", err)
			}
			img, err := s.BrandingImage(ctx, tn.ID, tc.kind)
			if err != nil || img.ContentType != tc.wantType || !bytes.Equal(img.Data, tc.data) {
				t.Fatalf("stored image: got %s (%d bytes), %v; want %s (%d bytes)", img.ContentType, len(img.Data), err, tc.wantType, len(tc.data))
			}
			url := b.LogoURL
			if tc.kind == tenant.ImageBackground {
				url = b.BackgroundURL
			}
			if want := "/_confer/branding/" + string(tn.ID) + "/" + tc.kind.String() + "?v=" + strings.Trim(img.ETag, `"`)[:12]; url != want {
				t.Errorf("URL: got %q, want %q", url, want)
			}
		})
	}
	if _, err := s.SetBrandingImage(ctx, "vpaas-magic-cookie-00000000000000000000000000000000", tenant.ImageLogo, "", encode(t, "png", 1, 1, false)); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("image of a missing tenant: got %v, want ErrNotFound", err)
	}
}

func TestBrandingImages(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *tenant.Service) {
		ctx := context.Background()
		tn, err := s.Create(ctx, tenant.CreateParams{Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Branding(ctx, tn.ID)
		if err != nil || b.LogoURL != "" || b.BackgroundURL != "" {
			t.Fatalf("new tenant: got %+v, %v; want no images", b, err)
		}
		logo := encode(t, "png", 64, 32, false)
		if _, err := s.SetBrandingImage(ctx, tn.ID, tenant.ImageLogo, "image/png", logo); err != nil {
			t.Fatal(err)
		}
		// SetBranding changes the other fields and keeps the image.
		b, err = s.SetBranding(ctx, tn.ID, tenant.Branding{LogoLink: "https://www.example.com", BackgroundColor: "#ABC"})
		if err != nil || b.LogoURL == "" || b.LogoLink != "https://www.example.com" || b.BackgroundColor != "#abc" || b.BackgroundURL != "" {
			t.Fatalf("SetBranding: got %+v, %v", b, err)
		}
		first := b.LogoURL
		b, err = s.SetBrandingImage(ctx, tn.ID, tenant.ImageLogo, "image/png", encode(t, "png", 64, 33, false))
		if err != nil || b.LogoURL == first {
			t.Fatalf("new logo: URL %q (was %q), %v; want a new version", b.LogoURL, first, err)
		}
		img, err := s.BrandingImage(ctx, tn.ID, tenant.ImageLogo)
		if err != nil || img.ContentType != "image/png" || !strings.HasPrefix(img.ETag, `"`) || len(img.ETag) != 66 {
			t.Fatalf("BrandingImage: got %s %s, %v", img.ContentType, img.ETag, err)
		}
		if err := s.DeleteBrandingImage(ctx, tn.ID, tenant.ImageLogo); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BrandingImage(ctx, tn.ID, tenant.ImageLogo); !errors.Is(err, tenant.ErrImageNotFound) {
			t.Fatalf("deleted logo: got %v, want ErrImageNotFound", err)
		}
		if b, _ := s.Branding(ctx, tn.ID); b.LogoURL != "" || b.LogoLink != "https://www.example.com" {
			t.Fatalf("after delete: got %+v", b)
		}
		if err := s.DeleteBrandingImage(ctx, "vpaas-magic-cookie-00000000000000000000000000000000", tenant.ImageLogo); !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("delete for a missing tenant: got %v, want ErrNotFound", err)
		}
	})
}

func TestSetBrandingValidation(t *testing.T) {
	t.Parallel()
	s := setup(t, store.DialectSQLite)
	ctx := context.Background()
	tn, err := s.Create(ctx, tenant.CreateParams{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		in      tenant.Branding
		wantErr string // empty: accepted
	}{
		{"empty", tenant.Branding{}, ""},
		{"logo link with query", tenant.Branding{LogoLink: "https://www.example.com/?utm_source=meet#top"}, ""},
		{"http logo link", tenant.Branding{LogoLink: "http://intranet.example"}, ""},
		{"short colour", tenant.Branding{BackgroundColor: "#0aF"}, ""},
		{"long colour", tenant.Branding{BackgroundColor: "#102030"}, ""},
		{"javascript logo link", tenant.Branding{LogoLink: "javascript:alert(1)"}, `logo_link "javascript:alert(1)" must be an http(s) URL`},
		{"relative logo link", tenant.Branding{LogoLink: "/home"}, "logo_link"},
		{"logo link with a space", tenant.Branding{LogoLink: "https://a.example/x y"}, "logo_link"},
		{"long logo link", tenant.Branding{LogoLink: "https://a.example/" + strings.Repeat("x", 500)}, "logo_link"},
		{"colour name", tenant.Branding{BackgroundColor: "red"}, `background_color "red" must be #rgb or #rrggbb`},
		{"colour without #", tenant.Branding{BackgroundColor: "102030"}, "background_color"},
		{"four digits", tenant.Branding{BackgroundColor: "#1234"}, "background_color"},
		{"not hex", tenant.Branding{BackgroundColor: "#12345g"}, "background_color"},
		{"CSS injection", tenant.Branding{BackgroundColor: "#123;background:url(x)"}, "background_color"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.SetBranding(ctx, tn.ID, tc.in)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("got %v, want accepted", err)
			case tc.wantErr != "" && (!errors.Is(err, tenant.ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("got %v, want ErrInvalid with %q", err, tc.wantErr)
			}
		})
	}
}

func TestImageKind(t *testing.T) {
	t.Parallel()
	for _, k := range []tenant.ImageKind{tenant.ImageLogo, tenant.ImageBackground} {
		if got, err := tenant.ParseImageKind(k.String()); err != nil || got != k {
			t.Errorf("ParseImageKind(%q): got %v, %v; want %v", k.String(), got, err, k)
		}
	}
	for _, s := range []string{"", "unknown", "Logo", "favicon"} {
		if _, err := tenant.ParseImageKind(s); !errors.Is(err, tenant.ErrInvalid) {
			t.Errorf("ParseImageKind(%q): got %v, want ErrInvalid", s, err)
		}
	}
	if got := tenant.ImageURL("vpaas-magic-cookie-x", tenant.ImageBackground, "0123456789abcdef"); got != "/_confer/branding/vpaas-magic-cookie-x/background?v=0123456789ab" {
		t.Errorf("ImageURL: got %q", got)
	}
}
