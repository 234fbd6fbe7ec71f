package xmpp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// jid is a bound client's address, local@domain/resource.
type jid struct {
	Local, Domain, Resource string
}

// String is the full JID.
func (j jid) String() string { return j.Local + "@" + j.Domain + "/" + j.Resource }

// Bare is the JID without its resource.
func (j jid) Bare() string { return j.Local + "@" + j.Domain }

// resourceOf is the client's requested resource when it is an acceptable
// one (1 to 64 printable characters, no slash), else a random one.
func resourceOf(requested string) string {
	r := strings.TrimSpace(requested)
	n := utf8.RuneCountInString(r)
	if n == 0 || n > 64 || !utf8.ValidString(r) || strings.ContainsFunc(r, func(c rune) bool {
		return c == '/' || unicode.IsSpace(c) || unicode.IsControl(c)
	}) {
		return randomID(4)
	}
	return r
}
