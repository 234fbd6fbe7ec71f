package cascade

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Unix(1_800_000_000, 0)
	const uri = "/_confer/cascade/peer?meeting=m1&participant=p1"
	tests := []struct {
		name   string
		header string
		uri    string
		want   string // "" accepted, else part of the refusal
	}{
		{"signed", sign(secret, "n1", uri, now), uri, ""},
		{"a minute old", sign(secret, "n1", uri, now.Add(-50*time.Second)), uri, ""},
		{"missing", "", uri, "no X-Confer-Cascade header"},
		{"malformed", "n1-nothing", uri, "malformed credential"},
		{"bad time", "n1.soon.abcd", uri, "malformed time"},
		{"stale", sign(secret, "n1", uri, now.Add(-2*time.Minute)), uri, "off the clock"},
		{"another secret", sign([]byte("another secret, 32 bytes long..."), "n1", uri, now), uri, "does not match"},
		{"another request", sign(secret, "n1", uri, now), "/_confer/cascade/peer?meeting=m2&participant=p1", "does not match"},
		{"another node", strings.Replace(sign(secret, "n1", uri, now), "n1.", "n2.", 1), uri, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", tt.uri, nil)
			if tt.header != "" {
				r.Header.Set(AuthHeader, tt.header)
			}
			node, err := verify(secret, r, now)
			switch {
			case tt.want == "" && (err != nil || node != "n1"):
				t.Errorf("got %q, %v; want n1 accepted", node, err)
			case tt.want != "" && (!errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %q, %v; want refused: %s", node, err, tt.want)
			}
		})
	}
}
