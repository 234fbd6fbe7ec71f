package jitsiclient

import (
	"crypto/rand"
	"encoding/binary"
	"net"
	"strings"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/media"
	"github.com/confer-video/confer/internal/meetclient"
)

// newAPI is pion with the default codecs and interceptors (NACK, RTCP
// reports, TWCC), the audio level extension, and loopback candidates
// only: the client is for tests and load tests against 127.0.0.1.
func newAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}

func randomUint32() uint32 {
	var b [4]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:]) >> 1
}

// newPeer makes the session's PeerConnection with the client's own
// send-only audio and video (matched to the offer's first two sections).
func (c *Client) newPeer(s *mediaSession) error {
	pc, err := c.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return err
	}
	s.pc = pc
	if err := c.addOwnTracks(s); err != nil {
		pc.Close()
		return err
	}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) { c.onCandidate(s, cand) })
	pc.OnTrack(c.onTrack)
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateConnected && c.cfg.Clip != nil {
			s.startOnce.Do(func() { c.startSending(s) })
		}
	})
	return nil
}

// addOwnTracks adds the clip's audio and video, send-only; none without
// a clip.
func (c *Client) addOwnTracks(s *mediaSession) error {
	if c.cfg.Clip == nil {
		return nil
	}
	sendonly := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}
	opus := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	vp8 := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	var err error
	if s.audio, err = webrtc.NewTrackLocalStaticRTP(opus, c.sourceName("a"), c.cfg.Nick); err != nil {
		return err
	}
	if s.video, err = webrtc.NewTrackLocalStaticRTP(vp8, c.sourceName("v"), c.cfg.Nick); err != nil {
		return err
	}
	if s.audioTr, err = s.pc.AddTransceiverFromTrack(s.audio, sendonly); err != nil {
		return err
	}
	s.videoTr, err = s.pc.AddTransceiverFromTrack(s.video, sendonly)
	return err
}

// startSending streams the clip: Opus every 20 ms, the top VP8 layer at
// 30 frames/s, looping, until Close.
func (c *Client) startSending(s *mediaSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.sending.Add(2)
	go c.sendAudio(s)
	go c.sendVideo(s)
	for _, tr := range []*webrtc.RTPTransceiver{s.audioTr, s.videoTr} {
		go drainRTCP(tr.Sender())
	}
}

func drainRTCP(sender *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := sender.Read(buf); err != nil {
			return
		}
	}
}

func (c *Client) sendAudio(s *mediaSession) {
	defer c.sending.Done()
	media.SendAudio(c.stop, s.audio, c.cfg.Clip, media.ExtensionID(s.audioTr.Sender().GetParameters(), sdp.AudioLevelURI))
}

func (c *Client) sendVideo(s *mediaSession) {
	defer c.sending.Done()
	frames := c.cfg.Clip.Video[len(c.cfg.Clip.Video)-1]
	p := rtp.NewPacketizer(1200, 96, 0, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)
	tick := time.NewTicker(media.FrameInterval)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		for _, pkt := range p.Packetize(frames[n%len(frames)].Data, 90000/media.FPS) {
			if err := s.video.WriteRTP(pkt); err != nil {
				return
			}
		}
	}
}

// onTrack counts what arrives on one remote source, by its owner.
func (c *Client) onTrack(remote *webrtc.TrackRemote, rcv *webrtc.RTPReceiver) {
	ssrc := uint32(remote.SSRC())
	c.mu.Lock()
	st := &meetclient.RemoteStats{Kind: remote.Kind().String()}
	c.remote[ssrc] = st
	c.mu.Unlock()
	go func() {
		for {
			if _, _, err := rcv.ReadRTCP(); err != nil {
				return
			}
		}
	}()
	vp8 := strings.EqualFold(remote.Codec().MimeType, webrtc.MimeTypeVP8)
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		height := 0
		if vp8 {
			height = keyframeHeight(pkt.Payload)
		}
		c.count(st, &pkt, n, height)
	}
}

func (c *Client) count(st *meetclient.RemoteStats, pkt *rtp.Packet, n, height int) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if height > 0 {
		st.Height = height
	}
	if st.Packets == 0 {
		st.First = now
		if c.firstRTP.IsZero() {
			c.firstRTP = now
		}
	}
	st.Packets++
	st.Bytes += int64(n)
	st.Last = now
}

// sourceKind is the meeting page's name of a source, from its Jitsi
// source name: <endpoint>-a0 the microphone, -v0 the camera, -v1 a screen.
func sourceKind(name string) string {
	switch {
	case strings.HasSuffix(name, "-a0"):
		return "mic"
	case strings.HasSuffix(name, "-v1"):
		return "screen"
	}
	return "camera"
}

// keyframeHeight is the height a VP8 key frame declares when the RTP
// payload starts one (RFC 7741 §4.2, RFC 6386 §9.1), else 0.
func keyframeHeight(payload []byte) int {
	var vp8 codecs.VP8Packet
	frame, err := vp8.Unmarshal(payload)
	if err != nil || vp8.S != 1 || vp8.PID != 0 || len(frame) < 10 {
		return 0
	}
	if frame[0]&0x01 != 0 || frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a {
		return 0
	}
	return int(binary.LittleEndian.Uint16(frame[8:10]) & 0x3fff)
}

// Remote returns a copy of the per-source receive counters.
func (c *Client) Remote() []meetclient.RemoteStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]meetclient.RemoteStats, 0, len(c.remote))
	for ssrc, st := range c.remote {
		if src, ok := c.sources[ssrc]; ok && st.ParticipantID == "" {
			// Named once the focus's announcement is known: the first
			// packets may come before it.
			st.TrackInfo = meetclient.TrackInfo{ParticipantID: src.Owner, Source: sourceKind(src.Name), TrackID: src.Name}
		}
		out = append(out, *st)
	}
	return out
}

// JoinTime is the time from Connect to the first remote RTP packet; zero
// while none arrived.
func (c *Client) JoinTime() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.firstRTP.IsZero() {
		return 0
	}
	return c.firstRTP.Sub(c.start)
}
