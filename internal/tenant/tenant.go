// Package tenant manages tenants (JaaS "AppIDs") and their API keys: the RSA
// public keys that verify the RS256 tokens a tenant's servers sign.
package tenant

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/confer-video/confer/internal/public"
)

// Prefix starts every tenant id, as JaaS's AppIDs.
const Prefix = "vpaas-magic-cookie-"

// ID is a tenant id: Prefix followed by 32 lowercase hex digits.
type ID string

var idPattern = regexp.MustCompile(`^vpaas-magic-cookie-[0-9a-f]{32}$`)

// NewID returns a random tenant id.
func NewID(r io.Reader) (ID, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("tenant: random id: %w", err)
	}
	return ID(Prefix + hex.EncodeToString(b)), nil
}

// ParseID checks s is a tenant id.
func ParseID(s string) (ID, error) {
	if !idPattern.MatchString(s) {
		return "", public.Errorf(ErrInvalid, "tenant id %q is not %s followed by 32 lowercase hex digits", truncate(s), Prefix)
	}
	return ID(s), nil
}

// CustomerID is the id without Prefix (webhooks' customerId).
func (id ID) CustomerID() string { return strings.TrimPrefix(string(id), Prefix) }

func (id ID) String() string { return string(id) }

// Tenant is one customer of the deployment.
type Tenant struct {
	ID        ID        `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxNameLen bounds a tenant's display name, in characters.
const MaxNameLen = 100

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch n := len([]rune(name)); {
	case n == 0:
		return "", public.Errorf(ErrInvalid, "name is required")
	case n > MaxNameLen:
		return "", public.Errorf(ErrInvalid, "name is %d characters, at most %d are allowed", n, MaxNameLen)
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", public.Errorf(ErrInvalid, "name contains control characters")
	}
	return name, nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func randomReader(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}
