package token

import (
	"strconv"

	"github.com/confer-video/confer/internal/runes"
)

// Limits on what checking a token may cost, whoever sends it. Jitsi's claims
// nest three levels deep, and Prosody and JaaS room patterns are short.
const (
	// MaxJSONDepth bounds how deeply a token's header and payload nest
	// arrays and objects; a deeper token is refused before it is decoded.
	MaxJSONDepth = 32
	// MaxRoomPatternBytes bounds a room claim that is a Lua pattern
	// (context.room.regex).
	MaxRoomPatternBytes = 256
	// MaxRoomNameBytes bounds the name of the room a token is checked
	// against: signaling's 128 characters of up to 4 bytes each.
	MaxRoomNameBytes = 512
	// MaxTenantBytes bounds the tenant part of that room.
	MaxTenantBytes = 128
)

// echoBytes bounds how much of a string from the sender a message repeats.
const echoBytes = 80

// jsonWithin reports whether b nests arrays and objects at most limit
// levels deep, not counting brackets inside strings. It does not validate b:
// it runs before json.Unmarshal, whose own limit (10,000) is far too deep.
func jsonWithin(b []byte, limit int) bool {
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > limit {
				return false
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return true
}

// clip shortens s to echoBytes for a message, on a character boundary.
func clip(s string) string {
	if len(s) <= echoBytes {
		return s
	}
	return runes.Cut(s, echoBytes) + "…"
}

// quote is %q of s clipped: a message names what the sender sent without
// repeating all of it.
func quote(s string) string { return strconv.Quote(clip(s)) }
