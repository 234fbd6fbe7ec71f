package relay

import "errors"

var (
	// ErrShortSecret is a TURN secret under 16 characters.
	ErrShortSecret = errors.New("relay: the TURN secret must have at least 16 characters")
	// ErrNotIP is a relay address that is not an IP address.
	ErrNotIP = errors.New("not an IP address")
	// ErrTCPRelay refuses TCP relay allocations (RFC 6062): the SFU's media
	// is UDP only.
	ErrTCPRelay = errors.New("relay: TCP allocations are not offered: the SFU's media is UDP only")
)
