package token

import (
	"context"
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
// make a verification slow: every unit of work (a match call, a character
// tested, a byte of a set, of a %b scan or of a back-reference compared, a
// pattern byte scanned) is one step, all of one match share luaMaxSteps, and
// the context is checked every luaCheckEvery steps.

const (
	luaEsc         = '%'
	luaMaxCaptures = 32
	luaMaxDepth    = 200    // Lua's MAXCCALLS
	luaMaxSteps    = 100000 // our budget of steps per match (per Verify)
	luaCheckEvery  = 1024   // steps between two looks at ctx.Err()
	capUnfinished  = -1
	capPosition    = -2
)

var errPatternTooComplex = errors.New("pattern too complex")

// luaPatternError is the panic that unwinds a match: a malformed pattern, an
// exhausted budget or a cancelled context.
type luaPatternError struct{ err error }

type luaMatcher struct {
	ctx       context.Context
	src, pat  string
	depth     int
	steps     int // work done so far, never above luaMaxSteps
	nextCheck int // steps at which spend next checks budget and ctx
	level     int
	capInit   [luaMaxCaptures]int
	capLen    [luaMaxCaptures]int
}

// luaMatch runs Lua's string.match(s, pattern) and returns what it would: the
// first capture when the pattern has captures, else the whole match. ok is
// false when nothing matches; err reports a malformed pattern, one too
// complex (errPatternTooComplex) or the context's error.
func luaMatch(ctx context.Context, s, pattern string) (result string, ok bool, err error) {
	result, ok, _, err = luaMatchSteps(ctx, s, pattern)
	return result, ok, err
}

// luaMatchSteps is luaMatch that also returns the steps it took.
func luaMatchSteps(ctx context.Context, s, pattern string) (result string, ok bool, steps int, err error) {
	m := &luaMatcher{ctx: ctx, src: s}
	defer func() {
		steps = m.steps
		if r := recover(); r != nil {
			pe, isPE := r.(luaPatternError)
			if !isPE {
				panic(r)
			}
			result, ok, err = "", false, pe.err
		}
	}()
	anchor := strings.HasPrefix(pattern, "^")
	if anchor {
		pattern = pattern[1:]
	}
	m.pat = pattern
	for start := 0; start <= len(s); start++ {
		m.level, m.depth = 0, luaMaxDepth
		if end := m.match(start, 0); end >= 0 {
			result, ok, err = m.result(start, end)
			return result, ok, m.steps, err
		}
		if anchor {
			break
		}
	}
	return "", false, m.steps, nil
}

// result is what string.match returns for a match of src[start:end].
func (m *luaMatcher) result(start, end int) (string, bool, error) {
	switch {
	case m.level == 0:
		return m.src[start:end], true, nil
	case m.capLen[0] == capUnfinished:
		return "", false, errors.New("unfinished capture")
	case m.capLen[0] == capPosition:
		return fmt.Sprint(m.capInit[0] + 1), true, nil
	default:
		return m.src[m.capInit[0] : m.capInit[0]+m.capLen[0]], true, nil
	}
}

// spend counts n steps of work about to be done. It stops the match before
// the budget would be exceeded, and when the context is done.
func (m *luaMatcher) spend(n int) {
	if m.steps+n > m.nextCheck {
		m.check(n)
	}
	m.steps += n
}

func (m *luaMatcher) check(n int) {
	if m.steps+n > luaMaxSteps {
		m.abort(errPatternTooComplex)
	}
	if err := m.ctx.Err(); err != nil {
		m.abort(err)
	}
	m.nextCheck = min(m.steps+n+luaCheckEvery, luaMaxSteps)
}

func (m *luaMatcher) abort(err error) { panic(luaPatternError{err: err}) }

func (m *luaMatcher) fail(format string, args ...any) {
	m.abort(fmt.Errorf(format, args...))
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
			m.spend(1)
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
		m.spend(1)
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
	m.spend(1)
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
	m.spend(1)
	if s >= len(m.src) || m.src[s] != m.pat[p] {
		return -1
	}
	b, e, cont := m.pat[p], m.pat[p+1], 1
	for s++; s < len(m.src); s++ {
		m.spend(1)
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
		m.spend(1)
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
	m.spend(1)
	if len(m.src)-s < n {
		return -1
	}
	m.spend(n)
	if m.src[m.capInit[l]:m.capInit[l]+n] == m.src[s:s+n] {
		return s + n
	}
	return -1
}

// match returns the end of the match of pat[p:] at src[s:], or -1. Like
// Lua it nests at most luaMaxDepth calls. (No defer: match has too many
// returns for an open-coded one, and a panic abandons the matcher anyway.)
func (m *luaMatcher) match(s, p int) int {
	m.spend(1)
	if m.depth == 0 {
		m.abort(errPatternTooComplex)
	}
	m.depth--
	res := m.matchItems(s, p)
	m.depth++
	return res
}

// matchItems is match's body: it walks pat[p:] item by item.
func (m *luaMatcher) matchItems(s, p int) int {
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
