// The meeting's recording and live stream as the page shows them: the
// Record item of the overflow menu (moderators whose token has
// context.features.recording), the red indicator in the top bar for
// everyone while it runs, toasts (which screen readers hear) when it starts
// and stops and when the server refuses, and the IFrame API's
// recordingStatusChanged and recordingLinkAvailable events.
import { t, tr } from './i18n.js';
import { setButton } from './controls.js';

const $ = (id) => document.getElementById(id);

// CODES are the error codes the server refuses a recording command with.
const CODES = new Set(['recordingNotAllowed', 'alreadyRecording', 'notRecording', 'recordingNoSpace',
  'recordingBadStream', 'recordingUnavailable']);

// Recording keeps the meeting's recording status. m has state, cfg, send
// (to the server), toast and emit (the IFrame API's events).
export class Recording {
  constructor(m) {
    this.m = m;
    // One status per mode: a recording and a live stream may run at once.
    this.status = { file: { on: false }, stream: { on: false } };
    this.asked = 'file'; // the mode of the last command, for refusals
  }

  // allowed tells whether self may start a recording from the page.
  allowed() {
    const { state, cfg } = this.m;
    const listed = !Array.isArray(cfg.toolbarButtons) || cfg.toolbarButtons.includes('recording');
    return listed && state.moderator && !!state.ready?.features?.recording;
  }

  // start asks the server to start a recording (mode "file") or a live
  // stream (mode "stream", with the stream key passed through).
  start(opts = {}) {
    const mode = String(opts.mode || 'file');
    const msg = { type: 'recording', action: 'start', mode };
    if (opts.rtmpStreamKey) msg.rtmpStreamKey = String(opts.rtmpStreamKey);
    const yt = opts.youtubeStreamKey || opts.youTubeStreamKey;
    if (yt) msg.youtubeStreamKey = String(yt);
    const broadcast = opts.rtmpBroadcastID || opts.youtubeBroadcastID;
    if (broadcast) msg.broadcastId = String(broadcast);
    this.asked = mode;
    this.m.send(msg);
  }

  // stop asks the server to stop the recording or the live stream (mode;
  // without one, the recording if it runs, else the stream).
  stop(mode) {
    const msg = { type: 'recording', action: 'stop' };
    if (mode === 'file' || mode === 'stream') msg.mode = mode;
    this.asked = msg.mode || (this.status.file.on || !this.status.stream.on ? 'file' : 'stream');
    this.m.send(msg);
  }

  // toggle is the Record item's click: the recording, whatever streams.
  toggle() {
    if (this.status.file.on) this.stop('file'); else this.start({ mode: 'file' });
  }

  // update applies a recordingStatus message.
  update(msg) {
    const mode = msg.mode === 'stream' ? 'stream' : 'file';
    const was = (this.before && this.before[mode]) || this.status[mode];
    if (this.before) this.before[mode] = null;
    const on = !!msg.on;
    const id = msg.recordingSessionId || '';
    this.status[mode] = { on, id, viewURL: on ? msg.liveStreamViewURL || '' : '' };
    this.render();
    if (was.on === on && (!on || was.id === id)) return;
    const stream = mode === 'stream';
    const name = msg.initiatorName || '?';
    // A status saying it has run for a while is the one a joiner gets.
    if (on && (msg.recordedMs || 0) >= 1000) this.m.toast(t(stream ? 'toast.streamOn' : 'toast.recordingOn', { name }));
    else if (on) this.m.toast(t(stream ? 'toast.streamStarted' : 'toast.recordingStarted', { name }));
    else this.m.toast(t(stream ? 'toast.streamStopped' : 'toast.recordingStopped', { reason: msg.reason || '' }));
    this.m.emit('recording-status-changed', { on, mode });
  }

  // livestreamUrl is where people watch the live stream (the IFrame API's
  // getLivestreamUrl), when it feeds a known YouTube broadcast.
  livestreamUrl() { return this.status.stream.viewURL || undefined; }

  // linkAvailable passes on the link of a recording composited while the
  // meeting runs, which the server sends only to those who may record:
  // the IFrame API's recordingLinkAvailable {link, ttl} (ttl in ms).
  linkAvailable(msg) {
    if (typeof msg.link !== 'string' || !msg.link) return;
    this.m.emit('recording-link-available', { link: msg.link, ttl: Number(msg.ttl) || 0 });
  }

  // refused shows a refusal of a recording command; it reports whether the
  // error was one.
  refused(msg) {
    if (!CODES.has(msg.code)) return false;
    this.m.toast(t('toast.recordingRefused', { reason: msg.message || msg.code }));
    const mode = this.asked;
    this.m.emit('recording-status-changed', { on: this.status[mode].on, mode, error: msg.code });
    return true;
  }

  // reset forgets the status on (re)joining: the server repeats what runs.
  // A rejoin during the same recording is not announced again (update
  // compares with the status from before, and its session).
  reset() {
    this.before = this.status;
    this.status = { file: { on: false }, stream: { on: false } };
    this.render();
  }

  // render shows the indicator (Recording, Live, or both), the Record item
  // and, while a live stream runs, the item that stops it.
  render() {
    const rec = this.status.file.on;
    const live = this.status.stream.on;
    $('rec-indicator').hidden = !rec && !live;
    $('rec-indicator').classList.toggle('live', live && !rec);
    const text = $('rec-text');
    if (rec && live) {
      delete text.dataset.i18n;
      text.textContent = `${t('recording.on')} · ${t('recording.live')}`;
    } else {
      tr(text, live ? 'recording.live' : 'recording.on');
    }
    const item = $('om-record');
    item.hidden = !this.allowed();
    const label = t(rec ? 'menu.stopRecording' : 'menu.startRecording');
    setButton('om-record', { iconName: rec ? 'recordStop' : 'record', label });
    item.querySelector('.txt').textContent = label;
    const streamItem = $('om-stream');
    if (streamItem) streamItem.hidden = !live || !this.m.state.moderator || !this.m.state.ready?.features?.livestreaming;
  }
}
