package xmpp

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
		check    func(*Element) bool
	}{
		{"open", `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="h" version="1.0"/>`, nil,
			func(e *Element) bool { return e.Is(nsFraming, "open") && e.Get("to") == "h" }},
		{"iq with payload", `<iq xmlns="jabber:client" type="get" id="1"><ping xmlns="urn:xmpp:ping"/></iq>`, nil,
			func(e *Element) bool { return e.Is(nsClient, "iq") && e.Child(nsPing, "ping") != nil }},
		{"text and entities", `<message xmlns="jabber:client"><body>a &amp; b</body></message>`, nil,
			func(e *Element) bool { return e.First().Text == "a & b" }},
		{"unclosed", `<iq><x>`, ErrNotWellFormed, nil},
		{"two elements", `<a/><b/>`, ErrNotWellFormed, nil},
		{"text outside", `<a/>junk`, ErrNotWellFormed, nil},
		{"empty", ``, ErrNotWellFormed, nil},
		{"unknown entity", `<a>&xxe;</a>`, ErrNotWellFormed, nil},
		{"DTD", `<!DOCTYPE a [<!ENTITY x "y">]><a/>`, ErrRestrictedXML, nil},
		{"comment", `<a><!-- c --></a>`, ErrRestrictedXML, nil},
		{"processing instruction", `<?xml version="1.0"?><a/>`, ErrRestrictedXML, nil},
		{"too deep", strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40), ErrPolicy, nil},
		{"too many", "<a>" + strings.Repeat("<b/>", 5000) + "</a>", ErrPolicy, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse([]byte(tc.in))
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("got error %v, want %v", err, tc.want)
			}
			if tc.check != nil && !tc.check(e) {
				t.Errorf("got %+v, not what %s should parse to", e, tc.in)
			}
		})
	}
}

func TestSerialise(t *testing.T) {
	tests := []struct {
		name string
		e    *Element
		want string
	}{
		{"open", openFrame("h", "id1"), `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" from="h" id="id1" version="1.0" xml:lang="en"/>`},
		{"features before auth", features(false),
			`<stream:features xmlns:stream="http://etherx.jabber.org/streams"><mechanisms xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><mechanism>ANONYMOUS</mechanism></mechanisms></stream:features>`},
		{"features after auth", features(true),
			`<stream:features xmlns:stream="http://etherx.jabber.org/streams"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/><session xmlns="urn:ietf:params:xml:ns:xmpp-session"><optional/></session></stream:features>`},
		{"SASL failure, one line, quotes kept", saslFailure("not-allowed", "tenantNotFound: there is no tenant \"x<\"\nnext"),
			`<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><not-allowed/><text>tenantNotFound: there is no tenant "x&lt;"&#xA;next</text></failure>`},
		{"stream error", streamError("policy-violation", ""),
			`<stream:error xmlns:stream="http://etherx.jabber.org/streams"><policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></stream:error>`},
		{"invalid characters replaced", streamError("not-well-formed", "&\xff\x00"),
			`<stream:error xmlns:stream="http://etherx.jabber.org/streams"><not-well-formed xmlns="urn:ietf:params:xml:ns:xmpp-streams"/><text xmlns="urn:ietf:params:xml:ns:xmpp-streams">&amp;��</text></stream:error>`},
		{"attribute escaping", el("iq", "id", `a"&<`), `<iq id="a&#34;&amp;&lt;"/>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.e.String(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if _, err := Parse([]byte(tc.e.String())); err != nil {
				t.Errorf("does not parse back: %v", err)
			}
		})
	}
}

func TestService(t *testing.T) {
	tests := []struct {
		in   string
		want turnService
		ok   bool
	}{
		{"turn:10.0.0.1:3478?transport=udp", turnService{"turn", "10.0.0.1", "3478", "udp"}, true},
		{"turn:10.0.0.1:3478?transport=tcp", turnService{"turn", "10.0.0.1", "3478", "tcp"}, true},
		{"turns:turn.example.com:443?transport=tcp", turnService{"turns", "turn.example.com", "443", "tcp"}, true},
		{"turn:[::1]:3478", turnService{"turn", "::1", "3478", "udp"}, true},
		{"stun:stun.example.com", turnService{"stun", "stun.example.com", "3478", "udp"}, true},
		{"http://x", turnService{}, false},
		{"turn::x", turnService{}, false},
	}
	for _, tc := range tests {
		got, ok := service(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("service(%q): got %+v %v, want %+v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestHosts(t *testing.T) {
	if d, muc, focus := Hosts("meet.example.com", "vpaas-magic-cookie-1"); d != "meet.example.com" ||
		muc != "conference.vpaas-magic-cookie-1.meet.example.com" || focus != "focus.meet.example.com" {
		t.Errorf("Hosts: got %s %s %s", d, muc, focus)
	}
	if _, muc, _ := Hosts("h", ""); muc != "conference.h" {
		t.Errorf("Hosts without tenant: got muc %s, want conference.h", muc)
	}
}
