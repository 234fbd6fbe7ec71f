// The meeting as the IFrame API's commands and requests see it: embed.js
// runs them on the object meetingApp returns, which acts on the page
// through what app.js hands over.
import { t } from './i18n.js';
import { announce, applyToolbarButtons } from './controls.js';
import { deviceList, currentDevices } from './devices.js';

const $ = (id) => document.getElementById(id);

// meetingApp is what the IFrame API's commands and requests act on. m has
// state, cfg, params, emit (the IFrame API's events), toasts and app.js's
// moderate, leave, toast, togglePanel, setView, toggleScreen, sendMedia,
// join, sendConstraints, renderPeople and switchDevice, recording
// (recording.js), moderation (moderation.js) and followMe (followme.js).
export function meetingApp(m) {
  const { state, cfg, params } = m;
  return {
    state,
    send: (msg) => state.conn?.send(msg),
    moderate: m.moderate,
    leave: m.leave,
    toast: m.toast,
    hideToasts: () => m.toasts.clear(),
    togglePanel: m.togglePanel,
    setView: m.setView,
    toggleScreen: m.toggleScreen,
    startRecording: (opts) => m.recording.start(opts || {}),
    stopRecording: (mode) => m.recording.stop(mode),
    toggleRecording: () => m.recording.toggle(),
    livestreamUrl: () => m.recording.livestreamUrl(),
    toggleAudio: () => { if (!m.moderation.blocks('audio')) { state.audioMuted = !state.audioMuted; m.sendMedia(); } },
    toggleVideo: () => { if (!m.moderation.blocks('video')) { state.videoMuted = !state.videoMuted; m.sendMedia(); } },
    moderation: m.moderation,
    breakout: m.breakout,
    setFollowMe: (value) => m.followMe.set(!!value),
    toggleFilmstrip: () => m.followMe.toggleFilmstrip(),
    toggleHand: () => $('tb-hand').click(),
    setPanel: (id, open) => { if ($(id).hidden === !!open || open === undefined) m.togglePanel(id); },
    setLocalSubject: (s) => { $('subject').textContent = s; },
    password: (pw) => {
      if (!$('password').hidden) { state.password = pw; m.join(); } else m.moderate('password', '', { password: pw });
    },
    pin: (id) => {
      if (m.followMe.holds()) return; // follow-me: the leader decides
      state.pinned = id && state.participants.has(id) ? id : '';
      if (state.pinned) announce(t('toast.pinned', { name: state.participants.get(id).name }));
      m.setView(state.pinned ? 'stage' : state.view);
    },
    setMaxHeight: (h) => { state.maxHeight = h; m.emit('video-quality-changed', { videoQuality: h }); m.sendConstraints(); },
    overwriteConfig: (c) => { Object.assign(cfg, c); applyToolbarButtons(cfg); m.recording.render(); },
    privateChat: (id) => { m.renderPeople(); $('chat-to').value = id; if (id && $('chat').hidden) m.togglePanel('chat'); },
    sharingParticipants: () => [...document.querySelectorAll('.tile.screen')].map((el) => el.dataset.id),
    roomInfo: () => ({
      isMainRoom: !state.room?.breakoutId, id: state.room?.breakoutId || state.room?.meetingId || '', jid: params.room,
      participants: [...state.participants.values()].map((p) => ({ id: p.id, jid: p.id, role: p.role, displayName: p.name,
        userContext: { user: { id: p.userId || '', name: p.name, email: p.email || '' } } })),
    }),
    devices: () => deviceList(),
    currentDevices: () => currentDevices(state),
    setDevice: async (d) => {
      if (d.kind === 'audioinput' || d.kind === 'videoinput') await m.switchDevice(d.kind === 'audioinput' ? 'audio' : 'video', d.id);
      return true;
    },
  };
}
