package doctor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pion/stun/v3"
	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/api"
)

// The media paths, by check name.
const (
	pathUDP     = "udp"      // UDP straight to the SFU
	pathTCP     = "ice-tcp"  // ICE over TCP straight to the SFU
	pathTURNUDP = "turn-udp" // relayed by TURN, reached over UDP
	pathTURNTCP = "turn-tcp" // … over TCP
	pathTURNTLS = "turn-tls" // … over TLS
)

var mediaPaths = []string{pathUDP, pathTCP, pathTURNUDP, pathTURNTCP, pathTURNTLS}

// pathTitle names a path for people.
func pathTitle(name string) string {
	switch name {
	case pathUDP:
		return "UDP"
	case pathTCP:
		return "ICE-TCP"
	case pathTURNUDP:
		return "TURN/UDP"
	case pathTURNTCP:
		return "TURN/TCP"
	case pathTURNTLS:
		return "TURN/TLS"
	}
	return name
}

// mediaPath is one path to check: its kind and, when relayed, the one TURN
// URL it may use.
type mediaPath struct {
	name string
	turn *stun.URI
	// server is the TURN server with its credential (relayed paths).
	server webrtc.ICEServer
}

func (p mediaPath) relayed() bool { return p.turn != nil }

// target is the address the path starts at, for the report.
func (p mediaPath) target() string {
	if p.turn == nil {
		return ""
	}
	return net.JoinHostPort(p.turn.Host, itoa(p.turn.Port))
}

// mediaChecks checks every media path, one by one, each through a probe of
// its own; node is the node that answered the first.
func (d *doctor) mediaChecks(ctx context.Context, httpUp bool) (checks []Check, node string) {
	skip := func(detail, fix string) []Check {
		var out []Check
		for _, name := range mediaPaths {
			out = append(out, Check{Name: name, Group: GroupMedia, Status: StatusSkip, Detail: detail, Fix: fix})
		}
		return out
	}
	switch {
	case !httpUp:
		return skip("not checked: the server does not answer HTTP", ""), ""
	case d.cfg.Token == "":
		return skip("not checked: the media probe needs the operator's admin token", "pass --token or set CONFER_ADMIN_TOKEN"), ""
	}
	start := time.Now()
	pr, err := d.openProbe(ctx)
	if err != nil {
		out := skip("", "")
		for i := range out {
			out[i].Status, out[i].Duration = StatusFail, elapsed(start)
			out[i].Detail, out[i].Fix = "media probe: "+err.Error(), probeFix(err)
		}
		return out, ""
	}
	pr.close()
	host := d.hostIPs(ctx)
	for _, p := range planPaths(pr.hello.ICEServers) {
		if p.missing != nil {
			checks = append(checks, *p.missing)
			continue
		}
		c := d.runPath(ctx, p.path, host)
		c.Detail = strings.TrimSpace(c.Detail)
		checks = append(checks, c)
	}
	return checks, pr.hello.Node
}

// plannedPath is a path to run, or the check saying it is not offered.
type plannedPath struct {
	path    mediaPath
	missing *Check
}

// planPaths lists the paths the node offers (every turns: URL is a path of
// its own) and, as failed checks, the ones it does not.
func planPaths(servers []api.ICEServer) []plannedPath {
	plan := []plannedPath{{path: mediaPath{name: pathUDP}}, {path: mediaPath{name: pathTCP}}}
	if len(servers) == 0 {
		for _, name := range []string{pathTURNUDP, pathTURNTCP, pathTURNTLS} {
			plan = append(plan, plannedPath{missing: &Check{Name: name, Group: GroupMedia, Status: StatusFail,
				Detail: "TURN is off on this server (turn.disabled): no relay for participants whose networks block direct media",
				Fix:    "remove turn.disabled, open UDP 3478 and TCP 3478 inbound; with HTTPS, TURN over TLS shares port 443"}})
		}
		return plan
	}
	byName := map[string][]mediaPath{}
	for _, s := range servers {
		for _, raw := range s.URLs {
			u, err := stun.ParseURI(raw)
			if err != nil {
				continue
			}
			p := mediaPath{turn: u, server: webrtc.ICEServer{URLs: []string{raw}, Username: s.Username, Credential: s.Credential}}
			switch {
			case u.Scheme == stun.SchemeTypeTURNS:
				p.name = pathTURNTLS
			case u.Scheme == stun.SchemeTypeTURN && u.Proto == stun.ProtoTypeTCP:
				p.name = pathTURNTCP
			case u.Scheme == stun.SchemeTypeTURN:
				p.name = pathTURNUDP
			default:
				continue
			}
			byName[p.name] = append(byName[p.name], p)
		}
	}
	for _, name := range []string{pathTURNUDP, pathTURNTCP, pathTURNTLS} {
		if len(byName[name]) == 0 {
			c := notOffered(name)
			plan = append(plan, plannedPath{missing: &c})
		}
		for _, p := range byName[name] {
			plan = append(plan, plannedPath{path: p})
		}
	}
	return plan
}

// notOffered is the check of a TURN transport the node does not announce.
func notOffered(name string) Check {
	c := Check{Name: name, Group: GroupMedia, Status: StatusFail}
	switch name {
	case pathTURNUDP:
		c.Detail = "the TURN server announces no UDP URL"
	case pathTURNTCP:
		c.Detail = "TURN over TCP is off on this server (turn.tcp: off)"
		c.Fix = "remove turn.tcp: off (default: TCP on the TURN port, 3478) and open that TCP port inbound"
	case pathTURNTLS:
		c.Detail = "TURN over TLS is not offered: it needs HTTPS, and turn.tls_on_https not false or turn.tls_listen set"
		c.Fix = "serve HTTPS (--domain NAME); TURN over TLS then shares the HTTPS port, the one way out of networks that allow only HTTPS"
	}
	return c
}

// attempt is what happened on one path.
type attempt struct {
	// err is a failure of the probe itself (before any ICE).
	err error
	// reach is why the path's first hop could not be reached: the TURN
	// server (STUN over UDP, the TCP or TLS connection) or the SFU's
	// ICE-TCP port.
	reach error
	// relay is the relay address TURN allocated ("" when none).
	relay string
	// remote are the SFU's candidates.
	remote []candidate
	// pair is the connection's candidate pair once the echo came back.
	pair   *webrtc.ICECandidatePair
	echoed bool
	// gathered is false when gathering did not finish in time.
	gathered bool
}

// runPath checks one path: ICE and DTLS with the SFU over it only, then a
// data channel message there and back.
func (d *doctor) runPath(ctx context.Context, p mediaPath, host []netip.Addr) Check {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, d.cfg.PathTimeout)
	defer cancel()
	a := d.connect(ctx, p)
	c := Check{Name: p.name, Group: GroupMedia, Target: p.target(), Duration: elapsed(start)}
	if c.Target == "" {
		c.Target = a.sfuAddr(p.name)
	}
	c.Status, c.Detail, c.Fix = judge(p, a, host, d.cfg.PathTimeout)
	return c
}

// connect runs the probe over p.
func (d *doctor) connect(ctx context.Context, p mediaPath) (a attempt) {
	pr, err := d.openProbe(ctx)
	if err != nil {
		a.err = err
		return a
	}
	defer pr.close()
	if p.name == pathTURNUDP {
		if a.reach = stunPing(ctx, p.target()); a.reach != nil {
			return a
		}
	}
	var dialer *turnDialer
	if p.relayed() && p.turn.Proto == stun.ProtoTypeTCP {
		dialer = &turnDialer{timeout: d.cfg.PathTimeout}
		if p.name == pathTURNTLS {
			dialer.tls = d.turnTLS()
		}
	}
	pc, err := newPeer(p, dialer)
	if err != nil {
		a.err = err
		return a
	}
	defer pc.Close()
	echoed, err := echoChannel(pc)
	if err != nil {
		a.err = err
		return a
	}
	offer, ok, err := localOffer(ctx, pc)
	a.gathered = ok
	if dialer != nil {
		a.reach = dialer.failure()
	}
	if err != nil || !ok {
		a.err = err
		return a
	}
	if p.relayed() {
		if a.relay = relayAddr(parseCandidates(offer)); a.relay == "" {
			return a
		}
	}
	answer, err := pr.exchange(ctx, offer)
	if err != nil {
		a.err = err
		return a
	}
	a.remote = parseCandidates(answer)
	if p.name == pathTCP && len(a.sfuCandidates("tcp")) == 0 {
		return a // ICE-TCP is off
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		a.err = err
		return a
	}
	select {
	case <-echoed:
		a.echoed = true
		a.pair, _ = pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	case <-ctx.Done():
		if p.name == pathTCP {
			a.reach = dialTCP(a.sfuAddr(pathTCP))
		}
	}
	return a
}

// echoChannel opens the probe's data channel: once open it sends a nonce;
// the channel returned is closed when the nonce comes back.
func echoChannel(pc *webrtc.PeerConnection) (<-chan struct{}, error) {
	dc, err := pc.CreateDataChannel("probe", nil)
	if err != nil {
		return nil, err
	}
	raw := make([]byte, 8)
	rand.Read(raw)
	nonce := "confer doctor " + hex.EncodeToString(raw)
	echoed := make(chan struct{})
	var once sync.Once
	dc.OnOpen(func() { dc.SendText(nonce) })
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		if string(m.Data) == nonce {
			once.Do(func() { close(echoed) })
		}
	})
	return echoed, nil
}

// localOffer makes the offer and waits until its candidates are gathered;
// ok is false when ctx ended first.
func localOffer(ctx context.Context, pc *webrtc.PeerConnection) (string, bool, error) {
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return "", false, err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return "", false, err
	}
	select {
	case <-gathered:
		return pc.LocalDescription().SDP, true, nil
	case <-ctx.Done():
		return "", false, nil
	}
}

// sfuCandidates are the SFU's announced candidates of a protocol.
func (a attempt) sfuCandidates(protocol string) []candidate {
	var out []candidate
	for _, c := range a.remote {
		if c.protocol == protocol && c.typ == "host" && !slices.ContainsFunc(out, func(o candidate) bool { return o.addr == c.addr }) {
			out = append(out, c)
		}
	}
	return out
}

// sfuAddr is the SFU's first announced address for a direct path.
func (a attempt) sfuAddr(path string) string {
	protocol := "udp"
	if path == pathTCP {
		protocol = "tcp"
	}
	if cs := a.sfuCandidates(protocol); len(cs) > 0 {
		return cs[0].addr
	}
	return ""
}

// hostIPs are the server name's IPv4 addresses (for the public IP hint).
func (d *doctor) hostIPs(ctx context.Context) []netip.Addr {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.HTTPTimeout)
	defer cancel()
	ips, _ := net.DefaultResolver.LookupNetIP(ctx, "ip4", d.base.Hostname())
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	return ips
}
