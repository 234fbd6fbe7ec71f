package meetclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/media"
)

type publishSpec struct {
	Mid    string `json:"mid"`
	Source string `json:"source"`
	Height int    `json:"height,omitempty"`
}

// publish negotiates the publisher connection and starts streaming the clip:
// Opus at 50 packets/s and VP8 at 30 frames/s in every simulcast layer.
func (c *Client) publish(ctx context.Context) error {
	pub, err := c.api.NewPeerConnection(c.configuration())
	if err != nil {
		return err
	}
	pub.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil {
			c.Send(context.Background(), map[string]any{"type": "candidate", "pc": "pub", "candidate": cand.ToJSON()})
		}
	})
	connected, failed := make(chan struct{}), make(chan struct{})
	pub.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		ch := connected
		switch s {
		case webrtc.PeerConnectionStateConnected:
		case webrtc.PeerConnectionStateFailed:
			ch = failed
		default:
			return
		}
		select {
		case <-ch:
		default:
			close(ch)
		}
	})
	c.mu.Lock()
	c.pub = pub
	c.mu.Unlock()

	var audio *webrtc.TrackLocalStaticRTP
	var audioTr, videoTr *webrtc.RTPTransceiver
	sendonly := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}
	if !c.cfg.NoAudio {
		audio, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "confer")
		if err != nil {
			return err
		}
		if audioTr, err = pub.AddTransceiverFromTrack(audio, sendonly); err != nil {
			return err
		}
	}
	var video []*webrtc.TrackLocalStaticRTP
	layers := []int{0, 1, 2}
	if c.cfg.NoSimulcast {
		layers = []int{2}
	}
	if !c.cfg.NoVideo {
		for _, l := range layers {
			var opts []func(*webrtc.TrackLocalStaticRTP)
			if !c.cfg.NoSimulcast {
				opts = append(opts, webrtc.WithRTPStreamID(media.Layers[l].RID))
			}
			t, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "confer", opts...)
			if err != nil {
				return err
			}
			video = append(video, t)
		}
		if videoTr, err = pub.AddTransceiverFromTrack(video[0], sendonly); err != nil {
			return err
		}
		var rids []string
		for _, t := range video {
			rids = append(rids, t.RID())
		}
		c.video.init(rids)
		for _, t := range video[1:] {
			if err := videoTr.Sender().AddEncoding(t); err != nil {
				return err
			}
		}
	}
	offer, err := pub.CreateOffer(nil)
	if err != nil {
		return err
	}
	if err := pub.SetLocalDescription(offer); err != nil {
		return err
	}
	if videoTr != nil {
		c.video.setMid(videoTr.Mid())
	}
	var specs []publishSpec
	if audioTr != nil {
		specs = append(specs, publishSpec{Mid: audioTr.Mid(), Source: "mic"})
	}
	if videoTr != nil {
		specs = append(specs, publishSpec{Mid: videoTr.Mid(), Source: "camera", Height: media.Layers[2].Height})
	}
	if err := c.Send(ctx, map[string]any{"type": "offer", "sdp": offer.SDP, "tracks": specs}); err != nil {
		return err
	}
	select {
	case <-connected:
	case <-failed:
		return errors.New("meetclient: publisher connection failed (ICE)")
	case <-c.stop:
		return errors.New("meetclient: closed while joining")
	case <-ctx.Done():
		return fmt.Errorf("meetclient: publisher connection: %w", ctx.Err())
	case <-time.After(20 * time.Second):
		return fmt.Errorf("meetclient: publisher connection did not connect within 20 s")
	}
	clip := c.cfg.Clip
	if audio != nil {
		c.sending.Add(1)
		go c.sendAudio(audio, audioTr, clip)
	}
	if len(video) > 0 {
		c.sending.Add(1)
		go c.sendVideo(video, layers, videoTr, clip)
	}
	return nil
}

func (c *Client) sendAudio(track *webrtc.TrackLocalStaticRTP, tr *webrtc.RTPTransceiver, clip *media.Clip) {
	defer c.sending.Done()
	media.SendAudio(c.stop, track, clip, media.ExtensionID(tr.Sender().GetParameters(), sdp.AudioLevelURI))
}

func (c *Client) sendVideo(tracks []*webrtc.TrackLocalStaticRTP, layers []int, tr *webrtc.RTPTransceiver, clip *media.Clip) {
	defer c.sending.Done()
	params := tr.Sender().GetParameters()
	midID, ridID := media.ExtensionID(params, sdp.SDESMidURI), media.ExtensionID(params, sdp.SDESRTPStreamIDURI)
	mid := tr.Mid()
	packetizers := make([]rtp.Packetizer, len(tracks))
	for i := range tracks {
		packetizers[i] = rtp.NewPacketizer(1200, 96, 0, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)
	}
	tick := time.NewTicker(media.FrameInterval)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		for i, t := range tracks {
			if !c.video.sending(t.RID()) {
				continue // paused by the server: nobody watches this layer
			}
			frames := clip.Video[layers[i]]
			for _, pkt := range packetizers[i].Packetize(frames[n%len(frames)].Data, 90000/media.FPS) {
				if midID != 0 {
					pkt.Header.SetExtension(midID, []byte(mid))
				}
				if ridID != 0 && t.RID() != "" {
					pkt.Header.SetExtension(ridID, []byte(t.RID()))
				}
				if err := t.WriteRTP(pkt); err != nil {
					return
				}
			}
		}
	}
}
