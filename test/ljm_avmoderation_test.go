package test

import (
	"context"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// ljmAVEvents records, on a lib-jitsi-meet page, the conference's audio/
// video moderation events in ljm.av.
const ljmAVEvents = `(() => {
	const E = JitsiMeetJS.events.conference;
	ljm.av = [];
	conf.on(E.AV_MODERATION_CHANGED, ({enabled, mediaType, actor}) => ljm.av.push('changed ' + mediaType + ' ' + enabled + ' ' + (actor ? actor.getId() : '')));
	// {mediaType} (stable-6726) or the media type itself.
	const media = (e) => (e && e.mediaType) || e;
	conf.on(E.AV_MODERATION_APPROVED, (e) => ljm.av.push('approved ' + media(e)));
	conf.on(E.AV_MODERATION_REJECTED, (e) => ljm.av.push('rejected ' + media(e)));
	conf.on(E.AV_MODERATION_PARTICIPANT_APPROVED, ({participant, mediaType}) => ljm.av.push('participant approved ' + participant.getId() + ' ' + mediaType));
	conf.on(E.AV_MODERATION_PARTICIPANT_REJECTED, ({participant, mediaType}) => ljm.av.push('participant rejected ' + participant.getId() + ' ' + mediaType));
	return true;
})()`

// TestLJMAVModeration: audio moderation with the real lib-jitsi-meet. A
// lib-jitsi-meet moderator (Kim) finds the av_moderation component and
// turns it on (enableAVModeration): a lib-jitsi-meet participant (Jay)
// hears AV_MODERATION_CHANGED with Kim as actor, and its audio, which it
// keeps sending, no longer reaches a participant of the meeting page, while
// its video does. Kim approves Jay (avModerationApprove): Jay hears
// AV_MODERATION_APPROVED, Kim AV_MODERATION_PARTICIPANT_APPROVED; once Jay
// unmutes, its audio flows. Kim rejects (both hear it) and turns it off.
func TestLJMAVModeration(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	web, _ := s.join(ctx, t, f.ID+"/standup", f.token(t, "standup", "Wendy", false), clip(t))
	b := newBrowser(t)
	pageURL := ljmPage(t, s.URL, f.ID)
	join := func(name string, moderator, media bool) (*page, string) {
		p := b.open(name, pageURL)
		eval[any](t, p, `connect('standup', '`+f.token(t, "standup", name, moderator)+`')`)
		poll[bool](t, p, "CONNECTION_ESTABLISHED", `ljm.established`, 20*time.Second)
		if media {
			eval[any](t, p, `joinConference('standup', '`+name+`', true)`)
		} else {
			eval[any](t, p, `joinConference('standup', '`+name+`')`)
		}
		poll[bool](t, p, "CONFERENCE_JOINED", `ljm.joined`, 20*time.Second)
		eval[bool](t, p, ljmAVEvents)
		return p, eval[string](t, p, `conf.myUserId()`)
	}
	kim, kimID := join("Kim", true, false)
	jay, jayID := join("Jay", false, true)
	eventually(t, 30*time.Second, "Jay's audio and video reach Wendy", func() bool { return receivesFrom(web, []string{jayID}, 20) })
	poll[bool](t, kim, "av_moderation supported", `conf.isAVModerationSupported()`, 10*time.Second)

	// Jay's client is modified: it ignores the focus's mute request.
	eval[bool](t, jay, `(() => { const a = ljm.local.find(t => t.getType() === 'audio'); a.realMute = a.mute; a.mute = () => Promise.resolve(); return true; })()`)
	eval[any](t, kim, `conf.enableAVModeration('audio')`)
	poll[bool](t, jay, "AV_MODERATION_CHANGED", `ljm.av.includes('changed audio true `+kimID+`')`, 10*time.Second)
	sigExpect(t, web, "avModeration", nil)
	// Jay keeps sending audio: none reaches Wendy, over 150 video packets.
	audio, video := kindPacketsFrom(web, jayID, "audio"), kindPacketsFrom(web, jayID, "video")
	eventually(t, 30*time.Second, "150 more video packets from Jay", func() bool { return kindPacketsFrom(web, jayID, "video") >= video+150 })
	if got := kindPacketsFrom(web, jayID, "audio") - audio; got > 0 {
		t.Errorf("Wendy received %d audio packets from Jay under audio moderation", got)
	}

	eval[any](t, kim, `conf.avModerationApprove('audio', '`+jayID+`')`)
	poll[bool](t, jay, "AV_MODERATION_APPROVED", `ljm.av.includes('approved audio')`, 10*time.Second)
	poll[bool](t, kim, "AV_MODERATION_PARTICIPANT_APPROVED", `ljm.av.includes('participant approved `+jayID+` audio')`, 10*time.Second)
	// Jay mutes and unmutes: the room has it unmuted again.
	eval[any](t, jay, `(async () => { const a = ljm.local.find(t => t.getType() === 'audio'); await a.realMute(); await a.unmute(); })()`)
	sigExpect(t, web, "participantUpdated", func(m meetclient.Message) bool {
		p := sigDecodeUpdated(t, m)
		return p.ID == jayID && !p.AudioMuted
	})
	before := kindPacketsFrom(web, jayID, "audio")
	eventually(t, 20*time.Second, "Jay's audio reaching Wendy after approval", func() bool { return kindPacketsFrom(web, jayID, "audio") >= before+20 })

	eval[any](t, kim, `conf.avModerationReject('audio', '`+jayID+`')`)
	poll[bool](t, jay, "AV_MODERATION_REJECTED", `ljm.av.includes('rejected audio')`, 10*time.Second)
	poll[bool](t, kim, "AV_MODERATION_PARTICIPANT_REJECTED", `ljm.av.includes('participant rejected `+jayID+` audio')`, 10*time.Second)

	eval[any](t, kim, `conf.disableAVModeration('audio')`)
	poll[bool](t, jay, "moderation off", `ljm.av.includes('changed audio false `+kimID+`')`, 10*time.Second)
}
