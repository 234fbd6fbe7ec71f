package sfu

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// TestRelayForwardsBothWays links two SFUs as two nodes of one meeting: a
// publisher on each node reaches the subscriber on the other, its tracks
// named by its participant (not the relay) and by the id they have on its
// node; the far subscriber gets the simulcast layer its tile size asks for
// and switches when it changes; the dominant speaker is the far
// participant on both nodes.
func TestRelayForwardsBothWays(t *testing.T) {
	t.Parallel()
	a, b := newTestNode(t, "a"), newTestNode(t, "b")
	link(t, a, b)
	pa := publish(t, a, "pa", false)
	publish(t, b, "pb", true)
	sa := newTestClient(t, a, "sa", PCSubscriber)
	sb := newTestClient(t, b, "sb", PCSubscriber)

	eventually(t, 20*time.Second, "sb to receive pa's camera", func() bool {
		ti, ok := sb.track("pa", SourceCamera)
		return ok && sb.received(ti.TrackID) > 30
	})
	eventually(t, 20*time.Second, "sa to receive pb's mic and camera", func() bool { return sa.receivesFrom("pb", 30) })

	paCam := pa.peer.publishedID(t, SourceCamera)
	ti, _ := sb.track("pa", SourceCamera)
	if ti.TrackID != paCam {
		t.Errorf("on node b pa's camera is %q, want its id on node a %q", ti.TrackID, paCam)
	}
	sb.mu.Lock()
	for _, ti := range sb.infos {
		if ti.ParticipantID == RelayPeerID("a") {
			t.Errorf("a track on node b names the relay %q, not its participant", ti.ParticipantID)
		}
	}
	sb.mu.Unlock()

	for _, step := range []struct {
		height, layer int
	}{{0, 2}, {180, 0}, {360, 1}, {720, 2}} {
		if step.height > 0 {
			sb.peer.SetVideoConstraint(paCam, step.height)
		}
		eventually(t, 15*time.Second, "sb to get layer for its tile", func() bool { return sb.layer(paCam) == step.layer })
	}

	for _, n := range []*testNode{a, b} {
		eventually(t, 10*time.Second, "node "+n.name+"'s dominant speaker to be pb", func() bool { return n.room.DominantSpeaker() == "pb" })
	}

	pa.peer.Close() // pa leaves node a: its camera is withdrawn on node b too
	eventually(t, 10*time.Second, "pa's camera to leave node b", func() bool {
		_, offered := sb.track("pa", SourceCamera)
		return !offered && !b.room.hasTrack(paCam)
	})
}

// hasTrack reports whether a track is published in the room.
func (r *Room) hasTrack(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tracks[id] != nil
}

// publishedID is the id of the peer's published track of a source.
func (p *Peer) publishedID(t *testing.T, source Source) string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, tr := range p.published {
		if tr.source == source {
			return tr.id
		}
	}
	t.Fatalf("%s publishes no %s", p.id, source)
	return ""
}

// TestRelaySendsOneCopyPerNode: what node a sends over the relay follows
// what its publisher sends, whether node b has one subscriber or four —
// b fans out, not a.
func TestRelaySendsOneCopyPerNode(t *testing.T) {
	t.Parallel()
	a, b := newTestNode(t, "a"), newTestNode(t, "b")
	link(t, a, b)
	publish(t, a, "pa", false)
	subs := []*testClient{newTestClient(t, b, "s0", PCSubscriber)}

	ratio := func() float64 {
		t.Helper()
		for _, s := range subs {
			eventually(t, 20*time.Second, s.id+" to receive pa's camera", func() bool {
				ti, ok := s.track("pa", SourceCamera)
				return ok && s.received(ti.TrackID) > 30
			})
		}
		m := a.sfu.metrics
		recv0, relayed0 := counter(m.receivedPackets), counter(m.relayedPackets)
		eventually(t, 20*time.Second, "600 packets from pa", func() bool { return counter(m.receivedPackets)-recv0 >= 600 })
		return (counter(m.relayedPackets) - relayed0) / (counter(m.receivedPackets) - recv0)
	}
	one := ratio()
	for _, id := range []string{"s1", "s2", "s3"} {
		subs = append(subs, newTestClient(t, b, id, PCSubscriber))
	}
	four := ratio()
	t.Logf("packets relayed per packet received on a: %.2f with one subscriber on b, %.2f with four", one, four)
	for _, r := range []float64{one, four} {
		if r < 0.9 || r > 1.1 {
			t.Errorf("a relayed %.2f packets per packet its publisher sent, want 1 (every layer once)", r)
		}
	}
	// Each of b's subscribers gets its own copy from b.
	if fwd := counter(b.sfu.metrics.forwardedPackets); fwd < 4*30 {
		t.Errorf("b forwarded %v packets to its four subscribers", fwd)
	}
}

// TestRelayFeedbackCrosses: a keyframe request from a subscriber on node b
// reaches the publisher on node a as a PLI, and a NACK node b sends over
// the relay is answered from node a's packet ring.
func TestRelayFeedbackCrosses(t *testing.T) {
	t.Parallel()
	a, b := newTestNode(t, "a"), newTestNode(t, "b")
	_, relayOnB := link(t, a, b)
	pa := publish(t, a, "pa", false)
	sb := newTestClient(t, b, "sb", PCSubscriber)
	var cam TrackInfo
	eventually(t, 20*time.Second, "sb to receive pa's camera", func() bool {
		var ok bool
		cam, ok = sb.track("pa", SourceCamera)
		return ok && sb.received(cam.TrackID) > 30
	})

	before := pa.plis.Load()
	sb.mu.Lock()
	ssrc := sb.ssrcs[cam.TrackID]
	sb.mu.Unlock()
	eventually(t, 10*time.Second, "sb's PLI to reach pa", func() bool {
		if err := sb.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}); err != nil {
			t.Fatal(err)
		}
		return pa.plis.Load() > before
	})

	// b's relay peer asks again for a packet of pa's top layer it got.
	b.room.mu.Lock()
	relayed := b.room.tracks[cam.TrackID]
	b.room.mu.Unlock()
	if relayed == nil || relayed.owner != relayOnB {
		t.Fatalf("pa's camera on b is %v, want a track of the relay peer", relayed)
	}
	st := &relayed.layers[2]
	resent := counter(a.sfu.metrics.retransmitted)
	eventually(t, 10*time.Second, "a to resend a packet b's relay NACKed", func() bool {
		seq, ok := newestKept(&st.ring)
		if !ok {
			return false
		}
		nack := &rtcp.TransportLayerNack{MediaSSRC: st.ssrc.Load(), Nacks: []rtcp.NackPair{{PacketID: seq}}}
		if err := relayOnB.pub.WriteRTCP([]rtcp.Packet{nack}); err != nil {
			t.Fatal(err)
		}
		return counter(a.sfu.metrics.retransmitted) > resent
	})
}

// TestRelayDynacastSpansNodes: the publisher on node a sends the layers
// the subscriber on node b shows, and what a moderator blocks on node a
// stops on node b too.
func TestRelayDynacastSpansNodes(t *testing.T) {
	t.Parallel()
	a, b := newTestNode(t, "a"), newTestNode(t, "b")
	link(t, a, b)
	pa := publish(t, a, "pa", false)
	sb := newTestClient(t, b, "sb", PCSubscriber)
	var cam TrackInfo
	eventually(t, 20*time.Second, "sb to receive pa's camera", func() bool {
		var ok bool
		cam, ok = sb.track("pa", SourceCamera)
		return ok && sb.received(cam.TrackID) > 30
	})
	for _, step := range []struct{ height, layers int }{{180, 1}, {720, 3}} {
		sb.peer.SetVideoConstraint(cam.TrackID, step.height)
		eventually(t, 10*time.Second, fmt.Sprintf("pa to be asked for %d layers", step.layers), func() bool {
			return pa.activeLayers(cam.TrackID) == step.layers
		})
	}
	pa.peer.SetSourceBlocked(SourceCamera, true)
	var n int64
	still := 0 // polls without a new packet
	eventually(t, 10*time.Second, "pa's blocked camera to stop reaching sb", func() bool {
		prev := n
		if n = sb.received(cam.TrackID); n == prev {
			still++
		} else {
			still = 0
		}
		return still >= 10
	})
}

// TestRelayFullMesh: three nodes in full mesh, each with a publisher and a
// subscriber. Every subscriber gets every publisher's mic and camera
// exactly once — no node forwards what another relay brought it.
func TestRelayFullMesh(t *testing.T) {
	t.Parallel()
	nodes := []*testNode{newTestNode(t, "a"), newTestNode(t, "b"), newTestNode(t, "c")}
	var relays []*Peer
	for i := range nodes {
		for j := i + 1; j < len(nodes); j++ {
			x, y := link(t, nodes[i], nodes[j])
			relays = append(relays, x, y)
		}
	}
	var subs []*testClient
	for _, n := range nodes {
		publish(t, n, "p"+n.name, true)
		subs = append(subs, newTestClient(t, n, "s"+n.name, PCSubscriber))
	}
	for _, s := range subs {
		for _, n := range nodes {
			eventually(t, 30*time.Second, s.id+" to receive p"+n.name, func() bool { return s.receivesFrom("p"+n.name, 30) })
		}
	}
	for _, s := range subs {
		s.mu.Lock()
		byTrack := map[string]int{}
		for _, ti := range s.infos {
			byTrack[ti.TrackID]++
		}
		if len(s.infos) != 6 {
			t.Errorf("%s was offered %d tracks, want 6 (3 participants' mic and camera): %v", s.id, len(s.infos), s.infos)
		}
		for id, n := range byTrack {
			if n != 1 || s.onTrack[id] != 1 {
				t.Errorf("%s got track %s in %d media sections, %d times", s.id, id, n, s.onTrack[id])
			}
		}
		s.mu.Unlock()
	}
	for _, r := range relays {
		local := "p" + r.room.sfu.nodeName(nodes)
		for _, rt := range r.relayTracks() {
			if rt.ParticipantID != local {
				t.Errorf("relay %s sends %s's track, want only its node's %s", r.id, rt.ParticipantID, local)
			}
		}
	}
}

// nodeName is the name of the test node whose SFU s is.
func (s *SFU) nodeName(nodes []*testNode) string {
	for _, n := range nodes {
		if n.sfu == s {
			return n.name
		}
	}
	return ""
}

// newestKept is the sequence number of the newest packet a ring keeps.
func newestKept(r *packetRing) (uint16, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.slots == nil {
		return 0, false
	}
	var seq uint16
	found := false
	for i := range r.slots {
		s := &r.slots[i]
		if s.n > 0 && (!found || seqBefore(seq, s.seq)) {
			seq, found = s.seq, true
		}
	}
	return seq, found
}
