package test

// Cascading by region over a real delay (docs/cascading.md, step 3's
// proof): a far region is a network namespace behind a veth link whose
// two ends delay every packet (tc netem); its node and its participants
// run inside it.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/token"
)

// regionDelay is each way's delay between the regions: a round trip
// across them takes twice as long.
const regionDelay = 100 * time.Millisecond

// farRegion is a network namespace standing for a far region: here is this
// side's address, there the namespace's. The kernel here has no netem, so
// the link between them is two veth pairs joined by this test, which
// copies every Ethernet frame from one to the other regionDelay late
// (delayBridge).
type farRegion struct {
	ns, here, there string
}

// newFarRegion makes the namespace and its link; with tcpOnly the link
// drops every UDP datagram (a network between the regions that lets TCP
// through only).
func newFarRegion(t *testing.T, tcpOnly bool) *farRegion {
	t.Helper()
	name := randomName()
	ns := tcpOnlyNamespace(t) // a fresh namespace with lo up (root only)
	near, nearBridge, farEnd, farBridge := "vr"+name, "va"+name, "vn"+name, "vb"+name
	for _, pair := range [][2]string{{near, nearBridge}, {farEnd, farBridge}} {
		run(t, "ip", "link", "add", pair[0], "type", "veth", "peer", "name", pair[1])
		t.Cleanup(func() { exec.Command("ip", "link", "del", pair[1]).Run() })
	}
	run(t, "ip", "link", "set", farEnd, "netns", ns)
	subnet := fmt.Sprintf("10.213.%d.", mrand.IntN(250)+1)
	r := &farRegion{ns: ns, here: subnet + "1", there: subnet + "2"}
	// Frames go through a packet socket whole: no offloads that leave
	// checksums or segmentation to the hardware.
	offloads := []string{"tx", "off", "tso", "off", "gso", "off", "gro", "off"}
	for _, dev := range []string{near, nearBridge, farBridge} {
		run(t, "ethtool", append([]string{"-K", dev}, offloads...)...)
		run(t, "ip", "link", "set", dev, "up")
	}
	run(t, "ip", append([]string{"netns", "exec", ns, "ethtool", "-K", farEnd}, offloads...)...)
	run(t, "ip", "addr", "add", r.here+"/24", "dev", near)
	run(t, "ip", "-n", ns, "addr", "add", r.there+"/24", "dev", farEnd)
	run(t, "ip", "-n", ns, "link", "set", farEnd, "up")
	delayBridge(t, nearBridge, farBridge, regionDelay, tcpOnly)
	return r
}

// delayBridge copies every frame arriving on interface a out of b, and
// the other way, delay late and in order; with noUDP, IPv4 UDP is dropped.
func delayBridge(t *testing.T, a, b string, delay time.Duration, noUDP bool) {
	t.Helper()
	fa, fb := packetSocket(t, a), packetSocket(t, b)
	go delayFrames(fa, fb, delay, noUDP)
	go delayFrames(fb, fa, delay, noUDP)
}

// packetSocket is a raw socket of every frame of an interface.
func packetSocket(t *testing.T, name string) int {
	t.Helper()
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		t.Fatal(err)
	}
	all := int(htons(unix.ETH_P_ALL))
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, all)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		t.Fatal(err)
	}
	return fd
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// delayFrames reads frames arriving on from and writes each to to once
// delay has passed since it arrived, until from is closed.
func delayFrames(from, to int, delay time.Duration, noUDP bool) {
	type frame struct {
		b   []byte
		due time.Time
	}
	queue := make(chan frame, 4096)
	go func() {
		for f := range queue {
			time.Sleep(time.Until(f.due))
			unix.Write(to, f.b)
		}
	}()
	defer close(queue)
	buf := make([]byte, 65536)
	for {
		n, sa, err := unix.Recvfrom(from, buf, 0)
		if err != nil {
			return
		}
		if ll, ok := sa.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue // one this bridge wrote
		}
		if noUDP && n > 23 && buf[12] == 0x08 && buf[13] == 0x00 && buf[23] == 17 {
			continue // IPv4 (EtherType 0x0800), protocol 17: UDP
		}
		select {
		case queue <- frame{append([]byte(nil), buf[:n]...), time.Now().Add(delay)}:
		default: // a full queue drops, as a router would
		}
	}
}

// reach makes the TCP service at addr (127.0.0.1:port, outside) reachable
// at the same address inside the namespace.
func (r *farRegion) reach(t *testing.T, addr string) {
	t.Helper()
	ln := listenIn(t, r.ns, addr)
	go forward(ln, addr)
	t.Cleanup(func() { ln.Close() })
}

// regionStat is what a participant running in the far region reports.
type regionStat struct {
	ID      string           `json:"id"`
	Remote  string           `json:"remote"`
	RTTms   float64          `json:"rttMs"`
	Packets map[string]int64 `json:"packets"` // by participant, audio and video alike
	Kinds   map[string]int   `json:"kinds"`   // by participant: kinds received
	Err     string           `json:"err,omitempty"`
}

// farParticipant is a participant process in the far region (this test
// binary, run as TestRegionParticipantHelper inside the namespace).
type farParticipant struct {
	mu   sync.Mutex
	last regionStat
}

func (p *farParticipant) stat() regionStat {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// regionHelperEnv carries a far participant's join to the helper process.
const regionHelperEnv = "CONFER_REGION_HELPER"

type regionJoin struct {
	URL, Room, JWT, Region, Device string
}

func startFarParticipant(t *testing.T, r *farRegion, j regionJoin) *farParticipant {
	t.Helper()
	b, _ := json.Marshal(j)
	cmd := exec.Command("ip", "netns", "exec", r.ns, os.Args[0], "-test.run", "^TestRegionParticipantHelper$", "-test.v")
	cmd.Env = append(os.Environ(), regionHelperEnv+"="+string(b))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &farParticipant{}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line, ok := strings.CutPrefix(sc.Text(), "region-stat ")
			var s regionStat
			if ok && json.Unmarshal([]byte(line), &s) == nil {
				p.mu.Lock()
				p.last = s
				p.mu.Unlock()
			}
		}
		io.Copy(io.Discard, out)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("--- far participant %s:\n%s", j.Device, stderr.b.String())
		}
	})
	return p
}

// TestRegionParticipantHelper is a far participant's process (started by
// startFarParticipant inside the namespace); without its environment it
// does nothing.
func TestRegionParticipantHelper(t *testing.T) {
	raw := os.Getenv(regionHelperEnv)
	if raw == "" {
		t.Skip("a helper process of TestCascadeRegionsWithDelay")
	}
	var j regionJoin
	if err := json.Unmarshal([]byte(raw), &j); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	report := func(s regionStat) {
		b, _ := json.Marshal(s)
		fmt.Printf("region-stat %s\n", b)
	}
	cl, err := meetclient.Dial(ctx, meetclient.Config{URL: j.URL, Room: j.Room, JWT: j.JWT, DeviceID: j.Device, Clip: clip(t), AllInterfaces: true})
	if err != nil {
		report(regionStat{Err: err.Error()})
		t.Fatal(err)
	}
	defer cl.Close()
	joined, err := cl.Join(ctx, meetclient.JoinOptions{Region: j.Region})
	if err != nil {
		report(regionStat{Err: err.Error()})
		t.Fatal(err)
	}
	for ctx.Err() == nil {
		s := regionStat{ID: joined.Self.ID, Packets: map[string]int64{}, Kinds: map[string]int{}}
		if path, err := cl.MediaPath(); err == nil {
			s.Remote, s.RTTms = path.Remote, float64(path.RTT)/float64(time.Millisecond)
		}
		seen := map[string]bool{}
		for _, r := range cl.Remote() {
			s.Packets[r.ParticipantID] += r.Packets
			if r.Packets >= 30 && !seen[r.ParticipantID+r.Kind] {
				seen[r.ParticipantID+r.Kind] = true
				s.Kinds[r.ParticipantID]++
			}
		}
		report(s)
		time.Sleep(300 * time.Millisecond)
	}
}

// regions is an "eu" node here and a "us" node in a far region, with a
// tenant: jwt signs a token for room "world".
type regions struct {
	far    *farRegion
	eu, us *clusterNode
	jwt    func(name string) string
	room   string
}

// startRegions starts the two nodes (Redis database db; tcpOnly: the link
// between the regions carries TCP only) and makes a tenant.
func startRegions(ctx context.Context, t *testing.T, db int, tcpOnly bool) *regions {
	t.Helper()
	far := newFarRegion(t, tcpOnly)
	pg := storetest.Config(t, store.DialectPostgres).URL
	rds := clusterRedis(t, db)
	for _, u := range []string{pg, rds} {
		pu, _ := url.Parse(u)
		far.reach(t, pu.Host)
	}
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	env := append(os.Environ(), "CONFER_ADMIN_TOKEN="+adminToken, "CONFER_DEMO=false", "CONFER_TURN_DISABLED=true",
		"CONFER_DATABASE_URL="+pg, "CONFER_REDIS_URL="+rds, "CONFER_LOG_LEVEL=debug")
	nodeEnv := func(region, ip string) []string {
		return append(env[:len(env):len(env)], "CONFER_NODE_REGION="+region, "CONFER_RTC_UDP="+ip+":0", "CONFER_RTC_TCP="+ip+":0")
	}
	_, port, _ := net.SplitHostPort(freePort(t))
	eu := startClusterNodeAt(t, bin, "n-eu", net.JoinHostPort(far.here, port), nil, nodeEnv("eu", far.here))
	_, port, _ = net.SplitHostPort(freePort(t))
	us := startClusterNodeAt(t, bin, "n-us", net.JoinHostPort(far.there, port), []string{"ip", "netns", "exec", far.ns}, nodeEnv("us", far.there))

	admin := &client.Client{BaseURL: eu.url(), Token: adminToken}
	tn, err := admin.CreateTenant(ctx, api.CreateTenantRequest{Name: "Regions Co"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := admin.CreateKey(ctx, tn.ID, api.CreateKeyRequest{Generate: true})
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := rsakey.ParsePrivate([]byte(k.PrivateKey))
	eventually(t, 20*time.Second, "both nodes registered", func() bool {
		nl, err := admin.Nodes(ctx)
		return err == nil && len(nl.Nodes) == 2
	})
	jwt := func(name string) string {
		s, _ := token.SignRS256(priv, k.KID, token.Grant{Tenant: tn.ID, Room: "world", User: token.User{ID: name, Name: name}})
		return s
	}
	return &regions{far: far, eu: eu, us: us, jwt: jwt, room: tn.ID + "/world"}

}

// TestCascadeRegionsWithDelay: an "eu" node here and a "us" node in a
// namespace 2×100 ms away. Ada and Bob (eu) join here, Cy and Dee (us)
// join from inside the far namespace, each with their region as the hint:
// everyone receives everyone, and each participant's media goes to their
// own region's node over a path without the inter-region delay (ICE's
// round trip well under one crossing), so Cy's media reaches Dee without
// crossing the regions. Eve, in the us namespace but hinting eu, shows the
// delay is real: her media path's round trip includes the crossing.
func TestCascadeRegionsWithDelay(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	rs := startRegions(ctx, t, 10, false)
	far, eu, us, jwt, room := rs.far, rs.eu, rs.us, rs.jwt, rs.room

	var here []member
	for _, name := range []string{"Ada", "Bob"} {
		cl, err := meetclient.Dial(ctx, meetclient.Config{URL: eu.signalURL(), Room: room, JWT: jwt(name), DeviceID: "dev-" + name, Clip: clip(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		j, err := cl.Join(ctx, meetclient.JoinOptions{Region: "eu"})
		if err != nil {
			t.Fatalf("%s joins: %v", name, err)
		}
		here = append(here, member{cl, j.Self.ID, "eu"})
	}
	farJoin := func(name, region string) *farParticipant {
		return startFarParticipant(t, far, regionJoin{URL: us.signalURL(), Room: room, JWT: jwt(name), Region: region, Device: "dev-" + name})
	}
	cy, dee := farJoin("Cy", "us"), farJoin("Dee", "us")
	var ids []string
	eventually(t, 60*time.Second, "Cy and Dee joined", func() bool {
		ids = []string{here[0].id, here[1].id, cy.stat().ID, dee.stat().ID}
		return ids[2] != "" && ids[3] != ""
	})
	others := func(self string) []string {
		var o []string
		for _, id := range ids {
			if id != self {
				o = append(o, id)
			}
		}
		return o
	}
	eventually(t, 60*time.Second, "everyone receives everyone's audio and video", func() bool {
		for _, m := range here {
			if !receivesFrom(m.cl, others(m.id), 30) {
				return false
			}
		}
		for _, p := range []*farParticipant{cy, dee} {
			s := p.stat()
			for _, o := range others(s.ID) {
				if s.Kinds[o] < 2 {
					return false
				}
			}
		}
		return true
	})

	crossing := 2 * regionDelay
	for _, m := range here {
		path, err := m.cl.MediaPath()
		if err != nil {
			t.Fatal(err)
		}
		host, _, _ := net.SplitHostPort(path.Remote)
		t.Logf("eu participant %s: media to %s, round trip %s", m.id, path.Remote, path.RTT)
		if host != far.here || path.RTT >= crossing/2 {
			t.Errorf("eu participant's media to %s in %s, want the eu node %s in well under %s", path.Remote, path.RTT, far.here, crossing)
		}
	}
	for name, p := range map[string]*farParticipant{"Cy": cy, "Dee": dee} {
		s := p.stat()
		host, _, _ := net.SplitHostPort(s.Remote)
		t.Logf("us participant %s: media to %s, round trip %.1f ms", name, s.Remote, s.RTTms)
		if host != far.there || s.RTTms >= float64(crossing.Milliseconds())/2 {
			t.Errorf("%s's media to %s in %.1f ms, want the us node %s in well under %s", name, s.Remote, s.RTTms, far.there, crossing)
		}
	}

	eve := farJoin("Eve", "eu")
	defer func() {
		if t.Failed() {
			t.Logf("Eve's last report: %+v", eve.stat())
		}
	}()
	eventually(t, 60*time.Second, "Eve's media path, across the regions", func() bool {
		s := eve.stat()
		host, _, _ := net.SplitHostPort(s.Remote)
		return host == far.here && s.RTTms >= float64(crossing.Milliseconds())*3/4
	})
	t.Logf("Eve (us, hinting eu): media to %s, round trip %.1f ms", eve.stat().Remote, eve.stat().RTTms)
}

// TestCascadeRelayOverTCP: the network between the regions lets TCP
// through only (the link drops every UDP datagram). Ada, here, and Cy, in
// the far region, have their media on their own region's node over UDP;
// the relay between the nodes cannot use UDP and links them over ICE-TCP
// (each node's TCP port, which the relays share with participants), and
// Ada and Cy receive each other.
func TestCascadeRelayOverTCP(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rs := startRegions(ctx, t, 13, true)
	cl, err := meetclient.Dial(ctx, meetclient.Config{URL: rs.eu.signalURL(), Room: rs.room, JWT: rs.jwt("Ada"), DeviceID: "dev-Ada", Clip: clip(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	j, err := cl.Join(ctx, meetclient.JoinOptions{Region: "eu"})
	if err != nil {
		t.Fatalf("Ada joins: %v", err)
	}
	ada := j.Self.ID
	cy := startFarParticipant(t, rs.far, regionJoin{URL: rs.us.signalURL(), Room: rs.room, JWT: rs.jwt("Cy"), Region: "us", Device: "dev-Cy"})
	defer func() {
		if t.Failed() {
			t.Logf("Cy's last report: %+v", cy.stat())
		}
	}()
	eventually(t, 90*time.Second, "Ada and Cy receive each other's audio and video through the relay over TCP", func() bool {
		s := cy.stat()
		return s.ID != "" && s.Kinds[ada] == 2 && receivesFrom(cl, []string{s.ID}, 30)
	})
	s := cy.stat()
	if host, _, _ := net.SplitHostPort(s.Remote); host != rs.far.there {
		t.Errorf("Cy's media to %s, want the us node %s", s.Remote, rs.far.there)
	}
}
