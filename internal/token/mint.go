package token

import (
	"cmp"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Grant describes a token to mint: who may enter which rooms, until when.
type Grant struct {
	// Tenant is the sub claim: the tenant id (or, self-hosted, "*" or the domain).
	Tenant string
	// Room is the room claim: a room name, "*" or, with RoomRegex, a Lua pattern.
	Room      string
	RoomRegex bool
	User      User
	Moderator bool
	Features  map[string]bool
	// Issuer defaults to "chat" and Audience to "jitsi", as JaaS requires.
	Issuer   string
	Audience string
	// NotBefore defaults to Now; Expires to NotBefore + 2h.
	NotBefore time.Time
	Expires   time.Time
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// DefaultTTL is the lifetime of a minted token when Grant.Expires is zero.
const DefaultTTL = 2 * time.Hour

// ErrInvalidGrant means a Grant cannot become a valid token.
var ErrInvalidGrant = errors.New("invalid grant")

// payload builds the claims in the shape of 8x8's JaaS samples: moderator
// and feature values as the strings "true"/"false".
func (g Grant) payload() (map[string]any, error) {
	if g.Tenant == "" {
		return nil, fmt.Errorf("%w: tenant (sub) is required", ErrInvalidGrant)
	}
	if g.Room == "" {
		return nil, fmt.Errorf("%w: room is required (a room name or \"*\")", ErrInvalidGrant)
	}
	for name := range g.Features {
		if !KnownFeatures[name] {
			return nil, fmt.Errorf("%w: unknown feature %q", ErrInvalidGrant, name)
		}
	}
	now := time.Now()
	if g.Now != nil {
		now = g.Now()
	}
	nbf := g.NotBefore
	if nbf.IsZero() {
		nbf = now
	}
	exp := g.Expires
	if exp.IsZero() {
		exp = nbf.Add(DefaultTTL)
	}
	if !exp.After(nbf) {
		return nil, fmt.Errorf("%w: expiry %s is not after nbf %s", ErrInvalidGrant, exp.UTC().Format(time.RFC3339), nbf.UTC().Format(time.RFC3339))
	}
	user := map[string]any{"moderator": fmt.Sprint(g.Moderator)}
	for k, v := range map[string]string{"id": g.User.ID, "name": g.User.Name, "avatar": g.User.Avatar, "email": g.User.Email} {
		if v != "" {
			user[k] = v
		}
	}
	if g.User.HiddenFromRecorder {
		user["hidden-from-recorder"] = "true"
	}
	features := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(g.Features)) {
		features[k] = fmt.Sprint(g.Features[k])
	}
	ctx := map[string]any{"user": user, "features": features}
	if g.RoomRegex {
		ctx["room"] = map[string]any{"regex": true}
	}
	return map[string]any{
		"aud":     cmp.Or(g.Audience, JaaSAudience),
		"iss":     cmp.Or(g.Issuer, JaaSIssuer),
		"sub":     g.Tenant,
		"room":    g.Room,
		"iat":     now.Unix(),
		"nbf":     nbf.Unix(),
		"exp":     exp.Unix(),
		"context": ctx,
	}, nil
}

// SignRS256 mints a JaaS token signed with a tenant's private key; kid is the
// API key id "<tenant>/<id>".
func SignRS256(key *rsa.PrivateKey, kid string, g Grant) (string, error) {
	if kid == "" {
		return "", fmt.Errorf("%w: kid is required for RS256", ErrInvalidGrant)
	}
	return sign(map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid}, g, func(input []byte) ([]byte, error) {
		digest := sha256.Sum256(input)
		return rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	})
}

// SignHS256 mints a self-hosted token signed with the app secret; set
// g.Issuer to the app_id.
func SignHS256(secret string, g Grant) (string, error) {
	if secret == "" {
		return "", fmt.Errorf("%w: app secret is required for HS256", ErrInvalidGrant)
	}
	return sign(map[string]any{"alg": "HS256", "typ": "JWT"}, g, func(input []byte) ([]byte, error) {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(input)
		return mac.Sum(nil), nil
	})
}

func sign(header map[string]any, g Grant, signer func([]byte) ([]byte, error)) (string, error) {
	payload, err := g.payload()
	if err != nil {
		return "", err
	}
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("encode header: %w", err)
	}
	p, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("encode payload: %w", err)
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	sig, err := signer([]byte(input))
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return input + "." + b64.EncodeToString(sig), nil
}
