package token

import (
	"context"
	"testing"
)

// luaCases were checked against Lua 5.4's string.match (lua5.4 -e): want is
// what it returned, outcome "OK", "NIL" (no match) or "ERR" (Lua raised an
// error for the pattern).
var luaCases = []struct{ pattern, subject, want, outcome string }{
	{"sales%-%d+", "sales-42", "sales-42", "OK"},
	{"sales%-%d+", "presales-42x", "sales-42", "OK"},
	{"sales", "presales", "sales", "OK"},
	{"^team[0-9]+$", "team7", "team7", "OK"},
	{"^team[0-9]+$", "team7a", "", "NIL"},
	{"a%Wb", "a.b", "a.b", "OK"},
	{"a%wb", "a.b", "", "NIL"},
	{".-x", "abcxdx", "abcx", "OK"},
	{".*x", "abcxdx", "abcxdx", "OK"},
	{"(a+)b", "caab", "aa", "OK"},
	{"()ab", "xxab", "3", "OK"},
	{"%bxy", "axbxyyc", "xbxyy", "OK"},
	{"%f[%w]%w+", "  hello world", "hello", "OK"},
	{"[^a-c]+", "abcdef", "def", "OK"},
	{"[%a_]+", "foo_bar9", "foo_bar", "OK"},
	{"x?y", "y", "y", "OK"},
	{"x?y", "xy", "xy", "OK"},
	{"[a-]", "-", "-", "OK"},
	{"[]]", "]", "]", "OK"},
	{"%d%d%d%d%-%d%d", "2026-11", "2026-11", "OK"},
	{"(.)%1", "aab", "a", "OK"},
	{"$", "abc", "", "OK"},
	{"^$", "", "", "OK"},
	{"a$b", "a$b", "a$b", "OK"},
	{"[%]]", "]", "]", "OK"},
	{"[a%-z]", "-", "-", "OK"},
	{".", "", "", "NIL"},
	{"room[", "room[", "", "ERR"},
	{"%", "x", "", "ERR"},
	{"(a", "a", "", "ERR"},
	{"a)", "a", "", "ERR"},
	{"%b", "x", "", "ERR"},
	{"%f", "x", "", "ERR"},
	{"%z", "x", "", "NIL"},
}

func TestLuaMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range luaCases {
		got, ok, err := luaMatch(context.Background(), tc.subject, tc.pattern)
		outcome := "OK"
		switch {
		case err != nil:
			outcome = "ERR"
		case !ok:
			outcome = "NIL"
		}
		if outcome != tc.outcome || got != tc.want {
			t.Errorf("string.match(%q, %q): got %s %q (err %v), want %s %q", tc.subject, tc.pattern, outcome, got, err, tc.outcome, tc.want)
		}
	}
}

func TestLuaMatchBudget(t *testing.T) {
	t.Parallel()
	// Exponential backtracking in a naive matcher; ours stops with an error.
	subject := "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	_, _, err := luaMatch(context.Background(), subject, "a*a*a*a*a*a*a*a*a*a*b")
	if err == nil {
		t.Fatal("pathological pattern: want a too-complex error")
	}
}

func TestLowerLuaPattern(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Sales%-%W+": "sales%-%W+", "[A-Z]%D": "[a-z]%D", "%": "%", "AB%": "ab%"} {
		if got := lowerLuaPattern(in); got != want {
			t.Errorf("lowerLuaPattern(%q) = %q, want %q", in, got, want)
		}
	}
}
