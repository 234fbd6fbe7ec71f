package xmpp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/confer-video/confer/internal/sfu"
)

// handle answers the client's Jingle IQ to the focus.
func (j *jingleSession) handle(ctx context.Context, q *Element) error {
	if q.Get("sid") != j.sid {
		return fmt.Errorf("%w: no Jingle session %q", errUnknownSession, q.Get("sid"))
	}
	switch q.Get("action") {
	case "session-accept", "transport-accept":
		return j.accept(q)
	case "transport-info":
		return j.addCandidates(q)
	case "source-add", "source-remove":
		return j.changeSources(q, q.Get("action") == "source-add")
	case "session-terminate":
		if bs := q.Child(nsFocus, "bridge-session"); bs != nil && bs.Get("restart") == "true" {
			go j.s.restartMedia(j, false)
		} else {
			go j.s.endMedia()
		}
		return nil
	case "session-info":
		if st := q.Child(nsFocus, "ice-state"); st != nil && strings.TrimSpace(st.Text) == "failed" {
			go j.s.restartMedia(j, true)
		}
		return nil
	case "transport-reject":
		return nil
	}
	return fmt.Errorf("%w: %q", errUnsupportedAction, q.Get("action"))
}

// accept takes the client's transport and sources and answers the
// pending offer for it.
func (j *jingleSession) accept(q *Element) error {
	var t transport
	ok := false
	for _, c := range q.Children {
		if c.Is(nsJingle, "content") {
			if t, ok = parseTransport(c); ok {
				break
			}
		}
	}
	if !ok {
		return fmt.Errorf("%w: session-accept without an ICE transport and DTLS fingerprint", errBadJingle)
	}
	j.mu.Lock()
	if j.remote != nil {
		j.mu.Unlock()
		return fmt.Errorf("%w: the session was accepted already", errOutOfOrder)
	}
	if j.pending == "" || j.ended {
		j.mu.Unlock()
		return fmt.Errorf("%w: no offer to accept", errOutOfOrder)
	}
	if err := j.sources.apply(q, true); err != nil {
		j.mu.Unlock()
		return fmt.Errorf("%w: %w", errBadJingle, err)
	}
	j.remote = &t
	offer, peer, streams := j.pending, j.peer, j.sources.streams(j.desktop)
	j.pending = ""
	j.mu.Unlock()
	if err := peer.SetIncoming(streams); err != nil {
		return err
	}
	j.answer(offer, t, peer)
	return j.addCandidates(q)
}

// setDesktopSources notes which of the client's video sources are screen
// shares (its presence's SourceInfo), for the sources it adds next.
func (j *jingleSession) setDesktopSources(names map[string]bool) {
	j.mu.Lock()
	j.desktop = names
	j.mu.Unlock()
}

// addCandidates adds the client's candidates of a transport-info (or
// session-accept).
func (j *jingleSession) addCandidates(q *Element) error {
	j.mu.Lock()
	peer := j.peer
	j.mu.Unlock()
	for _, c := range q.Children {
		tr := c.Child(nsICEUDP, "transport")
		if !c.Is(nsJingle, "content") || tr == nil {
			continue
		}
		for _, ce := range tr.Children {
			if ce.Name.Local != "candidate" {
				continue
			}
			cand, err := parseCandidate(ce)
			if err == nil {
				err = peer.AddCandidate(sfu.PCSubscriber, cand)
			}
			if err != nil {
				return fmt.Errorf("%w: %w", errBadJingle, err)
			}
		}
	}
	return nil
}

// changeSources applies the client's source-add or source-remove.
func (j *jingleSession) changeSources(q *Element, add bool) error {
	j.mu.Lock()
	if j.remote == nil {
		j.mu.Unlock()
		return fmt.Errorf("%w: sources change before session-accept", errOutOfOrder)
	}
	if err := j.sources.apply(q, add); err != nil {
		j.mu.Unlock()
		return fmt.Errorf("%w: %w", errBadJingle, err)
	}
	peer, streams := j.peer, j.sources.streams(j.desktop)
	j.mu.Unlock()
	return peer.SetIncoming(streams)
}

// jingle answers a Jingle IQ to the focus (XEP-0166 §7.2 errors).
func (s *session) jingle(ctx context.Context, e, q *Element) *Element {
	self := s.jid.Load().String()
	j := s.media.Load()
	if j == nil {
		return jingleError(e, "cancel", "item-not-found", "unknown-session", "no media session: join the room first", self)
	}
	err := j.handle(ctx, q)
	switch {
	case err == nil:
		return iq("result", e.Get("id"), e.Get("to"), self)
	case errors.Is(err, errUnknownSession):
		return jingleError(e, "cancel", "item-not-found", "unknown-session", err.Error(), self)
	case errors.Is(err, errOutOfOrder):
		return jingleError(e, "wait", "unexpected-request", "out-of-order", err.Error(), self)
	case errors.Is(err, errUnsupportedAction):
		return jingleError(e, "cancel", "feature-not-implemented", "", err.Error(), self)
	case errors.Is(err, sfu.ErrTooManyTracks):
		return jingleError(e, "modify", "policy-violation", "", err.Error(), self)
	}
	return jingleError(e, "modify", "bad-request", "", err.Error(), self)
}

// jingleError is an IQ error with Jingle's own condition, if any, and a
// text saying why.
func jingleError(req *Element, typ, cond, jingleCond, text, self string) *Element {
	x := el("error", "type", typ).add(el(cond, "xmlns", nsStanzas))
	if jingleCond != "" {
		x.add(el(jingleCond, "xmlns", "urn:xmpp:jingle:errors:1"))
	}
	x.add(el("text", "xmlns", nsStanzas).text(text))
	return iq("error", req.Get("id"), req.Get("to"), self).add(x)
}
