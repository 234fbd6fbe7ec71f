package xmpp

import (
	"encoding/xml"
	"strings"

	"github.com/confer-video/confer/internal/room"
)

// Limits of the presence extensions a client's presence carries to the
// other Jitsi clients of its room.
const (
	maxExtras      = 32
	maxExtrasBytes = 8 << 10
)

// ours are the presence children Confer writes itself from the room's
// state and the token (occupantPresence); a client's own are not relayed,
// so it cannot claim another identity or override the room's state.
var ours = map[string]bool{"x": true, "nick": true, "identity": true, "email": true, "audiomuted": true,
	"videomuted": true, "jitsi_participant_raisedHand": true, "status": true, "priority": true, "show": true}

// extras are the children of a client's presence that Jitsi clients read
// from each other — stats-id, features, SourceInfo with its source names,
// jitsi_participant_* properties such as codecType — rebuilt for
// sending (never modified afterwards: sessions share them); key is their
// serialisation, to notice changes. None when there are too many.
type extras struct {
	elems []*Element
	key   string
}

func extrasOf(e *Element) extras {
	var x extras
	var b strings.Builder
	for _, c := range e.Children {
		if ours[c.Name.Local] || (c.Name.Space != nsClient && !strings.HasPrefix(c.Name.Space, "http://jitsi.org/")) {
			continue
		}
		r := rebuild(c, nsClient)
		b.WriteString(r.String())
		if x.elems = append(x.elems, r); len(x.elems) > maxExtras || b.Len() > maxExtrasBytes {
			return extras{}
		}
	}
	x.key = b.String()
	return x
}

// rebuild turns a parsed element into one that String serialises: local
// names, an xmlns attribute where the namespace changes, namespaced
// attributes dropped.
func rebuild(e *Element, parentNS string) *Element {
	r := &Element{Name: xml.Name{Local: e.Name.Local}, Text: e.Text}
	if e.Name.Space != parentNS {
		r.Attrs = append(r.Attrs, xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: e.Name.Space})
	}
	for _, a := range e.Attrs {
		if a.Name.Space == "" && a.Name.Local != "xmlns" {
			r.Attrs = append(r.Attrs, a)
		}
	}
	for _, c := range e.Children {
		r.Children = append(r.Children, rebuild(c, e.Name.Space))
	}
	return r
}

// roomPeers are the Jitsi clients of one room on this server, with their
// presence extensions, by participant id.
type roomPeers map[string]*peerEntry

type peerEntry struct {
	sess   *session
	extras extras
}

// register adds the client's participant to its room's peers; false
// when another client has its id.
func (s *Server) register(key room.Key, id string, sess *session, x extras) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.peers[key] == nil {
		s.peers[key] = roomPeers{}
	}
	if e := s.peers[key][id]; e != nil && e.sess != sess {
		return false
	}
	s.peers[key][id] = &peerEntry{sess: sess, extras: x}
	return true
}

// unregister removes it.
func (s *Server) unregister(key room.Key, id string, sess *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.peers[key][id]; e != nil && e.sess == sess {
		delete(s.peers[key], id)
		if len(s.peers[key]) == 0 {
			delete(s.peers, key)
		}
	}
}

// setExtras records new extensions; it returns the other Jitsi clients of
// the room when they changed (they must hear of it), else nil.
func (s *Server) setExtras(key room.Key, id string, sess *session, x extras) []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.peers[key][id]
	if e == nil || e.sess != sess || e.extras.key == x.key {
		return nil
	}
	e.extras = x
	var others []*session
	for pid, o := range s.peers[key] {
		if pid != id {
			others = append(others, o.sess)
		}
	}
	return others
}

// extrasFor returns a participant's presence extensions (none for web
// participants).
func (s *Server) extrasFor(key room.Key, id string) []*Element {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.peers[key][id]; e != nil {
		return e.extras.elems
	}
	return nil
}
