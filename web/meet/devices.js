// The local camera and microphone: opening them at the configured
// resolution, muting, listing the devices and switching between them, and
// the prejoin screen's preview of them.
import { tr } from './i18n.js';

const $ = (id) => document.getElementById(id);

function videoConstraints(cfg, deviceId) {
  const height = Number(cfg.resolution) || 720;
  return { height: { ideal: height }, width: { ideal: Math.round(height * 16 / 9) }, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) };
}

// openLocal opens the camera and microphone into state.localStream (once);
// it returns the error's name when they could not both be opened, in which
// case the stream has what could be (perhaps nothing).
export async function openLocal(state, cfg) {
  if (state.localStream) return '';
  let failed = '';
  try {
    state.localStream = await navigator.mediaDevices.getUserMedia({
      audio: state.micId ? { deviceId: { exact: state.micId } } : true,
      video: videoConstraints(cfg, state.camId),
    });
  } catch (e) {
    failed = e.name || 'Error';
    try {
      state.localStream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      state.localStream = new MediaStream();
    }
  }
  muteLocal(state);
  return failed;
}

// muteLocal enables the local tracks as the mute state says.
export function muteLocal(state) {
  state.localStream?.getAudioTracks().forEach((t) => { t.enabled = !state.audioMuted; });
  state.localStream?.getVideoTracks().forEach((t) => { t.enabled = !state.videoMuted; });
}

// listDevices fills the microphone and camera selects, the one in use chosen.
export async function listDevices(state, micSel, camSel) {
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

// useDevice switches the meeting's microphone or camera to device id and
// returns the new track, already sent in place of the old one.
export async function useDevice(state, cfg, kind, id) {
  state[kind === 'audio' ? 'micId' : 'camId'] = id;
  const c = kind === 'audio' ? { audio: { deviceId: { exact: id } } } : { video: videoConstraints(cfg, id) };
  const stream = await navigator.mediaDevices.getUserMedia(c);
  const track = stream.getTracks()[0];
  const old = state.localStream.getTracks().find((t) => t.kind === kind);
  if (old) { state.localStream.removeTrack(old); old.stop(); }
  state.localStream.addTrack(track);
  muteLocal(state);
  await state.conn.replaceTrack(kind === 'audio' ? 'mic' : 'camera', track);
  return track;
}

// deviceList lists the devices as the IFrame API's getAvailableDevices does.
export async function deviceList() {
  const list = await navigator.mediaDevices.enumerateDevices();
  const pick = (kind) => list.filter((d) => d.kind === kind).map((d) => ({ deviceId: d.deviceId, groupId: d.groupId, kind: d.kind, label: d.label }));
  return { audioInput: pick('audioinput'), audioOutput: pick('audiooutput'), videoInput: pick('videoinput') };
}

// currentDevices is the IFrame API's getCurrentDevices: the devices in use.
export async function currentDevices(state) {
  const all = await deviceList();
  const id = (kind) => state.localStream?.getTracks().find((t) => t.kind === kind)?.getSettings().deviceId;
  return { audioInput: all.audioInput.find((d) => d.deviceId === id('audio')), audioOutput: all.audioOutput[0],
    videoInput: all.videoInput.find((d) => d.deviceId === id('video')) };
}

// prejoinScreen runs the screen before joining: the camera preview, the
// microphone and camera toggles and devices, and the name to join as.
export async function prejoinScreen({ state, params, start, stop, join }) {
  $('prejoin-room').textContent = params.roomName;
  $('pre-name').value = params.userInfo.displayName || state.ready.user?.name || '';
  await start();
  $('preview').srcObject = state.localStream;
  const update = () => {
    setToggle($('pre-mic'), !state.audioMuted, 'prejoin.micOn', 'prejoin.micOff');
    setToggle($('pre-cam'), !state.videoMuted, 'prejoin.camOn', 'prejoin.camOff');
    $('preview-off').hidden = !state.videoMuted;
    muteLocal(state);
  };
  update();
  $('pre-mic').onclick = () => { state.audioMuted = !state.audioMuted; update(); };
  $('pre-cam').onclick = () => { state.videoMuted = !state.videoMuted; update(); };
  await listDevices(state, $('pre-mic-select'), $('pre-cam-select'));
  const switchDevice = async (kind, id) => {
    state[kind === 'audio' ? 'micId' : 'camId'] = id;
    stop();
    state.localStream = null;
    await start();
    $('preview').srcObject = state.localStream;
  };
  $('pre-mic-select').onchange = (e) => switchDevice('audio', e.target.value);
  $('pre-cam-select').onchange = (e) => switchDevice('video', e.target.value);
  $('pre-join').onclick = () => join();
  $('pre-join').focus();
}

function setToggle(btn, on, onKey, offKey) {
  btn.setAttribute('aria-pressed', String(on));
  tr(btn, on ? onKey : offKey);
}
