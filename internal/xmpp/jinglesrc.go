package xmpp

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/sfu"
)

// maxClientSSRCs bounds the SSRCs one Jitsi client may announce (a camera
// with three simulcast layers and RTX is 6, a screen share as many more).
const maxClientSSRCs = 32

// clientSource is one SSRC a Jitsi client announced.
type clientSource struct {
	Kind webrtc.RTPCodecType
	MSID string
	Name string // source name (lib-jitsi-meet's source-name signaling)
}

// ssrcGroup is an <ssrc-group/>: SIM (simulcast layers, lowest first) or
// FID (a stream and its RTX).
type ssrcGroup struct {
	Semantics string
	SSRCs     []uint32
}

// clientSources is what a Jitsi client sends, as its session-accept,
// source-add and source-remove said.
type clientSources struct {
	bySSRC map[uint32]clientSource
	groups []ssrcGroup
}

// apply adds (or removes) the sources and groups of a Jingle element's
// contents; on error nothing changes.
func (c *clientSources) apply(jingle *Element, add bool) error {
	next := clientSources{bySSRC: maps(c.bySSRC), groups: slices.Clone(c.groups)}
	for _, content := range jingle.Children {
		if !content.Is(nsJingle, "content") {
			continue
		}
		desc := content.Child(nsJingleRTP, "description")
		if desc == nil {
			continue
		}
		kind := webrtc.NewRTPCodecType(cmp.Or(desc.Get("media"), content.Get("name")))
		if kind == 0 {
			continue
		}
		if err := next.applyDescription(desc, kind, add); err != nil {
			return err
		}
	}
	if len(next.bySSRC) > maxClientSSRCs {
		return fmt.Errorf("at most %d SSRCs may be announced", maxClientSSRCs)
	}
	*c = next
	return nil
}

func (c *clientSources) applyDescription(desc *Element, kind webrtc.RTPCodecType, add bool) error {
	for _, e := range desc.Children {
		switch {
		case e.Is(nsSSMA, "source"):
			ssrc, err := parseSSRC(e.Get("ssrc"))
			if err != nil {
				return err
			}
			if !add {
				c.remove(ssrc)
				continue
			}
			src := clientSource{Kind: kind, Name: e.Get("name")}
			for _, p := range e.Children {
				if p.Name.Local == "parameter" && p.Get("name") == "msid" {
					src.MSID = p.Get("value")
				}
			}
			c.bySSRC[ssrc] = src
		case e.Is(nsSSMA, "ssrc-group") && add:
			g := ssrcGroup{Semantics: e.Get("semantics")}
			for _, s := range e.Children {
				ssrc, err := parseSSRC(s.Get("ssrc"))
				if err != nil {
					return err
				}
				g.SSRCs = append(g.SSRCs, ssrc)
			}
			if (g.Semantics == "SIM" || g.Semantics == "FID") && len(g.SSRCs) > 1 {
				c.groups = append(c.groups, g)
			}
		}
	}
	return nil
}

// remove forgets an SSRC and the groups it was in.
func (c *clientSources) remove(ssrc uint32) {
	delete(c.bySSRC, ssrc)
	c.groups = slices.DeleteFunc(c.groups, func(g ssrcGroup) bool { return slices.Contains(g.SSRCs, ssrc) })
}

func parseSSRC(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("bad SSRC %q", s)
	}
	return uint32(n), nil
}

func maps(m map[uint32]clientSource) map[uint32]clientSource {
	out := make(map[uint32]clientSource, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// streams turns the sources into the SFU's incoming streams: a SIM group's
// SSRCs are the layers of one track, a FID group's second SSRC the RTX of
// its first, and any other SSRC a track of its own. Video is the camera
// unless its source is a screen share: named so in the client's SourceInfo
// (desktop), or lib-jitsi-meet's name for a second video source (-v1).
func (c *clientSources) streams(desktop map[string]bool) []sfu.IncomingStream {
	rtx := map[uint32]uint32{} // primary → rtx
	isRTX := map[uint32]bool{}
	for _, g := range c.groups {
		if g.Semantics == "FID" {
			rtx[g.SSRCs[0]], isRTX[g.SSRCs[1]] = g.SSRCs[1], true
		}
	}
	var out []sfu.IncomingStream
	inSim := map[uint32]bool{}
	for _, g := range c.groups {
		if g.Semantics != "SIM" || len(g.SSRCs) > 3 {
			continue
		}
		for i, ssrc := range g.SSRCs {
			inSim[ssrc] = true
			out = append(out, c.stream(ssrc, rtx[ssrc], "sim-"+strconv.FormatUint(uint64(g.SSRCs[0]), 10), i, len(g.SSRCs), desktop))
		}
	}
	ssrcs := make([]uint32, 0, len(c.bySSRC))
	for ssrc := range c.bySSRC {
		ssrcs = append(ssrcs, ssrc)
	}
	slices.Sort(ssrcs)
	for _, ssrc := range ssrcs {
		if !inSim[ssrc] && !isRTX[ssrc] {
			out = append(out, c.stream(ssrc, rtx[ssrc], "ssrc-"+strconv.FormatUint(uint64(ssrc), 10), 0, 1, desktop))
		}
	}
	return out
}

func (c *clientSources) stream(ssrc, rtx uint32, group string, layer, layers int, desktop map[string]bool) sfu.IncomingStream {
	kind := c.bySSRC[ssrc].Kind
	if kind == 0 {
		kind = webrtc.RTPCodecTypeVideo // an SSRC only named in a group
	}
	st := sfu.IncomingStream{SSRC: ssrc, RTXSSRC: rtx, Kind: kind, Source: sfu.SourceMic, Group: group, Layer: layer, Layers: layers}
	if kind == webrtc.RTPCodecTypeVideo {
		st.Source = sfu.SourceCamera
		if name := c.bySSRC[ssrc].Name; desktop[name] || strings.HasSuffix(name, "-v1") {
			st.Source = sfu.SourceScreen
		}
	}
	return st
}

// answerSDP is the client's answer as pion must see it, made from the
// server's offer: one media section per stream the client sends (its SSRC
// and RTX declared), the others receiving, all with the client's ICE and
// DTLS parameters. The client's own SDP differs (lib-jitsi-meet makes one
// m-line per remote source); packets are told apart by SSRC, so the two
// need only agree on codecs, header extensions and SSRCs, which Jingle
// carries.
func answerSDP(offer string, remote transport, incoming func(mid string) (sfu.IncomingStream, bool)) (string, error) {
	var o sdp.SessionDescription
	if err := o.UnmarshalString(offer); err != nil {
		return "", fmt.Errorf("xmpp: the server's offer: %w", err)
	}
	a := &sdp.SessionDescription{
		Origin:                sdp.Origin{Username: "-", SessionID: 1, SessionVersion: 2, NetworkType: "IN", AddressType: "IP4", UnicastAddress: "0.0.0.0"},
		SessionName:           "-",
		TimeDescriptions:      []sdp.TimeDescription{{}},
		ConnectionInformation: nil,
	}
	var mids []string
	for _, m := range o.MediaDescriptions {
		mid, _ := m.Attribute("mid")
		mids = append(mids, mid)
		a.MediaDescriptions = append(a.MediaDescriptions, answerMedia(m, mid, remote, incoming))
	}
	a.WithPropertyAttribute("extmap-allow-mixed")
	a.WithValueAttribute("group", "BUNDLE "+strings.Join(mids, " "))
	a.WithValueAttribute("msid-semantic", "WMS *")
	b, err := a.Marshal()
	return string(b), err
}

func answerMedia(m *sdp.MediaDescription, mid string, remote transport, incoming func(string) (sfu.IncomingStream, bool)) *sdp.MediaDescription {
	am := &sdp.MediaDescription{
		MediaName:             sdp.MediaName{Media: m.MediaName.Media, Port: sdp.RangedPort{Value: 9}, Protos: m.MediaName.Protos, Formats: m.MediaName.Formats},
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: "IP4", Address: &sdp.Address{Address: "0.0.0.0"}},
	}
	am.WithValueAttribute("mid", mid).
		WithICECredentials(remote.Ufrag, remote.Pwd).
		WithValueAttribute("fingerprint", remote.Hash+" "+remote.Print).
		WithValueAttribute("setup", remote.Setup).
		WithPropertyAttribute("rtcp-mux")
	for _, attr := range m.Attributes {
		switch attr.Key {
		case "rtpmap", "fmtp", "rtcp-fb":
			am.Attributes = append(am.Attributes, attr)
		case "extmap":
			var ext sdp.ExtMap
			if ext.Unmarshal("extmap:"+attr.Value) == nil && !skippedExtensions[ext.URI.String()] {
				am.Attributes = append(am.Attributes, attr)
			}
		}
	}
	_, sends := m.Attribute("sendonly")
	st, ok := incoming(mid)
	switch {
	case sends:
		am.WithPropertyAttribute("recvonly")
	case ok:
		am.WithPropertyAttribute("sendonly")
		msid := st.Group + " " + st.Group + "-" + strconv.Itoa(st.Layer)
		am.WithValueAttribute("msid", msid)
		if st.RTXSSRC != 0 {
			am.WithValueAttribute("ssrc-group", fmt.Sprintf("FID %d %d", st.SSRC, st.RTXSSRC))
		}
		for _, ssrc := range []uint32{st.SSRC, st.RTXSSRC} {
			if ssrc != 0 {
				am.WithValueAttribute("ssrc", fmt.Sprintf("%d cname:%s", ssrc, st.Group))
				am.WithValueAttribute("ssrc", fmt.Sprintf("%d msid:%s", ssrc, msid))
			}
		}
	default:
		am.WithPropertyAttribute("inactive")
	}
	return am
}
