// Confer meeting client: prejoin, lobby, the meeting (tiles, speaker view,
// chat, participants, moderator controls) and every refusal, driven by the
// signaling connection in conn.js.
import { parseLocation, deviceId } from './params.js';
import { Connection } from './conn.js';
import { initEmbed } from './embed.js';

const $ = (id) => document.getElementById(id);
const params = parseLocation();
const cfg = params.config;

const REFUSAL_HINTS = {
  tokenMissing: 'The meeting link has no token. Ask the organiser for a link with ?jwt=…',
  tokenExpired: 'The link has expired. Ask the organiser for a new one.',
  nbfFuture: 'The link is not valid yet. Check your computer clock, or try again later.',
  roomMismatch: 'This link is for another meeting room.',
  subInvalid: 'This link belongs to another organisation.',
  kidNotFound: 'The link was signed with a key this server does not know.',
  keyRevoked: 'The link was signed with a key that has been revoked.',
  signatureInvalid: 'The link was altered or signed with the wrong key.',
  tenantNotFound: 'There is no such organisation on this server.',
  kicked: 'A moderator removed you from the meeting.',
  denied: 'A moderator did not let you in.',
  mauLimitReached: "This organisation's plan has no room for new participants this month. Ask the organiser to upgrade it.",
};

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
  knocks: new Map(),
  unread: 0,
  micId: '',
  camId: '',
};
window.confer = { state, stats: () => state.conn?.stats() };
// ext is the IFrame API's iframe side (a no-op outside an embedding page).
let ext = { emit() {}, active: false };

function show(id) {
  for (const s of document.querySelectorAll('.screen')) s.hidden = s.id !== id;
}

function toast(text) {
  const el = document.createElement('div');
  el.textContent = text;
  $('toasts').append(el);
  setTimeout(() => el.remove(), 5000);
}

function refused(code, message) {
  const wasJoined = state.joined;
  state.joined = false;
  ext.emit('error-occurred', { error: { details: { reason: code }, message: message || code, name: code, type: 'CONNECTION', isFatal: true } });
  if (wasJoined) closed();
  stopLocal();
  $('refused-code').textContent = code || 'unknown';
  $('refused-message').textContent = message || '';
  $('refused-hint').textContent = REFUSAL_HINTS[code] || '';
  $('refused-title').textContent = code === 'kicked' ? 'You were removed from the meeting' : "You can't join this meeting";
  show('refused');
}

function stopLocal() {
  state.localStream?.getTracks().forEach((t) => t.stop());
  state.screenTrack?.stop();
}

// ---- connecting, prejoin, join ----

async function connect() {
  show('loading');
  if (!params.room) { refused('roomInvalid', 'The link names no meeting room.'); return; }
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

async function startLocal() {
  if (state.localStream) return;
  const height = Number(cfg.resolution) || 720;
  const constraints = {
    audio: state.micId ? { deviceId: { exact: state.micId } } : true,
    video: { height: { ideal: height }, width: { ideal: Math.round(height * 16 / 9) },
      ...(state.camId ? { deviceId: { exact: state.camId } } : {}) },
  };
  try {
    state.localStream = await navigator.mediaDevices.getUserMedia(constraints);
  } catch (e) {
    try {
      state.localStream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      state.localStream = new MediaStream();
    }
    $('pre-media-error').textContent = `Camera or microphone unavailable (${e.name}); you can still join.`;
    $('pre-media-error').hidden = false;
  }
  applyMute();
}

function applyMute() {
  state.localStream?.getAudioTracks().forEach((t) => { t.enabled = !state.audioMuted; });
  state.localStream?.getVideoTracks().forEach((t) => { t.enabled = !state.videoMuted; });
}

async function fillDevices(micSel, camSel) {
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [sel, kind, current] of [[micSel, 'audioinput', 'micId'], [camSel, 'videoinput', 'camId']]) {
    sel.replaceChildren();
    const active = state.localStream?.getTracks().find((t) => t.kind === kind.replace('input', ''))?.getSettings().deviceId;
    for (const d of devices.filter((x) => x.kind === kind)) {
      const o = new Option(d.label || `${kind} ${sel.length + 1}`, d.deviceId);
      o.selected = d.deviceId === (state[current] || active);
      sel.add(o);
    }
  }
}

async function prejoin() {
  show('prejoin');
  $('prejoin-room').textContent = params.roomName;
  $('pre-name').value = params.userInfo.displayName || state.ready.user?.name || '';
  await startLocal();
  $('preview').srcObject = state.localStream;
  const update = () => {
    setToggle($('pre-mic'), !state.audioMuted, 'Microphone on', 'Microphone off');
    setToggle($('pre-cam'), !state.videoMuted, 'Camera on', 'Camera off');
    $('preview-off').hidden = !state.videoMuted;
    applyMute();
  };
  update();
  $('pre-mic').onclick = () => { state.audioMuted = !state.audioMuted; update(); };
  $('pre-cam').onclick = () => { state.videoMuted = !state.videoMuted; update(); };
  await fillDevices($('pre-mic-select'), $('pre-cam-select'));
  const switchDevice = async (kind, id) => {
    state[kind === 'audio' ? 'micId' : 'camId'] = id;
    stopLocal();
    state.localStream = null;
    await startLocal();
    $('preview').srcObject = state.localStream;
  };
  $('pre-mic-select').onchange = (e) => switchDevice('audio', e.target.value);
  $('pre-cam-select').onchange = (e) => switchDevice('video', e.target.value);
  $('pre-join').onclick = () => join();
  $('pre-join').focus();
}

function setToggle(btn, on, onText, offText) {
  btn.setAttribute('aria-pressed', String(on));
  btn.textContent = on ? onText : offText;
}

function join() {
  state.conn.send({
    type: 'join',
    displayName: $('pre-name').value.trim() || params.userInfo.displayName || '',
    email: params.userInfo.email || '',
    password: state.password,
    audioMuted: state.audioMuted,
    videoMuted: state.videoMuted,
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
    case 'roomUpdated':
      if ((msg.room.subject || '') !== (state.room?.subject || '')) ext.emit('subject-change', { subject: msg.room.subject || '' });
      state.room = msg.room;
      return renderRoom();
    case 'track': return addTrack(msg);
    case 'trackRemoved': return removeTrack(msg.trackId);
    case 'dominantSpeaker': state.dominant = msg.id; ext.emit('dominant-speaker-changed', { id: msg.id }); return layout();
    case 'chat': return addChat(msg);
    case 'remoteMute': return remoteMute(msg);
    case 'knocking':
      state.knocks.set(msg.participant.id, msg.participant);
      ext.emit('knocking-participant', { participant: { id: msg.participant.id, name: msg.participant.name } });
      return renderKnocks();
    case 'knockingGone': state.knocks.delete(msg.id); return renderKnocks();
    case 'kicked': state.leaving = true; return refused('kicked', 'A moderator removed you from the meeting.');
    case 'denied': state.leaving = true; return refused('denied', 'A moderator did not let you in.');
    case 'ended': state.leaving = true; return ended('The meeting has ended', 'A moderator ended the meeting for everyone.');
    case 'closed': return onClosed(msg);
    case 'connectionState': return setStatus(msg.state === 'connected' ? '' : `Media ${msg.state}`);
  }
}

function onError(msg) {
  if (msg.code === 'passwordRequired' || msg.code === 'passwordWrong') {
    ext.emit('password-required');
    $('password-message').textContent = msg.code === 'passwordWrong' ? 'Wrong password, try again.' : 'Enter the meeting password.';
    show('password');
    $('password-input').focus();
    return;
  }
  if (msg.fatal) { state.leaving = true; refused(msg.code, msg.message); return; }
  toast(msg.message);
}

function onClosed({ code, reason, byUs }) {
  if (byUs || state.leaving) return;
  if (!state.joined) { if ($('loading').hidden === false) refused('connectionFailed', reason || 'The connection to the server was lost.'); return; }
  // A network blip or a server restart: rejoin automatically.
  setStatus('Reconnecting…');
  state.conn.pub?.close();
  state.conn.sub?.close();
  for (const id of [...state.remote.keys()]) removeTrack(id);
  const delay = Math.min(30000, 1000 * 2 ** state.reconnects++);
  setTimeout(reconnect, delay);
}

// newConnection makes the signaling connection; config.iceTransportPolicy
// "relay" sends all media through the TURN server.
function newConnection() {
  return new Connection({ room: params.room, jwt: params.jwt, deviceId: deviceId(), onEvent,
    iceTransportPolicy: cfg.iceTransportPolicy === 'relay' ? 'relay' : 'all' });
}

async function reconnect() {
  const conn = newConnection();
  state.conn = conn;
  try {
    state.ready = await conn.open();
  } catch (e) {
    if (e.code === 'connectionFailed' || !e.code) { onClosed({}); return; }
    state.leaving = true;
    refused(e.code, e.message);
    return;
  }
  applyBranding(state.ready);
  join();
}

// applyBranding gives the page the tenant's look from the ready message: the
// logo top left (a link, in a new tab, when the tenant has one) and the
// background colour and image of the meeting.
function applyBranding(ready) {
  const root = document.documentElement;
  if (ready.backgroundColor) root.style.setProperty('--brand-bg', ready.backgroundColor);
  else root.style.removeProperty('--brand-bg');
  const bg = ready.backgroundUrl ? new URL(ready.backgroundUrl, location.href).href : '';
  if (bg) root.style.setProperty('--brand-bg-image', `url(${JSON.stringify(bg)})`);
  else root.style.removeProperty('--brand-bg-image');
  root.classList.toggle('brand-image', !!bg);

  const brand = $('brand');
  brand.hidden = !ready.logoUrl;
  if (ready.logoUrl) $('brand-logo').src = ready.logoUrl;
  if (ready.logoUrl && /^https?:\/\//i.test(ready.logoLink || '')) {
    Object.assign(brand, { href: ready.logoLink, target: '_blank', rel: 'noopener noreferrer' });
    brand.title = ready.logoLink;
  } else {
    for (const a of ['href', 'target', 'rel', 'title']) brand.removeAttribute(a);
  }
}

function setStatus(text) { $('status').textContent = text; }

// ---- the meeting ----

async function enterMeeting(msg) {
  state.joined = true;
  state.reconnects = 0;
  state.self = msg.self;
  state.room = msg.room;
  state.moderator = msg.self.role === 'moderator';
  state.dominant = msg.dominantSpeaker || '';
  state.participants.clear();
  $('tiles').replaceChildren();
  for (const p of msg.participants) addParticipant(p, false);
  show('meeting');
  const me = state.self;
  ext.emit('video-conference-joined', { roomName: params.room, id: me.id, displayName: me.name, formattedDisplayName: `${me.name} (me)`,
    avatarURL: me.avatar || '', breakoutRoom: false, email: me.email || '', visitor: false });
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
  if (state.screenTrack) await state.conn.startScreen(state.screenTrack);
  if (cfg.subject && state.moderator && !state.room.subject) {
    state.conn.send({ type: 'moderate', action: 'subject', subject: String(cfg.subject) });
  }
  layout();
}

function renderRoom() {
  const r = state.room || {};
  $('subject').textContent = r.subject || params.roomName;
  document.title = `${r.subject || params.roomName} · Confer`;
  $('room-flags').textContent = [r.lobby && 'Lobby on', r.hasPassword && 'Locked'].filter(Boolean).join(' · ');
  $('mod-settings').hidden = !state.moderator;
  $('set-lobby').checked = !!r.lobby;
}

function isSelf(id) { return state.self && id === state.self.id; }

function addParticipant(p, announce) {
  state.participants.set(p.id, p);
  if (!isSelf(p.id)) {
    ext.emit('participant-joined', { id: p.id, displayName: p.name, formattedDisplayName: p.name,
      userContext: { user: { id: p.userId || '', name: p.name, email: p.email || '', avatar: p.avatar || '' } } });
  }
  tile(p.id);
  updateTile(p);
  if (announce) toast(`${p.name} joined`);
  renderPeople();
  layout();
}

function removeParticipant(id, reason) {
  const p = state.participants.get(id);
  state.participants.delete(id);
  document.querySelectorAll(`.tile[data-id="${CSS.escape(id)}"]`).forEach((el) => el.remove());
  if (reason === 'kicked') ext.emit('participant-kicked-out', { kicked: { id, local: false }, kicker: {} });
  ext.emit('participant-left', { id });
  if (p) toast(`${p.name} ${reason === 'kicked' ? 'was removed' : 'left'}`);
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
    if (!wasMod && state.moderator) toast('You are now a moderator');
    renderRoom();
  }
  if (before && !before.handRaised && p.handRaised && !isSelf(p.id)) toast(`${p.name} raised their hand`);
  if (before && before.role !== p.role) ext.emit('participant-role-changed', { id: p.id, role: p.role });
  if (before && before.name !== p.name) ext.emit('display-name-change', { id: p.id, displayname: p.name, formattedDisplayName: p.name });
  if (before && before.handRaised !== p.handRaised) ext.emit('raise-hand-updated', { id: p.id, handRaised: p.handRaised ? Date.now() : 0 });
  updateTile(p);
  renderPeople();
}

// tile returns (creating) the camera tile of a participant.
function tile(id, source = 'camera') {
  const sel = `.tile[data-id="${CSS.escape(id)}"][data-source="${source}"]`;
  let el = document.querySelector(sel);
  if (el) return el;
  el = document.createElement('div');
  el.className = `tile ${source}${isSelf(id) ? ' local' : ''}`;
  el.dataset.id = id;
  el.dataset.source = source;
  el.innerHTML = '<div class="avatar"><span></span></div><video autoplay playsinline muted></video><div class="label"><span class="name"></span><span class="icons"></span></div><span class="hand" hidden>✋</span>';
  $('tiles').append(el);
  observe(el);
  return el;
}

function updateTile(p) {
  const el = tile(p.id);
  const name = isSelf(p.id) ? `${p.name} (you)` : p.name;
  el.querySelector('.name').textContent = name;
  el.querySelector('.icons').textContent = [p.audioMuted && 'mic off', p.videoMuted && 'cam off'].filter(Boolean).join(' · ');
  el.querySelector('.hand').hidden = !p.handRaised;
  const av = el.querySelector('.avatar span');
  av.textContent = (p.name || '?').trim().charAt(0).toUpperCase();
  if (p.avatar && /^https?:\/\//.test(p.avatar)) { av.style.backgroundImage = `url("${p.avatar.replaceAll('"', '%22')}")`; av.textContent = ''; }
  const video = el.querySelector('video');
  video.hidden = !!p.videoMuted || !video.srcObject;
  const screen = document.querySelector(`.tile[data-id="${CSS.escape(p.id)}"][data-source="screen"] .name`);
  if (screen) screen.textContent = `${p.name}'s screen`;
}

function addTrack(t) {
  state.remote.set(t.trackId, t);
  if (t.track.kind === 'audio') {
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
  if (t.source === 'screen') {
    el.querySelector('.name').textContent = `${p?.name || ''}'s screen`;
    el.querySelector('.avatar').hidden = true;
    if (state.view === 'tile') setView('stage');
  }
  layout();
  sendConstraints();
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

// ---- layout: tile view and speaker (stage) view ----

function setView(v) {
  if (state.view !== v) ext.emit('tile-view-changed', { enabled: v === 'tile' });
  state.view = v;
  $('tb-view').textContent = v === 'tile' ? 'Speaker view' : 'Tile view';
  layout();
}

function stageTile() {
  const screens = [...document.querySelectorAll('.tile.screen')];
  if (screens.length) return screens[0];
  const id = state.pinned && state.participants.has(state.pinned) ? state.pinned
    : state.dominant && !isSelf(state.dominant) ? state.dominant
    : [...state.participants.keys()].find((k) => !isSelf(k));
  return id ? document.querySelector(`.tile[data-id="${CSS.escape(id)}"][data-source="camera"]`) : null;
}

function layout() {
  const stage = $('stage');
  const tiles = $('tiles');
  for (const el of stage.querySelectorAll('.tile')) tiles.append(el);
  document.querySelectorAll('.tile').forEach((el) => el.classList.toggle('dominant', el.dataset.id === state.dominant && el.dataset.source === 'camera'));
  const big = state.view === 'stage' ? stageTile() : null;
  $('meeting').classList.toggle('view-stage', !!big);
  stage.hidden = !big;
  if (big) stage.append(big);
  // Keep videos playing after being moved in the DOM.
  document.querySelectorAll('.tile video').forEach((v) => { if (v.srcObject && v.paused) v.play().catch(() => {}); });
  sendConstraints();
}

// Tell the server how tall each remote video is shown, so it sends the
// simulcast layer that fits (0 = not visible).
const observer = new ResizeObserver(() => sendConstraints());
function observe(el) { observer.observe(el); }
let constraintTimer = 0;
let lastConstraints = '';
function sendConstraints() {
  clearTimeout(constraintTimer);
  constraintTimer = setTimeout(() => {
    const c = {};
    for (const el of document.querySelectorAll('.tile[data-track-id]')) {
      const visible = el.offsetParent !== null && !el.querySelector('video').hidden;
      const h = Math.round(el.clientHeight * (window.devicePixelRatio || 1));
      c[el.dataset.trackId] = visible ? (state.maxHeight > 0 ? Math.min(h, state.maxHeight) : h) : 0;
    }
    const s = JSON.stringify(c);
    if (s !== lastConstraints && state.joined) { lastConstraints = s; state.conn.send({ type: 'video', constraints: c }); }
  }, 250);
}

// ---- toolbar ----

function renderToolbar() {
  setToggle($('tb-mic'), !state.audioMuted, 'Mic', 'Mic off');
  setToggle($('tb-cam'), !state.videoMuted, 'Camera', 'Camera off');
  setToggle($('tb-screen'), !!state.screenTrack, 'Stop sharing', 'Share');
  setToggle($('tb-hand'), state.hand, 'Lower hand', 'Hand');
  $('tb-screen').setAttribute('aria-pressed', String(!!state.screenTrack));
  $('tb-hand').setAttribute('aria-pressed', String(state.hand));
  if (state.self) {
    const el = tile(state.self.id);
    el.querySelector('video').hidden = state.videoMuted || !state.localStream?.getVideoTracks().length;
  }
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
  toast(`A moderator turned off your ${msg.kind === 'audio' ? 'microphone' : 'camera'}`);
}

async function toggleScreen() {
  if (state.screenTrack) {
    state.screenTrack = null;
    document.querySelector(`.tile[data-id="${CSS.escape(state.self.id)}"][data-source="screen"]`)?.remove();
    await state.conn.stopScreen();
  } else {
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 }, audio: false });
    } catch (e) {
      toast(`Screen sharing was not started (${e.name})`);
      return;
    }
    const track = stream.getVideoTracks()[0];
    track.contentHint = 'detail';
    state.screenTrack = track;
    track.onended = () => { if (state.screenTrack === track) toggleScreen(); };
    const el = tile(state.self.id, 'screen');
    el.querySelector('video').srcObject = new MediaStream([track]);
    el.querySelector('.name').textContent = 'Your screen';
    el.querySelector('.avatar').hidden = true;
    await state.conn.startScreen(track);
    layout();
  }
  sendMedia();
}

function togglePanel(id) {
  const before = { chat: !$('chat').hidden, people: !$('people').hidden };
  for (const p of ['chat', 'people', 'settings']) $(p).hidden = p === id ? !$(p).hidden : true;
  if (before.chat !== !$('chat').hidden) ext.emit('chat-updated', { isOpen: !$('chat').hidden, unreadCount: $('chat').hidden ? state.unread : 0 });
  if (before.people !== !$('people').hidden) ext.emit('participants-pane-toggled', { open: !$('people').hidden });
  if (id === 'chat' && !$('chat').hidden) { state.unread = 0; $('chat-badge').hidden = true; $('chat-input').focus(); }
  if (id === 'settings' && !$('settings').hidden) fillDevices($('set-mic'), $('set-cam'));
  layout();
}

async function switchDevice(kind, id) {
  state[kind === 'audio' ? 'micId' : 'camId'] = id;
  const height = Number(cfg.resolution) || 720;
  const c = kind === 'audio' ? { audio: { deviceId: { exact: id } } }
    : { video: { deviceId: { exact: id }, height: { ideal: height }, width: { ideal: Math.round(height * 16 / 9) } } };
  const stream = await navigator.mediaDevices.getUserMedia(c);
  const track = stream.getTracks()[0];
  const old = state.localStream.getTracks().find((t) => t.kind === kind);
  if (old) { state.localStream.removeTrack(old); old.stop(); }
  state.localStream.addTrack(track);
  applyMute();
  await state.conn.replaceTrack(kind === 'audio' ? 'mic' : 'camera', track);
  if (kind === 'video') tile(state.self.id).querySelector('video').srcObject = new MediaStream([track]);
  toast(`Switched to ${track.label}`);
}

// ---- chat ----

function addChat({ message, private: priv }) {
  if (isSelf(message.from)) {
    ext.emit('outgoing-message', { message: message.text, privateMessage: !!priv });
  } else {
    ext.emit('incoming-message', { from: message.from, nick: message.fromName, message: message.text, privateMessage: !!priv, stamp: message.time });
  }
  const li = document.createElement('li');
  if (priv) li.className = 'private';
  const from = document.createElement('span');
  from.className = 'from';
  const to = priv ? (isSelf(message.from) ? ` → ${state.participants.get(message.to)?.name || 'them'}` : ' (private)') : '';
  from.textContent = `${isSelf(message.from) ? 'You' : message.fromName}${to} · ${new Date(message.time).toLocaleTimeString()}`;
  li.append(from, document.createTextNode(message.text));
  $('chat-log').append(li);
  li.scrollIntoView({ block: 'end' });
  if ($('chat').hidden && !isSelf(message.from)) {
    state.unread++;
    $('chat-badge').textContent = state.unread;
    $('chat-badge').hidden = false;
  }
}

// ---- participants and moderation ----

function renderPeople() {
  const list = $('people-list');
  list.replaceChildren();
  $('people-count').textContent = state.participants.size;
  const to = $('chat-to');
  const selected = to.value;
  to.replaceChildren(new Option('Everyone', ''));
  for (const p of state.participants.values()) {
    const li = document.createElement('li');
    li.dataset.id = p.id;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = `${p.name}${isSelf(p.id) ? ' (you)' : ''}${p.role === 'moderator' ? ' · moderator' : ''}${p.handRaised ? ' ✋' : ''}${p.audioMuted ? ' · muted' : ''}`;
    li.append(name);
    if (state.moderator && !isSelf(p.id)) {
      li.append(
        button('Mute', () => moderate('mute', p.id, { kind: 'audio' }), 'mute'),
        button('Stop video', () => moderate('mute', p.id, { kind: 'video' }), 'mute-video'),
        ...(p.role !== 'moderator' ? [button('Make moderator', () => moderate('grantModerator', p.id), 'grant')] : []),
        button('Remove', () => { if (confirm(`Remove ${p.name} from the meeting?`)) moderate('kick', p.id); }, 'kick'),
      );
    }
    list.append(li);
    if (!isSelf(p.id)) to.add(new Option(p.name, p.id, false, p.id === selected));
  }
}

function button(text, onclick, action) {
  const b = document.createElement('button');
  b.className = 'btn';
  b.textContent = text;
  b.dataset.action = action;
  b.onclick = onclick;
  return b;
}

function moderate(action, target, extra = {}) {
  state.conn.send({ type: 'moderate', action, target, ...extra });
}

function renderKnocks() {
  const box = $('knocks');
  box.replaceChildren();
  for (const p of state.knocks.values()) {
    const row = document.createElement('div');
    const name = document.createElement('span');
    name.textContent = `${p.name} wants to join`;
    row.append(name, button('Admit', () => moderate('admit', p.id), 'admit'), button('Deny', () => moderate('deny', p.id), 'deny'));
    box.append(row);
  }
  const first = state.knocks.values().next().value;
  $('knock-dialog').hidden = !first || !state.moderator;
  if (first) {
    $('knock-text').textContent = state.knocks.size > 1 ? `${first.name} and ${state.knocks.size - 1} more want to join` : `${first.name} wants to join`;
    $('knock-admit').onclick = () => moderate('admit', first.id);
    $('knock-deny').onclick = () => moderate('deny', first.id);
  }
}

// ---- invite link ----

// inviteLink is what people should open to join: the tenant's invite base
// with configOverwrite.brandingRoomAlias (the integrator's own page serves
// it), else this meeting's URL without the token.
function inviteLink() {
  const base = state.ready?.inviteUrl;
  const alias = typeof cfg.brandingRoomAlias === 'string' ? cfg.brandingRoomAlias : '';
  if (base && alias) return `${base.replace(/\/+$/, '')}/${encodeURIComponent(alias)}`;
  return location.origin + location.pathname;
}

function showInvite() {
  $('invite-link').value = inviteLink();
  $('invite-dialog').hidden = false;
  $('invite-link').select();
}

// applyToolbarButtons shows only the buttons configOverwrite.toolbarButtons
// names (Jitsi's names), when it is given.
const TOOLBAR = { microphone: 'tb-mic', camera: 'tb-cam', desktop: 'tb-screen', chat: 'tb-chat', raisehand: 'tb-hand',
  'participants-pane': 'tb-people', tileview: 'tb-view', invite: 'tb-invite', settings: 'tb-settings', hangup: 'tb-leave' };
function applyToolbarButtons() {
  if (!Array.isArray(cfg.toolbarButtons)) return;
  for (const [name, id] of Object.entries(TOOLBAR)) $(id).hidden = !cfg.toolbarButtons.includes(name);
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
  $('ended-title').textContent = title;
  $('ended-message').textContent = message;
  $('feedback-form').hidden = !state.room?.meetingId;
  show('ended');
}

function leave() {
  state.leaving = true;
  ended('You left the meeting', '');
}

// ---- wiring ----

function wire() {
  $('tb-mic').onclick = () => { state.audioMuted = !state.audioMuted; sendMedia(); };
  $('tb-cam').onclick = () => { state.videoMuted = !state.videoMuted; sendMedia(); };
  $('tb-screen').onclick = () => toggleScreen();
  $('tb-hand').onclick = () => { state.hand = !state.hand; state.conn.send({ type: 'hand', raised: state.hand }); renderToolbar(); };
  $('tb-chat').onclick = () => togglePanel('chat');
  $('tb-people').onclick = () => togglePanel('people');
  $('tb-settings').onclick = () => togglePanel('settings');
  $('tb-view').onclick = () => setView(state.view === 'tile' ? 'stage' : 'tile');
  $('tb-leave').onclick = () => leave();
  $('tb-invite').onclick = () => showInvite();
  $('invite-close').onclick = () => { $('invite-dialog').hidden = true; };
  $('invite-copy').onclick = async () => {
    try { await navigator.clipboard.writeText($('invite-link').value); toast('Link copied'); } catch { $('invite-link').select(); }
  };
  $('lobby-leave').onclick = () => leave();
  for (const b of document.querySelectorAll('[data-close]')) b.onclick = () => togglePanel(b.dataset.close);
  $('chat-form').onsubmit = (e) => {
    e.preventDefault();
    const text = $('chat-input').value.trim();
    if (!text) return;
    state.conn.send({ type: 'chat', text, to: $('chat-to').value });
    $('chat-input').value = '';
  };
  $('password-form').onsubmit = (e) => { e.preventDefault(); state.password = $('password-input').value; join(); };
  $('set-lobby').onchange = (e) => moderate('lobby', '', { enabled: e.target.checked });
  $('set-password-form').onsubmit = (e) => { e.preventDefault(); moderate('password', '', { password: $('set-password').value }); toast($('set-password').value ? 'Password set' : 'Password removed'); };
  $('set-mute-all').onclick = () => moderate('muteAll', '', { kind: 'audio' });
  $('set-end').onclick = () => { if (confirm('End the meeting for everyone?')) moderate('end'); };
  $('set-mic').onchange = (e) => switchDevice('audio', e.target.value);
  $('set-cam').onchange = (e) => switchDevice('video', e.target.value);
  $('ended-rejoin').onclick = () => location.reload();
  $('feedback-form').onsubmit = async (e) => {
    e.preventDefault();
    const rating = Number(new FormData($('feedback-form')).get('rating') || -1);
    const res = await fetch('/_confer/feedback', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jwt: params.jwt, room: params.room, meetingId: state.room?.meetingId, rating, comments: $('feedback-comments').value }),
    }).catch(() => null);
    $('feedback-status').textContent = res?.ok ? 'Thank you for your feedback.' : 'Your feedback could not be sent.';
    if (res?.ok) $('feedback-form').querySelector('button').disabled = true;
  };
  $('refused-retry').onclick = () => location.reload();
  document.addEventListener('keydown', (e) => {
    if (!state.joined || e.target.matches('input, select, textarea')) return;
    if (e.key === 'm') $('tb-mic').click();
    if (e.key === 'v') $('tb-cam').click();
    if (e.key === 'c') $('tb-chat').click();
    if (e.key === 'r') $('tb-hand').click();
    if (e.key === 'w') $('tb-view').click();
  });
  window.addEventListener('beforeunload', () => { if (state.joined) state.conn.close(); });
}

// app is what the IFrame API's commands and requests act on.
const app = {
  state,
  send: (m) => state.conn?.send(m),
  moderate,
  leave,
  toast,
  hideToasts: () => $('toasts').replaceChildren(),
  togglePanel,
  setView,
  toggleScreen,
  toggleAudio: () => { state.audioMuted = !state.audioMuted; sendMedia(); },
  toggleVideo: () => { state.videoMuted = !state.videoMuted; sendMedia(); },
  toggleHand: () => $('tb-hand').click(),
  setPanel: (id, open) => { if ($(id).hidden === !!open || open === undefined) togglePanel(id); },
  setLocalSubject: (s) => { $('subject').textContent = s; },
  password: (pw) => {
    if (!$('password').hidden) { state.password = pw; join(); } else moderate('password', '', { password: pw });
  },
  pin: (id) => { state.pinned = id || ''; setView(id ? 'stage' : state.view); layout(); },
  setMaxHeight: (h) => { state.maxHeight = h; ext.emit('video-quality-changed', { videoQuality: h }); sendConstraints(); },
  overwriteConfig: (c) => { Object.assign(cfg, c); applyToolbarButtons(); },
  privateChat: (id) => { renderPeople(); $('chat-to').value = id; if (id && $('chat').hidden) togglePanel('chat'); },
  sharingParticipants: () => [...document.querySelectorAll('.tile.screen')].map((el) => el.dataset.id),
  roomInfo: () => ({
    isMainRoom: true, id: state.room?.meetingId || '', jid: params.room,
    participants: [...state.participants.values()].map((p) => ({ id: p.id, jid: p.id, role: p.role, displayName: p.name,
      userContext: { user: { id: p.userId || '', name: p.name, email: p.email || '' } } })),
  }),
  devices: async () => {
    const list = await navigator.mediaDevices.enumerateDevices();
    const pick = (kind) => list.filter((d) => d.kind === kind).map((d) => ({ deviceId: d.deviceId, groupId: d.groupId, kind: d.kind, label: d.label }));
    return { audioInput: pick('audioinput'), audioOutput: pick('audiooutput'), videoInput: pick('videoinput') };
  },
  currentDevices: async () => {
    const all = await app.devices();
    const id = (kind) => state.localStream?.getTracks().find((t) => t.kind === kind)?.getSettings().deviceId;
    return { audioInput: all.audioInput.find((d) => d.deviceId === id('audio')), audioOutput: all.audioOutput[0],
      videoInput: all.videoInput.find((d) => d.deviceId === id('video')) };
  },
  setDevice: async (d) => {
    if (d.kind === 'audioinput' || d.kind === 'videoinput') await switchDevice(d.kind === 'audioinput' ? 'audio' : 'video', d.id);
    return true;
  },
};

// Report connection quality every 10 s for the analytics.
setInterval(async () => {
  if (!state.joined) return;
  const q = await state.conn.quality().catch(() => null);
  if (q) state.conn.send({ type: 'stats', ...q });
}, 10000);

wire();
applyToolbarButtons();
ext = initEmbed(params, app);
connect();
