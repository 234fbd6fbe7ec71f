package xmpp

import (
	"context"
	"errors"
	"fmt"

	"github.com/confer-video/confer/internal/admission"
	"github.com/confer-video/confer/internal/runes"
)

// auth runs SASL ANONYMOUS (RFC 6120 §6, XEP-0175) with the token from
// the URL, as Prosody's mod_auth_token does; the admission decision is the
// meeting page's.
func (s *session) auth(ctx context.Context, e *Element) bool {
	if !e.Is(nsSASL, "auth") {
		s.fail("not-authorized", "authenticate first: SASL ANONYMOUS, with the token in the URL's ?token=")
		return true
	}
	if m := e.Get("mechanism"); m != "ANONYMOUS" {
		s.send(saslFailure("invalid-mechanism", fmt.Sprintf("%q is not offered: use ANONYMOUS, with the token in the URL's ?token=", runes.Cut(m, 40))))
		return false
	}
	g, err := s.admit(ctx, "")
	if err != nil {
		r := s.refused(ctx, err)
		s.send(saslFailure("not-allowed", r.Error()))
		s.state = stateRefused
		return false
	}
	s.grant = g
	s.send(saslSuccess())
	s.state = stateRestart
	return false
}

// refused counts and logs a refused admission.
func (s *session) refused(ctx context.Context, err error) *admission.Refusal {
	r := refusal(err)
	s.srv.metrics.refused.WithLabelValues(r.Reason).Inc()
	s.log.InfoContext(ctx, "xmpp admission refused", "reason", r.Reason, "message", r.Message)
	if r.Err != nil {
		s.log.ErrorContext(ctx, "xmpp admission", "reason", r.Reason, "err", r.Err)
	}
	return r
}

// admit asks the admission decision for the room of the URL, for the
// client's device (MAU; "" before the client has said which).
func (s *session) admit(ctx context.Context, deviceID string) (admission.Grant, error) {
	if s.ep.Room == "" {
		return admission.Grant{}, &admission.Refusal{Kind: admission.KindInvalid, Reason: "roomInvalid",
			Message: "the WebSocket URL names no room: add ?room=<room> (jitsi-meet adds it to config.js's websocket)"}
	}
	name := s.ep.Room
	if s.ep.Tenant != "" {
		name = s.ep.Tenant + "/" + name
	}
	g, err := s.srv.cfg.Admission.Admit(ctx, admission.Request{Room: name, JWT: s.ep.Token, DeviceID: deviceID, UserAgent: s.ep.UserAgent})
	if err == nil && g.Redirect != "" {
		return admission.Grant{}, &admission.Refusal{Kind: admission.KindUnavailable, Reason: "unavailable",
			Message: "this meeting runs on another node of the cluster, which Jitsi clients cannot follow yet"}
	}
	return g, err
}

// refusal is err as a *admission.Refusal; other errors are internal.
func refusal(err error) *admission.Refusal {
	var r *admission.Refusal
	if errors.As(err, &r) {
		return r
	}
	return &admission.Refusal{Kind: admission.KindInternal, Reason: "internal", Message: "the server could not admit you; try again", Err: err}
}

// bind binds the client's resource (RFC 6120 §7); the local part is new
// for every stream, as for Prosody's anonymous logins.
func (s *session) bind(e *Element) bool {
	b := e.Child(nsBind, "bind")
	if !e.Is(nsClient, "iq") || e.Get("type") != "set" || b == nil {
		s.fail("not-authorized", "bind a resource first (RFC 6120 §7)")
		return true
	}
	var requested string
	if r := b.Child(nsBind, "resource"); r != nil {
		requested = r.Text
	}
	local := randomID(8)
	if s.ep.Username != "" && s.srv.takePromotion(s.ep.Username, s.grant.Key) {
		local = s.ep.Username // a visitor let in: its nick stays (visitors.go)
		s.promotedVisitor = true
	}
	j := &jid{Local: local, Domain: s.ep.Domain, Resource: resourceOf(requested)}
	s.jid.Store(j)
	s.bound.Store(true)
	s.state = stateReady
	s.log = s.log.With("jid", j.String())
	s.send(iq("result", e.Get("id"), "", j.String()).add(el("bind", "xmlns", nsBind).add(el("jid").text(j.String()))))
	return false
}
