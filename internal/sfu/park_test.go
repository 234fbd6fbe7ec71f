package sfu

import (
	"testing"
	"time"
)

// sharedNode is a test node whose room is shared (Acquire), as a cascaded
// meeting's room on an edge is.
func sharedNode(t *testing.T) *testNode {
	n := newTestNode(t, "edge")
	n.room.Close()
	n.room = n.sfu.Acquire("meeting")
	t.Cleanup(n.room.Release)
	return n
}

// TestParkedPeerKeepsMedia: a parked peer goes on receiving what it
// received, signals nothing, and once taken back learns what changed
// meanwhile; a fresh join of the same participant replaces a parked
// peer, and one not taken back closes with its window.
func TestParkedPeerKeepsMedia(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	pa := publish(t, n, "pa", true)
	sb := newTestClient(t, n, "sb", PCSubscriber)
	eventually(t, 20*time.Second, "sb to receive pa", func() bool { return sb.receivesFrom("pa", 30) })
	paCam := pa.peer.publishedID(t, SourceCamera)

	sb.peer.Park(time.Minute)
	if !sb.peer.Parked() {
		t.Fatal("not parked")
	}
	before := sb.received(paCam)
	publish(t, n, "pc", true) // its tracks cannot be offered to sb while parked
	eventually(t, 10*time.Second, "sb, parked, to go on receiving pa", func() bool { return sb.received(paCam) > before+50 })
	if _, ok := sb.track("pc", SourceCamera); ok {
		t.Fatal("a parked peer signalled a new track")
	}

	if _, ok := n.room.TakeBack("nobody", sb); ok {
		t.Error("took back a peer that is not there")
	}
	p, ok := n.room.TakeBack("sb", sb)
	if !ok || p != sb.peer || p.Parked() {
		t.Fatalf("TakeBack = %v, %v; want sb's parked peer, no longer parked", p, ok)
	}
	if _, ok := n.room.TakeBack("sb", sb); ok {
		t.Error("took back a peer that was not parked")
	}
	p.Resync()
	eventually(t, 20*time.Second, "sb, taken back, to receive pc", func() bool { return sb.receivesFrom("pc", 30) })

	sb.peer.Park(time.Minute)
	sd := newTestClient(t, n, "sb", PCSubscriber) // the participant joins afresh
	eventually(t, 20*time.Second, "sb's new peer to receive pa", func() bool { return sd.receivesFrom("pa", 30) })
	if _, ok := n.room.TakeBack("sb", sb); ok {
		t.Error("took back the peer a fresh join replaced")
	}

	se := newTestClient(t, n, "se", PCSubscriber)
	eventually(t, 20*time.Second, "se to receive pa", func() bool { return se.receivesFrom("pa", 30) })
	se.peer.Park(time.Minute)
	se.pc.Close() // the client gave up its connections meanwhile
	eventually(t, 40*time.Second, "se's kept media to be known dead", func() bool { return !n.sfu.Kept("meeting", "se") })
	if _, ok := n.room.TakeBack("se", se); ok {
		t.Error("took back a peer whose client closed its connections")
	}

	sd.peer.Park(50 * time.Millisecond)
	eventually(t, 10*time.Second, "the parked peer to close with its window, and give up its hold on the room", func() bool {
		n.room.mu.Lock()
		gone := n.room.peers["sb"] == nil
		n.room.mu.Unlock()
		n.room.share.mu.Lock()
		defer n.room.share.mu.Unlock()
		return gone && n.room.share.holders == 1 // the test's
	})
}
