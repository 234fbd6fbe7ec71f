package test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// TestLJMLobby: Jitsi's lobby on Confer's, with the real lib-jitsi-meet.
// With the lobby on (set from the page), a lib-jitsi-meet participant is
// refused as members-only, waits in the lobby room (the page's moderator
// sees it knock) and, admitted, joins the conference. A lib-jitsi-meet
// moderator sees a page participant knock in the lobby room and denies it
// (its connection closes, denied), turns the lobby off and locks the room
// with a password, both seen on the page. Ending the meeting from the page
// destroys the room for lib-jitsi-meet.
func TestLJMLobby(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	web, _ := sigJoin(t, s, f, "standup", "Wendy", true)
	sigSend(t, web, map[string]any{"type": "moderate", "action": "lobby", "enabled": true})
	sigExpect(t, web, "roomUpdated", func(m meetclient.Message) bool { return sigDecodeRoom(t, m).Lobby })

	b := newBrowser(t)
	pageURL := ljmPage(t, s.URL, f.ID)
	jay := b.open("Jay", pageURL)
	eval[any](t, jay, `connect('standup', '`+f.token(t, "standup", "Jay", false)+`')`)
	poll[bool](t, jay, "CONNECTION_ESTABLISHED", `ljm.established`, 20*time.Second)
	eval[any](t, jay, `joinConference('standup', 'Jay')`)
	if got := poll[string](t, jay, "CONFERENCE_FAILED", `ljm.conferenceFailed`, 20*time.Second); got != "conference.connectionError.membersOnly" {
		t.Fatalf("joining with the lobby on: %s, want conference.connectionError.membersOnly", got)
	}
	eval[any](t, jay, `conf.joinLobby('Jay', 'jay@example.com')`)
	knock := sigExpect(t, web, "knocking", nil)
	jayID := sigDecodeParticipant(t, knock).ID
	if sigDecodeParticipant(t, knock).Name != "Jay" {
		t.Errorf("knocking %s, want Jay", knock.Raw)
	}
	sigSend(t, web, map[string]any{"type": "moderate", "action": "admit", "target": jayID})
	poll[bool](t, jay, "CONFERENCE_JOINED after being let in", `ljm.joined`, 20*time.Second)
	if got := eval[string](t, jay, `conf.myUserId()`); got != jayID {
		t.Errorf("admitted as %s, knocked as %s", got, jayID)
	}
	sigExpect(t, web, "participantJoined", func(m meetclient.Message) bool { return sigDecodeParticipant(t, m).ID == jayID })

	// A lib-jitsi-meet moderator watches the lobby.
	kim := b.open("Kim", pageURL)
	eval[any](t, kim, `connect('standup', '`+f.token(t, "standup", "Kim", true)+`')`)
	poll[bool](t, kim, "CONNECTION_ESTABLISHED", `ljm.established`, 20*time.Second)
	eval[any](t, kim, `joinConference('standup', 'Kim')`)
	poll[bool](t, kim, "CONFERENCE_JOINED", `ljm.joined`, 20*time.Second)
	poll[bool](t, kim, "members-only (the lobby) known", `conf.isLobbySupported() && ljm.membersOnly`, 20*time.Second)
	dora := sigDial(t, s, f.ID+"/standup", f.token(t, "standup", "Dora", false))
	if _, err := dora.Join(ctx, meetclient.JoinOptions{DisplayName: "Dora"}); !errors.Is(err, meetclient.ErrInLobby) {
		t.Fatalf("Join with the lobby on: %v, want ErrInLobby", err)
	}
	doraID := poll[string](t, kim, "Dora knocking", `Object.keys(ljm.lobby).find(id => ljm.lobby[id] === 'Dora') || ''`, 20*time.Second)
	eval[any](t, kim, `conf.lobbyDenyAccess('`+doraID+`')`)
	code, reason, err := dora.Closed(ctx)
	if err != nil || code != closeForbidden || !strings.HasPrefix(reason, "denied") {
		t.Errorf("denied waiter's connection closed with %d %q (%v), want %d denied…", code, reason, err, closeForbidden)
	}
	poll[bool](t, kim, "Dora gone from the lobby", `!('`+doraID+`' in ljm.lobby)`, 10*time.Second)

	eval[any](t, kim, `conf.disableLobby()`)
	sigExpect(t, web, "roomUpdated", func(m meetclient.Message) bool { return !sigDecodeRoom(t, m).Lobby })
	eval[any](t, kim, `conf.lock('s3cret')`)
	sigExpect(t, web, "roomUpdated", func(m meetclient.Message) bool { return sigDecodeRoom(t, m).HasPassword })
	if _, err := sigDial(t, s, f.ID+"/standup", f.token(t, "standup", "Eve", false)).Join(ctx, meetclient.JoinOptions{}); err == nil {
		t.Error("joined a locked room without its password")
	}

	// The page's moderator ends the meeting: for lib-jitsi-meet the room is
	// destroyed, as when Jicofo ends it.
	sigSend(t, web, map[string]any{"type": "moderate", "action": "end"})
	if got := poll[string](t, kim, "CONFERENCE_FAILED", `ljm.conferenceFailed`, 20*time.Second); got != "conference.destroyed" {
		t.Errorf("meeting ended: %s, want conference.destroyed", got)
	}
}
