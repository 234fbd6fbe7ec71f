package recording

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// LinkPath is where the server serves recording files:
// GET <LinkPath>{tenant}/{session}/{file}?expires=<unix>&sig=<hex>.
const LinkPath = "/_confer/recordings/"

// Link is a pre-authenticated URL of a recording's file, valid LinkTTL.
func (s *Service) Link(tenantID, session, file string) string {
	exp := s.cfg.Now().Add(s.cfg.LinkTTL).Unix()
	return fmt.Sprintf("%s%s%s/%s/%s?expires=%d&sig=%s", s.cfg.PublicURL(), LinkPath, url.PathEscape(tenantDir(tenantID)),
		url.PathEscape(session), url.PathEscape(file), exp, s.linkSig(tenantDir(tenantID), session, file, exp))
}

func (s *Service) linkSig(tenantDir, session, file string, exp int64) string {
	mac := hmac.New(sha256.New, s.cfg.LinkSecret)
	fmt.Fprintf(mac, "%s/%s/%s.%d", tenantDir, session, file, exp)
	return hex.EncodeToString(mac.Sum(nil))
}

// checkLink verifies a link's expiry and signature.
func (s *Service) checkLink(tenantDir, session, file, expires, sig string) error {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || !hmac.Equal([]byte(sig), []byte(s.linkSig(tenantDir, session, file, exp))) {
		return fmt.Errorf("%w: its signature does not match; use the link exactly as the webhook gave it", ErrLinkInvalid)
	}
	if at := time.Unix(exp, 0); !s.cfg.Now().Before(at) {
		return fmt.Errorf("%w: it was valid until %s", ErrLinkExpired, at.UTC().Format(time.RFC3339))
	}
	return nil
}

// validName accepts the names of a recording's files (and its session
// ids): letters, digits, '-', '_' and a dot not leading.
func validName(n string) bool {
	if n == "" || len(n) > 200 || n[0] == '.' {
		return false
	}
	return strings.Trim(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == ""
}

// ServeLink serves a file of a recording to a valid pre-authenticated link
// (Range requests too, so a browser can play it); an expired or forged one
// is answered 403 with the reason.
func (s *Service) ServeLink(w http.ResponseWriter, r *http.Request) {
	t, session, file := r.PathValue("tenant"), r.PathValue("session"), r.PathValue("file")
	if !validName(t) || !validName(session) || !validName(file) {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	if err := s.checkLink(t, session, file, q.Get("expires"), q.Get("sig")); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	f, err := os.Open(filepath.Join(s.cfg.Dir, t, session, file))
	if errors.Is(err, os.ErrNotExist) && s.objects != nil {
		s.objects.serve(w, r, t, session, file)
		return
	}
	if err != nil {
		http.Error(w, "recording not found: it may have been deleted after its retention period", http.StatusNotFound)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	setLinkHeaders(w, file)
	http.ServeContent(w, r, file, st.ModTime(), f)
}

// setLinkHeaders sets the headers of a recording's file served to a link.
func setLinkHeaders(w http.ResponseWriter, file string) {
	h := w.Header()
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("Content-Type", contentType(file))
}

func contentType(file string) string {
	switch filepath.Ext(file) {
	case ".mp4":
		return "video/mp4"
	case ".webm":
		return "video/webm"
	case ".ogg":
		return "audio/ogg"
	case ".json":
		return "application/json"
	case ".vtt":
		return "text/vtt; charset=utf-8"
	}
	return "application/octet-stream"
}
