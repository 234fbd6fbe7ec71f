package cascade

import "errors"

var (
	// ErrUnauthorized means a control channel request did not carry valid
	// cluster credentials.
	ErrUnauthorized = errors.New("cascade: not a node of this cluster")
	// ErrClosed means the control channel to the other node is closed.
	ErrClosed = errors.New("cascade: control channel closed")
	// ErrRemote means the other node refused a call; the message says why.
	ErrRemote = errors.New("cascade: the other node refused")
	// ErrBadRequest means a control channel request lacks what it needs.
	ErrBadRequest = errors.New("cascade: bad request")
	// ErrNotKept means the edge keeps no media of the participant to take
	// back (JoinRequest.Keep): it was not there, or its window ended.
	ErrNotKept = errors.New("cascade: no media kept for the participant")
)
