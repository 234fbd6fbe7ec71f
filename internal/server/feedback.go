package server

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/usage"
	"github.com/confer-video/confer/internal/webhook"
)

// feedback takes the meeting page's rating after a meeting (JaaS FEEDBACK):
// the participant's token must admit them to the room, the meeting must be
// one of that room's, and a token rates a meeting once, so that a rating
// is one webhook delivery, not as many as someone cares to post.
func (s *Server) feedback(w http.ResponseWriter, r *http.Request) {
	var req struct {
		JWT       string `json:"jwt"`
		Room      string `json:"room"`
		MeetingID string `json:"meetingId"`
		Rating    int    `json:"rating"`
		Comments  string `json:"comments"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&req); err != nil {
		http.Error(w, "body must be JSON {jwt, room, meetingId, rating, comments}", http.StatusBadRequest)
		return
	}
	claims, err := s.tokens.Verify(r.Context(), req.JWT, req.Room)
	if err != nil {
		http.Error(w, "token refused: "+err.Error(), http.StatusForbidden)
		return
	}
	tenantID, name, ok := strings.Cut(req.Room, "/")
	if !ok {
		tenantID, name = "", req.Room
	}
	key := room.NewKey(tenantID, name)
	if key.Tenant != "" {
		m, err := s.usage.Meeting(r.Context(), tenant.ID(key.Tenant), req.MeetingID)
		if errors.Is(err, usage.ErrNotFound) || (err == nil && !strings.EqualFold(m.Room, key.Name)) {
			http.Error(w, fmt.Sprintf("room %s has no meeting %q", req.Room, req.MeetingID), http.StatusNotFound)
			return
		}
		if err != nil {
			s.deps.Logger.ErrorContext(r.Context(), "feedback: meeting", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	once := sha256.Sum256([]byte(req.MeetingID + "\x00" + req.JWT))
	if !s.rated.add(once) {
		http.Error(w, "feedback on this meeting was sent already", http.StatusConflict)
		return
	}
	err = s.webhooks.Feedback(r.Context(), key, req.MeetingID, claims.User.ID, req.Rating, req.Comments)
	if err != nil {
		s.rated.remove(once)
	}
	if errors.Is(err, webhook.ErrInvalid) {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err != nil {
		s.deps.Logger.ErrorContext(r.Context(), "feedback", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// seenSet remembers digests, forgetting all of them when it grows past max
// (memory stays bounded; a forgotten rating can be sent once more).
type seenSet struct {
	max int
	mu  sync.Mutex
	m   map[[32]byte]struct{}
}

// add reports whether k is new, remembering it.
func (s *seenSet) add(k [32]byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil || len(s.m) >= s.max {
		s.m = map[[32]byte]struct{}{}
	}
	if _, ok := s.m[k]; ok {
		return false
	}
	s.m[k] = struct{}{}
	return true
}

func (s *seenSet) remove(k [32]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
}
