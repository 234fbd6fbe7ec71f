// Confer meeting client: prejoin, lobby, the meeting (tiles, speaker view,
// chat, participants, moderator controls) and every refusal, driven by the
// signaling connection in conn.js; the IFrame API acts on api.js's
// meetingApp, and wire.js sets the page's handlers.
import { parseLocation, deviceId } from './params.js';
import { Connection } from './conn.js';
import { initEmbed } from './embed.js';
import { meetingApp } from './api.js';
import { wire } from './wire.js';
import { Layout } from './layout.js';
import { Tiles } from './tiles.js';
import { Controls, Toasts, announce, setButton, applyToolbarButtons, renderButtons, showReconnecting, hideReconnecting } from './controls.js';
import { Popover, TileStats } from './quality.js';
import { openLocal, muteLocal, listDevices, useDevice, prejoinScreen } from './devices.js';
import { refusalHint, applyBranding, inviteLink } from './screens.js';
import { chatLine, renderRoster, renderKnockList } from './roster.js';
import { Polls, pollButton } from './polls.js';
import { Reactions, SpeakerStats } from './reactions.js';
import { Recording } from './recording.js';
import { Breakout } from './breakout.js';
import { Moderation } from './moderation.js';
import { FollowMe } from './followme.js';
import { Visitors } from './visitors.js';
import { t, tr, setMessage, pickLanguage, setLanguage, onLanguage, fillLanguageSelect } from './i18n.js';

const $ = (id) => document.getElementById(id);
const params = parseLocation();
const cfg = params.config;

const state = {
  conn: null,
  ready: null,
  self: null,
  room: null,
  moderator: false,
  participants: new Map(), // id → participant
  remote: new Map(), // trackId → {participantId, source, track}
  localStream: null,
  screenTrack: null,
  audioMuted: !!cfg.startWithAudioMuted,
  videoMuted: !!cfg.startWithVideoMuted,
  hand: false,
  view: 'tile',
  dominant: '',
  password: '',
  joined: false,
  leaving: false,
  reconnects: 0,
  joins: 0, // how many times this page joined (a reconnect joins again)
  moving: false, // the server said the meeting moves: reconnect at once (MOVES)
  resume: '', // the ticket it gave to come back as the same participant
  knocks: new Map(),
  unread: 0,
  micId: '',
  camId: '',
  pinned: '',
  hideSelf: !!cfg.disableSelfView,
};
window.confer = { state, stats: () => state.conn?.stats() };
// ext is the IFrame API's iframe side (a no-op outside an embedding page).
let ext = { emit() {}, active: false };

function show(id) {
  for (const s of document.querySelectorAll('.screen')) s.hidden = s.id !== id;
}

const toasts = new Toasts(3);
const toast = (text) => toasts.show(text);
const tiles = new Tiles({ isSelf: (id) => isSelf(id), onPin: (id) => togglePin(id), onQuality: (id, source, b) => showQuality(id, source, b) });
const view = new Layout({ state, stageTile });
const layout = () => view.apply();
const sendConstraints = () => view.sendConstraints();
const tile = (id, source) => tiles.get(id, source);
const updateTile = (p) => { tiles.update(p); sendConstraints(); };
const popover = new Popover();
const stats = new TileStats({ state, tiles, popover, isSelf: (id) => isSelf(id) });
const showQuality = (id, source, button) => stats.open(id, source, button);

function refused(code, message, key) {
  const wasJoined = state.joined;
  state.joined = false;
  ext.emit('error-occurred', { error: { details: { reason: code }, message: message || code, name: code, type: 'CONNECTION', isFatal: true } });
  if (wasJoined) closed();
  stopLocal();
  $('refused-code').textContent = code || 'unknown';
  setMessage($('refused-message'), key, message);
  const hint = refusalHint(code);
  setMessage($('refused-hint'), hint, '');
  tr($('refused-title'), code === 'kicked' ? 'refused.kicked' : 'refused.title');
  show('refused');
}

function stopLocal() {
  state.localStream?.getTracks().forEach((t) => t.stop());
  state.screenTrack?.stop();
}

// ---- connecting, prejoin, join ----

async function connect() {
  show('loading');
  if (!params.room) { refused('roomInvalid', t('refused.noRoom'), 'refused.noRoom'); return; }
  const conn = newConnection();
  state.conn = conn;
  try {
    state.ready = await conn.open();
  } catch (e) {
    refused(e.code, e.message);
    return;
  }
  state.moderator = state.ready.moderator;
  applyBranding(state.ready);
  if (state.joined || cfg.prejoinConfig?.enabled === false) {
    await startLocal();
    join();
  } else {
    prejoin();
  }
}

const startLocal = async () => {
  const err = await openLocal(state, cfg);
  if (err) {
    tr($('pre-media-error'), 'prejoin.mediaError', { error: err });
    $('pre-media-error').hidden = false;
  }
};
const applyMute = () => muteLocal(state);
const fillDevices = (mic, cam) => listDevices(state, mic, cam);

async function switchDevice(kind, id) {
  const track = await useDevice(state, cfg, kind, id);
  if (kind === 'video') tile(state.self.id).querySelector('video').srcObject = new MediaStream([track]);
  toast(t('toast.switched', { device: track.label }));
}

function prejoin() {
  show('prejoin');
  prejoinScreen({ state, params, start: startLocal, stop: stopLocal, join });
}

function join() {
  state.conn.send({
    type: 'join',
    displayName: $('pre-name').value.trim() || params.userInfo.displayName || '',
    email: params.userInfo.email || '',
    password: state.password,
    audioMuted: state.audioMuted,
    videoMuted: state.videoMuted,
    region: params.region || undefined,
    resume: state.resume || undefined,
    keepMedia: (state.resume && state.conn.media) || undefined, // the node that may have kept our media
  });
  show('loading');
}

// ---- server events ----

function onEvent(type, msg) {
  switch (type) {
    case 'joined': return enterMeeting(msg);
    case 'lobby': return show('lobby');
    case 'error': return onError(msg);
    case 'participantJoined': return addParticipant(msg.participant, true);
    case 'participantLeft': return removeParticipant(msg.id, msg.reason);
    case 'participantUpdated': return updateParticipant(msg.participant);
    case 'visitors': return visitors.onCount(msg.count);
    case 'visitorRequest': return visitors.onRequest(msg);
    case 'visitorsList': return visitors.onList(msg.visitors);
    case 'promoted': return promoted(msg);
    case 'roomUpdated':
      if ((msg.room.subject || '') !== (state.room?.subject || '')) ext.emit('subject-change', { subject: msg.room.subject || '' });
      state.room = msg.room;
      return renderRoom();
    case 'track': return addTrack(msg);
    case 'trackRemoved': return removeTrack(msg.trackId);
    case 'dominantSpeaker': state.dominant = msg.id; ext.emit('dominant-speaker-changed', { id: msg.id }); return layout();
    case 'chat': return addChat(msg);
    case 'poll': return polls.update(msg.poll);
    case 'reaction': return reactions.show(msg);
    case 'speakerStats': return speakerStats.update(msg.stats || []);
    case 'recordingStatus': return recording.update(msg);
    case 'breakoutRooms': return breakout.update(msg.rooms);
    case 'moved': return breakout.moved(msg);
    case 'followMe': return followMe.update(msg);
    case 'recordingLink': return recording.linkAvailable(msg);
    case 'remoteMute': return remoteMute(msg);
    case 'avModeration': case 'forceMuted': case 'mediaApproved': case 'mediaRejected': return moderation.onMessage(type, msg);
    case 'knocking':
      state.knocks.set(msg.participant.id, msg.participant);
      ext.emit('knocking-participant', { participant: { id: msg.participant.id, name: msg.participant.name } });
      return renderKnocks();
    case 'knockingGone': state.knocks.delete(msg.id); return renderKnocks();
    case 'kicked': state.leaving = true; return refused('kicked', t('hint.kicked'), 'hint.kicked');
    case 'denied': state.leaving = true; return refused('denied', t('hint.denied'), 'hint.denied');
    case 'ended': state.leaving = true; return ended('ended.title', 'ended.byModerator');
    case 'closed': return onClosed(msg);
    case 'connectionState': return setStatus(msg.state === 'connected' ? '' : t('meeting.media', { state: msg.state }));
  }
}

function onError(msg) {
  if (msg.code === 'passwordRequired' || msg.code === 'passwordWrong') {
    ext.emit('password-required');
    tr($('password-message'), msg.code === 'passwordWrong' ? 'password.wrong' : 'password.enter');
    show('password');
    $('password-input').focus();
    return;
  }
  if (MOVES.has(msg.code)) { // the close that follows reconnects; with a ticket, as the same participant
    state.moving = true;
    if (msg.resume) state.resume = msg.resume;
    return;
  }
  if (msg.fatal) { state.leaving = true; refused(msg.code, msg.message); return; }
  if (recording.refused(msg) || moderation.refused(msg)) return;
  toast(msg.message);
}

// MOVES are the errors that close the connection because the meeting, or
// the participant's media, goes on on another node (a node drained or
// lost): the page reconnects at once, and is placed there.
const MOVES = new Set(['meetingMoved', 'mediaMoved', 'mediaLost']);

function onClosed({ code, reason, byUs }) {
  if (byUs || state.leaving) return;
  if (!state.joined) { if ($('loading').hidden === false) refused('connectionFailed', reason || t('refused.lost'), reason ? '' : 'refused.lost'); return; }
  // A network blip or a server restart: rejoin automatically.
  setStatus(t('reconnect.title'));
  if (!state.conn.media) { // our media was on the lost node too; else the node carrying it may keep it (reconnect)
    state.conn.dropMedia();
    for (const id of [...state.remote.keys()]) removeTrack(id);
  }
  // A move: soon, spread over a second so a meeting's people do not all
  // arrive at once; else backing off.
  const delay = state.moving ? 200 + Math.random() * 800 : Math.min(30000, 1000 * 2 ** state.reconnects++);
  state.moving = false;
  showReconnecting(state.reconnects, delay, !!state.conn.media);
  setTimeout(reconnect, delay);
}

// newConnection makes the signaling connection; config.iceTransportPolicy
// "relay" sends all media through the TURN server.
function newConnection() {
  return new Connection({ room: params.room, jwt: params.jwt, deviceId: deviceId(), onEvent,
    iceTransportPolicy: cfg.iceTransportPolicy === 'relay' ? 'relay' : 'all' });
}

async function reconnect() {
  const conn = state.conn;
  try {
    state.ready = await conn.reopen();
  } catch (e) {
    if (e.code === 'connectionFailed' || !e.code) { onClosed({}); return; }
    state.leaving = true;
    refused(e.code, e.message);
    return;
  }
  applyBranding(state.ready);
  join();
}

function setStatus(text) { $('status').textContent = text; }

// ---- the meeting ----

async function enterMeeting(msg) {
  state.joined = true;
  state.joins++;
  state.reconnects = 0;
  state.resume = msg.resume || ''; // to come back as this participant if the meeting's node goes away
  state.self = msg.self;
  state.room = msg.room;
  state.moderator = msg.self.role === 'moderator';
  state.dominant = msg.dominantSpeaker || '';
  state.participants.clear();
  if (!msg.mediaKept) for (const id of [...state.remote.keys()]) removeTrack(id); // media kept elsewhere, but not taken back
  $('tiles').replaceChildren();
  $('stage').replaceChildren();
  tiles.handQueue = [];
  view.reset();
  hideReconnecting();
  state.visitor = msg.self.role === 'visitor'; // watches only (visitors.js)
  if (state.visitor) {
    stopLocal();
    state.localStream = null;
  }
  for (const p of msg.participants) addParticipant(p, false);
  visitors.joined(msg);
  moderation.joined();
  polls.reset(msg.polls);
  recording.reset();
  breakout.joined();
  followMe.joined(msg.followMe);
  show('meeting');
  const me = state.self;
  ext.emit('video-conference-joined', { roomName: params.room, id: me.id, displayName: me.name, formattedDisplayName: `${me.name} (me)`,
    avatarURL: me.avatar || '', breakoutRoom: !!state.room.breakoutId, email: me.email || '', visitor: !!state.visitor });
  ext.emit('conference-created-timestamp', { timestamp: Date.parse(state.room.createdAt) || Date.now() });
  ext.emit('audio-mute-status-changed', { muted: state.audioMuted });
  ext.emit('video-mute-status-changed', { muted: state.videoMuted });
  setStatus('');
  renderRoom();
  renderToolbar();
  const local = state.localStream;
  if (local && local.getTracks().length) {
    tile(state.self.id).querySelector('video').srcObject = new MediaStream(local.getVideoTracks());
    await state.conn.publish(local, { simulcast: cfg.disableSimulcast !== true });
  }
  if (state.screenTrack && !state.conn.senders.screen) await state.conn.startScreen(state.screenTrack);
  if (cfg.subject && state.moderator && !state.room.subject) {
    state.conn.send({ type: 'moderate', action: 'subject', subject: String(cfg.subject) });
  }
  layout();
}

function renderRoom() {
  const r = state.room || {};
  $('subject').textContent = r.subject || params.roomName;
  document.title = `${r.subject || params.roomName} · Confer`;
  $('room-flags').textContent = [r.lobby && t('meeting.lobbyOn'), r.hasPassword && t('meeting.locked')].filter(Boolean).join(' · ');
  $('mod-settings').hidden = !state.moderator;
  $('set-lobby').checked = !!r.lobby;
  recording.render();
}

function isSelf(id) { return state.self && id === state.self.id; }

function addParticipant(p, tell) {
  state.participants.set(p.id, p);
  if (!isSelf(p.id)) {
    ext.emit('participant-joined', { id: p.id, displayName: p.name, formattedDisplayName: p.name,
      userContext: { user: { id: p.userId || '', name: p.name, email: p.email || '', avatar: p.avatar || '' } } });
  }
  tile(p.id);
  updateTile(p);
  if (tell) toast(t('toast.joined', { name: p.name }));
  renderPeople();
  layout();
}

function removeParticipant(id, reason) {
  const p = state.participants.get(id);
  state.participants.delete(id);
  tiles.forget(id);
  tiles.renderHands();
  if (state.pinned === id) state.pinned = '';
  if (reason === 'kicked') ext.emit('participant-kicked-out', { kicked: { id, local: false }, kicker: {} });
  ext.emit('participant-left', { id });
  if (p && reason !== 'switch_room') toast(t(reason === 'kicked' ? 'toast.removed' : 'toast.left', { name: p.name }));
  renderPeople();
  layout();
}

function updateParticipant(p) {
  const before = state.participants.get(p.id);
  state.participants.set(p.id, p);
  if (isSelf(p.id)) {
    state.self = p;
    const wasMod = state.moderator;
    state.moderator = p.role === 'moderator';
    if (!wasMod && state.moderator) toast(t('toast.moderator'));
    renderRoom();
  }
  if (before && !before.handRaised && p.handRaised && !isSelf(p.id)) toast(t('toast.hand', { name: p.name, n: tiles.handQueue.length + 1 }));
  if (before && before.role !== p.role) ext.emit('participant-role-changed', { id: p.id, role: p.role });
  if (before && before.name !== p.name) ext.emit('display-name-change', { id: p.id, displayname: p.name, formattedDisplayName: p.name });
  if (before && before.handRaised !== p.handRaised) ext.emit('raise-hand-updated', { id: p.id, handRaised: p.handRaised ? Date.now() : 0 });
  updateTile(p);
  renderPeople();
}

function addTrack(t) {
  state.remote.set(t.trackId, t);
  if (t.track.kind === 'audio') {
    const existing = $('audio').querySelector(`audio[data-track-id="${CSS.escape(t.trackId)}"]`);
    if (existing?.srcObject?.getAudioTracks()[0] === t.track) return; // kept across a reconnect
    existing?.remove();
    const audio = document.createElement('audio');
    audio.autoplay = true;
    audio.dataset.trackId = t.trackId;
    audio.srcObject = new MediaStream([t.track]);
    $('audio').append(audio);
    return;
  }
  const el = tile(t.participantId, t.source === 'screen' ? 'screen' : 'camera');
  el.dataset.trackId = t.trackId;
  const video = el.querySelector('video');
  video.srcObject = new MediaStream([t.track]);
  const p = state.participants.get(t.participantId);
  if (p) updateTile(p);
  video.hidden = t.source !== 'screen' && !!p?.videoMuted;
  if (t.source === 'screen' && state.view === 'tile') setView('stage');
  layout();
}

function removeTrack(trackId) {
  const t = state.remote.get(trackId);
  state.remote.delete(trackId);
  document.querySelector(`audio[data-track-id="${CSS.escape(trackId)}"]`)?.remove();
  const el = document.querySelector(`.tile[data-track-id="${CSS.escape(trackId)}"]`);
  if (!el) return;
  if (t?.source === 'screen') el.remove();
  else { el.querySelector('video').srcObject = null; el.querySelector('video').hidden = true; delete el.dataset.trackId; }
  layout();
}

// ---- views: tile view and speaker (stage) view ----

function setView(v) {
  if (v !== state.view && followMe.holds()) return; // follow-me: the leader decides (followme.js)
  if (state.view !== v) ext.emit('tile-view-changed', { enabled: v === 'tile' });
  state.view = v;
  const tileView = v === 'tile';
  setButton('tb-view', { iconName: tileView ? 'speaker' : 'tile', label: t(tileView ? 'toolbar.speakerView' : 'toolbar.tileView') });
  layout();
  followMe.changed();
}

// stageTile is speaker view's big tile: the pinned participant, else a
// screen share, else the dominant speaker, else someone else.
function stageTile(list) {
  const camera = (id) => list.find((el) => el.dataset.id === id && el.dataset.source === 'camera')
    || document.querySelector(`.tile[data-id="${CSS.escape(id)}"][data-source="camera"]`);
  if (state.pinned && state.participants.has(state.pinned)) return camera(state.pinned);
  const screen = list.find((el) => el.dataset.source === 'screen');
  if (screen) return screen;
  const id = state.dominant && !isSelf(state.dominant) && state.participants.has(state.dominant) ? state.dominant
    : [...state.participants.keys()].find((k) => !isSelf(k));
  return id ? camera(id) : null;
}

// togglePin pins a participant to speaker view's big tile, or unpins.
function togglePin(id) { app.pin(state.pinned === id ? '' : id); }

function toggleSelfView() {
  state.hideSelf = !state.hideSelf;
  $('set-selfview').checked = state.hideSelf;
  renderSelfViewItem();
  toast(t(state.hideSelf ? 'toast.selfHidden' : 'toast.selfShown'));
  layout();
}

function renderSelfViewItem() { tr($('om-selfview').querySelector('.txt'), state.hideSelf ? 'menu.showSelf' : 'menu.hideSelf'); }

// ---- toolbar ----

function renderToolbar() {
  renderButtons(state);
  moderation.render();
  const el = state.self && !state.visitor && tile(state.self.id); // a visitor has no tile of its own
  if (el) el.querySelector('video').hidden = state.videoMuted || !state.localStream?.getVideoTracks().length;
  visitors.render();
}

// promoted: a moderator let this visitor in; it publishes as participants do.
async function promoted(msg) {
  state.visitor = false;
  state.hand = false;
  state.self = msg.participant;
  addParticipant(msg.participant, false);
  toast(t('visitors.promoted'));
  const me = state.self;
  ext.emit('video-conference-joined', { roomName: params.room, id: me.id, displayName: me.name, formattedDisplayName: `${me.name} (me)`,
    avatarURL: me.avatar || '', breakoutRoom: false, email: me.email || '', visitor: false });
  await startLocal();
  const local = state.localStream;
  if (local && local.getTracks().length) {
    tile(me.id).querySelector('video').srcObject = new MediaStream(local.getVideoTracks());
    await state.conn.publish(local, { simulcast: cfg.disableSimulcast !== true });
  }
  sendMedia();
  layout();
}

function sendMedia() {
  applyMute();
  if (state.reported?.audio !== state.audioMuted) ext.emit('audio-mute-status-changed', { muted: state.audioMuted });
  if (state.reported?.video !== state.videoMuted) ext.emit('video-mute-status-changed', { muted: state.videoMuted });
  if (state.reported?.screen !== !!state.screenTrack) ext.emit('screen-sharing-status-changed', { on: !!state.screenTrack, details: state.screenTrack ? { sourceType: 'screen' } : {} });
  state.reported = { audio: state.audioMuted, video: state.videoMuted, screen: !!state.screenTrack };
  state.conn.send({ type: 'media', audioMuted: state.audioMuted, videoMuted: state.videoMuted, screenSharing: !!state.screenTrack });
  renderToolbar();
}

function remoteMute(msg) {
  if (msg.kind === 'audio') state.audioMuted = true; else state.videoMuted = true;
  sendMedia();
  toast(t(msg.kind === 'audio' ? 'toast.micOff' : 'toast.cameraOff'));
}

async function toggleScreen() {
  if (state.screenTrack) {
    state.screenTrack = null;
    document.querySelector(`.tile[data-id="${CSS.escape(state.self.id)}"][data-source="screen"]`)?.remove();
    await state.conn.stopScreen();
  } else {
    if (!navigator.mediaDevices?.getDisplayMedia) { toast(t('toolbar.noShare')); return; }
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 }, audio: false });
    } catch (e) {
      toast(t('toast.shareFailed', { error: e.name }));
      return;
    }
    const track = stream.getVideoTracks()[0];
    track.contentHint = 'detail';
    state.screenTrack = track;
    track.onended = () => { if (state.screenTrack === track) toggleScreen(); };
    const el = tile(state.self.id, 'screen');
    el.querySelector('video').srcObject = new MediaStream([track]);
    tr(el.querySelector('.name'), 'tile.yourScreen');
    el.querySelector('.avatar').hidden = true;
    await state.conn.startScreen(track);
    layout();
  }
  sendMedia();
}

function togglePanel(id) {
  const before = { chat: !$('chat').hidden, people: !$('people').hidden };
  for (const p of ['chat', 'people', 'settings', 'polls', 'breakout']) $(p).hidden = p === id ? !$(p).hidden : true;
  if (before.chat !== !$('chat').hidden) ext.emit('chat-updated', { isOpen: !$('chat').hidden, unreadCount: $('chat').hidden ? state.unread : 0 });
  if (before.people !== !$('people').hidden) ext.emit('participants-pane-toggled', { open: !$('people').hidden });
  if (id === 'chat' && !$('chat').hidden) { state.unread = 0; $('chat-badge').hidden = true; $('chat-input').focus(); }
  if (id === 'settings' && !$('settings').hidden) fillDevices($('set-mic'), $('set-cam'));
  layout();
}

// ---- chat, participants and moderation ----

// ---- polls, reactions and speaker stats (polls.js, reactions.js) ----

const polls = new Polls({
  container: $('meeting').querySelector('.body'),
  send: (m) => state.conn?.send(m),
  selfId: () => state.self?.id,
  isModerator: () => state.moderator,
  canCreate: () => state.ready?.features?.['create-polls'] !== false,
  toggle: () => togglePanel('polls'),
  onNew: (p, text) => { if ($('polls').hidden) toast(text); announce(text); },
});
pollButton($('tb-people'), $('more-menu'), () => togglePanel('polls'));
const reactions = new Reactions({ stage: $('main'), send: (m) => state.conn?.send(m), toast: (x) => toast(x), announce,
  nameOf: (id) => state.participants.get(id)?.name || '' });
reactions.addButton($('tb-hand'));
const speakerStats = new SpeakerStats({ container: $('meeting'), send: (m) => state.conn?.send(m) });
speakerStats.addMenuItem($('more-menu'));
const recording = new Recording({ state, cfg, send: (m) => state.conn?.send(m), toast: (x) => toast(x), emit: (...a) => ext.emit(...a) });
const breakout = new Breakout({ state, send: (m) => state.conn?.send(m), toast, announce, emit: (...a) => ext.emit(...a), toggle: () => togglePanel('breakout'),
  leaveMedia: () => { state.conn.switchRooms(); for (const id of [...state.remote.keys()]) removeTrack(id); },
  container: $('meeting').querySelector('.body'), menu: $('more-menu'), topbar: $('meeting').querySelector('.topbar') });
const moderation = new Moderation({ state, moderate: (...a) => moderate(...a), toast: (x) => toast(x), emit: (...a) => ext.emit(...a),
  sendMedia: () => sendMedia(), raiseHand: (raised) => { state.hand = raised; state.conn?.send({ type: 'hand', raised }); renderToolbar(); } });
const followMe = new FollowMe({ state, send: (m) => state.conn?.send(m), setView: (v) => setView(v), layout, toast,
  settings: $('mod-settings'), menu: $('more-menu'), topbar: $('meeting').querySelector('.topbar') });

const visitors = new Visitors({ state, moderate: (...a) => moderate(...a), send: (m) => state.conn?.send(m), topbar: $('meeting').querySelector('.topbar'), people: $('people') });

const people = { state, isSelf: (id) => isSelf(id), emit: (...a) => ext.emit(...a), moderate: (...a) => moderate(...a), hands: () => tiles.handQueue };
const addChat = (msg) => chatLine(people, msg);
const renderPeople = () => { renderRoster(people); moderation.decorate(); renderToolbar(); followMe.render(); };
const renderKnocks = () => renderKnockList(people);

function moderate(action, target, extra = {}) {
  state.conn.send({ type: 'moderate', action, target, ...extra });
}

// ---- invite link ----

function showInvite() {
  $('invite-link').value = inviteLink(state.ready, cfg);
  $('invite-dialog').hidden = false;
  $('invite-link').select();
}

// ---- leaving ----

// closed tells an embedding page the meeting is over for this participant.
function closed() {
  if (state.closedSent) return;
  state.closedSent = true;
  ext.emit('video-conference-left', { roomName: params.room });
  ext.emit('video-ready-to-close');
}

function ended(title, message) {
  if (state.joined) closed();
  state.joined = false;
  stopLocal();
  state.conn?.close();
  tr($('ended-title'), title);
  setMessage($('ended-message'), message, '');
  $('feedback-form').hidden = !state.room?.meetingId;
  show('ended');
}

function leave() {
  state.leaving = true;
  ended('ended.left', '');
}

// app is what the IFrame API's commands and requests act on (api.js).
const app = meetingApp({ state, cfg, params, toasts, emit: (...a) => ext.emit(...a), moderate, leave, toast, togglePanel, setView,
  toggleScreen, sendMedia, join, sendConstraints, renderPeople, switchDevice, recording, moderation, breakout, followMe });

// Audio levels and connection quality on the tiles, every 700 ms.
setInterval(() => stats.refresh(), 700);

// Report connection quality every 10 s for the analytics.
setInterval(async () => {
  if (!state.joined) return;
  const q = await state.conn.quality().catch(() => null);
  if (q) state.conn.send({ type: 'stats', ...q });
}, 10000);

// relabel redraws the text scripts wrote after a language change.
function relabel() {
  fillLanguageSelect($('set-lang'));
  controls.renderHelp();
  renderToolbar();
  setView(state.view);
  renderSelfViewItem();
  applyToolbarButtons(cfg);
  for (const p of state.participants.values()) tiles.update(p);
  if (state.joined) { renderRoom(); renderPeople(); renderKnocks(); view.apply(); }
}

await setLanguage(pickLanguage(params));
const controls = new Controls({ isJoined: () => state.joined, onSelfView: toggleSelfView });
onLanguage(relabel);
fillLanguageSelect($('set-lang'));
wire({ state, params, app, controls, popover, join, renderToolbar, showInvite, switchDevice, toggleSelfView });
renderToolbar();
setView(state.view);
applyToolbarButtons(cfg);
ext = initEmbed(params, app);
connect();
