package meetclient

import (
	"fmt"
	"strings"

	"github.com/pion/webrtc/v4"
)

// Transport restricts the path media may take, to check one of them.
type Transport string

// The paths media can take to the SFU.
const (
	// TransportAny lets ICE choose among every path (UDP first).
	TransportAny Transport = ""
	// TransportUDP is UDP straight to the SFU.
	TransportUDP Transport = "udp"
	// TransportTCP is ICE over TCP straight to the SFU.
	TransportTCP Transport = "tcp"
	// TransportTURNUDP, TransportTURNTCP and TransportTURNTLS are relayed
	// by the server's TURN, reached over UDP, TCP or TLS.
	TransportTURNUDP Transport = "turn-udp"
	TransportTURNTCP Transport = "turn-tcp"
	TransportTURNTLS Transport = "turn-tls"
)

// ParseTransport reads a Transport's name.
func ParseTransport(s string) (Transport, error) {
	switch t := Transport(s); t {
	case TransportAny, TransportUDP, TransportTCP, TransportTURNUDP, TransportTURNTCP, TransportTURNTLS:
		return t, nil
	}
	return "", fmt.Errorf("meetclient: transport %q is not udp, tcp, turn-udp, turn-tcp or turn-tls", s)
}

// relayed reports whether media must go through TURN.
func (t Transport) relayed() bool { return strings.HasPrefix(string(t), "turn-") }

// networkTypes are the candidate types gathered on the client's side.
func (t Transport) networkTypes() []webrtc.NetworkType {
	switch t {
	case TransportUDP, TransportTURNUDP, TransportTURNTCP, TransportTURNTLS:
		// A relayed path's relay candidate is UDP on the server's side,
		// whatever carries it from the client to TURN.
		return []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
	case TransportTCP:
		return []webrtc.NetworkType{webrtc.NetworkTypeTCP4}
	}
	return []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4}
}

// keepURL reports whether a STUN/TURN URL serves the transport.
func (t Transport) keepURL(u string) bool {
	switch t {
	case TransportUDP, TransportTCP:
		return false // straight to the SFU: no TURN
	case TransportTURNUDP:
		return strings.HasPrefix(u, "turn:") && strings.HasSuffix(u, "?transport=udp")
	case TransportTURNTCP:
		return strings.HasPrefix(u, "turn:") && strings.HasSuffix(u, "?transport=tcp")
	case TransportTURNTLS:
		return strings.HasPrefix(u, "turns:")
	}
	return true
}

// filterURLs keeps the URLs of s that serve t; ok is false when none does.
func (t Transport) filter(s webrtc.ICEServer) (webrtc.ICEServer, bool) {
	var urls []string
	for _, u := range s.URLs {
		if t.keepURL(u) {
			urls = append(urls, u)
		}
	}
	s.URLs = urls
	return s, len(urls) > 0
}

// configuration is the PeerConnection configuration for the client's
// transport and ICE servers.
func (c *Client) configuration() webrtc.Configuration {
	conf := webrtc.Configuration{ICEServers: c.iceServers}
	if c.cfg.Transport.relayed() {
		conf.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	return conf
}
