// Package public carries the part of an error a person may be told.
//
// A domain package refuses with a sentinel its callers branch on and a
// reason for people: public.Errorf(ErrInvalid, "name must have 1 to 100
// characters"). errors.Is(err, ErrInvalid) holds, Error() reads
// "invalid: name must …" in logs, and an API or page shows Message(err):
// the reason alone, however the error was wrapped on its way up.
package public

import (
	"errors"
	"fmt"
)

// Error is a refusal: Kind is the sentinel it is (errors.Is), Msg its
// reason for people.
type Error struct {
	Kind error
	Msg  string
	// cause is the formatted message as an error, for what its %w wrapped.
	cause error
}

// Errorf returns an *Error of kind whose message is formatted from format
// and args; %w in format wraps as fmt.Errorf does (the wrapped error's
// text becomes part of the message).
func Errorf(kind error, format string, args ...any) error {
	cause := fmt.Errorf(format, args...)
	return &Error{Kind: kind, Msg: cause.Error(), cause: cause}
}

func (e *Error) Error() string { return e.Kind.Error() + ": " + e.Msg }

// Unwrap makes errors.Is hold for e.Kind and for what the message's %w
// wrapped.
func (e *Error) Unwrap() []error {
	out := []error{e.Kind}
	switch c := e.cause.(type) {
	case interface{ Unwrap() error }:
		if w := c.Unwrap(); w != nil {
			out = append(out, w)
		}
	case interface{ Unwrap() []error }:
		out = append(out, c.Unwrap()...)
	}
	return out
}

// Message is what a person may be told of err: the reason of the first
// *Error in its chain, else err's own text.
func Message(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Msg
	}
	return err.Error()
}
