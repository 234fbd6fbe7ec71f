package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
)

// LinkTTL is how long a pre-authenticated link stays valid (JaaS: 24 h).
const LinkTTL = 24 * time.Hour

// ErrLinkExpired means a pre-authenticated link is expired or forged.
var ErrLinkExpired = errors.New("link expired or invalid")

// chatLogLink stores the meeting's public chat and returns its expiring,
// signed link; the row is written in tx with the deliveries announcing it.
func (s *Service) chatLogLink(ctx context.Context, tx *store.Tx, e room.Event) (string, error) {
	content, err := json.Marshal(e.ChatLog)
	if err != nil {
		return "", err
	}
	id := newID("chat_")
	if err := tx.CreateChatLog(ctx, store.ChatLog{ID: id, TenantID: e.Room.Key.Tenant, MeetingID: e.Room.MeetingID,
		FQN: e.Room.Key.String(), Content: string(content), CreatedAt: s.cfg.Now().UTC()}); err != nil {
		return "", err
	}
	exp := s.cfg.Now().Add(LinkTTL).Unix()
	return fmt.Sprintf("%s/_confer/chatlogs/%s?expires=%d&sig=%s", s.cfg.PublicURL(), id, exp, s.linkSig(id, exp)), nil
}

func (s *Service) linkSig(id string, exp int64) string {
	mac := hmac.New(sha256.New, s.cfg.LinkSecret)
	fmt.Fprintf(mac, "%s.%d", id, exp)
	return hex.EncodeToString(mac.Sum(nil))
}

// ChatLog returns the chat log a pre-authenticated link names.
func (s *Service) ChatLog(ctx context.Context, id, expires, sig string) ([]byte, error) {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || s.cfg.Now().Unix() > exp || !hmac.Equal([]byte(sig), []byte(s.linkSig(id, exp))) {
		return nil, ErrLinkExpired
	}
	c, err := s.cfg.Store.ChatLog(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrLinkExpired
	}
	if err != nil {
		return nil, err
	}
	return []byte(c.Content), nil
}

// speakerStats is SPEAKER_STATS's data: participant JID → time and identity.
func (s *Service) speakerStats(e room.Event) map[string]any {
	out := map[string]any{}
	for _, st := range e.SpeakerStats {
		p := st.Participant
		out[s.jid(p.ID)] = map[string]any{"time": st.Time.Milliseconds(), "id": p.UserID, "name": p.Name, "email": p.Email, "avatar": p.Avatar}
	}
	return out
}

// Feedback enqueues a FEEDBACK event for a meeting (rating 1–5, -1 none).
func (s *Service) Feedback(ctx context.Context, key room.Key, meetingID, userID string, rating int, comments string) error {
	if rating != -1 && (rating < 1 || rating > 5) {
		return public.Errorf(ErrInvalid, "rating must be 1 to 5 (or -1 for none)")
	}
	if len(comments) > 4096 {
		return public.Errorf(ErrInvalid, "comments have at most 4096 bytes")
	}
	if key.Tenant == "" {
		return nil
	}
	env := Envelope{IdempotencyKey: uuid.NewString(), CustomerID: customerID(key.Tenant), AppID: key.Tenant, EventType: "FEEDBACK",
		SessionID: meetingID, Timestamp: s.cfg.Now().UnixMilli(), FQN: key.String(),
		Data: map[string]any{"rating": rating, "comments": comments, "userId": userID}}
	return s.enqueue(ctx, key.Tenant, []Envelope{env}, nil)
}
