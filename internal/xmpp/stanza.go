package xmpp

// Namespaces of the protocol (RFC 6120, RFC 7395 and the XEPs named).
const (
	nsFraming  = "urn:ietf:params:xml:ns:xmpp-framing"
	nsStream   = "http://etherx.jabber.org/streams"
	nsStreams  = "urn:ietf:params:xml:ns:xmpp-streams"
	nsSASL     = "urn:ietf:params:xml:ns:xmpp-sasl"
	nsBind     = "urn:ietf:params:xml:ns:xmpp-bind"
	nsSession  = "urn:ietf:params:xml:ns:xmpp-session"
	nsStanzas  = "urn:ietf:params:xml:ns:xmpp-stanzas"
	nsClient   = "jabber:client"
	nsPing     = "urn:xmpp:ping"                          // XEP-0199
	nsDiscoI   = "http://jabber.org/protocol/disco#info"  // XEP-0030
	nsDiscoIt  = "http://jabber.org/protocol/disco#items" // XEP-0030
	nsExtDisco = "urn:xmpp:extdisco:2"                    // XEP-0215
	nsExtDisc1 = "urn:xmpp:extdisco:1"                    // XEP-0215 v1, lib-jitsi-meet's fallback
)

// openFrame is the server's <open/> (RFC 7395 §3.3.2).
func openFrame(domain, id string) *Element {
	return el("open", "xmlns", nsFraming, "from", domain, "id", id, "version", "1.0", "xml:lang", "en")
}

// closeFrame is <close/> (RFC 7395 §3.6).
func closeFrame() *Element { return el("close", "xmlns", nsFraming) }

// features are the stream features before authentication (SASL
// ANONYMOUS only) and after it (resource binding).
func features(authenticated bool) *Element {
	f := el("stream:features", "xmlns:stream", nsStream)
	if !authenticated {
		return f.add(el("mechanisms", "xmlns", nsSASL).add(el("mechanism").text("ANONYMOUS")))
	}
	return f.add(el("bind", "xmlns", nsBind), el("session", "xmlns", nsSession).add(el("optional")))
}

// saslSuccess ends a successful authentication.
func saslSuccess() *Element { return el("success", "xmlns", nsSASL) }

// saslFailure refuses an authentication with condition and text; the
// text is what lib-jitsi-meet shows (xmpp.ts FAILURE_REGEX reads it from
// "<failure …><not-allowed/><text>…</text></failure>").
func saslFailure(cond, text string) *Element {
	f := el("failure", "xmlns", nsSASL).add(el(cond))
	if text != "" {
		f.add(el("text").text(text))
	}
	return f
}

// streamError is a stream error (RFC 6120 §4.9) with optional text; it is
// followed by <close/>.
func streamError(cond, text string) *Element {
	e := el("stream:error", "xmlns:stream", nsStream).add(el(cond, "xmlns", nsStreams))
	if text != "" {
		e.add(el("text", "xmlns", nsStreams).text(text))
	}
	return e
}

// iq is an IQ stanza of type typ.
func iq(typ, id, from, to string) *Element {
	return el("iq", "xmlns", nsClient, "type", typ, "id", id, "from", from, "to", to)
}

// stanzaError answers stanza req (iq, message or presence) with an error
// of condition cond (RFC 6120 §8.3): from and to swapped.
func stanzaError(req *Element, errType, cond, self string) *Element {
	e := el(req.Name.Local, "xmlns", nsClient, "type", "error", "id", req.Get("id"), "from", req.Get("to"), "to", self)
	return e.add(el("error", "type", errType).add(el(cond, "xmlns", nsStanzas)))
}
