package certs

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/acme"
)

var (
	// ErrNotFound is what a Store returns for a name it does not hold.
	ErrNotFound = errors.New("certs: not stored")
	// ErrNoCertificate refuses a TLS handshake while no certificate has
	// been obtained yet.
	ErrNoCertificate = errors.New("certs: no certificate yet")
	// ErrBusy says another node holds the order lease: it is ordering the
	// certificate, which this node then finds in the shared store.
	ErrBusy = errors.New("certs: another node is ordering the certificate")
)

// ChallengeError is a challenge the CA could not validate: which one, for
// which domain, what the CA saw and what to change.
type ChallengeError struct {
	Type   Challenge
	Domain string
	// Detail is the CA's own words.
	Detail string
	// Hint says what to open or fix.
	Hint string
	Err  error
}

func (e *ChallengeError) Error() string {
	msg := fmt.Sprintf("%s challenge for %s failed: %s", e.Type.label(), e.Domain, e.Detail)
	if e.Hint != "" {
		msg += ": " + e.Hint
	}
	return msg
}

func (e *ChallengeError) Unwrap() error { return e.Err }

// challengeError explains why the CA refused a challenge.
func challengeError(typ Challenge, domain string, err error) *ChallengeError {
	ce := &ChallengeError{Type: typ, Domain: domain, Detail: err.Error(), Err: err}
	problem := ""
	var ae *acme.AuthorizationError
	var pe *acme.Error
	switch {
	case errors.As(err, &ae) && len(ae.Errors) > 0:
		var details []string
		for _, e := range ae.Errors {
			if errors.As(e, &pe) {
				problem = pe.ProblemType
				details = append(details, pe.Detail)
			} else {
				details = append(details, e.Error())
			}
		}
		ce.Detail = strings.Join(details, "; ")
	case errors.As(err, &pe):
		problem, ce.Detail = pe.ProblemType, pe.Detail
	}
	problem = strings.TrimPrefix(problem, "urn:ietf:params:acme:error:")
	if problem == "connection" || connectFailure(ce.Detail) {
		problem = "connection"
	}
	ce.Hint = hint(typ, domain, problem)
	return ce
}

// connectFailure says whether a CA's detail reads as a failed connection
// (some CAs report those as "unauthorized").
func connectFailure(detail string) bool {
	d := strings.ToLower(detail)
	for _, w := range []string{"failed to connect", "connection refused", "timeout", "no route to host", "connection reset"} {
		if strings.Contains(d, w) {
			return true
		}
	}
	return false
}

// hint is what an operator does about a failed challenge, from the ACME
// problem type (RFC 8555 §6.7).
func hint(typ Challenge, domain, problem string) string {
	switch {
	case problem == "dns":
		return fmt.Sprintf("the CA could not look up %s: give it an A/AAAA record pointing at this machine", domain)
	case problem == "caa":
		return fmt.Sprintf("a CAA record of %s forbids this CA", domain)
	case problem == "rejectedIdentifier":
		return fmt.Sprintf("the CA will not issue for %s", domain)
	case problem == "rateLimited":
		return "the CA's rate limit: wait before retrying (or test against its staging directory)"
	case typ == HTTP01 && problem == "connection":
		return fmt.Sprintf("the CA could not connect to http://%s/ (TCP port 80): open TCP 80 to this machine and point it at tls.acme.http_listen", domain)
	case typ == HTTP01:
		return fmt.Sprintf("port 80 of %s did not answer with this server's challenge response: make sure TCP 80 reaches tls.acme.http_listen here, not another web server or proxy", domain)
	case typ == TLSALPN01 && problem == "connection":
		return fmt.Sprintf("the CA could not connect to %s on TCP port 443: open TCP 443 to this machine and listen on :443 (or forward 443 to the listen address)", domain)
	case typ == TLSALPN01:
		return fmt.Sprintf("port 443 of %s did not answer with this server's acme-tls/1 certificate: a TLS-terminating proxy in front cannot pass TLS-ALPN-01; let port 80 reach this server for HTTP-01", domain)
	}
	return ""
}
