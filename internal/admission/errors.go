package admission

import (
	"errors"
	"fmt"
)

// ErrRequired means a Config lacks Tokens or Tenants.
var ErrRequired = errors.New("admission: Tokens and Tenants are required")

// Kind groups refusals by what the client should do about them; each front
// door maps a Kind to its own wire form (a WebSocket close code, a SASL
// failure).
type Kind int

// The kinds of refusal.
const (
	// KindUnknown is the zero Kind.
	KindUnknown Kind = iota
	// KindInvalid: the request names no valid room.
	KindInvalid
	// KindToken: the token does not admit the client to the room.
	KindToken
	// KindNotFound: the room's tenant does not exist.
	KindNotFound
	// KindForbidden: the tenant's plan refuses the join (MAU cap).
	KindForbidden
	// KindUnavailable: no node can take the room now; retry later.
	KindUnavailable
	// KindInternal: the server failed; Err says why (logged, not shown).
	KindInternal
)

var kindNames = [...]string{"unknown", "invalid", "token", "notFound", "forbidden", "unavailable", "internal"}

// String names the kind.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Refusal is a join the server turns down: Reason is the code clients and
// analytics see (token.Reason names and ours: roomInvalid, tenantNotFound,
// mauLimitReached, unavailable, internal), Message the public explanation.
// Err, when set, is the detail for the log only (like tailscale's vizerror:
// the public message is carried apart, never cut out of an error string).
type Refusal struct {
	Kind    Kind
	Reason  string
	Message string
	Err     error
}

// Error is "<reason>: <message>", the form both front doors show.
func (r *Refusal) Error() string { return r.Reason + ": " + r.Message }

// Unwrap returns the logged detail.
func (r *Refusal) Unwrap() error { return r.Err }

func refuse(k Kind, reason, message string, err error) *Refusal {
	return &Refusal{Kind: k, Reason: reason, Message: message, Err: err}
}
