// Media statistics for the tiles, from the peer connections' getStats:
// everyone's audio level, and each tile's connection quality with its
// bitrate, packet loss, round-trip time and resolution (shown in a popover).
import { t } from './i18n.js';

// grade turns loss (%) and round-trip time (ms) into good, fair or poor.
export function grade({ loss, rtt, kbps }) {
  if (loss === undefined && !rtt && !kbps) return 'unknown';
  if (loss > 10 || rtt > 700) return 'poor';
  if (loss > 3 || rtt > 300) return 'fair';
  return 'good';
}

// Sampler keeps the previous counters of each stream to turn them into
// rates; sample() returns {levels: {pid: 0..1}, tiles: {"pid/source": stats}}.
export class Sampler {
  constructor() { this.prev = new Map(); }

  // rate turns a stream's counters into kbit/s and loss (%) over windows
  // of at least 1.5 s (a sooner sample repeats the last figures).
  rate(key, bytes, lost, received, now) {
    const p = this.prev.get(key);
    if (p && now - p.now < 1500) return { kbps: p.kbps, loss: p.loss };
    const dl = p ? Math.max(0, lost - p.lost) : 0;
    const dr = p ? Math.max(0, received - p.received) : 0;
    const r = { kbps: p ? ((bytes - p.bytes) * 8) / (now - p.now) : 0, loss: dl + dr ? (100 * dl) / (dl + dr) : 0 };
    this.prev.set(key, { bytes, lost, received, now, ...r });
    return r;
  }

  async sample(conn, selfId) {
    const out = { levels: {}, tiles: {} };
    if (!conn) return out;
    const now = performance.now();
    if (conn.sub) await this.inbound(conn, await conn.sub.getStats(), now, out);
    if (conn.pub) this.outbound(await conn.pub.getStats(), now, out, selfId, conn.senders.screen?.mid);
    return out;
  }

  async inbound(conn, st, now, out) {
    let rtt = 0;
    st.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) rtt = (st.get(s.selectedCandidatePairId)?.currentRoundTripTime || 0) * 1000;
    });
    st.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      const info = conn.tracksByMid.get(s.mid);
      if (!info || !conn.activeTracks.has(info.trackId)) return;
      const pid = info.participantId;
      if (s.kind === 'audio') {
        out.levels[pid] = Math.max(out.levels[pid] || 0, s.audioLevel || 0);
        const key = `${pid}/camera`;
        const r = this.rate(s.id, s.bytesReceived || 0, Math.max(0, s.packetsLost || 0), s.packetsReceived || 0, now);
        if (!out.tiles[key]) out.tiles[key] = { kbps: r.kbps, loss: r.loss, rtt, width: 0, height: 0, audioOnly: true };
        else out.tiles[key].kbps += r.kbps;
        return;
      }
      const key = `${pid}/${info.source === 'screen' ? 'screen' : 'camera'}`;
      const r = this.rate(s.id, s.bytesReceived || 0, Math.max(0, s.packetsLost || 0), s.packetsReceived || 0, now);
      const audio = out.tiles[key];
      out.tiles[key] = { kbps: r.kbps + (audio?.kbps || 0), loss: Math.max(r.loss, audio?.loss || 0), rtt,
        width: s.frameWidth || 0, height: s.frameHeight || 0, fps: s.framesPerSecond || 0 };
    });
  }

  outbound(st, now, out, selfId, screenMid) {
    const tile = { kbps: 0, loss: 0, rtt: 0, width: 0, height: 0 };
    const screen = { kbps: 0, loss: 0, rtt: 0, width: 0, height: 0 };
    st.forEach((s) => {
      if (s.type === 'media-source' && s.kind === 'audio') out.levels[selfId] = s.audioLevel || 0;
      if (s.type === 'remote-inbound-rtp') {
        tile.rtt = Math.max(tile.rtt, (s.roundTripTime || 0) * 1000);
        tile.loss = Math.max(tile.loss, (s.fractionLost || 0) * 100);
      }
      if (s.type !== 'outbound-rtp') return;
      const r = this.rate(s.id, s.bytesSent || 0, 0, 0, now);
      const t = screenMid && s.mid === screenMid ? screen : tile;
      t.kbps += r.kbps;
      if (s.kind === 'video' && (s.frameHeight || 0) > t.height) { t.height = s.frameHeight; t.width = s.frameWidth || 0; }
    });
    screen.rtt = tile.rtt;
    screen.loss = tile.loss;
    out.tiles[`${selfId}/camera`] = tile;
    if (screen.kbps) out.tiles[`${selfId}/screen`] = screen;
  }
}

const fmt = {
  kbps: (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)} Mbit/s` : `${Math.round(v)} kbit/s`),
  loss: (v) => `${v.toFixed(1)} %`,
  rtt: (v) => (v ? `${Math.round(v)} ms` : '—'),
  res: (s) => (s.height ? `${s.width}×${s.height}${s.fps ? ` @ ${Math.round(s.fps)} fps` : ''}` : s.audioOnly ? t('quality.audioOnly') : '—'),
};

// Popover is the connection details of one tile, kept up to date while open.
export class Popover {
  constructor() {
    this.el = document.getElementById('quality-pop');
    this.key = '';
    this.anchor = null;
    document.getElementById('qp-close').onclick = () => this.close();
  }

  open(key, name, anchor) {
    if (this.key === key && !this.el.hidden) { this.close(); return; }
    this.key = key;
    this.anchor = anchor;
    document.getElementById('qp-title').textContent = name;
    this.el.hidden = false;
    this.place();
    anchor.setAttribute('aria-expanded', 'true');
    document.getElementById('qp-close').focus();
  }

  close() {
    if (this.el.hidden) return;
    this.el.hidden = true;
    this.anchor?.setAttribute('aria-expanded', 'false');
    this.anchor?.focus();
    this.key = '';
  }

  place() {
    const r = this.anchor.getBoundingClientRect();
    const w = this.el.offsetWidth;
    const h = this.el.offsetHeight;
    this.el.style.left = `${Math.max(8, Math.min(window.innerWidth - w - 8, r.left))}px`;
    this.el.style.top = `${r.bottom + 6 + h > window.innerHeight ? Math.max(8, r.top - h - 6) : r.bottom + 6}px`;
  }

  // show fills in the open tile's figures from a sample.
  show(tiles) {
    if (this.el.hidden || !this.key) return;
    const s = tiles[this.key];
    const set = (id, text) => { document.getElementById(id).textContent = text; };
    set('qp-quality', s ? t(`quality.${grade(s)}`) : t('quality.noMedia'));
    set('qp-bitrate', s ? fmt.kbps(s.kbps) : '—');
    set('qp-loss', s ? fmt.loss(s.loss) : '—');
    set('qp-rtt', s ? fmt.rtt(s.rtt) : '—');
    set('qp-res', s ? fmt.res(s) : '—');
  }
}

// TileStats samples the media statistics every so often and shows them on
// the tiles: audio levels, connection quality, and the open popover.
export class TileStats {
  constructor({ state, tiles, popover, isSelf }) {
    Object.assign(this, { state, tiles, popover, isSelf, sampler: new Sampler(), busy: false });
  }

  // open shows the connection details of a tile.
  open(id, source, button) {
    const p = this.state.participants.get(id);
    const who = this.isSelf(id) ? t('quality.you') : p?.name || t('quality.participant');
    this.popover.open(`${id}/${source}`, source === 'screen' ? t('quality.screen', { name: who }) : who, button);
    this.refresh();
  }

  // refresh takes a sample (not in a hidden tab, one at a time).
  async refresh() {
    const { state, tiles } = this;
    if (!state.joined || this.busy || document.hidden) return;
    this.busy = true;
    try {
      const s = await this.sampler.sample(state.conn, state.self.id);
      for (const [id, p] of state.participants) tiles.level(id, p.audioMuted ? 0 : s.levels[id] || 0);
      for (const el of document.querySelectorAll('.tile')) {
        const st = s.tiles[`${el.dataset.id}/${el.dataset.source}`];
        tiles.quality(el.dataset.id, el.dataset.source, st ? grade(st) : 'unknown');
      }
      this.popover.show(s.tiles);
      state.tileStats = s.tiles;
    } catch (e) {
      console.warn('confer: stats', e);
    } finally {
      this.busy = false;
    }
  }
}
