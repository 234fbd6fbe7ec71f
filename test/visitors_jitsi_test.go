package test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/jitsiclient"
)

// TestJitsiVisitors (issue 18): a Jitsi client that can be sent to a
// visitors' node (visitors-version, as lib-jitsi-meet since December 2022)
// and comes to a webinar at its soft limit is redirected there as jicofo
// does (vnode), logs in to v1.meet.jitsi, joins the room there with no
// conference request and watches: its role is visitor, it receives the
// participants' audio and video, the participants receive nothing of it
// and see a count, not an occupant. A moderator lets it in: it is told
// with a username, logs in to the main domain with it and is back as a
// participant under the same nick, publishing. A client without
// visitors-version is let in as a participant, as before.
func TestJitsiVisitors(t *testing.T) {
	t.Parallel()
	ctx, s, f, join := startWebinar(t)
	ada, aj := join("Ada", true)
	bob, bj := join("Bob", false)

	// A client that cannot go to a visitors' node is let in as before.
	kim := s.dialJitsi(ctx, t, f, "webinar", "Kim")
	if got := kim.Role(); got != "participant" {
		t.Errorf("Kim (no visitors-version) has the role %q, want participant", got)
	}
	if strings.HasSuffix(kim.RoomJID(), ".meet.jitsi") {
		t.Errorf("Kim is in %s, not the main room", kim.RoomJID())
	}

	// Mo, a moderator on a Jitsi client, is in the main room too.
	moCfg := s.jitsiConfig(t, f, "webinar", "Mo")
	moCfg.Token = f.token(t, "webinar", "Mo", true)
	mo, err := jitsiclient.Dial(ctx, moCfg)
	if err != nil {
		t.Fatalf("Mo joins: %v", err)
	}
	t.Cleanup(mo.Close)

	cfg := s.jitsiConfig(t, f, "webinar", "Jay")
	cfg.Visitors = true
	jay, err := jitsiclient.Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("Jay joins: %v", err)
	}
	t.Cleanup(jay.Close)
	if got := jay.Role(); got != "visitor" {
		t.Fatalf("Jay's role %q, want visitor", got)
	}
	if got, want := jay.RoomJID(), "webinar@conference."+f.ID+".v1.meet.jitsi"; got != want {
		t.Errorf("Jay is in %s, want %s (the visitors' node's room)", got, want)
	}
	if occ := jay.Occupants(); !slices.Contains(occ, aj.Self.ID) || !slices.Contains(occ, bj.Self.ID) || !slices.Contains(occ, "focus") {
		t.Errorf("Jay sees occupants %v, want Ada, Bob and the focus", occ)
	}
	eventually(t, 30*time.Second, "Jay receives Ada's and Bob's audio and video", func() bool {
		return statsFrom(jay.Remote(), []string{aj.Self.ID, bj.Self.ID}, 30)
	})
	if _, err := ada.Expect(ctx, "visitors"); err != nil {
		t.Fatalf("Ada told the visitor count: %v", err)
	}
	if n := packetsFrom(ada, jay.Nick()) + packetsFrom(bob, jay.Nick()); n != 0 {
		t.Errorf("Ada and Bob received %d packets from the visitor, want none", n)
	}
	if slices.Contains(kim.Occupants(), jay.Nick()) {
		t.Errorf("Kim sees the visitor Jay as an occupant")
	}
	eventually(t, 10*time.Second, "the focus tells the Jitsi clients of one visitor", func() bool {
		return mo.FocusProperty("visitor-count") == "1" && kim.FocusProperty("visitor-count") == "1"
	})

	// Jay raises his hand to ask to join (jitsi-meet's presence); Ada, the
	// moderator, is asked.
	hand := fmt.Sprintf(`<presence xmlns="jabber:client" to="%s/%s"><jitsi_participant_raisedHand>%d</jitsi_participant_raisedHand></presence>`,
		jay.RoomJID(), jay.Nick(), time.Now().UnixMilli())
	if err := jay.SendRaw(ctx, hand); err != nil {
		t.Fatal(err)
	}
	req, err := ada.Expect(ctx, "visitorRequest")
	if err != nil || !strings.Contains(string(req.Raw), jay.Nick()) || !strings.Contains(string(req.Raw), `"asking":true`) {
		t.Fatalf("Ada asked to let Jay in: %s, %v", req.Raw, err)
	}
	_, muc, _ := strings.Cut(mo.RoomJID(), "@")
	component := "visitors." + strings.TrimPrefix(muc, "conference.") // visitors.<tenant>.<domain>
	eventually(t, 10*time.Second, "Mo asked by the visitors component", func() bool {
		return promotionRequest(mo, component, jay.Nick()) != ""
	})

	// Ada lets Jay in: Jay is told (promotion-response) with a username,
	// logs in to the main domain with it and joins as a participant under
	// the same nick, with no conference request; his media reaches Ada.
	if err := ada.Send(ctx, map[string]any{"type": "moderate", "action": "promoteVisitor", "target": jay.Nick()}); err != nil {
		t.Fatal(err)
	}
	prom, err := jay.Promoted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !prom.Allow || !strings.HasPrefix(prom.Username, jay.Nick()) {
		t.Fatalf("promotion %+v: want allowed, a username beginning with Jay's nick %s", prom, jay.Nick())
	}
	// jitsi-meet's redirect disconnects, then connects again; the server
	// may see the new connection's join first: here it surely does.
	cfg.Vnode, cfg.Username, cfg.Nick = "", prom.Username, ""
	jay2, err := jitsiclient.Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("Jay comes back as a participant: %v", err)
	}
	t.Cleanup(jay2.Close)
	jay.Close()
	if jay2.Nick() != jay.Nick() || jay2.Role() != "participant" || !strings.HasPrefix(jay2.JID(), prom.Username+"@") {
		t.Errorf("Jay back as %s (%s, JID %s); want %s, participant, JID node %s", jay2.Nick(), jay2.Role(), jay2.JID(), jay.Nick(), prom.Username)
	}
	eventually(t, 30*time.Second, "Ada receives Jay's audio and video, Kim sees him", func() bool {
		return receivesFrom(ada, []string{jay2.Nick()}, 30) && slices.Contains(kim.Occupants(), jay2.Nick())
	})

	// Lia, another visitor, asks; Mo lets her in from his Jitsi client, as
	// jitsi-meet's approveRequest does (a groupchat json-message the
	// server keeps to itself).
	lcfg := s.jitsiConfig(t, f, "webinar", "Lia")
	lcfg.Visitors = true
	lia, err := jitsiclient.Dial(ctx, lcfg)
	if err != nil || lia.Role() != "visitor" {
		t.Fatalf("Lia joins: %v, role %q; want a visitor", err, roleOf(lia))
	}
	t.Cleanup(lia.Close)
	if err := lia.SendRaw(ctx, fmt.Sprintf(`<presence xmlns="jabber:client" to="%s/%s"><jitsi_participant_raisedHand>%d</jitsi_participant_raisedHand></presence>`,
		lia.RoomJID(), lia.Nick(), time.Now().UnixMilli())); err != nil {
		t.Fatal(err)
	}
	var from string
	eventually(t, 10*time.Second, "Mo asked to let Lia in", func() bool {
		from = promotionRequest(mo, component, lia.Nick())
		return from != ""
	})
	approve := fmt.Sprintf(`<message xmlns="jabber:client" type="groupchat" to="%s"><json-message xmlns="http://jitsi.org/jitmeet">{"type":"visitors","action":"promotion-response","approved":true,"id":%q}</json-message></message>`,
		mo.RoomJID(), from)
	if err := mo.SendRaw(ctx, approve); err != nil {
		t.Fatal(err)
	}
	if p, err := lia.Promoted(ctx); err != nil || !p.Allow || !strings.HasPrefix(p.Username, lia.Nick()) {
		t.Fatalf("Lia let in: %+v, %v", p, err)
	}
}

// promotionRequest is the "from" of the visitors component's request to
// let the visitor nick in that c received, or "".
func promotionRequest(c *jitsiclient.Client, component, nick string) string {
	for _, m := range c.JSONMessages() {
		var req struct {
			Type, Action, From string
			On                 bool
		}
		if m.From == component && json.Unmarshal([]byte(m.Text), &req) == nil && req.Type == "visitors" &&
			req.Action == "promotion-request" && req.On && strings.HasPrefix(req.From, nick+"@") {
			return req.From
		}
	}
	return ""
}

func roleOf(c *jitsiclient.Client) string {
	if c == nil {
		return ""
	}
	return c.Role()
}
