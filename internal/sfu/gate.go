package sfu

// SetSourceBlocked stops (or resumes) forwarding every track of a source
// this peer publishes, now and later: what audio/video moderation forbids
// the participant to send is dropped here, whatever its client does.
// Unlike SetSourceMuted, which follows the client's own mute, the block
// holds for tracks published after it.
func (p *Peer) SetSourceBlocked(source Source, blocked bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.blocked == nil {
		p.blocked = map[Source]bool{}
	}
	p.blocked[source] = blocked
	for _, t := range p.published {
		if t.source == source {
			t.blocked.Store(blocked)
		}
	}
}

// stopped reports whether the track's packets are dropped rather than
// forwarded: muted by a moderator or by its client, or blocked.
func (t *publishedTrack) stopped() bool { return t.muted.Load() || t.blocked.Load() }
