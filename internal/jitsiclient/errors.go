package jitsiclient

import (
	"errors"
	"fmt"
)

// Errors of the client.
var (
	// ErrClosed is returned once the client is closed or its stream ended.
	ErrClosed = errors.New("jitsiclient: the connection is closed")
	// ErrProtocol is the server breaking the login or join sequence.
	ErrProtocol = errors.New("jitsiclient: unexpected answer from the server")
	// ErrNoSession is returned before the focus started a Jingle session.
	ErrNoSession = errors.New("jitsiclient: no Jingle session yet")
)

// RefusedError is a SASL failure: the server refused the token, its
// reason code in Condition and Text (as Prosody's token module says it).
type RefusedError struct {
	Condition, Text string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("jitsiclient: login refused: %s: %s", e.Condition, e.Text)
}

// StanzaError is an IQ or presence answered with type="error": its error
// type, the defined condition, Jingle's own condition (XEP-0166 §10), if
// any, and the server's text.
type StanzaError struct {
	Type, Condition, JingleCondition, Text string
	Raw                                    string
}

func (e *StanzaError) Error() string {
	s := "jitsiclient: " + e.Type + "/" + e.Condition
	if e.JingleCondition != "" {
		s += "/" + e.JingleCondition
	}
	return s + ": " + e.Text
}

// stanzaError reads the <error/> of a stanza.
func stanzaError(n node, raw string) *StanzaError {
	e := &StanzaError{Raw: raw}
	x := n.child("", "error")
	if x == nil {
		return e
	}
	e.Type = x.attr("type")
	for _, c := range x.Children {
		switch {
		case c.XMLName.Local == "text":
			e.Text = c.Text
		case c.XMLName.Space == nsJingleErrors:
			e.JingleCondition = c.XMLName.Local
		case c.XMLName.Space == nsStanzas:
			e.Condition = c.XMLName.Local
		}
	}
	return e
}

// RedirectedError is a conference request answered with a visitors' node
// (jicofo's vnode): the client is to log in there and watch.
type RedirectedError struct {
	Vnode, FocusJID string
}

func (e *RedirectedError) Error() string {
	return fmt.Sprintf("jitsiclient: sent to the visitors' node %q (focus %s)", e.Vnode, e.FocusJID)
}
