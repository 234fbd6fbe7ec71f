package test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// kindPacketsFrom counts the packets of kind c received from participant id.
func kindPacketsFrom(c *meetclient.Client, id, kind string) int64 {
	var n int64
	for _, r := range c.Remote() {
		if r.ParticipantID == id && r.Kind == kind {
			n += r.Packets
		}
	}
	return n
}

// TestAVModerationMedia: with audio moderation on, a participant who is
// not approved keeps sending audio (a modified client) but the server
// forwards none of it and refuses its unmute with the reason, while its
// video flows; so for a participant who joins after moderation was turned
// on, claiming to be unmuted. Approved, the first is forwarded again after
// it unmutes; moderation off, the late joiner's audio flows too.
func TestAVModerationMedia(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite)
	f := newTenant(t, s)
	room := f.ID + "/avmodmedia"
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := clip(t)
	mod, _ := s.join(ctx, t, room, f.token(t, "avmodmedia", "Mod", true), c)
	pat, pj := s.join(ctx, t, room, f.token(t, "avmodmedia", "Pat", false), c)
	patID := pj.Self.ID
	eventually(t, 30*time.Second, "Pat's audio and video reach Mod", func() bool { return receivesFrom(mod, []string{patID}, 20) })

	send := func(cl *meetclient.Client, msg map[string]any) {
		t.Helper()
		if err := cl.Send(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	send(mod, map[string]any{"type": "moderate", "action": "avModeration", "kind": "audio", "enabled": true})
	if _, err := pat.Expect(ctx, "forceMuted"); err != nil {
		t.Fatalf("Pat not told he is force-muted: %v", err)
	}

	// Pat's client unmutes anyway: refused, with the reason.
	send(pat, map[string]any{"type": "media", "audioMuted": false, "videoMuted": false})
	if code, msg := nextError(ctx, t, pat); code != "forceMuted" || msg == "" {
		t.Fatalf("unmute under audio moderation: got error %q (%s), want forceMuted with a reason", code, msg)
	}

	// Lee joins now, saying he is unmuted: he joins muted.
	lee, lj := s.join(ctx, t, room, f.token(t, "avmodmedia", "Lee", false), c)
	leeID := lj.Self.ID
	if !lj.Self.AudioMuted {
		t.Errorf("Lee joined under audio moderation unmuted: %+v", lj.Self)
	}
	eventually(t, 30*time.Second, "Lee's video reaches Mod", func() bool { return kindPacketsFrom(mod, leeID, "video") >= 20 })

	// Both keep sending audio; none of it is forwarded, though their
	// video is, over a window of 150 video packets.
	patAudio, leeAudio := kindPacketsFrom(mod, patID, "audio"), kindPacketsFrom(mod, leeID, "audio")
	patVideo, leeVideo := kindPacketsFrom(mod, patID, "video"), kindPacketsFrom(mod, leeID, "video")
	eventually(t, 30*time.Second, "150 more video packets from each", func() bool {
		return kindPacketsFrom(mod, patID, "video") >= patVideo+150 && kindPacketsFrom(mod, leeID, "video") >= leeVideo+150
	})
	if got := kindPacketsFrom(mod, patID, "audio") - patAudio; got > 0 {
		t.Errorf("Mod received %d audio packets from Pat, who is force-muted", got)
	}
	if got := kindPacketsFrom(mod, leeID, "audio") - leeAudio; got > 0 {
		t.Errorf("Mod received %d audio packets from Lee, who joined force-muted", got)
	}

	// Approved, Pat unmutes and is heard again.
	send(mod, map[string]any{"type": "moderate", "action": "approveMedia", "target": patID, "kind": "audio"})
	if _, err := pat.Expect(ctx, "mediaApproved"); err != nil {
		t.Fatalf("Pat not told he was approved: %v", err)
	}
	send(pat, map[string]any{"type": "media", "audioMuted": false, "videoMuted": false})
	before := kindPacketsFrom(mod, patID, "audio")
	eventually(t, 20*time.Second, "Pat's audio forwarded after approval", func() bool { return kindPacketsFrom(mod, patID, "audio") >= before+20 })

	// Moderation off: Lee unmutes and is heard.
	send(mod, map[string]any{"type": "moderate", "action": "avModeration", "kind": "audio", "enabled": false})
	if _, err := lee.Expect(ctx, "forceMuted"); err != nil {
		t.Fatalf("Lee not told the restriction is lifted: %v", err)
	}
	send(lee, map[string]any{"type": "media", "audioMuted": false, "videoMuted": false})
	before = kindPacketsFrom(mod, leeID, "audio")
	eventually(t, 20*time.Second, "Lee's audio forwarded after moderation off", func() bool { return kindPacketsFrom(mod, leeID, "audio") >= before+20 })

	// Only a moderator may turn it on.
	send(pat, map[string]any{"type": "moderate", "action": "avModeration", "kind": "video", "enabled": true})
	if code, _ := nextError(ctx, t, pat); code != "notModerator" {
		t.Errorf("a participant turning video moderation on: got %q, want notModerator", code)
	}
}

// nextError waits for the client's next error message.
func nextError(ctx context.Context, t *testing.T, c *meetclient.Client) (code, message string) {
	t.Helper()
	m, err := c.Expect(ctx, "error")
	if err != nil {
		t.Fatalf("waiting for an error: %v", err)
	}
	var e struct{ Code, Message string }
	if err := m.Decode(&e); err != nil {
		t.Fatal(err)
	}
	return e.Code, e.Message
}

// TestAVModerationPage: an integrator's page drives a moderator (Ada, in
// an iframe) with toggleModeration, rejectParticipant, askToUnmute and
// approveVideo, and hears moderationStatusChanged and
// moderationParticipantApproved/Rejected; isModerationOn and
// isParticipantForceMuted answer. Bob, on the meeting page, is muted, his
// mic button says "Ask to speak" and asks (raises his hand) rather than
// unmute; Cy, another moderator, sees the switches and Bob's request in
// the participants panel and allows him from there; then Bob unmutes.
func TestAVModerationPage(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/avmodpage"
	b, p := iframeHost(t, s, room)

	eval[bool](t, p, `window.ada = make('Ada', `+jsValue(f.token(t, "avmodpage", "Ada", true))+`, 'a');
		for (const ev of ['moderationStatusChanged', 'moderationParticipantApproved', 'moderationParticipantRejected'])
			ada.on(ev, (d) => window.log.push({ api: 'Ada', ev, d }));
		true`)
	poll[bool](t, p, "Ada joined", `!!find('Ada', 'videoConferenceJoined')`, 30*time.Second)
	cmds := "," + strings.Join(eval[[]string](t, p, `ada.getSupportedCommands()`), ",") + ","
	for _, want := range []string{"toggleModeration", "askToUnmute", "approveVideo", "rejectParticipant"} {
		if !strings.Contains(cmds, ","+want+",") {
			t.Errorf("getSupportedCommands lacks %s: %s", want, cmds)
		}
	}
	events := "," + strings.Join(eval[[]string](t, p, `ada.getSupportedEvents()`), ",") + ","
	for _, want := range []string{"moderationStatusChanged", "moderationParticipantApproved", "moderationParticipantRejected"} {
		if !strings.Contains(events, ","+want+",") {
			t.Errorf("getSupportedEvents lacks %s: %s", want, events)
		}
	}

	bob := b.open("Bob", meetingURL(s.URL, room, f.token(t, "avmodpage", "Bob", false), fastMeeting()))
	cy := b.open("Cy", meetingURL(s.URL, room, f.token(t, "avmodpage", "Cy", true), fastMeeting()))
	for _, pg := range []*page{bob, cy} {
		poll[bool](t, pg, "joined", `window.confer.state.joined && window.confer.state.participants.size === 3`, 30*time.Second)
	}
	bobID := eval[string](t, bob, `window.confer.state.self.id`)
	if eval[bool](t, bob, `window.confer.state.audioMuted`) {
		t.Fatal("Bob starts muted")
	}

	// Ada turns audio moderation on.
	eval[bool](t, p, `ada.executeCommand('toggleModeration', true); true`)
	st := poll[map[string]any](t, p, "moderationStatusChanged on", `find('Ada', 'moderationStatusChanged', d => d.enabled === true)?.d`, 15*time.Second)
	if st["mediaType"] != "audio" {
		t.Errorf("moderationStatusChanged: %v, want mediaType audio", st)
	}
	if !eval[bool](t, p, `ada.isModerationOn('audio')`) || eval[bool](t, p, `ada.isModerationOn('video')`) {
		t.Error("isModerationOn: want audio on, video off")
	}
	poll[bool](t, p, "isParticipantForceMuted(Bob)", `ada.isParticipantForceMuted(`+jsValue(bobID)+`, 'audio')`, 10*time.Second)
	poll[bool](t, bob, "Bob muted by the moderation", `window.confer.state.audioMuted`, 10*time.Second)
	const micLabel = `document.getElementById('tb-mic').getAttribute('aria-label')`
	if got := eval[string](t, bob, micLabel); got != "Ask to speak" {
		t.Errorf("Bob's mic button: %q, want %q", got, "Ask to speak")
	}
	if tip := eval[string](t, bob, `document.getElementById('tb-mic').dataset.tip`); !strings.Contains(tip, "The moderator must allow you to unmute") {
		t.Errorf("Bob's mic tooltip %q does not say why", tip)
	}

	// Bob clicks his mic: still muted, told why, his hand raised.
	bob.click(t, "#tb-mic")
	poll[bool](t, bob, "the toast saying why", `[...document.querySelectorAll('.toast')].some(el => el.textContent === 'The moderator must allow you to unmute')`, 10*time.Second)
	if eval[bool](t, bob, `!window.confer.state.audioMuted`) {
		t.Error("Bob unmuted under audio moderation")
	}
	poll[bool](t, cy, "Cy sees Bob's hand", `!!window.confer.state.participants.get(`+jsValue(bobID)+`)?.handRaised`, 10*time.Second)

	// Cy sees the switch off and Bob's request with Allow and Reject.
	cy.click(t, "#tb-people")
	if eval[bool](t, cy, `document.getElementById('avmod').hidden || document.getElementById('avmod-audio').checked || !document.getElementById('avmod-video').checked`) {
		t.Error("Cy's panel: want the switches shown, 'unmute themselves' unchecked, 'start their video' checked")
	}
	bobRow := `#people-list li[data-id="` + bobID + `"]`
	poll[bool](t, cy, "Allow and Reject for Bob", `!!document.querySelector('`+bobRow+` [data-action=approve-audio]') && !!document.querySelector('`+bobRow+` [data-action=reject-audio]')`, 10*time.Second)
	if got := eval[string](t, cy, `document.querySelector('`+bobRow+` [data-action=approve-audio]').getAttribute('aria-label')`); got != "Allow to speak: Bob" {
		t.Errorf("Allow button's accessible name %q, want %q", got, "Allow to speak: Bob")
	}
	reportAxe(t, "participants panel with audio moderation", runAxe(t, cy, axeSource(t)))

	// Ada rejects Bob's request: the event, his hand down.
	eval[bool](t, p, `ada.executeCommand('rejectParticipant', `+jsValue(bobID)+`, 'audio'); true`)
	rej := poll[map[string]any](t, p, "moderationParticipantRejected", `find('Ada', 'moderationParticipantRejected')?.d`, 10*time.Second)
	if rej["id"] != bobID || rej["mediaType"] != "audio" {
		t.Errorf("moderationParticipantRejected: %v, want id %s mediaType audio", rej, bobID)
	}
	poll[bool](t, bob, "Bob's hand lowered", `!window.confer.state.participants.get(`+jsValue(bobID)+`)?.handRaised`, 10*time.Second)

	// Cy allows Bob from the panel; Ada hears of it; Bob unmutes.
	cy.click(t, bobRow+" [data-action=approve-audio]")
	ok := poll[map[string]any](t, p, "moderationParticipantApproved", `find('Ada', 'moderationParticipantApproved')?.d`, 10*time.Second)
	if ok["id"] != bobID || ok["mediaType"] != "audio" {
		t.Errorf("moderationParticipantApproved: %v, want id %s mediaType audio", ok, bobID)
	}
	poll[bool](t, bob, "Bob's mic button back to Unmute", micLabel+` === 'Unmute microphone'`, 10*time.Second)
	bob.click(t, "#tb-mic")
	poll[bool](t, cy, "Bob unmuted, as Cy sees", `window.confer.state.participants.get(`+jsValue(bobID)+`)?.audioMuted === false`, 10*time.Second)

	// Video moderation: Bob's camera stops; approveVideo lets him start it.
	eval[bool](t, p, `ada.executeCommand('toggleModeration', true, 'video'); true`)
	poll[bool](t, p, "moderationStatusChanged video", `!!find('Ada', 'moderationStatusChanged', d => d.mediaType === 'video' && d.enabled)`, 10*time.Second)
	poll[bool](t, bob, "Bob's camera stopped", `window.confer.state.videoMuted`, 10*time.Second)
	if eval[bool](t, bob, `window.confer.state.audioMuted`) {
		t.Error("video moderation muted Bob's approved audio")
	}
	bob.click(t, "#tb-cam")
	if eval[bool](t, bob, `!window.confer.state.videoMuted`) {
		t.Error("Bob started his video under video moderation")
	}
	eval[bool](t, p, `ada.executeCommand('approveVideo', `+jsValue(bobID)+`); true`)
	poll[bool](t, p, "approved for video", `!!find('Ada', 'moderationParticipantApproved', d => d.mediaType === 'video')`, 10*time.Second)
	poll[bool](t, bob, "Bob may start video", `!window.confer.state.self.videoForceMuted`, 10*time.Second)
	bob.click(t, "#tb-cam")
	poll[bool](t, cy, "Bob's video on, as Cy sees", `window.confer.state.participants.get(`+jsValue(bobID)+`)?.videoMuted === false`, 10*time.Second)

	// Dee joins now, her mic and camera on: she joins muted, and asks.
	dee := b.open("Dee", meetingURL(s.URL, room, f.token(t, "avmodpage", "Dee", false), fastMeeting()))
	poll[bool](t, dee, "Dee joined", `window.confer.state.joined && window.confer.state.participants.size === 4`, 30*time.Second)
	poll[bool](t, dee, "Dee muted, her camera off", `window.confer.state.audioMuted && window.confer.state.videoMuted`, 10*time.Second)
	if got := eval[string](t, dee, `document.getElementById('tb-cam').getAttribute('aria-label')`); got != "Ask to start video" {
		t.Errorf("Dee's camera button: %q, want %q", got, "Ask to start video")
	}
	poll[bool](t, dee, "Dee's mic button", micLabel+` === 'Ask to speak'`, 10*time.Second)

	// Off again: the event, and isModerationOn says so.
	eval[bool](t, p, `ada.executeCommand('toggleModeration', false); true`)
	poll[bool](t, p, "moderationStatusChanged off", `!!find('Ada', 'moderationStatusChanged', d => d.mediaType === 'audio' && d.enabled === false)`, 10*time.Second)
	if eval[bool](t, p, `ada.isModerationOn('audio')`) {
		t.Error("isModerationOn('audio') after turning it off")
	}
	poll[bool](t, dee, "Dee's mic button back to Unmute", micLabel+` === 'Unmute microphone'`, 10*time.Second)
	dee.click(t, "#tb-mic")
	poll[bool](t, cy, "Dee unmuted, as Cy sees", `[...window.confer.state.participants.values()].some(p => p.name === 'Dee' && p.audioMuted === false)`, 10*time.Second)
	b.checkCSP()
}
