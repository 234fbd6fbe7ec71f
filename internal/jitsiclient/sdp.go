package jitsiclient

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// rtpCodecs is the RTP description of one media kind in the focus's offer:
// its payload types and header extensions (XEP-0167, XEP-0294).
type rtpCodecs struct {
	payloads []payloadType
	extmaps  [][2]string // id, uri
}

type payloadType struct {
	id, name, clock, channels string
	params                    [][2]string
	feedback                  [][2]string
}

func parseCodecs(desc *node) *rtpCodecs {
	cs := &rtpCodecs{}
	for _, e := range desc.Children {
		switch {
		case e.is(nsJingleRTP, "payload-type"):
			pt := payloadType{id: e.attr("id"), name: e.attr("name"), clock: e.attr("clockrate"), channels: e.attr("channels")}
			for _, p := range e.Children {
				switch {
				case p.XMLName.Local == "parameter":
					pt.params = append(pt.params, [2]string{p.attr("name"), p.attr("value")})
				case p.is(nsRTCPFB, "rtcp-fb"):
					pt.feedback = append(pt.feedback, [2]string{p.attr("type"), p.attr("subtype")})
				}
			}
			if _, err := strconv.Atoi(pt.id); err == nil && pt.name != "" {
				cs.payloads = append(cs.payloads, pt)
			}
		case e.is(nsHdrExt, "rtp-hdrext"):
			cs.extmaps = append(cs.extmaps, [2]string{e.attr("id"), e.attr("uri")})
		}
	}
	return cs
}

// elements are the payload types as Jingle carries them, for the
// session-accept.
func (cs *rtpCodecs) elements() []*elem {
	var out []*elem
	for _, pt := range cs.payloads {
		p := el("payload-type", "id", pt.id, "name", pt.name, "clockrate", pt.clock, "channels", pt.channels)
		for _, kv := range pt.params {
			p.add(el("parameter", "name", kv[0], "value", kv[1]))
		}
		for _, fb := range pt.feedback {
			p.add(el("rtcp-fb", "xmlns", nsRTCPFB, "type", fb[0], "subtype", fb[1]))
		}
		out = append(out, p)
	}
	for _, x := range cs.extmaps {
		out = append(out, el("rtp-hdrext", "xmlns", nsHdrExt, "id", x[0], "uri", x[1]))
	}
	return out
}

// iceParams is one side's ICE credentials and DTLS fingerprint.
type iceParams struct {
	ufrag, pwd, hash, fingerprint, setup string
}

func parseTransport(tr *node) iceParams {
	p := iceParams{ufrag: tr.attr("ufrag"), pwd: tr.attr("pwd")}
	if fp := tr.child(nsDTLS, "fingerprint"); fp != nil {
		p.hash, p.fingerprint, p.setup = fp.attr("hash"), strings.TrimSpace(fp.Text), fp.attr("setup")
	}
	return p
}

// mline is one remote source's media section (lib-jitsi-meet's SDP
// interop makes one per source, SDP.ts fromJingle); a removed source's
// section stays, inactive, so the offer never shrinks.
type mline struct {
	src    Source
	active bool
}

// offer is the focus's Jingle session as a local SDP offer: the client's
// own audio and video sections first (mids 0 and 1, receive-only on the
// server's side), then one send-only section per remote source, all
// bundled on the focus's transport.
func (s *mediaSession) offer() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	line("v=0")
	line("o=- %d %d IN IP4 0.0.0.0", s.sessionID, s.version)
	line("s=-")
	line("t=0 0")
	mids := []string{"0", "1"}
	for i := range s.lines {
		mids = append(mids, strconv.Itoa(i+2))
	}
	line("a=group:BUNDLE %s", strings.Join(mids, " "))
	line("a=msid-semantic: WMS *")
	s.section(&b, "audio", "0", "recvonly", nil, s.candidates)
	s.section(&b, "video", "1", "recvonly", nil, nil)
	for i, m := range s.lines {
		dir, src := "inactive", (*Source)(nil)
		if m.active {
			dir, src = "sendonly", &m.src
		}
		s.section(&b, m.src.Kind, strconv.Itoa(i+2), dir, src, nil)
	}
	return b.String()
}

func (s *mediaSession) section(b *strings.Builder, kind, mid, dir string, src *Source, cands []string) {
	line := func(format string, args ...any) { fmt.Fprintf(b, format+"\r\n", args...) }
	cs := s.codecs[kind]
	if cs == nil {
		cs = &rtpCodecs{}
	}
	var pts []string
	for _, pt := range cs.payloads {
		pts = append(pts, pt.id)
	}
	line("m=%s 9 UDP/TLS/RTP/SAVPF %s", kind, strings.Join(pts, " "))
	line("c=IN IP4 0.0.0.0")
	line("a=ice-ufrag:%s", s.remote.ufrag)
	line("a=ice-pwd:%s", s.remote.pwd)
	line("a=fingerprint:%s %s", s.remote.hash, s.remote.fingerprint)
	line("a=setup:actpass")
	line("a=mid:%s", mid)
	line("a=%s", dir)
	line("a=rtcp-mux")
	for _, pt := range cs.payloads {
		rtpmap := pt.name + "/" + pt.clock
		if pt.channels != "" && pt.channels != "1" {
			rtpmap += "/" + pt.channels
		}
		line("a=rtpmap:%s %s", pt.id, rtpmap)
		var fmtp []string
		for _, kv := range pt.params {
			fmtp = append(fmtp, kv[0]+"="+kv[1])
		}
		if len(fmtp) > 0 {
			line("a=fmtp:%s %s", pt.id, strings.Join(fmtp, ";"))
		}
		for _, fb := range pt.feedback {
			line("a=rtcp-fb:%s %s", pt.id, strings.TrimSpace(fb[0]+" "+fb[1]))
		}
	}
	for _, x := range cs.extmaps {
		line("a=extmap:%s %s", x[0], x[1])
	}
	if src != nil {
		msid := src.MSID
		if !strings.Contains(msid, " ") {
			msid = src.Name + " " + cmpStr(msid, src.Name)
		}
		line("a=msid:%s", msid)
		line("a=ssrc:%d cname:%s", src.SSRC, src.Owner)
		line("a=ssrc:%d msid:%s", src.SSRC, msid)
	}
	for _, c := range cands {
		line("a=%s", c)
	}
}

func cmpStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// localTransport reads the client's ICE credentials, fingerprint and DTLS
// role from its answer.
func localTransport(answer string) (iceParams, error) {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(answer); err != nil {
		return iceParams{}, err
	}
	get := func(key string) string {
		for _, m := range d.MediaDescriptions {
			if v, ok := m.Attribute(key); ok {
				return v
			}
		}
		v, _ := d.Attribute(key)
		return v
	}
	p := iceParams{ufrag: get("ice-ufrag"), pwd: get("ice-pwd"), setup: get("setup")}
	p.hash, p.fingerprint, _ = strings.Cut(get("fingerprint"), " ")
	if p.ufrag == "" || p.fingerprint == "" {
		return p, fmt.Errorf("%w: the local answer has no ICE credentials or fingerprint", ErrProtocol)
	}
	return p, nil
}

// transportElement is the client's ice-udp transport with its fingerprint
// (XEP-0176, XEP-0320) and candidates.
func transportElement(p iceParams, cands ...*elem) *elem {
	t := el("transport", "xmlns", nsICEUDP, "ufrag", p.ufrag, "pwd", p.pwd)
	if p.fingerprint != "" {
		t.add(el("rtcp-mux"), el("fingerprint", "xmlns", nsDTLS, "hash", p.hash, "setup", p.setup, "required", "true").setText(p.fingerprint))
	}
	return t.add(cands...)
}

// candidateLine is a Jingle <candidate/> as an SDP candidate attribute.
func candidateLine(c *node) (string, error) {
	f := []string{c.attr("foundation"), c.attr("component"), c.attr("protocol"), c.attr("priority"), c.attr("ip"), c.attr("port")}
	for _, v := range f {
		if v == "" || strings.ContainsAny(v, " \r\n") {
			return "", fmt.Errorf("%w: a candidate without foundation, component, protocol, priority, ip or port", ErrProtocol)
		}
	}
	line := "candidate:" + strings.Join(f, " ") + " typ " + cmpStr(c.attr("type"), "host")
	if ra, rp := c.attr("rel-addr"), c.attr("rel-port"); ra != "" && rp != "" {
		line += " raddr " + ra + " rport " + rp
	}
	if tt := c.attr("tcptype"); tt != "" {
		line += " tcptype " + tt
	}
	return line + " generation 0", nil
}

// candidateElement is one of pion's candidates as Jingle's <candidate/>;
// nil if unreadable.
func candidateElement(c webrtc.ICECandidateInit, id int) *elem {
	f := strings.Fields(strings.TrimPrefix(c.Candidate, "candidate:"))
	if len(f) < 8 || f[6] != "typ" {
		return nil
	}
	attrs := []string{"foundation", f[0], "component", f[1], "protocol", strings.ToLower(f[2]), "priority", f[3],
		"ip", f[4], "port", f[5], "type", f[7], "generation", "0", "network", "0", "id", "c" + strconv.Itoa(id)}
	for i := 8; i+1 < len(f); i += 2 {
		switch f[i] {
		case "raddr":
			attrs = append(attrs, "rel-addr", f[i+1])
		case "rport":
			attrs = append(attrs, "rel-port", f[i+1])
		case "tcptype":
			attrs = append(attrs, "tcptype", f[i+1])
		}
	}
	return el("candidate", attrs...)
}
