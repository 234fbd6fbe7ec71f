package test

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confer-video/confer/internal/store/storetest"
)

// ljmPackage is the only built lib-jitsi-meet on the npm registry: a
// build of Jitsi's stable-6726 (../shared/contracts/jitsi-protocol.md §7).
const ljmPackage = "@lyno/lib-jitsi-meet@2.6726.2"

// jqueryPackage is lib-jitsi-meet's one external: its UMD build takes
// jQuery from the page's global "jquery" (the version of its package.json).
const jqueryPackage = "jquery@3.6.0"

// ljmBundle returns the paths of lib-jitsi-meet.min.js and of the jQuery
// it needs, fetched once with npm pack into a cache outside the
// repository (never committed); the test skips without npm or the
// registry (fails under CI). CONFER_LJM_BUNDLE names another build instead
// (a current lib-jitsi-meet built from its source, which CI cannot fetch).
func ljmBundle(t *testing.T) (ljm, jquery string) {
	t.Helper()
	ljm = os.Getenv("CONFER_LJM_BUNDLE")
	if ljm == "" {
		ljm = npmFile(t, ljmPackage, "package/lib-jitsi-meet.min.js")
	}
	return ljm, npmFile(t, jqueryPackage, "package/dist/jquery.min.js")
}

// npmFile returns the cached path of member of an npm package's tarball.
func npmFile(t *testing.T, pkg, member string) string {
	t.Helper()
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		base = filepath.Join(os.TempDir(), "confer-npm-cache")
	}
	dir := filepath.Join(base, "confer-ljm", strings.NewReplacer("@", "", "/", "-").Replace(pkg))
	bundle := filepath.Join(dir, filepath.Base(member))
	if _, err := os.Stat(bundle); err == nil {
		return bundle
	}
	skip := func(format string, args ...any) {
		t.Helper()
		if storetest.Required() {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	if _, err := exec.LookPath("npm"); err != nil {
		skip("npm is missing (./scripts/test installs it): %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	out, err := exec.Command("npm", "pack", "--silent", "--pack-destination", tmp, pkg).CombinedOutput()
	if err != nil {
		skip("npm pack %s: %v\n%s", pkg, err, out)
	}
	tgz := filepath.Join(tmp, strings.TrimSpace(lastLine(string(out))))
	if err := extractFile(tgz, member, bundle); err != nil {
		t.Fatalf("extract the bundle from %s: %v", tgz, err)
	}
	return bundle
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// extractFile copies member name of the .tgz to dst (atomically: tests
// running at once may fetch it together).
func extractFile(tgz, name, dst string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			return fmt.Errorf("%s not in the package: %w", name, err)
		}
		if h.Name != name {
			continue
		}
		tmp, err := os.CreateTemp(filepath.Dir(dst), ".ljm-*")
		if err != nil {
			return err
		}
		if _, err := io.Copy(tmp, tr); err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return err
		}
		tmp.Close()
		return os.Rename(tmp.Name(), dst)
	}
}

// ljmPage serves, on an origin of its own (an integrator's page), a page
// that loads Confer's config.js for the tenant and lib-jitsi-meet, and
// defines the helpers the tests call (ljmPageJS).
func ljmPage(t *testing.T, conferURL, tenantID string) string {
	t.Helper()
	return ljmPageFor(t, conferURL, tenantID, "")
}

// ljmPageFor is ljmPage loading config.js for room (?room=), as jitsi-meet
// does: in a cluster its WebSocket is the room's node's.
func ljmPageFor(t *testing.T, conferURL, tenantID, room string) string {
	t.Helper()
	configURL := conferURL + "/" + tenantID + "/config.js"
	if room != "" {
		configURL += "?room=" + url.QueryEscape(room)
	}
	bundle, jquery := ljmBundle(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /lib-jitsi-meet.min.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, bundle) })
	mux.HandleFunc("GET /jquery.min.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, jquery) })
	page := template.Must(template.New("page").Parse(`<!doctype html><meta charset="utf-8"><title>lib-jitsi-meet on Confer</title>
<script src="{{.Config}}"></script>
<script src="/jquery.min.js"></script>
<script>window.jquery = jQuery;</script>
<script src="/lib-jitsi-meet.min.js"></script>
<script>` + ljmPageJS + `</script>`))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page.Execute(w, map[string]string{"Config": configURL})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// ljmPageJS connects with config.js's values as jitsi-meet does
// (connection/actions.any.ts: hosts, websocket + ?room=, the token) and
// records the connection's and the conference's events in window.ljm.
const ljmPageJS = `
// ?sourceNames: lib-jitsi-meet with source-name signaling, as jitsi-meet
// passes config.flags to init (stable-6726 reads it at the top level).
JitsiMeetJS.init(location.search.includes('sourceNames') ? {...config, sourceNameSignaling: config.flags.sourceNameSignaling} : config);
JitsiMeetJS.setLogLevel(JitsiMeetJS.logLevels.WARN);
window.ljm = {events: [], failed: null, established: false, joined: false, members: {}, messages: [], props: {}, tracks: [], endpointMessages: [], dominant: '', lobby: {}, conferenceFailed: '', membersOnly: false};
window.connect = (room, token) => {
  const options = {hosts: config.hosts, serviceUrl: config.websocket + '?room=' + encodeURIComponent(room),
    focusUserJid: config.focusUserJid, websocketKeepAliveUrl: undefined};
  const c = new JitsiMeetJS.JitsiConnection(null, token, options);
  const E = JitsiMeetJS.events.connection;
  c.addEventListener(E.CONNECTION_ESTABLISHED, id => { ljm.established = true; ljm.events.push('established ' + id); });
  c.addEventListener(E.CONNECTION_FAILED, (type, msg) => { ljm.failed = {type: String(type), message: String(msg)}; ljm.events.push('failed ' + type + ' ' + msg); });
  c.connect();
  window.conn = c;
};
window.joinConference = (room, name, withMedia) => {
  const conf = conn.initJitsiConference(room, {p2p: {enabled: false}});
  const E = JitsiMeetJS.events.conference;
  conf.on(E.CONFERENCE_JOINED, () => { ljm.joined = true; ljm.events.push('joined'); });
  conf.on(E.CONFERENCE_FAILED, e => { ljm.conferenceFailed = String(e); ljm.events.push('conference failed ' + e); });
  conf.on(E.LOBBY_USER_JOINED, (id, name) => { ljm.lobby[id] = name; });
  conf.on(E.LOBBY_USER_LEFT, id => { delete ljm.lobby[id]; });
  conf.on(E.MEMBERS_ONLY_CHANGED, on => { ljm.membersOnly = on; });
  conf.on(E.RECORDER_STATE_CHANGED, s => { ljm.recording = s.getStatus() + ' ' + s.getMode(); });
  conf.on(E.USER_JOINED, (id, user) => { ljm.members[id] = user.getDisplayName() || ''; });
  conf.on(E.USER_LEFT, id => { delete ljm.members[id]; });
  conf.on(E.DISPLAY_NAME_CHANGED, (id, name) => { ljm.members[id] = name; });
  conf.on(E.MESSAGE_RECEIVED, (id, text) => ljm.messages.push(id + ': ' + text));
  conf.on(E.PARTICIPANT_PROPERTY_CHANGED, (user, name, old, value) => { ljm.props[user.getId() + '.' + name] = String(value); });
  conf.setDisplayName(name);
  window.conf = conf;
  if (!withMedia) {
    conf.join();
    return;
  }
  conf.on(E.ENDPOINT_MESSAGE_RECEIVED, (p, msg) => ljm.endpointMessages.push(p.getId() + ': ' + JSON.stringify(msg)));
  conf.on(E.DOMINANT_SPEAKER_CHANGED, id => { ljm.dominant = id; });
  conf.on(E.TRACK_ADDED, t => { if (!t.isLocal()) { ljm.tracks.push(t); t.attach(document.createElement(t.getType() === 'video' ? 'video' : 'audio')); } });
  conf.on(E.TRACK_REMOVED, t => { ljm.tracks = ljm.tracks.filter(x => x !== t); });
  return JitsiMeetJS.createLocalTracks({devices: ['audio', 'video']}).then(tracks => {
    ljm.local = tracks;
    return Promise.all(tracks.map(t => conf.addTrack(t)));
  }).then(() => conf.join());
};
// shareScreen shares the screen as the lib-jitsi-meet in use does: a
// second video source (current, multi-stream), else the camera replaced
// by the screen (stable-6726: one video source, presence videoType
// desktop).
window.shareScreen = () => JitsiMeetJS.createLocalTracks({devices: ['desktop']}).then(tracks => {
  const screen = tracks.find(t => t.getType() === 'video');
  const camera = ljm.local.find(t => t.getType() === 'video');
  return Promise.resolve().then(() => conf.replaceTrack(camera, screen)).then(() => { ljm.local = ljm.local.filter(t => t !== camera).concat([screen]); },
    () => conf.addTrack(screen).then(() => { ljm.local.push(screen); }));
});
window.localMuted = type => ljm.local.find(t => t.getType() === type).isMuted();
window.remoteVideoTypes = id => ljm.tracks.filter(t => t.getParticipantId() === id && t.getType() === 'video').map(t => t.getVideoType());
// received: what this endpoint decodes from each participant, from its
// connection's inbound-rtp stats: {id: {video: framesDecoded, audio: packetsReceived}}.
window.received = async () => {
  const out = {};
  const session = conf.jvbJingleSession;
  if (!session) { return out; }
  const stats = await session.peerconnection.peerconnection.getStats();
  const bySSRC = {};
  stats.forEach(r => { if (r.type === 'inbound-rtp') { bySSRC[r.ssrc] = r.kind === 'video' ? (r.framesDecoded || 0) : (r.packetsReceived || 0); } });
  for (const t of ljm.tracks) {
    const id = t.getParticipantId();
    out[id] = out[id] || {video: 0, audio: 0};
    out[id][t.getType()] += bySSRC[t.getSSRC ? t.getSSRC() : t.getSsrc()] || 0;
  }
  return out;
};
`
