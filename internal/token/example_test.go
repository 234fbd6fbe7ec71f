package token_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/token"
)

// keyring is a KeyResolver holding one tenant key.
type keyring map[string]*rsa.PublicKey

func (k keyring) TenantKey(_ context.Context, kid string) (*rsa.PublicKey, error) {
	if key, ok := k[kid]; ok {
		return key, nil
	}
	return nil, token.ErrKeyNotFound
}

// Mint a JaaS token for one participant with a tenant's private key, then
// verify it as Confer does when that participant joins.
func Example() {
	pem, _ := os.ReadFile("testdata/tenant_a.key")
	priv, _ := rsakey.ParsePrivate(pem)
	const tenant = "vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe"
	kid := tenant + "/4f4910"

	jwt, err := token.SignRS256(priv, kid, token.Grant{
		Tenant:    tenant,
		Room:      "daily-standup",
		User:      token.User{ID: "u-42", Name: "Ada Lovelace", Email: "ada@example.com"},
		Moderator: true,
		Features:  map[string]bool{"recording": true},
		Expires:   time.Now().Add(time.Hour),
	})
	if err != nil {
		panic(err)
	}

	v, _ := token.New(token.Config{Keys: keyring{kid: &priv.PublicKey}})
	claims, err := v.Verify(context.Background(), jwt, tenant+"/daily-standup")
	fmt.Println(claims.User.Name, claims.Moderator, claims.Feature("recording", false), err)

	_, err = v.Verify(context.Background(), jwt, tenant+"/another-room")
	fmt.Println(token.ReasonOf(err), errors.Is(err, token.ReasonRoomMismatch))
	// Output:
	// Ada Lovelace true true <nil>
	// roomMismatch true
}
