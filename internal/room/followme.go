package room

import (
	"context"
	"fmt"
)

// Follow-me, as Jitsi Meet's "Everyone follows me": a moderator turns it
// on and from then on everyone else in the main room sees the meeting laid
// out as that moderator does — tile or speaker view, who is on the stage,
// whether the filmstrip shows. The room keeps the leader and its layout, so
// a late joiner follows at once; it ends when a moderator turns it off, or
// when the leader leaves the meeting or the main room. Follow-me is the main
// room's: a moderator in a breakout room cannot turn it on, and someone
// moving to a breakout room stops following.

// Layout is what follow-me makes everyone else see.
type Layout struct {
	// TileView is tile view; false is speaker view.
	TileView bool `json:"tileView"`
	// Pinned is who is on the stage in speaker view; "" the speaker.
	Pinned string `json:"pinned,omitempty"`
	// FilmstripHidden hides speaker view's filmstrip.
	FilmstripHidden bool `json:"filmstripHidden,omitempty"`
}

// FollowMe tells the main room follow-me's state: Leader is the moderator
// everyone follows ("" when follow-me is off) and Layout what they see; By
// is who changed it.
type FollowMe struct {
	Leader string `json:"leader,omitempty"`
	Layout Layout `json:"layout"`
	By     string `json:"by,omitempty"`
}

// Kind is the signaling message type.
func (FollowMe) Kind() string { return "followMe" }

// MaxPinnedID bounds Layout.Pinned, in bytes.
const MaxPinnedID = 64

// SetFollowMe turns follow-me on (enabled) with the moderator's layout, or
// updates that layout, or turns it off. A moderator turning it on while
// another leads takes over. Only moderators in the main room may.
func (ms *Membership) SetFollowMe(ctx context.Context, enabled bool, l Layout) error {
	if len(l.Pinned) > MaxPinnedID {
		return fmt.Errorf("%w: a pinned participant id has at most %d bytes", ErrInvalid, MaxPinnedID)
	}
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		if self.p.Breakout != "" {
			return nil, fmt.Errorf("%w: follow-me is the main room's; you are in a breakout room", ErrInvalid)
		}
		if !enabled {
			if r.follow.Leader != "" {
				r.setFollow(FollowMe{By: self.p.ID})
			}
			return nil, nil
		}
		if l.Pinned != "" {
			if mb, ok := r.members[l.Pinned]; !ok || mb.p.Breakout != "" {
				return nil, fmt.Errorf("%w: the pinned participant %q is not in the main room", ErrNoParticipant, cut(l.Pinned, 20))
			}
		}
		next := FollowMe{Leader: self.p.ID, Layout: l, By: self.p.ID}
		if next != r.follow {
			r.setFollow(next)
		}
		return nil, nil
	})
}

// FollowMe returns follow-me's state as the participant sees it: off
// unless it is on and the participant is in the main room.
func (ms *Membership) FollowMe() FollowMe {
	r := ms.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if mb, ok := r.members[ms.id]; !ok || mb.p.Breakout != "" {
		return FollowMe{}
	}
	return r.follow
}

// setFollow makes f follow-me's state and tells the main room. Called
// with r.mu held.
func (r *Room) setFollow(f FollowMe) {
	r.follow = f
	for _, mb := range r.members {
		if mb.p.Breakout == "" {
			mb.conn.Notify(f)
		}
	}
}

// followLeft ends follow-me when its leader (id) leaves the meeting.
// Called with r.mu held.
func (r *Room) followLeft(id string) {
	if r.follow.Leader != "" && r.follow.Leader == id {
		r.setFollow(FollowMe{By: id})
	}
}

// followMoved keeps follow-me right after mb moved rooms: a leader leaving
// the main room ends it, someone entering the main room follows, someone
// leaving it stops. Called with r.mu held, mb.p.Breakout already the new room.
func (r *Room) followMoved(mb *member) {
	switch {
	case r.follow.Leader == "":
	case mb.p.ID == r.follow.Leader:
		r.setFollow(FollowMe{By: mb.p.ID})
		mb.conn.Notify(r.follow)
	case mb.p.Breakout == "":
		mb.conn.Notify(r.follow)
	default:
		mb.conn.Notify(FollowMe{By: mb.p.ID})
	}
}
