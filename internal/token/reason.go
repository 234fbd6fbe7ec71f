package token

import (
	"errors"
	"fmt"
)

// Reason is the machine-readable code of a token refusal. Where the Jitsi
// meeting client has a name for a check (react/features/base/jwt/constants.ts)
// the same name is used, so integrators see familiar codes.
//
// A Reason is also an error, so callers can branch with
// errors.Is(err, token.ReasonTokenExpired).
type Reason string

// The reasons a token can be refused for.
const (
	ReasonNone                Reason = ""
	ReasonTokenMissing        Reason = "tokenMissing"
	ReasonMalformed           Reason = "malformed"
	ReasonHeaderNotFound      Reason = "headerNotFound"
	ReasonPayloadNotFound     Reason = "payloadNotFound"
	ReasonTypInvalid          Reason = "typInvalid"
	ReasonAlgInvalid          Reason = "algInvalid"
	ReasonKidNotFound         Reason = "kidNotFound"
	ReasonKidMismatch         Reason = "kidMismatch"
	ReasonKeyRevoked          Reason = "keyRevoked"
	ReasonSignatureInvalid    Reason = "signatureInvalid"
	ReasonExpInvalid          Reason = "expInvalid"
	ReasonNbfInvalid          Reason = "nbfInvalid"
	ReasonTokenExpired        Reason = "tokenExpired"
	ReasonNbfFuture           Reason = "nbfFuture"
	ReasonIssInvalid          Reason = "issInvalid"
	ReasonAudInvalid          Reason = "audInvalid"
	ReasonSubInvalid          Reason = "subInvalid"
	ReasonContextNotFound     Reason = "contextNotFound"
	ReasonUserInvalid         Reason = "userInvalid"
	ReasonFeatureInvalid      Reason = "featureInvalid"
	ReasonFeatureValueInvalid Reason = "featureValueInvalid"
	ReasonRoomMismatch        Reason = "roomMismatch"
)

// Reasons lists every refusal reason, in the order the checks run.
var Reasons = []Reason{
	ReasonTokenMissing, ReasonMalformed, ReasonHeaderNotFound, ReasonPayloadNotFound,
	ReasonTypInvalid, ReasonAlgInvalid, ReasonKidNotFound, ReasonKidMismatch, ReasonKeyRevoked,
	ReasonSignatureInvalid, ReasonExpInvalid, ReasonNbfInvalid, ReasonTokenExpired, ReasonNbfFuture,
	ReasonIssInvalid, ReasonAudInvalid, ReasonSubInvalid, ReasonContextNotFound, ReasonUserInvalid,
	ReasonFeatureInvalid, ReasonFeatureValueInvalid, ReasonRoomMismatch,
}

// Error implements error.
func (r Reason) Error() string { return string(r) }

// String returns the reason code.
func (r Reason) String() string { return string(r) }

// ParseReason returns the Reason named s, or an error for an unknown name.
func ParseReason(s string) (Reason, error) {
	for _, r := range Reasons {
		if string(r) == s {
			return r, nil
		}
	}
	return ReasonNone, fmt.Errorf("unknown token refusal reason %q", s)
}

// Error is a token refusal: a reason code and a message for people.
type Error struct {
	Reason  Reason
	Message string
}

func (e *Error) Error() string { return string(e.Reason) + ": " + e.Message }

// Unwrap returns the Reason, so errors.Is matches on it.
func (e *Error) Unwrap() error { return e.Reason }

func refuse(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Message: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the refusal reason carried by err, ReasonNone for nil and
// for errors that are not refusals.
func ReasonOf(err error) Reason {
	var te *Error
	if errors.As(err, &te) {
		return te.Reason
	}
	var r Reason
	if errors.As(err, &r) {
		return r
	}
	return ReasonNone
}

// Errors a KeyResolver returns; the verifier turns them into refusals.
var (
	// ErrKeyNotFound means no key is registered under the kid.
	ErrKeyNotFound = errors.New("key not found")
	// ErrKeyRevoked means the key existed and was revoked.
	ErrKeyRevoked = errors.New("key revoked")
)
