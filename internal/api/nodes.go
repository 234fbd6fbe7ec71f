package api

import "time"

// Node is a cluster member as GET /api/v1/nodes shows it.
type Node struct {
	ID           string `json:"id"`
	SignalURL    string `json:"signal_url"`
	Region       string `json:"region,omitempty"`
	Rooms        int    `json:"rooms"`
	Participants int    `json:"participants"`
	Tracks       int    `json:"tracks"`
	// Media is the participants whose media the node carries (its own
	// meetings' and, cascaded, others'); MaxParticipants bounds it (0 none).
	Media           int `json:"media"`
	MaxParticipants int `json:"max_participants,omitempty"`
	// MaxCPU is the CPU share (0–1) above which the node counts as full.
	MaxCPU float64 `json:"max_cpu,omitempty"`
	// TURN are the URLs of the node's TURN server, handed to participants
	// whose media the node carries.
	TURN        []string  `json:"turn,omitempty"`
	CPU         float64   `json:"cpu"`
	Draining    bool      `json:"draining"`
	StartedAt   time.Time `json:"started_at"`
	HeartbeatAt time.Time `json:"heartbeat_at"`
}

// NodeList is GET /api/v1/nodes.
type NodeList struct {
	Nodes []Node `json:"nodes"`
}

// NodeStatus is GET /api/v1/node and POST /api/v1/node/drain: the node that
// answers.
type NodeStatus struct {
	ID           string     `json:"id"`
	Cluster      bool       `json:"cluster"`
	Draining     bool       `json:"draining"`
	Rooms        int        `json:"rooms"`
	Participants int        `json:"participants"`
	DrainUntil   *time.Time `json:"drain_until,omitempty"`
}
