package token

import (
	"errors"
	"fmt"
	"strings"
)

// This file is a Go port of the pattern matcher of Lua 5.x's string library
// (lstrlib.c: match, max_expand, min_expand, classEnd, singlematch,
// matchbracketclass, matchbalance), because Prosody checks a token's room
// claim with Lua's string.match when context.room.regex is true, and tokens
// written for Jitsi must mean the same thing here. Reference:
// https://www.lua.org/manual/5.4/manual.html#6.4.1
//
// It works on bytes, like Lua, and adds a step budget so that no pattern can
// make a verification slow.

const (
	luaEsc         = '%'
	luaMaxCaptures = 32
	luaMaxDepth    = 200    // Lua's MAXCCALLS
	luaMaxSteps    = 100000 // our budget of single-character tests per match
	capUnfinished  = -1
	capPosition    = -2
)

var errPatternTooComplex = errors.New("pattern too complex")

type luaPatternError struct{ msg string }

type luaMatcher struct {
	src, pat string
	depth    int
	steps    int
	level    int
	capInit  [luaMaxCaptures]int
	capLen   [luaMaxCaptures]int
}

// luaMatch runs Lua's string.match(s, pattern) and returns what it would: the
// first capture when the pattern has captures, else the whole match. ok is
// false when nothing matches; err reports a malformed or too complex pattern.
func luaMatch(s, pattern string) (result string, ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			pe, isPE := r.(luaPatternError)
			if !isPE {
				panic(r)
			}
			result, ok, err = "", false, errors.New(pe.msg)
		}
	}()
	anchor := strings.HasPrefix(pattern, "^")
	if anchor {
		pattern = pattern[1:]
	}
	m := &luaMatcher{src: s, pat: pattern}
	for start := 0; start <= len(s); start++ {
		m.level, m.depth = 0, luaMaxDepth
		if end := m.match(start, 0); end >= 0 {
			if m.level == 0 {
				return s[start:end], true, nil
			}
			if m.capLen[0] == capUnfinished {
				return "", false, errors.New("unfinished capture")
			}
			if m.capLen[0] == capPosition {
				return fmt.Sprint(m.capInit[0] + 1), true, nil
			}
			return s[m.capInit[0] : m.capInit[0]+m.capLen[0]], true, nil
		}
		if anchor {
			break
		}
	}
	return "", false, nil
}

func (m *luaMatcher) fail(format string, args ...any) {
	panic(luaPatternError{msg: fmt.Sprintf(format, args...)})
}

func (m *luaMatcher) patAt(i int) byte {
	if i < len(m.pat) {
		return m.pat[i]
	}
	return 0
}

func (m *luaMatcher) classEnd(p int) int {
	c := m.pat[p]
	p++
	switch c {
	case luaEsc:
		if p >= len(m.pat) {
			m.fail("malformed pattern (ends with '%%')")
		}
		return p + 1
	case '[':
		if m.patAt(p) == '^' {
			p++
		}
		for { // look for a ']'
			if p >= len(m.pat) {
				m.fail("malformed pattern (missing ']')")
			}
			c := m.pat[p]
			p++
			if c == luaEsc && p < len(m.pat) {
				p++ // skip escapes such as '%]'
			}
			if p < len(m.pat) && m.pat[p] == ']' {
				return p + 1
			}
		}
	default:
		return p
	}
}

func luaMatchClass(c, cl byte) bool {
	var res bool
	switch lower(cl) {
	case 'a':
		res = isAlpha(c)
	case 'c':
		res = c < 32 || c == 127
	case 'd':
		res = c >= '0' && c <= '9'
	case 'g':
		res = c > 32 && c < 127
	case 'l':
		res = c >= 'a' && c <= 'z'
	case 'p':
		res = c > 32 && c < 127 && !isAlpha(c) && !(c >= '0' && c <= '9')
	case 's':
		res = c == ' ' || (c >= '\t' && c <= '\r')
	case 'u':
		res = c >= 'A' && c <= 'Z'
	case 'w':
		res = isAlpha(c) || (c >= '0' && c <= '9')
	case 'x':
		res = (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f')
	default:
		return cl == c
	}
	if cl >= 'A' && cl <= 'Z' {
		return !res
	}
	return res
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// matchBracketClass tests c against the set that starts at p ('[') and whose
// closing ']' is at ec.
func (m *luaMatcher) matchBracketClass(c byte, p, ec int) bool {
	sig := true
	if m.patAt(p+1) == '^' {
		sig = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case m.pat[p] == luaEsc:
			p++
			if luaMatchClass(c, m.patAt(p)) {
				return sig
			}
		case m.patAt(p+1) == '-' && p+2 < ec:
			p += 2
			if m.pat[p-2] <= c && c <= m.pat[p] {
				return sig
			}
		case m.pat[p] == c:
			return sig
		}
	}
	return !sig
}

func (m *luaMatcher) singleMatch(s, p, ep int) bool {
	m.steps++
	if m.steps > luaMaxSteps {
		m.fail("%v", errPatternTooComplex)
	}
	if s >= len(m.src) {
		return false
	}
	c := m.src[s]
	switch m.pat[p] {
	case '.':
		return true
	case luaEsc:
		return luaMatchClass(c, m.patAt(p+1))
	case '[':
		return m.matchBracketClass(c, p, ep-1)
	default:
		return m.pat[p] == c
	}
}

func (m *luaMatcher) matchBalance(s, p int) int {
	if p+1 >= len(m.pat) {
		m.fail("malformed pattern (missing arguments to '%%b')")
	}
	if s >= len(m.src) || m.src[s] != m.pat[p] {
		return -1
	}
	b, e, cont := m.pat[p], m.pat[p+1], 1
	for s++; s < len(m.src); s++ {
		switch m.src[s] {
		case e:
			cont--
			if cont == 0 {
				return s + 1
			}
		case b:
			cont++
		}
	}
	return -1
}

func (m *luaMatcher) maxExpand(s, p, ep int) int {
	i := 0
	for m.singleMatch(s+i, p, ep) {
		i++
	}
	for ; i >= 0; i-- {
		if res := m.match(s+i, ep+1); res >= 0 {
			return res
		}
	}
	return -1
}

func (m *luaMatcher) minExpand(s, p, ep int) int {
	for {
		if res := m.match(s, ep+1); res >= 0 {
			return res
		}
		if !m.singleMatch(s, p, ep) {
			return -1
		}
		s++
	}
}

func (m *luaMatcher) startCapture(s, p, what int) int {
	if m.level >= luaMaxCaptures {
		m.fail("too many captures")
	}
	m.capInit[m.level], m.capLen[m.level] = s, what
	m.level++
	res := m.match(s, p)
	if res < 0 {
		m.level--
	}
	return res
}

func (m *luaMatcher) endCapture(s, p int) int {
	l := -1
	for i := m.level - 1; i >= 0; i-- {
		if m.capLen[i] == capUnfinished {
			l = i
			break
		}
	}
	if l < 0 {
		m.fail("invalid pattern capture")
	}
	m.capLen[l] = s - m.capInit[l]
	res := m.match(s, p)
	if res < 0 {
		m.capLen[l] = capUnfinished
	}
	return res
}

func (m *luaMatcher) matchCapture(s int, digit byte) int {
	l := int(digit - '1')
	if l < 0 || l >= m.level || m.capLen[l] == capUnfinished {
		m.fail("invalid capture index %%%d", l+1)
	}
	n := m.capLen[l]
	if n == capPosition {
		n = 0
	}
	if len(m.src)-s >= n && m.src[m.capInit[l]:m.capInit[l]+n] == m.src[s:s+n] {
		return s + n
	}
	return -1
}

// match returns the end of the match of pat[p:] at src[s:], or -1.
func (m *luaMatcher) match(s, p int) int {
	m.depth--
	if m.depth == 0 {
		m.fail("%v", errPatternTooComplex)
	}
	defer func() { m.depth++ }()
	for p < len(m.pat) {
		switch m.pat[p] {
		case '(':
			if m.patAt(p+1) == ')' {
				return m.startCapture(s, p+2, capPosition)
			}
			return m.startCapture(s, p+1, capUnfinished)
		case ')':
			return m.endCapture(s, p+1)
		case '$':
			if p+1 == len(m.pat) {
				if s == len(m.src) {
					return s
				}
				return -1
			}
		case luaEsc:
			switch next := m.patAt(p + 1); {
			case next == 'b':
				s = m.matchBalance(s, p+2)
				if s < 0 {
					return -1
				}
				p += 4
				continue
			case next == 'f':
				p += 2
				if m.patAt(p) != '[' {
					m.fail("missing '[' after '%%f' in pattern")
				}
				ep := m.classEnd(p)
				var prev, cur byte
				if s > 0 {
					prev = m.src[s-1]
				}
				if s < len(m.src) {
					cur = m.src[s]
				}
				if !m.matchBracketClass(prev, p, ep-1) && m.matchBracketClass(cur, p, ep-1) {
					p = ep
					continue
				}
				return -1
			case next >= '0' && next <= '9':
				s = m.matchCapture(s, next)
				if s < 0 {
					return -1
				}
				p += 2
				continue
			}
		}
		// default: a single-character class, maybe followed by a quantifier.
		ep := m.classEnd(p)
		q := m.patAt(ep)
		if ep >= len(m.pat) {
			q = 0
		}
		if !m.singleMatch(s, p, ep) {
			if q == '*' || q == '?' || q == '-' {
				p = ep + 1
				continue
			}
			return -1
		}
		switch q {
		case '?':
			if res := m.match(s+1, ep+1); res >= 0 {
				return res
			}
			p = ep + 1
		case '+':
			return m.maxExpand(s+1, p, ep)
		case '*':
			return m.maxExpand(s, p, ep)
		case '-':
			return m.minExpand(s, p, ep)
		default:
			s++
			p = ep
		}
	}
	return s
}

// lowerLuaPattern lower-cases the literal characters of a Lua pattern but not
// the class letters after '%' (so %W keeps meaning "not alphanumeric").
func lowerLuaPattern(p string) string {
	b := []byte(p)
	for i := 0; i < len(b); i++ {
		if b[i] == luaEsc {
			i++
			continue
		}
		b[i] = lower(b[i])
	}
	return string(b)
}
