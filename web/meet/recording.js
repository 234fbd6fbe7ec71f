// The meeting's recording and live stream as the page shows them: the
// Record item of the overflow menu (moderators whose token has
// context.features.recording), the red indicator in the top bar for
// everyone while it runs, toasts (which screen readers hear) when it starts
// and stops and when the server refuses, and the IFrame API's
// recordingStatusChanged event.
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
    this.status = { on: false, mode: 'file' };
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
    this.m.send(msg);
  }

  // stop asks the server to stop what runs (mode, if given, says which).
  stop(mode) {
    const msg = { type: 'recording', action: 'stop' };
    if (mode === 'file' || mode === 'stream') msg.mode = mode;
    this.m.send(msg);
  }

  // toggle is the Record item's click.
  toggle() {
    if (this.status.on) this.stop(this.status.mode); else this.start({ mode: 'file' });
  }

  // update applies a recordingStatus message.
  update(msg) {
    const was = this.before || this.status;
    this.before = null;
    const on = !!msg.on;
    const mode = msg.mode || 'file';
    const id = msg.recordingSessionId || '';
    this.status = { on, mode, id };
    this.render();
    if (was.on === on && (!on || (was.mode === mode && was.id === id))) return;
    const stream = mode === 'stream';
    const name = msg.initiatorName || '?';
    // A status saying it has run for a while is the one a joiner gets.
    if (on && (msg.recordedMs || 0) >= 1000) this.m.toast(t(stream ? 'toast.streamOn' : 'toast.recordingOn', { name }));
    else if (on) this.m.toast(t(stream ? 'toast.streamStarted' : 'toast.recordingStarted', { name }));
    else this.m.toast(t(stream ? 'toast.streamStopped' : 'toast.recordingStopped', { reason: msg.reason || '' }));
    this.m.emit('recording-status-changed', { on, mode });
  }

  // refused shows a refusal of a recording command; it reports whether the
  // error was one.
  refused(msg) {
    if (!CODES.has(msg.code)) return false;
    this.m.toast(t('toast.recordingRefused', { reason: msg.message || msg.code }));
    this.m.emit('recording-status-changed', { on: this.status.on, mode: this.status.mode, error: msg.code });
    return true;
  }

  // reset forgets the status on (re)joining: the server repeats it if a
  // recording runs. A rejoin during the same recording is not announced
  // again (update compares with the status from before, and its session).
  reset() {
    this.before = this.status;
    this.status = { on: false, mode: 'file' };
    this.render();
  }

  // render shows the indicator and the Record item.
  render() {
    const { on, mode } = this.status;
    const stream = mode === 'stream';
    $('rec-indicator').hidden = !on;
    $('rec-indicator').classList.toggle('live', stream);
    tr($('rec-text'), stream ? 'recording.live' : 'recording.on');
    const item = $('om-record');
    item.hidden = !this.allowed();
    const label = t(on ? (stream ? 'menu.stopStream' : 'menu.stopRecording') : 'menu.startRecording');
    setButton('om-record', { iconName: on ? 'recordStop' : 'record', label });
    item.querySelector('.txt').textContent = label;
  }
}
