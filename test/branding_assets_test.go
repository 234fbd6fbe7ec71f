package test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/store"
)

// pngImage is a w×h PNG; noisy pixels make one that does not compress.
func pngImage(t *testing.T, w, h int, noisy bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(3, 4))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: 40, G: uint8(100 + x%100), B: 220, A: 255}
			if noisy {
				c = color.RGBA{R: uint8(rng.Uint32()), G: uint8(rng.Uint32()), B: uint8(rng.Uint32()), A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// send makes a request with a raw body and headers (the admin token unless
// the headers say otherwise) and returns the response and its body.
func (s *testServer) send(t *testing.T, method, path string, body []byte, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func decodeBranding(t *testing.T, body []byte) api.Branding {
	t.Helper()
	var b api.Branding
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatalf("branding %s: %v", body, err)
	}
	return b
}

// TestBrandingAssetsAPI: a tenant's logo and background are uploaded through
// the API, served publicly for meetings with caching headers, refused when
// they are not safe images, and removed.
func TestBrandingAssetsAPI(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo)
		f := newTenant(t, s)
		other := newTenant(t, s)
		path := "/api/v1/tenants/" + f.ID + "/branding"

		code, body := s.call(t, "PUT", path, `{"invite_url": "https://app.example.com/meet", "logo_link": "https://www.example.com/?ref=meet", "background_color": "#1A2B3C"}`)
		if b := decodeBranding(t, body); code != 200 || b.LogoLink != "https://www.example.com/?ref=meet" || b.BackgroundColor != "#1a2b3c" || b.LogoURL != "" {
			t.Fatalf("put branding: %d %s", code, body)
		}

		logo := pngImage(t, 120, 40, false)
		resp, body := s.send(t, "PUT", path+"/logo", logo, "Content-Type", "image/png")
		b := decodeBranding(t, body)
		if resp.StatusCode != 200 || !strings.HasPrefix(b.LogoURL, "/_confer/branding/"+f.ID+"/logo?v=") || b.LogoLink == "" {
			t.Fatalf("upload logo: %d %s", resp.StatusCode, body)
		}
		if code, body := s.call(t, "GET", path, ""); code != 200 || decodeBranding(t, body).LogoURL != b.LogoURL {
			t.Fatalf("GET branding after upload: %d %s, want logo_url %s", code, body, b.LogoURL)
		}

		// The public URL needs no token and serves the same bytes, safely.
		resp, got := get(t, s.URL+b.LogoURL, "")
		h := resp.Header
		if resp.StatusCode != 200 || !bytes.Equal(got, logo) || h.Get("Content-Type") != "image/png" {
			t.Fatalf("public logo: %d %s, %d bytes (want %d)", resp.StatusCode, h.Get("Content-Type"), len(got), len(logo))
		}
		for name, want := range map[string]string{"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff",
			"Content-Security-Policy": "default-src 'none'"} {
			if h.Get(name) != want {
				t.Errorf("public logo %s: got %q, want %q", name, h.Get(name), want)
			}
		}
		etag := h.Get("ETag")
		if len(etag) < 10 || !strings.HasPrefix(etag, `"`) {
			t.Fatalf("public logo ETag %q", etag)
		}
		if resp, body := get(t, s.URL+b.LogoURL, etag); resp.StatusCode != http.StatusNotModified || len(body) != 0 || resp.Header.Get("ETag") != etag {
			t.Errorf("If-None-Match %s: got %d with %d bytes, want 304", etag, resp.StatusCode, len(body))
		}
		if resp, _ := get(t, s.URL+b.LogoURL, `"other"`); resp.StatusCode != 200 {
			t.Errorf("If-None-Match of another image: got %d, want 200", resp.StatusCode)
		}

		// A background from an HTML form (multipart, field "file").
		background := pngImage(t, 800, 450, false)
		var form bytes.Buffer
		mw := multipart.NewWriter(&form)
		fw, err := mw.CreateFormFile("file", "bg.png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(background)
		mw.Close()
		resp, body = s.send(t, "PUT", path+"/background", form.Bytes(), "Content-Type", mw.FormDataContentType())
		b = decodeBranding(t, body)
		if resp.StatusCode != 200 || !strings.HasPrefix(b.BackgroundURL, "/_confer/branding/"+f.ID+"/background?v=") || b.LogoURL == "" {
			t.Fatalf("upload background as a form: %d %s", resp.StatusCode, body)
		}
		if resp, got := get(t, s.URL+b.BackgroundURL, ""); resp.StatusCode != 200 || !bytes.Equal(got, background) {
			t.Errorf("public background: %d, %d bytes (want %d)", resp.StatusCode, len(got), len(background))
		}

		// PUT of the branding fields keeps the images.
		code, body = s.call(t, "PUT", path, `{"invite_url": "https://app.example.com/meet", "logo_url": "ignored"}`)
		if b := decodeBranding(t, body); code != 200 || b.LogoURL == "" || b.BackgroundURL == "" || b.LogoLink != "" {
			t.Errorf("PUT branding replaces the fields and keeps the images: %d %s", code, body)
		}

		svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>`)
		for _, tc := range []struct {
			name, kind, contentType string
			body                    []byte
			status                  int
			code, message           string
		}{
			{"SVG", "logo", "image/svg+xml", svg, 400, "invalid_argument", "logo is image/svg+xml; upload PNG, JPEG, WebP or GIF"},
			{"SVG sent as PNG", "logo", "image/png", svg, 400, "invalid_argument", "logo is image/svg+xml; upload PNG, JPEG, WebP or GIF"},
			{"garbage", "logo", "application/octet-stream", []byte("\x00\x01\x02garbage"), 400, "invalid_argument", "logo is application/octet-stream; upload PNG, JPEG, WebP or GIF"},
			{"oversize logo", "logo", "image/png", pngImage(t, 900, 900, true), 400, "invalid_argument", "; the limit is 1 MiB"},
			{"too many pixels", "background", "image/png", pngImage(t, 5000, 2, false), 400, "invalid_argument", "background is 5000x2 pixels; the limit is 4096x4096"},
			{"body over 4 MiB", "background", "image/png", make([]byte, 4<<20+1), 413, "body_too_large", "larger than 4 MiB"},
			{"empty", "logo", "image/png", nil, 400, "invalid_argument", "the image is empty"},
			{"unknown kind", "favicon", "image/png", logo, 404, "not_found", "use .../branding/logo or .../branding/background"},
		} {
			resp, body := s.send(t, "PUT", path+"/"+tc.kind, tc.body, "Content-Type", tc.contentType)
			if resp.StatusCode != tc.status || errorCode(t, body) != tc.code || !strings.Contains(errorMessage(t, body), tc.message) {
				t.Errorf("%s: got %d %s, want %d %s with %q", tc.name, resp.StatusCode, body, tc.status, tc.code, tc.message)
			}
		}
		if resp, got := get(t, s.URL+b.LogoURL, ""); !bytes.Equal(got, logo) {
			t.Errorf("refused uploads changed the logo: %d, %d bytes", resp.StatusCode, len(got))
		}
		if resp, _ := s.send(t, "PUT", "/api/v1/tenants/vpaas-magic-cookie-00000000000000000000000000000000/branding/logo", logo,
			"Content-Type", "image/png"); resp.StatusCode != 404 {
			t.Errorf("logo of an unknown tenant: %d, want 404", resp.StatusCode)
		}
		if resp, _ := s.send(t, "PUT", path+"/logo", logo, "Content-Type", "image/png", "Authorization", ""); resp.StatusCode != 401 {
			t.Errorf("upload without a token: %d, want 401", resp.StatusCode)
		}
		if resp, _ := get(t, s.URL+"/_confer/branding/"+other.ID+"/logo", ""); resp.StatusCode != 404 {
			t.Errorf("logo of a tenant without one: %d, want 404", resp.StatusCode)
		}

		for range 2 { // DELETE is idempotent
			if code, body := s.call(t, "DELETE", path+"/logo", ""); code != 204 {
				t.Fatalf("delete logo: %d %s", code, body)
			}
		}
		if resp, _ := get(t, s.URL+b.LogoURL, ""); resp.StatusCode != 404 {
			t.Errorf("deleted logo: %d, want 404", resp.StatusCode)
		}
		if code, body := s.call(t, "GET", path, ""); code != 200 || decodeBranding(t, body).LogoURL != "" || decodeBranding(t, body).BackgroundURL == "" {
			t.Errorf("branding after deleting the logo: %d %s", code, body)
		}
	})
}

// get fetches a URL without a token, with If-None-Match if given.
func get(t *testing.T, u, ifNoneMatch string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestBrandingCLI: confer branding get|set|logo|background against a server.
func TestBrandingCLI(t *testing.T) {
	t.Parallel()
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	work := t.TempDir()
	c := cli{t: t, bin: bin, dir: work, env: append(os.Environ(), "CONFER_SERVER="+s.URL, "CONFER_ADMIN_TOKEN="+adminToken)}
	branding := func(args ...string) api.Branding {
		t.Helper()
		return decodeBranding(t, []byte(c.must(append([]string{"branding", "--tenant", f.ID}, args...)...)))
	}

	b := branding("set", "--invite-url", "https://app.example.com/meet", "--frame-ancestor", "https://app.example.com", "--frame-ancestor", "'self'")
	if b.InviteURL != "https://app.example.com/meet" || len(b.FrameAncestors) != 2 {
		t.Fatalf("set invite URL and ancestors: %+v", b)
	}
	b = branding("set", "--logo-link", "https://www.example.com", "--background-color", "#123456")
	if b.InviteURL != "https://app.example.com/meet" || len(b.FrameAncestors) != 2 || b.LogoLink != "https://www.example.com" || b.BackgroundColor != "#123456" {
		t.Fatalf("set changes only the flags given: %+v", b)
	}
	if out, code := c.run("", "branding", "--tenant", f.ID, "set", "--background-color", "blue"); code == 0 || strings.Contains(out, "blue") {
		t.Errorf("invalid colour: exit %d, %s", code, out)
	}
	if _, code := c.run("", "branding", "--tenant", f.ID, "set"); code == 0 {
		t.Error("set without flags succeeded")
	}

	logo := filepath.Join(work, "logo.png")
	if err := os.WriteFile(logo, pngImage(t, 60, 20, false), 0o600); err != nil {
		t.Fatal(err)
	}
	if b = branding("logo", logo); !strings.Contains(b.LogoURL, "/logo?v=") {
		t.Fatalf("logo upload: %+v", b)
	}
	svg := filepath.Join(work, "logo.svg")
	os.WriteFile(svg, []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), 0o600)
	if _, code := c.run("", "branding", "--tenant", f.ID, "logo", svg); code == 0 {
		t.Error("SVG logo upload succeeded")
	}
	if b = branding("background", logo); !strings.Contains(b.BackgroundURL, "/background?v=") {
		t.Fatalf("background upload: %+v", b)
	}
	if b = branding("get"); b.LogoURL == "" || b.BackgroundURL == "" || b.LogoLink != "https://www.example.com" {
		t.Fatalf("get: %+v", b)
	}
	c.must("branding", "--tenant", f.ID, "logo", "--delete")
	c.must("branding", "--tenant", f.ID, "background", "--delete")
	if b = branding("set", "--frame-ancestor", ""); b.LogoURL != "" || b.BackgroundURL != "" || len(b.FrameAncestors) != 0 || b.BackgroundColor != "#123456" {
		t.Fatalf("after deletes and clearing the ancestors: %+v", b)
	}
}

// TestBrowserBranding: a meeting of a branded tenant shows its logo top
// left, linking to its page, over its background colour and image.
func TestBrowserBranding(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx := context.Background()
	if _, err := s.Client.SetBranding(ctx, f.ID, api.Branding{LogoLink: "https://www.example.com/home", BackgroundColor: "#123456"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.SetBrandingImage(ctx, f.ID, "logo", "image/png", pngImage(t, 120, 40, false)); err != nil {
		t.Fatal(err)
	}
	b, err := s.Client.SetBrandingImage(ctx, f.ID, "background", "image/png", pngImage(t, 320, 180, false))
	if err != nil {
		t.Fatal(err)
	}

	p := newBrowser(t).open("branded", meetingURL(s.URL, f.ID+"/branded", f.token(t, "branded", "Ada", true), fastMeeting()))
	poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
	if w := poll[int](t, p, "logo loaded", `(() => { const i = document.getElementById('brand-logo'); return i.complete && !document.getElementById('brand').hidden && i.naturalWidth; })()`, 10*time.Second); w != 120 {
		t.Errorf("logo naturalWidth %d, want 120", w)
	}
	var link struct{ Href, Target, Rel string }
	if err := json.Unmarshal([]byte(eval[string](t, p, `(() => { const a = document.getElementById('brand'); return JSON.stringify({href: a.href, target: a.target, rel: a.rel}); })()`)), &link); err != nil {
		t.Fatal(err)
	}
	if link.Href != "https://www.example.com/home" || link.Target != "_blank" || !strings.Contains(link.Rel, "noopener") {
		t.Errorf("logo link: %+v", link)
	}
	if x := eval[float64](t, p, `document.getElementById('brand').getBoundingClientRect().left`); x > 40 {
		t.Errorf("logo is %vpx from the left edge, want top left", x)
	}
	style := eval[string](t, p, `(() => { const s = getComputedStyle(document.getElementById('meeting')); return s.backgroundColor + ' ' + s.backgroundImage; })()`)
	if !strings.HasPrefix(style, "rgb(18, 52, 86) ") || !strings.Contains(style, s.URL+b.BackgroundURL) {
		t.Errorf("meeting background %q, want rgb(18, 52, 86) and %s", style, b.BackgroundURL)
	}
	if got := eval[int](t, p, `fetch(`+jsonString(b.BackgroundURL)+`).then(r => r.status)`); got != 200 {
		t.Errorf("background image: %d", got)
	}
}
