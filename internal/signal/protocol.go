package signal

import (
	"encoding/json"

	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/sfu"
)

// Version is the protocol version a client states in hello.
const Version = 1

// Close codes (RFC 6455 §7.4.2 leaves 4000–4999 to applications). The close
// reason carries "<code>: <message>", e.g. "tokenExpired: token expired 3m ago".
const (
	CloseTokenRefused = 4401 // hello's token was refused
	CloseForbidden    = 4403 // kicked, denied at the lobby
	CloseProtocol     = 4400 // too many bad messages, or messages out of order
	CloseTimeout      = 4408 // no hello/join in time, or pings unanswered
	CloseFlood        = 4429 // too many messages
	CloseTooSlow      = 4508 // the client does not read what it is sent
	CloseNotFound     = 4404 // the room's tenant does not exist
	CloseRedirect     = 4302 // the room is on another node: the redirect message says where
	CloseUnavailable  = 4503 // no node can take the room now (all draining, or the cluster store is down)
)

// inbound is every message a client may send; Type says which fields apply.
type inbound struct {
	Type string `json:"type"`

	// hello
	V        int    `json:"v"`
	Room     string `json:"room"`
	JWT      string `json:"jwt"`
	DeviceID string `json:"deviceId"`

	// join
	DisplayName string `json:"displayName"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	AudioMuted  bool   `json:"audioMuted"`
	VideoMuted  bool   `json:"videoMuted"`
	// Region is the participant's region hint: its media goes to a node
	// of that region when the cluster has one (cascading).
	Region string `json:"region"`
	// Resume is the ticket an earlier connection's joined (or meetingMoved)
	// gave: the participant of a meeting that goes on here after its node
	// was lost or drained comes back as it was.
	Resume string `json:"resume"`
	// KeepMedia, with Resume, is the node an earlier connection's joined
	// named as carrying the participant's media (media): when that node
	// kept it (its meeting's home was lost), the participant takes it back
	// with the client's connections as they are (joined's mediaKept).
	KeepMedia string `json:"keepMedia"`

	// offer / answer / candidate
	SDP       string                   `json:"sdp"`
	Tracks    []sfu.PublishSpec        `json:"tracks"`
	PC        sfu.PCKind               `json:"pc"`
	Candidate *webrtc.ICECandidateInit `json:"candidate"`

	// media
	ScreenSharing bool `json:"screenSharing"`

	// video: track id → height the subscriber shows it at (0 = hidden)
	Constraints map[string]int `json:"constraints"`

	// chat
	Text string `json:"text"`
	To   string `json:"to"`

	// hand
	Raised bool `json:"raised"`

	// stats: the client's connection quality
	RTT           float64 `json:"rtt"`
	Loss          float64 `json:"loss"`
	Bitrate       float64 `json:"bitrate"`
	CandidateType string  `json:"candidateType"`

	// recording: mode "file" (default) or "stream" with its destination
	Mode             string `json:"mode"`
	RTMPStreamKey    string `json:"rtmpStreamKey"`
	YoutubeStreamKey string `json:"youtubeStreamKey"`
	BroadcastID      string `json:"broadcastId"`

	// poll: action "create" (question, options), "answer" (pollId,
	// choices) or "close" (pollId)
	Question string   `json:"question"`
	Options  []string `json:"options"`
	PollID   string   `json:"pollId"`
	Choices  []int    `json:"choices"`

	// reaction
	Reaction string `json:"reaction"`

	// breakout: a breakout room's id and name
	RoomID   string `json:"roomId"`
	RoomName string `json:"roomName"`

	// moderate
	Action  string `json:"action"`
	Target  string `json:"target"`
	Kind    string `json:"kind"`
	Enabled bool   `json:"enabled"`
	Subject string `json:"subject"`

	// followMe: enabled and the leader's layout
	Layout room.Layout `json:"layout"`
}

// Outbound messages.
type (
	// redirectMsg sends the client to the node that has the room (cluster
	// mode): it opens URL and says hello there again.
	redirectMsg struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	}
	readyMsg struct {
		Type      string          `json:"type"`
		Room      string          `json:"room"`
		User      userJSON        `json:"user"`
		Moderator bool            `json:"moderator"`
		Features  map[string]bool `json:"features"`
		// InviteURL is the tenant's invite link base (branding), if any.
		InviteURL string `json:"inviteUrl,omitempty"`
		// LogoURL, LogoLink, BackgroundColor and BackgroundURL are the
		// tenant's meeting look (branding), each if set.
		LogoURL         string `json:"logoUrl,omitempty"`
		LogoLink        string `json:"logoLink,omitempty"`
		BackgroundColor string `json:"backgroundColor,omitempty"`
		BackgroundURL   string `json:"backgroundUrl,omitempty"`
	}
	userJSON struct {
		ID     string `json:"id,omitempty"`
		Name   string `json:"name,omitempty"`
		Email  string `json:"email,omitempty"`
		Avatar string `json:"avatar,omitempty"`
	}
	joinedMsg struct {
		Type            string             `json:"type"`
		Self            room.Participant   `json:"self"`
		Room            room.Info          `json:"room"`
		Participants    []room.Participant `json:"participants"`
		ICEServers      []ICEServer        `json:"iceServers"`
		DominantSpeaker string             `json:"dominantSpeaker,omitempty"`
		// Polls are the meeting's polls so far.
		Polls []room.Poll `json:"polls,omitempty"`
		// FollowMe is follow-me's state, when it is on.
		FollowMe *room.FollowMe `json:"followMe,omitempty"`
		// Resume is the participant's resume ticket: joining with it on
		// another node, when this one is lost or drained, brings it back
		// as it was (room.Continuation).
		Resume string `json:"resume,omitempty"`
		// Media names the node of the cluster carrying the participant's
		// media when it is not the node of the signaling (cascading): the
		// join's keepMedia after this node is lost.
		Media string `json:"media,omitempty"`
		// MediaKept says the participant's media went on while its
		// signaling was away (keepMedia): the client keeps its
		// connections, and gets an offer of what they now carry.
		MediaKept bool `json:"mediaKept,omitempty"`
	}
	lobbyMsg struct {
		Type string           `json:"type"`
		Self room.Participant `json:"self"`
	}
	offerMsg struct {
		Type   string          `json:"type"`
		PC     sfu.PCKind      `json:"pc"`
		SDP    string          `json:"sdp"`
		Tracks []sfu.TrackInfo `json:"tracks"`
	}
	answerMsg struct {
		Type string     `json:"type"`
		PC   sfu.PCKind `json:"pc"`
		SDP  string     `json:"sdp"`
	}
	candidateMsg struct {
		Type      string                  `json:"type"`
		PC        sfu.PCKind              `json:"pc"`
		Candidate webrtc.ICECandidateInit `json:"candidate"`
	}
	// publishLayersMsg tells a publisher which simulcast layers of its
	// track on Mid to send (dynacast): the others nobody watches.
	publishLayersMsg struct {
		Type    string   `json:"type"`
		Mid     string   `json:"mid"`
		TrackID string   `json:"trackId"`
		Active  []string `json:"active"`
	}
	speakerMsg struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	// visitorsListMsg answers {"type": "listVisitors"} from a moderator
	// whose token has the list-visitors feature: the room's visitors.
	visitorsListMsg struct {
		Type     string             `json:"type"`
		Visitors []room.Participant `json:"visitors"`
	}
	errorMsg struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
		// Fatal means the server closes the connection after this message.
		Fatal bool `json:"fatal,omitempty"`
		// Resume, with meetingMoved, is the ticket to join with on the
		// next node: the participant comes back as it was.
		Resume string `json:"resume,omitempty"`
	}
	typeOnly struct {
		Type string `json:"type"`
	}
)

// ICEServer is an RTCIceServer for the client's RTCPeerConnection.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// encodeNotice renders a room notice as {"type": kind, ...fields}.
func encodeNotice(n room.Notice) []byte {
	body, err := json.Marshal(n)
	if err != nil || len(body) < 2 {
		body = []byte("{}")
	}
	head := `{"type":` + quote(n.Kind())
	if string(body) == "{}" {
		return []byte(head + "}")
	}
	return append([]byte(head+","), body[1:]...)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
