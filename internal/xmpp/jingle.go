package xmpp

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/sfu"
)

// jingleSession is the focus's Jingle session with one client (Jicofo's
// part) and the client's media in the room's SFU (the bridge's part): the
// server offers (session-initiate) its one bundled connection with every
// other participant's sources, the client answers (session-accept) with
// its own, and both sides' sources then change with source-add and
// source-remove. Its stanzas go through the client's room queue, so the
// client knows an occupant before it hears of its sources.
type jingleSession struct {
	s         *session
	focus     string // room@muc/focus, the session's initiator
	sid       string
	nick      string // the client's endpoint id
	meetingID string
	visitor   bool             // watches only: its media goes to another node first
	roster    recording.Roster // the meeting's room
	room      *sfu.Room
	// The bridge channel (bridge.go) at bridgePath+bridgeID?pwd=bridgePwd.
	bridgeID, bridgePwd string
	bridge              bridge
	stopSpeaker         func()

	mu         sync.Mutex
	peer       MediaPeer
	ended      bool
	initiating bool // waiting for the SFU's candidates
	initiated  bool
	local      transport  // the server's ICE and DTLS parameters
	remote     *transport // the client's, from its session-accept
	pending    string     // an offer waiting for the client's transport
	early      []webrtc.ICECandidateInit
	candSeq    int
	announced  map[uint32]sfu.TrackInfo // the sources the client was told of, by SSRC
	sources    clientSources            // what the client sends
	desktop    map[string]bool          // the client's screen-share sources, by name
}

// jingleIQ builds an IQ from the focus carrying a Jingle action.
func (j *jingleSession) jingleIQ(action string) (*Element, *Element) {
	jn := el("jingle", "xmlns", nsJingle, "action", action, "initiator", j.focus, "sid", j.sid)
	return iq("set", "jingle-"+randomID(6), j.focus, j.s.jid.Load().String()).add(jn), jn
}

// SubscriberOffer implements sfu.Signaler: the first offer becomes the
// session-initiate; later ones are answered for the client at once (its
// side needs no new offer: it learns of sources through source-add).
func (j *jingleSession) SubscriberOffer(offer string, tracks []sfu.TrackInfo) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.ended {
		return
	}
	if !j.initiated {
		if !j.initiating {
			j.initiating = true
			go j.initiateGathered(offer, tracks, j.peer)
		}
		return
	}
	if j.remote == nil {
		j.pending = offer
		return
	}
	j.syncSources(tracks)
	go j.answer(offer, *j.remote, j.peer)
}

// answer applies the client's side of an offer to the SFU.
func (j *jingleSession) answer(offer string, remote transport, peer MediaPeer) {
	ans, err := answerSDP(offer, remote, peer.IncomingOn)
	if err == nil {
		err = peer.HandleAnswer(ans)
	}
	if err != nil {
		j.s.log.Warn("answer for a Jitsi client", "err", err)
	}
}

// initiateGathered sends session-initiate once the SFU has gathered its
// candidates, all in it (current lib-jitsi-meet ignores the bridge's
// transport-info).
func (j *jingleSession) initiateGathered(offer string, tracks []sfu.TrackInfo, peer MediaPeer) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	cands := peer.Gathered(ctx)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.ended {
		return
	}
	j.early = cands
	if err := j.initiate(offer, tracks); err != nil {
		j.s.log.Error("session-initiate", "err", err)
	}
}

// initiate sends session-initiate: audio and video contents with the
// server's codecs, header extensions, transport and candidates, and the
// others' sources, bundled; j.mu is held.
func (j *jingleSession) initiate(offer string, tracks []sfu.TrackInfo) error {
	var o sdp.SessionDescription
	if err := o.UnmarshalString(offer); err != nil {
		return err
	}
	t, err := offerTransport(&o)
	if err != nil {
		return err
	}
	j.local, j.initiated, j.pending = t, true, offer
	stanza, jn := j.jingleIQ("session-initiate")
	group := el("group", "xmlns", nsGrouping, "semantics", "BUNDLE")
	for _, kind := range []string{"audio", "video"} {
		m := firstMedia(&o, kind)
		if m == nil {
			return fmt.Errorf("the offer has no %s section", kind)
		}
		desc := descriptionElement(m)
		for _, tr := range tracks {
			if trackKind(tr) == kind {
				desc.add(j.sourceElement(tr)...)
				j.announced[tr.SSRC] = tr
			}
		}
		var cands []*Element
		if kind == "audio" {
			cands = j.candidates(j.early)
			j.early = nil
		}
		jn.add(el("content", "creator", "initiator", "name", kind, "senders", "both").add(desc, transportElement(t, j.bridgeURL(), cands)))
		group.add(el("content", "name", kind))
	}
	jn.add(group, el("bridge-session", "xmlns", nsFocus, "id", j.sid))
	j.s.enqueue(stanza)
	return nil
}

func firstMedia(o *sdp.SessionDescription, kind string) *sdp.MediaDescription {
	for _, m := range o.MediaDescriptions {
		if m.MediaName.Media == kind {
			return m
		}
	}
	return nil
}

func trackKind(t sfu.TrackInfo) string {
	if t.Source == sfu.SourceMic {
		return "audio"
	}
	return "video"
}

// sourceElement announces one forwarded track as Jicofo does: its SSRC,
// source name, msid, and owner (ssrc-info), which lib-jitsi-meet maps to
// the participant.
func (j *jingleSession) sourceElement(t sfu.TrackInfo) []*Element {
	if t.SSRC == 0 {
		return nil
	}
	name := sourceName(t)
	roomJID := j.focus[:len(j.focus)-len(focusNick)-1]
	videoType := "" // Jicofo's source attribute, from which lib-jitsi-meet types remote video
	switch t.Source {
	case sfu.SourceCamera:
		videoType = "camera"
	case sfu.SourceScreen:
		videoType = "desktop"
	}
	src := el("source", "xmlns", nsSSMA, "ssrc", strconv.FormatUint(uint64(t.SSRC), 10), "name", name, "videoType", videoType)
	src.add(el("parameter", "name", "msid", "value", name+" "+t.TrackID),
		el("ssrc-info", "xmlns", nsJitMeet, "owner", roomJID+"/"+t.ParticipantID))
	return []*Element{src}
}

// sourceName is a forwarded track's source name, as lib-jitsi-meet names
// sources: <endpoint>-a0, -v0 (camera), -v1 (screen share).
func sourceName(t sfu.TrackInfo) string {
	switch t.Source {
	case sfu.SourceCamera:
		return t.ParticipantID + "-v0"
	case sfu.SourceScreen:
		return t.ParticipantID + "-v1"
	}
	return t.ParticipantID + "-a0"
}

// syncSources tells the client which forwarded tracks came and went since
// it last heard; j.mu is held.
func (j *jingleSession) syncSources(tracks []sfu.TrackInfo) {
	now := map[uint32]sfu.TrackInfo{}
	for _, t := range tracks {
		if t.SSRC != 0 {
			now[t.SSRC] = t
		}
	}
	var added, removed []sfu.TrackInfo
	for ssrc, t := range now {
		if _, ok := j.announced[ssrc]; !ok {
			added = append(added, t)
		}
	}
	for ssrc, t := range j.announced {
		if _, ok := now[ssrc]; !ok {
			removed = append(removed, t)
		}
	}
	j.announced = now
	if len(removed) > 0 {
		j.s.enqueue(j.sourcesIQ("source-remove", removed))
	}
	if len(added) > 0 {
		j.s.enqueue(j.sourcesIQ("source-add", added))
		go j.applyConstraints()
	}
}

// sourcesIQ is a source-add or source-remove for tracks, a content per kind.
func (j *jingleSession) sourcesIQ(action string, tracks []sfu.TrackInfo) *Element {
	slices.SortFunc(tracks, func(a, b sfu.TrackInfo) int { return cmp.Compare(a.SSRC, b.SSRC) })
	stanza, jn := j.jingleIQ(action)
	for _, kind := range []string{"audio", "video"} {
		desc := el("description", "xmlns", nsJingleRTP, "media", kind)
		for _, t := range tracks {
			if trackKind(t) == kind {
				desc.add(j.sourceElement(t)...)
			}
		}
		if len(desc.Children) > 0 {
			jn.add(el("content", "creator", "initiator", "name", kind).add(desc))
		}
	}
	return stanza
}

// candidates are Jingle candidates for the server's ICE candidates.
func (j *jingleSession) candidates(cs []webrtc.ICECandidateInit) []*Element {
	var out []*Element
	for _, c := range cs {
		j.candSeq++
		if e := candidateElement(c, j.candSeq); e != nil {
			out = append(out, e)
		}
	}
	return out
}

// Candidate implements sfu.Signaler: a server candidate goes in the
// session-initiate, or later in a transport-info.
func (j *jingleSession) Candidate(_ sfu.PCKind, c webrtc.ICECandidateInit) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.ended {
		return
	}
	if !j.initiated {
		j.early = append(j.early, c)
		return
	}
	cands := j.candidates([]webrtc.ICECandidateInit{c})
	if len(cands) == 0 {
		return
	}
	stanza, jn := j.jingleIQ("transport-info")
	jn.add(el("content", "creator", "initiator", "name", "audio").add(transportElement(j.local, "", cands)))
	j.s.enqueue(stanza)
}

// ConnectionState implements sfu.Signaler: the other Jitsi clients hear
// when this one's media connection is interrupted and when it is back
// (EndpointConnectivityStatusChangeEvent), as JVB tells them.
func (j *jingleSession) ConnectionState(_ sfu.PCKind, st webrtc.PeerConnectionState) {
	j.s.log.Debug("Jitsi client media", "state", st.String())
	active := ""
	switch st {
	case webrtc.PeerConnectionStateConnected:
		active = "true"
	case webrtc.PeerConnectionStateDisconnected, webrtc.PeerConnectionStateFailed:
		active = "false"
	default:
		return
	}
	msg := map[string]string{"colibriClass": "EndpointConnectivityStatusChangeEvent", "endpoint": j.nick, "active": active}
	go func() {
		for _, other := range j.s.srv.bridgesOf(j.meetingID) {
			if other != j {
				other.bridgeSend(msg)
			}
		}
	}()
}
