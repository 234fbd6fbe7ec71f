package xmpp

import "errors"

var (
	// ErrNotWellFormed means a message is not one well-formed XML element.
	ErrNotWellFormed = errors.New("not-well-formed")
	// ErrRestrictedXML means a message uses XML that XMPP forbids.
	ErrRestrictedXML = errors.New("restricted-xml")
	// ErrPolicy means a message exceeds a limit of the server.
	ErrPolicy = errors.New("policy-violation")
	// ErrRequired means a Config lacks its Admission.
	ErrRequired = errors.New("xmpp: Admission is required")
)

// condition is the stream error condition (RFC 6120 §4.9.3) of a parse
// error.
func condition(err error) string {
	switch {
	case errors.Is(err, ErrRestrictedXML):
		return "restricted-xml"
	case errors.Is(err, ErrPolicy):
		return "policy-violation"
	}
	return "not-well-formed"
}

// Why a client's Jingle IQ is refused (XEP-0166 §7.2's errors).
var (
	errUnknownSession    = errors.New("unknown-session")
	errUnsupportedAction = errors.New("unsupported action")
	errBadJingle         = errors.New("bad Jingle")
	errOutOfOrder        = errors.New("out-of-order")
)
