package signal

import "errors"

var (
	// ErrNodesFull means no node may carry one more participant's media
	// (cascading: each has its participant limit); Edges.Place wraps it.
	ErrNodesFull = errors.New("every node of the cluster is full (the participants' media or the CPU its node.max_participants or node.max_cpu_percent allows); try again later")
	// errBadRequest means a client message is malformed or not acceptable.
	errBadRequest = errors.New("bad request")
	// errChatFlood means a participant sends chat faster than
	// Config.ChatPerSecond.
	errChatFlood = errors.New("too many chat messages")
	// errRecordingOff means this server does not record meetings.
	errRecordingOff = errors.New("recording unavailable")
	// errPollFlood means a participant sends poll messages faster than
	// Config.PollsPerSecond.
	errPollFlood = errors.New("too many poll messages")
	// errReactionFlood means a participant reacts faster than
	// Config.ReactionsPerSecond.
	errReactionFlood = errors.New("too many reactions")
	// errBreakoutFlood means a participant sends breakout room messages
	// faster than breakoutsPerSecond.
	errBreakoutFlood = errors.New("too many breakout room messages")
	// errListFlood means a moderator asks for the visitors list more often
	// than listsEvery allows (each answer may name a thousand visitors).
	errListFlood = errors.New("too many visitors list requests: ask at most once a second")
)
