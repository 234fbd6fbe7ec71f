// Wire-format tests of external_api.js (contracts §4.2–4.3): the exact iframe
// URL and the exact JSON strings on the postMessage channel, against a
// simulated parent window and iframe. Run: node --test web/api/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const ORIGIN = 'https://confer.example';
const SCOPE = 'jitsi_meet_external_api_0';

// load runs external_api.js in a fresh context with a fake window whose
// iframe records what the API posts to it.
function load() {
  const listeners = [];
  const posted = [];
  const frame = {
    style: {}, setAttribute() {}, parentNode: null,
    contentWindow: { postMessage: (data, target) => posted.push({ data, target }) },
  };
  const window = {
    addEventListener: (type, fn) => { if (type === 'message') listeners.push(fn); },
    removeEventListener: (type, fn) => { const i = listeners.indexOf(fn); if (i >= 0) listeners.splice(i, 1); },
    document: {
      currentScript: null,
      body: { appendChild(f) { f.parentNode = this; }, removeChild() {} },
      createElement: () => frame,
    },
    URL, setInterval, clearInterval, setTimeout, console, JSON, Promise, Object, Array, Map, Set, Date, Math,
    encodeURIComponent,
  };
  window.window = window;
  vm.runInNewContext(fs.readFileSync(path.join(__dirname, 'external_api.js'), 'utf8'), window);
  const deliver = (data, origin = ORIGIN) => { for (const fn of listeners.slice()) fn({ data, origin }); };
  return { window, frame, posted, deliver, API: window.JitsiMeetExternalAPI };
}

const tick = () => new Promise((r) => setTimeout(r, 70)); // Postis polls every 50 ms

// handshake answers the API's __ready__ as the iframe does.
async function handshake(env) {
  await tick();
  const ready = env.posted.map((p) => JSON.parse(p.data)).find((m) => m.method === '__ready__');
  assert.ok(ready, 'the API sends __ready__');
  env.deliver(JSON.stringify({ postis: true, scope: SCOPE, method: '__ready__', params: ready.params }));
}

const sent = (env) => env.posted.map((p) => p.data).filter((d) => !d.includes('"__ready__"'));

test('iframe URL is built as Jitsi builds it', () => {
  const env = load();
  const api = new env.API('confer.example', {
    roomName: 'vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe/Daily Standup', jwt: 'aaa.bbb.ccc',
    configOverwrite: { startWithAudioMuted: true, prejoinConfig: { enabled: false }, defaultLanguage: 'de' },
    interfaceConfigOverwrite: { SHOW_CHROME_EXTENSION_BANNER: false }, userInfo: { displayName: 'Ada L', email: 'ada@example.com' },
    devices: { audioInput: 'Mic 1' }, width: 640, height: '50vh',
  });
  assert.equal(env.frame.src,
    'https://confer.example/vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe/Daily%20Standup?jwt=aaa.bbb.ccc&lang=de' +
    '#jitsi_meet_external_api_id=0&jwt=%22aaa.bbb.ccc%22' +
    '&config.startWithAudioMuted=true&config.prejoinConfig=%7B%22enabled%22%3Afalse%7D&config.defaultLanguage=%22de%22' +
    '&interfaceConfig.SHOW_CHROME_EXTENSION_BANNER=false&devices.audioInput=%22Mic%201%22' +
    '&userInfo.displayName=%22Ada%20L%22&userInfo.email=%22ada%40example.com%22');
  assert.equal(env.frame.name, 'jitsiConferenceFrame0');
  assert.equal(env.frame.style.width, '640px');
  assert.equal(env.frame.style.height, '50vh');
  assert.match(env.frame.allow, /camera; clipboard-write; compute-pressure; display-capture; hid; microphone/);
  api.dispose();
});

test('legacy positional constructor', () => {
  const env = load();
  const api = new env.API('confer.example', 'tenant/room', 100, 200, undefined, { subject: 'x' });
  assert.equal(env.frame.src, 'https://confer.example/tenant/room#jitsi_meet_external_api_id=0&config.subject=%22x%22');
  assert.equal(env.frame.style.width, '100px');
  api.dispose();
});

test('__ready__ handshake, buffered command, exact envelopes', async () => {
  const env = load();
  const api = new env.API('confer.example', { roomName: 'r' });
  api.executeCommand('toggleAudio');
  api.executeCommand('displayName', 'Ada');
  await tick();
  assert.deepEqual(sent(env), [], 'commands wait for the handshake');
  const first = JSON.parse(env.posted[0].data);
  assert.equal(env.posted[0].data, JSON.stringify({ postis: true, scope: SCOPE, method: '__ready__', params: first.params }));
  assert.match(first.params, /^\d+-0\.\d+$/);
  assert.equal(env.posted[0].target, '*');
  // The iframe's own __ready__ is echoed back unchanged.
  env.deliver('{"postis":true,"scope":"jitsi_meet_external_api_0","method":"__ready__","params":"123-0.5"}');
  assert.ok(env.posted.some((p) => p.data === '{"postis":true,"scope":"jitsi_meet_external_api_0","method":"__ready__","params":"123-0.5"}'));
  await handshake(env);
  assert.deepEqual(sent(env), [
    '{"postis":true,"scope":"jitsi_meet_external_api_0","method":"message","params":{"type":"event","data":{"data":[],"name":"toggle-audio"}}}',
    '{"postis":true,"scope":"jitsi_meet_external_api_0","method":"message","params":{"type":"event","data":{"data":["Ada"],"name":"display-name"}}}',
  ]);
  api.executeCommand('hangup');
  assert.equal(sent(env).at(-1), '{"postis":true,"scope":"jitsi_meet_external_api_0","method":"message","params":{"type":"event","data":{"data":[],"name":"video-hangup"}}}');
  api.dispose();
});

test('requests and responses', async () => {
  const env = load();
  const api = new env.API('confer.example', { roomName: 'r' });
  await handshake(env);
  const muted = api.isAudioMuted();
  const devices = api.getAvailableDevices();
  assert.deepEqual(sent(env), [
    '{"postis":true,"scope":"jitsi_meet_external_api_0","method":"message","params":{"type":"request","data":{"name":"is-audio-muted"},"id":1}}',
    '{"postis":true,"scope":"jitsi_meet_external_api_0","method":"message","params":{"type":"request","data":{"type":"devices","name":"getAvailableDevices"},"id":2}}',
  ]);
  env.deliver('{"postis":true,"scope":"jitsi_meet_external_api_0","method":"message","params":{"type":"response","id":1,"result":true}}');
  assert.equal(await muted, true);
  env.deliver('{"postis":true,"scope":"jitsi_meet_external_api_0","method":"message","params":{"type":"response","id":2,"error":"not supported"}}');
  await assert.rejects(devices, (e) => e === 'not supported');
  api.dispose();
});

test('events: names mapped, origin and scope checked, strings only', () => {
  const env = load();
  const api = new env.API('confer.example', { roomName: 'r' });
  const got = [];
  for (const ev of ['videoConferenceJoined', 'readyToClose', 'participantJoined', 'incomingMessage']) api.on(ev, (d) => got.push([ev, d]));
  env.deliver('{"postis":true,"scope":"jitsi_meet_external_api_0","method":"message","params":{"type":"event","data":{"name":"video-conference-joined","roomName":"r","id":"abc","displayName":"Ada"}}}');
  env.deliver('{"postis":true,"scope":"jitsi_meet_external_api_0","method":"message","params":{"type":"event","data":{"name":"video-ready-to-close"}}}');
  env.deliver('{"postis":true,"scope":"jitsi_meet_external_api_0","method":"message","params":{"type":"event","data":{"name":"participant-joined","id":"x"}}}', 'https://evil.example');
  env.deliver('{"postis":true,"scope":"jitsi_meet_external_api_9","method":"message","params":{"type":"event","data":{"name":"participant-joined","id":"y"}}}');
  env.deliver({ postis: true, scope: SCOPE, method: 'message', params: { type: 'event', data: { name: 'participant-joined', id: 'z' } } });
  env.deliver('{"postis":true,"scope":"jitsi_meet_external_api_0","method":"message","params":{"type":"event","data":{"name":"on-stage-participant-changed","id":"q"}}}');
  assert.deepEqual(JSON.parse(JSON.stringify(got)), [
    ['videoConferenceJoined', { roomName: 'r', id: 'abc', displayName: 'Ada' }],
    ['readyToClose', {}],
  ]);
  assert.equal(api.getNumberOfParticipants(), 1);
  assert.equal(api.getDisplayName('abc'), 'Ada');
  api.dispose();
});

test('command names: kebab-case with Jitsi\'s exceptions; unknown and unsupported refused', async () => {
  const env = load();
  const { commands, events } = env.window.ConferAPINames;
  assert.equal(commands.setAssumedBandwidthBps, 'set-assumed-bandwidth-bps');
  assert.equal(commands.toggleFilmStrip, 'toggle-film-strip');
  assert.equal(commands.hangup, 'video-hangup');
  assert.equal(commands.sendCameraFacingMode, 'send-camera-facing-mode-message');
  assert.equal(commands.toggleVirtualBackgroundDialog, 'toggle-virtual-background');
  assert.equal(commands.toggleE2EE, 'toggle-e2ee');
  assert.equal(commands.showPiP, 'show-pip');
  assert.equal(events['video-ready-to-close'], 'readyToClose');
  assert.equal(events['participant-menu-button-clicked'], 'participantMenuButtonClick');
  assert.equal(events['audio-mute-status-changed'], 'audioMuteStatusChanged');
  const api = new env.API('confer.example', { roomName: 'r' });
  await handshake(env);
  const warnings = [];
  env.window.console = { error: (m) => warnings.push(m), warn: (m) => warnings.push(m) };
  const before = sent(env).length;
  api.executeCommand('noSuchCommand');
  api.executeCommand('toggleWhiteboard');
  assert.equal(sent(env).length, before, 'nothing sent');
  assert.ok(!api.getSupportedCommands().includes('toggleWhiteboard'));
  assert.ok(api.getSupportedCommands().includes('startRecording'));
  assert.ok(api.getSupportedEvents().includes('videoConferenceJoined'));
  assert.equal(warnings.length, 2);
  api.dispose();
});

test('docs/moving-from-jaas.md lists exactly the supported commands and events', () => {
  const env = load();
  const { commands, events, CONFER_COMMANDS, CONFER_EVENTS } = env.window.ConferAPINames;
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'moving-from-jaas.md'), 'utf8');
  const section = (start, end) => doc.slice(doc.indexOf(start), doc.indexOf(end));
  const names = (text) => [...text.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]).sort();
  const cmds = names(section('Commands Confer executes', 'Events Confer emits').split('\n\n').slice(1, 2).join(''));
  assert.deepEqual(cmds, [...CONFER_COMMANDS].sort());
  const evs = names(section('Events Confer emits', '`errorOccurred` carries').split('\n\n').slice(1, 2).join(''));
  assert.deepEqual(evs, [...CONFER_EVENTS].map((e) => events[e]).sort());
  for (const c of CONFER_COMMANDS) assert.ok(commands[c], c);
});
