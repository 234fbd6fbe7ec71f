package room

import "errors"

var (
	// ErrNotModerator means the action needs a moderator.
	ErrNotModerator = errors.New("only moderators can do that")
	// ErrNoParticipant means the target is not in the room (or lobby).
	ErrNoParticipant = errors.New("no such participant")
	// ErrPasswordRequired means the room is locked and no password was given.
	ErrPasswordRequired = errors.New("this meeting is locked with a password")
	// ErrPasswordWrong means the given password is not the room's.
	ErrPasswordWrong = errors.New("wrong meeting password")
	// ErrClosed means the room ended while the request was under way.
	ErrClosed = errors.New("the meeting has ended")
	// ErrInvalid means the request's content is not acceptable.
	ErrInvalid = errors.New("invalid request")
	// ErrFull means the room has as many participants as it may.
	ErrFull = errors.New("the meeting is full")
	// ErrIDTaken means the participant id a client chose is in use.
	ErrIDTaken = errors.New("this participant id is in use in the meeting")
)

// ErrNotAllowed means the participant's token does not grant the action
// (a context.features entry set to false).
var ErrNotAllowed = errors.New("your token does not allow that")

// ErrForceMuted means audio or video moderation is on and no moderator has
// allowed the participant to unmute (or start its video).
var ErrForceMuted = errors.New("the moderator must allow you to unmute")
