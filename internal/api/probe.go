package api

// The media probe is GET /api/v1/node/probe (operator token) upgraded to a
// WebSocket. The node answers with a ProbeMessage of type "hello" (its TURN
// servers, with a fresh credential); the prober sends an "offer" (a data
// channel only, with all its candidates), the node an "answer" (with the
// SFU's candidates) or an "error". The node's peer echoes data channel
// messages until the socket closes or ProbeHello.Lifetime seconds pass.

// Types of ProbeMessage.
const (
	ProbeHello  = "hello"
	ProbeOffer  = "offer"
	ProbeAnswer = "answer"
	ProbeError  = "error"
)

// ProbeMessage is one message of the media probe.
type ProbeMessage struct {
	Type string `json:"type"`
	// Node (hello) is the node that answers (in a cluster, the one the
	// load balancer picked).
	Node string `json:"node,omitempty"`
	// ICEServers (hello) are the node's TURN servers; none when TURN is off.
	ICEServers []ICEServer `json:"ice_servers,omitempty"`
	// Lifetime (hello) is how many seconds the probe lasts at most.
	Lifetime int `json:"lifetime,omitempty"`
	// SDP is the offer's or the answer's session description.
	SDP string `json:"sdp,omitempty"`
	// Message (error) says what went wrong.
	Message string `json:"message,omitempty"`
}

// ICEServer is a STUN/TURN server with its credential, as in an
// RTCIceServer.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}
