package test

import (
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// TestMeetingPollsReactionsStats: on the meeting page a moderator creates a
// poll in the polls panel; a participant whose token has create-polls false
// has no create button but answers, and changes the answer; both see the
// results live; the moderator closes it; a late joiner sees the closed poll;
// the integrator gets POLL_CREATED and POLL_ANSWER. A reaction floats on
// the other page; the speaker-stats dialog lists all three, most time
// first. axe-core finds no serious or critical violation in the panel, the
// reactions menu or the dialog.
func TestMeetingPollsReactionsStats(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	f := newTenant(t, s)
	rcv := newReceiver(t)
	createEndpoint(t, s, f.ID, rcv.URL, []string{"POLL_CREATED", "POLL_ANSWER", "REACTIONS"})
	room := f.ID + "/polls"
	b := newBrowser(t)
	ada := b.open("Ada", meetingURL(s.URL, room, f.token(t, "polls", "Ada", true), fastMeeting()))
	noPolls := func(g *token.Grant) { g.Features = map[string]bool{"create-polls": false} }
	bob := b.open("Bob", meetingURL(s.URL, room, f.token(t, "polls", "Bob", false, noPolls), fastMeeting()))
	poll[bool](t, ada, "Ada joined", `window.confer.state.joined && window.confer.state.participants.size === 2`, 30*time.Second)
	poll[bool](t, bob, "Bob joined", `window.confer.state.joined && window.confer.state.participants.size === 2`, 30*time.Second)

	// Ada creates a poll from the panel.
	ada.click(t, "#tb-polls")
	poll[bool](t, ada, "polls panel open", `!document.getElementById('polls').hidden && !document.getElementById('poll-new').hidden`, 10*time.Second)
	ada.click(t, "#poll-new")
	ada.click(t, "#poll-add")
	eval[bool](t, ada, `(() => {
		document.getElementById('poll-question').value = 'Lunch?';
		const inputs = document.querySelectorAll('#poll-form .poll-option input');
		['Pizza', 'Soup', 'Salad'].forEach((v, i) => { inputs[i].value = v; });
		return inputs.length === 3;
	})()`)
	ada.click(t, "#poll-send")

	// Bob, who may not create polls, answers, then changes his answer.
	bob.click(t, "#tb-polls")
	if !eval[bool](t, bob, `document.getElementById('poll-new').hidden`) {
		t.Errorf("Bob's token has create-polls false, yet his page offers to create a poll")
	}
	poll[bool](t, bob, "Bob sees the poll", `document.querySelectorAll('#poll-list .poll .poll-vote input').length === 3`, 10*time.Second)
	answer := func(option int) {
		t.Helper()
		eval[bool](t, bob, `(() => { const boxes = document.querySelectorAll('#poll-list .poll-vote input'); boxes.forEach(b => { if (b.checked) b.click(); }); boxes[`+itoa(option)+`].click(); return true; })()`)
		bob.click(t, "#poll-list .poll-vote button[type=submit]")
	}
	answer(0)
	poll[bool](t, bob, "Bob sees the results", `!!document.querySelector('#poll-list .poll-results li.mine')`, 10*time.Second)
	bob.click(t, "#poll-list .poll-change")
	answer(2)
	const counts = `[...document.querySelectorAll('#poll-list .poll-results .count')].map(c => c.textContent).join('|')`
	poll[bool](t, ada, "Ada sees Bob's changed answer live", counts+` === '0 votes (0%)|0 votes (0%)|1 vote (100%)'`, 10*time.Second)
	axe := axeSource(t)
	reportAxe(t, "polls panel with a vote form and results", runAxe(t, ada, axe))

	// Ada closes it; Bob sees it closed, and so does Cy, who joins later.
	ada.click(t, "#poll-list .poll-close")
	poll[bool](t, bob, "Bob sees the poll closed", `!!document.querySelector('#poll-list .poll.closed') && !document.querySelector('#poll-list .poll-vote')`, 10*time.Second)
	late := fastMeeting()
	late["config.startWithVideoMuted"], late["config.startWithAudioMuted"] = "true", "true"
	cy := b.open("Cy", meetingURL(s.URL, room, f.token(t, "polls", "Cy", false), late))
	poll[bool](t, cy, "Cy joined", `window.confer.state.joined && window.confer.state.participants.size === 3`, 30*time.Second)
	cy.click(t, "#tb-polls")
	poll[bool](t, cy, "the closed poll for a late joiner", `!!document.querySelector('#poll-list .poll.closed .poll-results')`, 10*time.Second)

	eventually(t, 20*time.Second, "POLL_CREATED and two POLL_ANSWER", func() bool {
		return rcv.count("POLL_CREATED") == 1 && rcv.count("POLL_ANSWER") == 2
	})

	// Reactions: Bob claps, Ada's page shows the burst.
	bob.click(t, "#tb-react")
	reportAxe(t, "reactions menu open", runAxe(t, bob, axe))
	bob.click(t, `#react-menu button[data-reaction="clap"]`)
	poll[bool](t, ada, "Bob's clap floats on Ada's page", `!!document.querySelector('#reactions .burst[data-reaction="clap"]')`, 10*time.Second)
	eventually(t, 20*time.Second, "REACTIONS", func() bool { return rcv.count("REACTIONS") == 1 })

	// Speaker stats: both listed, most time first.
	ada.click(t, "#tb-more")
	ada.click(t, "#om-stats")
	ms := poll[[]float64](t, ada, "speaker stats rows", `(() => {
		const rows = [...document.querySelectorAll('#stats-rows tr')];
		if (rows.length !== 3) return null;
		return rows.map(r => r.querySelector('.time').textContent.split(':').reduce((a, x) => a * 60 + Number(x), 0));
	})()`, 10*time.Second)
	if ms[0] < ms[1] || ms[1] < ms[2] {
		t.Errorf("speaker stats not sorted, most first: %v", ms)
	}
	reportAxe(t, "speaker stats dialog", runAxe(t, ada, axe))
	ada.click(t, "#stats-close")
	poll[bool](t, ada, "stats dialog closed", `document.getElementById('stats-dialog').hidden`, 10*time.Second)
}

func itoa(i int) string { return string(rune('0' + i)) }
