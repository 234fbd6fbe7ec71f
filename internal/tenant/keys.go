package tenant

import (
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/public"
)

// Key is an API key: a public key that verifies a tenant's tokens.
type Key struct {
	TenantID ID `json:"tenant"`
	// ID is the key's own id; KID() is what tokens name in their header.
	ID           string     `json:"id"`
	PublicKeyPEM string     `json:"public_key"`
	Bits         int        `json:"bits"`
	Fingerprint  string     `json:"fingerprint"`
	CreatedAt    time.Time  `json:"created_at"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt   *time.Time `json:"last_used_at,omitempty"`
}

// KID is the token header's kid: "<tenant>/<id>".
func (k Key) KID() string { return string(k.TenantID) + "/" + k.ID }

// Revoked reports whether the key was revoked.
func (k Key) Revoked() bool { return k.RevokedAt != nil }

var keyIDPattern = regexp.MustCompile(`^[0-9a-z]{1,32}$`)

// checkKeyID validates a key id chosen by the user (to keep the kid a
// tenant already uses with JaaS).
func checkKeyID(id string) error {
	if !keyIDPattern.MatchString(id) {
		return public.Errorf(ErrInvalid, "key id %q must be 1 to 32 lowercase letters and digits", truncate(id))
	}
	return nil
}

// newKeyID returns a random 6-hex-digit id, the shape JaaS uses (4f4910).
func newKeyID(r io.Reader) (string, error) {
	b := make([]byte, 3)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("tenant: random key id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// ParseKID splits a kid "<tenant>/<id>" into its parts.
func ParseKID(kid string) (ID, string, error) {
	t, id, ok := strings.Cut(kid, "/")
	if !ok {
		return "", "", public.Errorf(ErrInvalid, "kid %q is not <tenant>/<key id>", truncate(kid))
	}
	tid, err := ParseID(t)
	if err != nil {
		return "", "", err
	}
	if err := checkKeyID(id); err != nil {
		return "", "", err
	}
	return tid, id, nil
}

// cachedKey is what TenantKey remembers of a kid for a short while.
type cachedKey struct {
	key     *rsa.PublicKey // nil: not found
	revoked bool
	at      time.Time
}
