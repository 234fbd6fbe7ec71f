package xmpp

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Jingle's namespaces (XEP-0166/0167/0176/0320/0293/0294/0338/0339).
const (
	nsJingle    = "urn:xmpp:jingle:1"
	nsJingleRTP = "urn:xmpp:jingle:apps:rtp:1"
	nsICEUDP    = "urn:xmpp:jingle:transports:ice-udp:1"
	nsDTLS      = "urn:xmpp:jingle:apps:dtls:0"
	nsRTCPFB    = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0"
	nsHdrExt    = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0"
	nsGrouping  = "urn:xmpp:jingle:apps:grouping:0"
	nsSSMA      = "urn:xmpp:jingle:apps:rtp:ssma:0"
	nsJitMeet   = "http://jitsi.org/jitmeet"
	nsColibri   = "http://jitsi.org/protocol/colibri"
)

// skippedExtensions are header extensions never offered to a Jitsi client:
// it routes by SSRC, not mid or rid (../../shared/contracts/jitsi-protocol.md §4).
var skippedExtensions = map[string]bool{
	sdp.SDESMidURI: true, sdp.SDESRTPStreamIDURI: true, sdp.SDESRepairRTPStreamIDURI: true,
}

// transport is one side's ICE and DTLS parameters.
type transport struct {
	Ufrag, Pwd  string
	Hash, Print string // DTLS fingerprint
	Setup       string // DTLS role: actpass, active or passive
}

// descriptionElement is the <description> of one media kind, made from
// the first media section of that kind in the server's offer: its codecs
// with their parameters and feedback, and its header extensions.
func descriptionElement(m *sdp.MediaDescription) *Element {
	d := el("description", "xmlns", nsJingleRTP, "media", m.MediaName.Media)
	for _, f := range m.MediaName.Formats {
		pt, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		d.add(payloadType(m, uint8(pt)))
	}
	for _, a := range m.Attributes {
		if a.Key != "extmap" {
			continue
		}
		var ext sdp.ExtMap
		if ext.Unmarshal("extmap:"+a.Value) != nil || skippedExtensions[ext.URI.String()] {
			continue
		}
		d.add(el("rtp-hdrext", "xmlns", nsHdrExt, "id", strconv.Itoa(ext.Value), "uri", ext.URI.String()))
	}
	return d.add(el("rtcp-mux"))
}

// payloadType is one codec of a media section (XEP-0167, XEP-0293).
func payloadType(m *sdp.MediaDescription, pt uint8) *Element {
	codec, err := (&sdp.SessionDescription{MediaDescriptions: []*sdp.MediaDescription{m}}).GetCodecForPayloadType(pt)
	if err != nil {
		return el("payload-type", "id", strconv.Itoa(int(pt)))
	}
	channels := ""
	if codec.EncodingParameters != "" {
		channels = codec.EncodingParameters
	}
	p := el("payload-type", "id", strconv.Itoa(int(pt)), "name", codec.Name, "clockrate", strconv.Itoa(int(codec.ClockRate)), "channels", channels)
	for _, kv := range strings.Split(codec.Fmtp, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
			p.add(el("parameter", "name", k, "value", v))
		}
	}
	for _, fb := range codec.RTCPFeedback {
		typ, sub, _ := strings.Cut(fb, " ")
		p.add(el("rtcp-fb", "xmlns", nsRTCPFB, "type", typ, "subtype", sub))
	}
	return p
}

// offerTransport reads the server's ICE and DTLS parameters from its offer.
func offerTransport(d *sdp.SessionDescription) (transport, error) {
	var t transport
	get := func(m *sdp.MediaDescription, key string) string {
		if v, ok := m.Attribute(key); ok {
			return v
		}
		v, _ := d.Attribute(key)
		return v
	}
	if len(d.MediaDescriptions) == 0 {
		return t, fmt.Errorf("xmpp: the server's offer has no media")
	}
	m := d.MediaDescriptions[0]
	t.Ufrag, t.Pwd, t.Setup = get(m, "ice-ufrag"), get(m, "ice-pwd"), "actpass"
	t.Hash, t.Print, _ = strings.Cut(get(m, "fingerprint"), " ")
	if t.Ufrag == "" || t.Print == "" {
		return t, fmt.Errorf("xmpp: the server's offer has no ICE credentials or fingerprint")
	}
	return t, nil
}

// transportElement is an ice-udp <transport> with the DTLS fingerprint
// (XEP-0176, XEP-0320), the bridge channel's URL (Jitsi's colibri
// web-socket) and candidates.
func transportElement(t transport, bridgeURL string, cands []*Element) *Element {
	e := el("transport", "xmlns", nsICEUDP, "ufrag", t.Ufrag, "pwd", t.Pwd)
	if bridgeURL != "" {
		e.add(el("web-socket", "xmlns", nsColibri, "url", bridgeURL))
	}
	e.add(el("rtcp-mux"), el("fingerprint", "xmlns", nsDTLS, "hash", t.Hash, "setup", t.Setup, "required", "false").text(t.Print))
	return e.add(cands...)
}

// parseTransport reads a client's <transport>; ok is false without one.
func parseTransport(c *Element) (transport, bool) {
	tr := c.Child(nsICEUDP, "transport")
	if tr == nil || tr.Get("ufrag") == "" || tr.Get("pwd") == "" {
		return transport{}, false
	}
	t := transport{Ufrag: tr.Get("ufrag"), Pwd: tr.Get("pwd"), Setup: "active"}
	if fp := tr.Child(nsDTLS, "fingerprint"); fp != nil {
		t.Hash, t.Print = fp.Get("hash"), strings.TrimSpace(fp.Text)
		if s := fp.Get("setup"); s == "active" || s == "passive" {
			t.Setup = s
		}
	}
	return t, t.Print != "" && t.Hash != ""
}

// candidateElement turns one of the server's ICE candidates (an SDP
// a=candidate value) into Jingle's <candidate/>; nil if unreadable.
func candidateElement(c webrtc.ICECandidateInit, id int) *Element {
	f := strings.Fields(strings.TrimPrefix(c.Candidate, "candidate:"))
	if len(f) < 8 || f[6] != "typ" {
		return nil
	}
	e := el("candidate", "foundation", f[0], "component", f[1], "protocol", strings.ToLower(f[2]), "priority", f[3],
		"ip", f[4], "port", f[5], "type", f[7], "generation", "0", "network", "0", "id", "confer"+strconv.Itoa(id))
	for i := 8; i+1 < len(f); i += 2 {
		switch f[i] {
		case "raddr":
			e.Attrs = append(e.Attrs, el("x", "rel-addr", f[i+1]).Attrs...)
		case "rport":
			e.Attrs = append(e.Attrs, el("x", "rel-port", f[i+1]).Attrs...)
		case "tcptype":
			e.Attrs = append(e.Attrs, el("x", "tcptype", f[i+1]).Attrs...)
		}
	}
	return e
}

// parseCandidate turns a client's <candidate/> into an SDP candidate.
func parseCandidate(c *Element) (webrtc.ICECandidateInit, error) {
	fields := []string{c.Get("foundation"), c.Get("component"), c.Get("protocol"), c.Get("priority"), c.Get("ip"), c.Get("port")}
	for _, f := range fields {
		if f == "" || strings.ContainsAny(f, " \r\n") {
			return webrtc.ICECandidateInit{}, fmt.Errorf("a candidate needs foundation, component, protocol, priority, ip and port")
		}
	}
	line := "candidate:" + strings.Join(fields, " ") + " typ " + cmp.Or(c.Get("type"), "host")
	if ra, rp := c.Get("rel-addr"), c.Get("rel-port"); ra != "" && rp != "" {
		line += " raddr " + ra + " rport " + rp
	}
	if tt := c.Get("tcptype"); tt != "" {
		line += " tcptype " + tt
	}
	zero := uint16(0)
	return webrtc.ICECandidateInit{Candidate: line + " generation 0", SDPMLineIndex: &zero}, nil
}
