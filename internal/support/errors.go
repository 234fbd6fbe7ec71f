package support

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

var (
	// ErrInvalid means the request is wrong in a way the message explains.
	ErrInvalid = errors.New("invalid")
	// ErrNotFound means there is no such support request (in this tenant).
	ErrNotFound = errors.New("not found")
	// ErrForbidden means the author may not do this (members open
	// requests; the operator answers them).
	ErrForbidden = errors.New("forbidden")
	// ErrLimit means a tenant has as many open requests, or a request as
	// many replies, as it may.
	ErrLimit = errors.New("limit reached")
	// ErrRateLimited means the author or tenant wrote too many messages
	// lately; a *RateError says how long to wait.
	ErrRateLimited = errors.New("too many support messages")
)

// RateError refuses a message over a rate limit; Wait is how long until
// one more is accepted.
type RateError struct {
	Wait time.Duration
	// Who is "you" (the author's limit) or "this tenant".
	Who string
	Max int
	Per time.Duration
}

func (e *RateError) Error() string {
	return fmt.Sprintf("%s wrote %d support messages in the last %s, the most allowed; write again in %s",
		e.Who, e.Max, short(e.Per), short(max(e.Wait.Round(time.Second), time.Second)))
}

// short writes a duration without zero minutes or seconds (1h, 40m, 3m5s).
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateError) Is(target error) bool { return target == ErrRateLimited }
