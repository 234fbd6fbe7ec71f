package sfu

import "errors"

var (
	// ErrClosed means the peer or room is closed.
	ErrClosed = errors.New("sfu: closed")
	// ErrTooManyTracks means a publisher announced more tracks (or offered
	// more media sections) than a participant may publish.
	ErrTooManyTracks = errors.New("too many tracks")
	// ErrInvalidTrack means an announced track is not acceptable (unknown
	// source, or a mid that is empty or too long).
	ErrInvalidTrack = errors.New("invalid track")
	// ErrProbesBusy means MaxProbes media probes are running already.
	ErrProbesBusy = errors.New("sfu: too many media probes at once")
	// ErrProbeOffer means a probe's offer is not one it answers.
	ErrProbeOffer = errors.New("sfu: probe offer refused")
)
