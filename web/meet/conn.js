// Connection: the signaling WebSocket and the two RTCPeerConnections of one
// participant (publisher: we offer our tracks; subscriber: the server offers
// everyone else's). Events are delivered to the onEvent callback.

const SIMULCAST = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 600_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 2_000_000 },
];

// MEDIA are the messages of a room's media negotiation.
const MEDIA = new Set(['offer', 'answer', 'candidate', 'publishLayers']);

export class Connection {
  constructor({ room, jwt, deviceId, onEvent, iceTransportPolicy = 'all' }) {
    this.iceTransportPolicy = iceTransportPolicy;
    this.room = room;
    this.jwt = jwt;
    this.deviceId = deviceId;
    this.onEvent = onEvent;
    this.pub = null;
    this.sub = null;
    this.iceServers = [];
    this.tracksByMid = new Map();
    this.activeTracks = new Set();
    this.senders = {}; // source → RTCRtpTransceiver
    this.pubChain = Promise.resolve();
    this.layerChain = Promise.resolve();
    this.pendingAnswer = null;
    this.pendingCandidates = { pub: [], sub: [] };
    this.closedByUs = false;
  }

  // open connects and sends hello; resolves with ready, rejects with the
  // refusal {code, message}. In a cluster the server may answer hello with
  // a redirect to the node that has the room: open follows it (a few hops).
  open(url, hops = 0) {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url = url || `${proto}//${location.host}/_confer/signal`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.ws = ws;
      let ready = false;
      let redirect = '';
      ws.onopen = () => this.send({ type: 'hello', v: 1, room: this.room, jwt: this.jwt, deviceId: this.deviceId });
      ws.onmessage = (ev) => {
        let msg;
        try { msg = JSON.parse(ev.data); } catch { return; }
        if (!ready) {
          if (msg.type === 'ready') { ready = true; resolve(msg); return; }
          if (msg.type === 'redirect' && msg.url && hops < 3) { redirect = msg.url; return; }
          if (msg.type === 'error') { reject({ code: msg.code, message: msg.message }); return; }
        }
        this.handle(msg).catch((e) => console.error('confer:', msg.type, e));
      };
      ws.onclose = (ev) => {
        if (redirect) {
          this.open(redirect, hops + 1).then(resolve, reject);
          return;
        }
        if (!ready) { // open's promise says so: one failure, one retry
          const [code, ...rest] = (ev.reason || 'connectionFailed: could not reach the server').split(': ');
          reject({ code, message: rest.join(': ') });
          return;
        }
        this.onEvent('closed', { code: ev.code, reason: ev.reason, byUs: this.closedByUs });
      };
    });
  }

  // reopen connects again after the signaling connection was lost, keeping
  // the media connections: if the meeting's node died while our media was
  // on another node, that node kept it going, and the server gives it back
  // (joined's mediaKept); else joined drops them and the page starts anew.
  reopen() {
    this.rejoining = true;
    this.closedByUs = false;
    this.pendingAnswer = null;
    this.pubChain = Promise.resolve();
    return this.open();
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  async handle(msg) {
    // Between a move to another room and its joined, the old room's media
    // negotiation is stale (switchRooms).
    if (this.switching && MEDIA.has(msg.type)) return;
    switch (msg.type) {
      case 'joined':
        this.iceServers = msg.iceServers || [];
        this.switching = false;
        this.media = msg.media || ''; // the node of our media, when not the signaling's
        if (this.rejoining) { // reopen: keep the media the server kept, else start it anew
          this.rejoining = false;
          if (msg.mediaKept) this.reemit = true;
          else this.dropMedia();
        }
        break;
      case 'offer':
        await this.onSubscriberOffer(msg);
        return;
      case 'answer':
        if (this.pendingAnswer) this.pendingAnswer(msg.sdp);
        return;
      case 'publishLayers':
        this.layerChain = this.layerChain.then(() => this.setLayers(msg)).catch((e) => console.error('confer: publishLayers', e));
        return;
      case 'candidate': {
        const pc = msg.pc === 'pub' ? this.pub : this.sub;
        if (!pc || !pc.remoteDescription) { this.pendingCandidates[msg.pc].push(msg.candidate); return; }
        await pc.addIceCandidate(msg.candidate);
        return;
      }
    }
    this.onEvent(msg.type, msg);
  }

  newPC(kind) {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle', iceTransportPolicy: this.iceTransportPolicy });
    pc.onicecandidate = (e) => { if (e.candidate) this.send({ type: 'candidate', pc: kind, candidate: e.candidate.toJSON() }); };
    pc.onconnectionstatechange = () => {
      this.onEvent('connectionState', { pc: kind, state: pc.connectionState });
      if (pc.connectionState === 'failed') this.restartIce(kind);
    };
    return pc;
  }

  restartIce(kind) {
    if (kind === 'sub') this.send({ type: 'restartIce' });
    else this.negotiate({ iceRestart: true });
  }

  async flushCandidates(kind, pc) {
    for (const c of this.pendingCandidates[kind].splice(0)) await pc.addIceCandidate(c);
  }

  async onSubscriberOffer(msg) {
    if (!this.sub) {
      this.sub = this.newPC('sub');
      this.sub.ontrack = (ev) => {
        const info = this.tracksByMid.get(ev.transceiver.mid);
        if (!info) return;
        this.onEvent('track', { ...info, track: ev.track });
      };
    }
    const previous = this.activeTracks;
    const reemit = this.reemit; // kept media: the page shows every track again
    this.reemit = false;
    this.activeTracks = new Set();
    for (const t of msg.tracks) {
      this.tracksByMid.set(t.mid, t);
      this.activeTracks.add(t.trackId);
    }
    await this.sub.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
    await this.flushCandidates('sub', this.sub);
    const answer = await this.sub.createAnswer();
    await this.sub.setLocalDescription(answer);
    this.send({ type: 'answer', pc: 'sub', sdp: answer.sdp });
    for (const id of previous) if (!this.activeTracks.has(id)) this.onEvent('trackRemoved', { trackId: id });
    // A track re-used on a mid after renegotiation fires no new ontrack.
    for (const tr of this.sub.getTransceivers()) {
      const info = this.tracksByMid.get(tr.mid);
      if (info && this.activeTracks.has(info.trackId) && (reemit || !previous.has(info.trackId)) && tr.receiver.track) {
        this.onEvent('track', { ...info, track: tr.receiver.track });
      }
    }
  }

  // publish starts sending the microphone and camera tracks of stream.
  async publish(stream, { simulcast = true } = {}) {
    if (!this.pub) this.pub = this.newPC('pub');
    const audio = stream.getAudioTracks()[0];
    const video = stream.getVideoTracks()[0];
    if (audio && !this.senders.mic) {
      this.senders.mic = this.pub.addTransceiver(audio, { direction: 'sendonly', streams: [stream] });
    }
    if (video && !this.senders.camera) {
      const init = { direction: 'sendonly', streams: [stream] };
      if (simulcast) init.sendEncodings = SIMULCAST;
      this.senders.camera = this.pub.addTransceiver(video, init);
    }
    await this.negotiate();
  }

  // setLayers applies the server's dynacast: the camera encodes and sends
  // only the simulcast layers someone watches. A message for another mid,
  // a malformed one or one that would stop every layer is ignored.
  async setLayers({ mid, active }) {
    const tr = this.senders.camera;
    if (!tr || !mid || tr.mid !== mid || !Array.isArray(active)) return;
    const params = tr.sender.getParameters();
    const encs = params.encodings || [];
    if (encs.length < 2 || !encs.some((e) => active.includes(e.rid))) return;
    let changed = false;
    for (const e of encs) {
      const on = active.includes(e.rid);
      if (e.active !== on) { e.active = on; changed = true; }
    }
    if (changed) await tr.sender.setParameters(params);
  }

  async startScreen(track) {
    if (!this.pub) this.pub = this.newPC('pub');
    this.senders.screen = this.pub.addTransceiver(track, { direction: 'sendonly' });
    await this.negotiate();
  }

  async stopScreen() {
    const tr = this.senders.screen;
    if (!tr) return;
    delete this.senders.screen;
    tr.sender.track?.stop();
    tr.stop();
    await this.negotiate();
  }

  async replaceTrack(source, track) {
    const tr = this.senders[source];
    if (tr) await tr.sender.replaceTrack(track);
  }

  // negotiate sends a publisher offer; offers run one at a time.
  negotiate(opts = {}) {
    this.pubChain = this.pubChain.then(() => this.doNegotiate(opts)).catch((e) => console.error('confer: negotiate', e));
    return this.pubChain;
  }

  async doNegotiate(opts) {
    const offer = await this.pub.createOffer(opts);
    await this.pub.setLocalDescription(offer);
    const tracks = [];
    for (const [source, tr] of Object.entries(this.senders)) {
      if (!tr.mid) continue;
      const s = tr.sender.track?.getSettings?.() || {};
      tracks.push({ mid: tr.mid, source, height: s.height || 0 });
    }
    const answered = new Promise((resolve, reject) => {
      this.pendingAnswer = resolve;
      setTimeout(() => reject(new Error('no answer from the server')), 15000);
    });
    this.send({ type: 'offer', sdp: offer.sdp, tracks });
    const sdp = await answered;
    this.pendingAnswer = null;
    await this.pub.setRemoteDescription({ type: 'answer', sdp });
    await this.flushCandidates('pub', this.pub);
  }

  async stats() {
    const out = { inbound: [], outbound: [] };
    for (const [name, pc] of [['sub', this.sub], ['pub', this.pub]]) {
      if (!pc) continue;
      const report = await pc.getStats();
      report.forEach((s) => {
        if (s.type === 'inbound-rtp') {
          const info = [...this.tracksByMid.values()].find((t) => t.mid === s.mid) || {};
          out.inbound.push({ kind: s.kind, mid: s.mid, packets: s.packetsReceived, bytes: s.bytesReceived,
            frameHeight: s.frameHeight, participantId: info.participantId, source: info.source, pc: name });
        }
        if (s.type === 'outbound-rtp') {
          out.outbound.push({ kind: s.kind, rid: s.rid, ssrc: s.ssrc, packets: s.packetsSent, frameHeight: s.frameHeight, pli: s.pliCount, nack: s.nackCount, keyframes: s.keyFramesEncoded, pc: name });
        }
      });
    }
    return out;
  }

  // quality summarises the subscriber connection for the server's analytics:
  // round-trip time, packet loss so far, received bitrate since the last
  // call, and the ICE candidate type in use.
  async quality() {
    if (!this.sub) return null;
    const st = await this.sub.getStats();
    let rtt = 0, type = '', lost = 0, received = 0, bytes = 0;
    st.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) {
        const pair = st.get(s.selectedCandidatePairId);
        rtt = (pair?.currentRoundTripTime || 0) * 1000;
        type = st.get(pair?.localCandidateId)?.candidateType || '';
      }
      if (s.type === 'inbound-rtp') {
        lost += Math.max(0, s.packetsLost || 0);
        received += s.packetsReceived || 0;
        bytes += s.bytesReceived || 0;
      }
    });
    const now = performance.now();
    const kbps = this.lastQuality ? ((bytes - this.lastQuality.bytes) * 8) / (now - this.lastQuality.at) : 0;
    this.lastQuality = { bytes, at: now };
    return { rtt, loss: received + lost ? (100 * lost) / (received + lost) : 0, bitrate: Math.max(0, kbps), candidateType: type };
  }

  // switchRooms drops both media connections when the server moves this
  // participant to another room of the meeting (a breakout room); the new
  // room's joined message starts them again, on the same WebSocket.
  switchRooms() {
    this.switching = true;
    this.dropMedia();
  }

  // dropMedia closes both media connections and forgets what they carried.
  dropMedia() {
    this.pub?.close();
    this.sub?.close();
    this.pub = null;
    this.sub = null;
    this.senders = {};
    this.tracksByMid = new Map();
    this.activeTracks = new Set();
    this.pendingAnswer = null;
    this.pendingCandidates = { pub: [], sub: [] };
    this.pubChain = Promise.resolve();
    this.layerChain = Promise.resolve();
  }

  close() {
    this.closedByUs = true;
    this.send({ type: 'leave' });
    this.pub?.close();
    this.sub?.close();
    try { this.ws?.close(1000, 'left'); } catch { /* already closed */ }
  }
}
