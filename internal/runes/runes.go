// Package runes cuts text that came from outside to a size that may be
// logged, stored or echoed in a message, without splitting a character.
package runes

import "unicode/utf8"

// Cut returns s cut to at most n bytes, on a character boundary.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
