package doctor

import "errors"

var (
	// ErrServerURL means the server URL is not http(s)://host[:port].
	ErrServerURL = errors.New("doctor: server URL")
	// ErrProbeRefused means the node refused the media probe (token, or
	// too many probes).
	ErrProbeRefused = errors.New("media probe refused")
	// ErrNoProbe means the server has no media probe (an older Confer, or
	// a proxy that does not pass /api/v1/node/probe or WebSockets).
	ErrNoProbe = errors.New("the server has no media probe")
)
