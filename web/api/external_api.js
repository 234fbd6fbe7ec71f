/*
 * Confer's JitsiMeetExternalAPI: a drop-in for Jitsi's external_api.js.
 * An integrator's JaaS code works after changing only the domain: the same
 * constructor and options, the same iframe URL (contracts §4.2), the same
 * postMessage wire format (Postis + Transport, §4.3), commands (§4.4),
 * functions (§4.5) and events (§4.6).
 *
 * The script also defines window.ConferTransport, the same transport, which
 * the meeting page uses for the iframe side.
 */
(function (global) {
  'use strict';

  // ---- Postis: the handshake and envelope of js-utils/transport/postis ----

  function Postis(options) {
    const target = options.window;
    const scope = options.scope;
    const allowedOrigin = options.allowedOrigin;
    const listeners = {};
    let sendBuffer = [];
    const listenBuffer = {};
    let ready = false;
    const readyMethod = '__ready__';
    const self = {};

    function post(method, params) {
      target.postMessage(JSON.stringify({ postis: true, scope: scope, method: method, params: params }), '*');
    }

    function onMessage(event) {
      if (allowedOrigin && event.origin !== allowedOrigin) return;
      if (typeof event.data !== 'string') return;
      let data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (!data || data.postis !== true || data.scope !== scope) return;
      const ls = listeners[data.method];
      if (ls && ls.length) {
        for (const l of ls.slice()) l.call(self, data.params);
      } else {
        (listenBuffer[data.method] = listenBuffer[data.method] || []).push(data.params);
      }
    }

    self.listen = function (method, callback) {
      (listeners[method] = listeners[method] || []).push(callback);
      const buffered = listenBuffer[method];
      if (buffered) {
        delete listenBuffer[method];
        for (const params of buffered) callback.call(self, params);
      }
    };
    self.send = function (opts) {
      if (ready || opts.method === readyMethod) post(opts.method, opts.params);
      else sendBuffer.push(opts);
    };
    self.ready = function (callback) {
      if (ready) callback(); else setTimeout(function () { self.ready(callback); }, 50);
    };
    self.destroy = function () {
      clearInterval(readynessCheck);
      global.removeEventListener('message', onMessage, false);
    };

    global.addEventListener('message', onMessage, false);
    const readyId = Date.now() + '-' + Math.random();
    self.listen(readyMethod, function (id) {
      if (id === readyId) {
        clearInterval(readynessCheck);
        ready = true;
        const pending = sendBuffer;
        sendBuffer = [];
        for (const m of pending) post(m.method, m.params);
      } else {
        post(readyMethod, id);
      }
    });
    const readynessCheck = setInterval(function () { post(readyMethod, readyId); }, 50);
    return self;
  }

  // ---- Transport: events, requests and responses over Postis ----

  function Transport(options) {
    const postis = Postis(options);
    const eventListeners = new Set();
    const requestListeners = new Set();
    const pending = new Map();
    let lastId = 0;
    postis.listen('message', function (msg) {
      if (!msg || typeof msg !== 'object') return;
      switch (msg.type) {
        case 'event':
          for (const l of eventListeners) l(msg.data);
          return;
        case 'request': {
          let handled = false;
          for (const l of requestListeners) {
            handled = l(msg.data, function (result, error) {
              postis.send({ method: 'message', params: { type: 'response', id: msg.id, result: result, error: error } });
            }) || handled;
          }
          if (!handled) {
            postis.send({ method: 'message', params: { type: 'response', id: msg.id, error: 'Unsupported request: ' + (msg.data && msg.data.name) } });
          }
          return;
        }
        case 'response': {
          const p = pending.get(msg.id);
          if (!p) return;
          pending.delete(msg.id);
          if (msg.result !== undefined) p.resolve(msg.result); else p.reject(msg.error);
          return;
        }
      }
    });
    return {
      sendEvent: function (data) { postis.send({ method: 'message', params: { type: 'event', data: data } }); },
      sendRequest: function (data) {
        const id = ++lastId;
        return new Promise(function (resolve, reject) {
          pending.set(id, { resolve: resolve, reject: reject });
          postis.send({ method: 'message', params: { type: 'request', data: data, id: id } });
        });
      },
      on: function (type, listener) { (type === 'request' ? requestListeners : eventListeners).add(listener); },
      dispose: function () {
        postis.destroy();
        for (const p of pending.values()) p.reject(new Error('disposed'));
        pending.clear();
      },
    };
  }

  // ---- the API's name maps (contracts §4.4 and §4.6) ----

  const JITSI_COMMANDS = ['addBreakoutRoom', 'answerKnockingParticipant', 'approveVideo', 'askToUnmute',
    'autoAssignToBreakoutRooms', 'avatarUrl', 'cancelPrivateChat', 'closeBreakoutRoom', 'displayName', 'endConference',
    'email', 'grantModerator', 'grantRecordingConsent', 'hangup', 'hideNotification', 'initiatePrivateChat',
    'joinBreakoutRoom', 'localSubject', 'kickParticipant', 'muteEveryone', 'muteRemoteParticipant', 'overwriteConfig',
    'overwriteNames', 'password', 'pinParticipant', 'rejectParticipant', 'removeBreakoutRoom', 'resizeFilmStrip',
    'resizeLargeVideo', 'sendCameraFacingMode', 'sendChatMessage', 'sendEndpointTextMessage', 'sendParticipantToRoom',
    'sendTones', 'setAudioOnly', 'setAssumedBandwidthBps', 'setBlurredBackground', 'setFollowMe',
    'setLargeVideoParticipant', 'setMediaEncryptionKey', 'setNoiseSuppressionEnabled', 'setParticipantVolume',
    'setSubtitles', 'setTileView', 'setVideoQuality', 'setVirtualBackground', 'showNotification', 'startRecording',
    'startShareVideo', 'stopRecording', 'stopShareVideo', 'subject', 'submitFeedback', 'toggleAudio', 'toggleCamera',
    'toggleCameraMirror', 'toggleChat', 'toggleE2EE', 'toggleFilmStrip', 'toggleLobby', 'toggleModeration',
    'toggleNoiseSuppression', 'toggleParticipantsPane', 'toggleRaiseHand', 'toggleShareScreen', 'toggleSubtitles',
    'toggleTileView', 'toggleVirtualBackgroundDialog', 'toggleVideo', 'toggleWhiteboard', 'showPiP', 'hidePiP'];
  const COMMAND_EXCEPTIONS = {
    hangup: 'video-hangup', sendCameraFacingMode: 'send-camera-facing-mode-message',
    toggleVirtualBackgroundDialog: 'toggle-virtual-background', toggleE2EE: 'toggle-e2ee', showPiP: 'show-pip', hidePiP: 'hide-pip',
  };
  const kebab = function (s) { return s.replace(/[A-Z]/g, function (m) { return '-' + m.toLowerCase(); }); };
  const commands = {};
  for (const name of JITSI_COMMANDS) commands[name] = COMMAND_EXCEPTIONS[name] || kebab(name);

  // What Confer's meeting page implements (the others are refused by name).
  const CONFER_COMMANDS = new Set(['addBreakoutRoom', 'autoAssignToBreakoutRooms', 'closeBreakoutRoom', 'joinBreakoutRoom',
    'removeBreakoutRoom', 'sendParticipantToRoom', 'answerKnockingParticipant', 'approveVideo', 'askToUnmute', 'cancelPrivateChat', 'displayName',
    'endConference', 'grantModerator', 'hangup', 'setFollowMe', 'hideNotification', 'initiatePrivateChat', 'kickParticipant',
    'localSubject', 'muteEveryone', 'muteRemoteParticipant', 'overwriteConfig', 'password', 'pinParticipant',
    'rejectParticipant', 'sendChatMessage', 'setLargeVideoParticipant', 'setTileView', 'setVideoQuality',
    'showNotification', 'startRecording', 'stopRecording', 'subject', 'toggleAudio', 'toggleChat', 'toggleFilmStrip', 'toggleLobby',
    'toggleModeration', 'toggleParticipantsPane', 'toggleRaiseHand', 'toggleShareScreen', 'toggleTileView', 'toggleVideo']);

  const JITSI_EVENTS = ['avatar-changed', 'audio-availability-changed', 'audio-mute-status-changed',
    'audio-only-changed', 'audio-or-video-sharing-toggled', 'breakout-rooms-updated', 'browser-support', 'camera-error',
    'chat-updated', 'compute-pressure-changed', 'conference-created-timestamp', 'content-sharing-participants-changed',
    'custom-notification-action-triggered', 'data-channel-closed', 'data-channel-opened', 'device-list-changed',
    'display-name-change', 'dominant-speaker-changed', 'email-change', 'error-occurred', 'endpoint-text-message-received',
    'face-landmark-detected', 'feedback-submitted', 'feedback-prompt-displayed', 'file-deleted', 'file-uploaded',
    'filmstrip-display-changed', 'incoming-message', 'knocking-participant', 'log', 'mic-error',
    'moderation-participant-approved', 'moderation-participant-rejected', 'moderation-status-changed', 'mouse-enter',
    'mouse-leave', 'mouse-move', 'non-participant-message-received', 'notification-triggered', 'outgoing-message',
    'p2p-status-changed', 'participant-joined', 'participant-kicked-out', 'participant-left', 'participant-muted',
    'participant-role-changed', 'participants-pane-toggled', 'password-required', 'peer-connection-failure',
    'prejoin-screen-loaded', 'proxy-connection-event', 'raise-hand-updated', 'ready', 'recording-consent-dialog-open',
    'recording-link-available', 'recording-status-changed', 'participant-menu-button-clicked', 'video-ready-to-close',
    'video-conference-joined', 'video-conference-left', 'video-availability-changed', 'video-mute-status-changed',
    'video-quality-changed', 'screen-sharing-status-changed', 'subject-change', 'suspend-detected', 'tile-view-changed',
    'toolbar-button-clicked', 'toolbar-visibility-changed', 'transcribing-status-changed', 'transcription-chunk-received',
    'whiteboard-status-changed', 'pip-entered', 'pip-left', '_pip-requested'];
  const EVENT_EXCEPTIONS = { 'video-ready-to-close': 'readyToClose', 'participant-menu-button-clicked': 'participantMenuButtonClick' };
  const camel = function (s) { return s.replace(/-([a-z])/g, function (_, c) { return c.toUpperCase(); }); };
  const events = {};
  for (const name of JITSI_EVENTS) events[name] = EVENT_EXCEPTIONS[name] || camel(name);
  const CONFER_EVENTS = new Set(['audio-mute-status-changed', 'breakout-rooms-updated', 'browser-support', 'chat-updated',
    'conference-created-timestamp', 'display-name-change', 'dominant-speaker-changed', 'error-occurred',
    'incoming-message', 'knocking-participant', 'moderation-participant-approved', 'moderation-participant-rejected',
    'moderation-status-changed', 'outgoing-message', 'participant-joined', 'participant-kicked-out',
    'participant-left', 'participant-role-changed', 'participants-pane-toggled', 'password-required',
    'raise-hand-updated', 'ready', 'recording-link-available', 'recording-status-changed', 'screen-sharing-status-changed', 'subject-change', 'tile-view-changed',
    'video-conference-joined', 'video-conference-left', 'video-mute-status-changed', 'video-quality-changed',
    'video-ready-to-close']);

  // ---- the iframe URL (§4.2) ----

  let apiId = 0;
  const SIZE = /^([0-9]+)(\.[0-9]+)?(px|em|pt|%|vh|vw|dvh|svh|lvh|dvw|svw|lvw|rem|ch|ex|vmin|vmax)$/;
  function size(v) {
    if (typeof v === 'number') return v + 'px';
    if (typeof v === 'string' && SIZE.test(v)) return v;
    return '100%';
  }

  // scriptOrigin is where this script was loaded from: Confer serves the
  // meeting on the same origin (http for local trials, https otherwise).
  const currentScript = global.document && global.document.currentScript;
  const scriptURL = currentScript && currentScript.src ? new URL(currentScript.src) : null;

  function baseURL(domain) {
    if (scriptURL && scriptURL.host === domain) return scriptURL.protocol + '//' + domain;
    return 'https://' + domain;
  }

  function hashPart(prefix, obj) {
    const out = [];
    if (!obj || typeof obj !== 'object') return out;
    for (const k of Object.keys(obj)) {
      out.push(prefix + '.' + k + '=' + encodeURIComponent(JSON.stringify(obj[k])));
    }
    return out;
  }

  function iframeURL(domain, o, id) {
    const query = [];
    if (o.jwt) query.push('jwt=' + o.jwt);
    const lang = o.lang || (o.configOverwrite && o.configOverwrite.defaultLanguage);
    if (lang) query.push('lang=' + encodeURIComponent(lang));
    if (o.release) query.push('release=' + encodeURIComponent(o.release));
    const hash = ['jitsi_meet_external_api_id=' + id];
    if (o.jwt) hash.push('jwt=' + encodeURIComponent(JSON.stringify(o.jwt)));
    hash.push.apply(hash, hashPart('config', o.configOverwrite));
    hash.push.apply(hash, hashPart('iceServers', o.iceServers));
    hash.push.apply(hash, hashPart('interfaceConfig', o.interfaceConfigOverwrite));
    hash.push.apply(hash, hashPart('devices', o.devices));
    hash.push.apply(hash, hashPart('userInfo', o.userInfo));
    const room = (o.roomName || '').split('/').map(encodeURIComponent).join('/');
    return baseURL(domain) + '/' + room + (query.length ? '?' + query.join('&') : '') + '#' + hash.join('&');
  }

  // ---- JitsiMeetExternalAPI ----

  function parseArgs(args) {
    if (args.length === 0 || (args.length === 1 && typeof args[0] === 'object' && args[0] !== null)) return args[0] || {};
    const [roomName, width, height, parentNode, configOverwrite, interfaceConfigOverwrite, jwt, onload] = args;
    return { roomName, width, height, parentNode, configOverwrite, interfaceConfigOverwrite, jwt, onload };
  }

  class JitsiMeetExternalAPI {
    constructor(domain, ...rest) {
      const o = parseArgs(rest);
      this._domain = domain;
      this._id = apiId++;
      this._listeners = new Map();
      this._participants = {};
      this._myUserID = undefined;
      this._onload = o.onload;
      this._url = iframeURL(domain, o, this._id);
      this._parentNode = o.parentNode || global.document.body;
      const frame = global.document.createElement('iframe');
      frame.allow = ['autoplay', 'camera', 'clipboard-write', 'compute-pressure', 'display-capture', 'hid',
        'microphone', 'screen-wake-lock', 'speaker-selection'].join('; ');
      frame.name = frame.id = 'jitsiConferenceFrame' + this._id;
      frame.src = this._url;
      frame.setAttribute('allowFullScreen', 'true');
      frame.style.border = 0;
      frame.style.width = size(o.width);
      frame.style.height = size(o.height);
      if (o.sandbox) frame.sandbox = o.sandbox;
      this._frame = frame;
      this._parentNode.appendChild(frame);
      this._transport = Transport({
        window: frame.contentWindow,
        scope: 'jitsi_meet_external_api_' + this._id,
        allowedOrigin: new URL(this._url).origin,
      });
      this._transport.on('event', (data) => this._onEvent(data));
      this._transport.on('request', (data, respond) => this._onRequest(data, respond));
      if (Array.isArray(o.invitees) && o.invitees.length) this.invite(o.invitees);
    }

    _onEvent(data) {
      const name = data && data.name;
      switch (name) {
        case 'ready':
          if (typeof this._onload === 'function') this._onload();
          break;
        case 'video-conference-joined':
          this._myUserID = data.id;
          this._isVisitor = !!data.visitor;
          this._participants[data.id] = { email: data.email, displayName: data.displayName, avatarURL: data.avatarURL };
          break;
        case 'participant-joined':
          this._participants[data.id] = Object.assign(this._participants[data.id] || {}, { displayName: data.displayName, formattedDisplayName: data.formattedDisplayName });
          break;
        case 'participant-left':
          delete this._participants[data.id];
          break;
        case 'display-name-change':
          if (this._participants[data.id]) {
            this._participants[data.id].displayName = data.displayname;
            this._participants[data.id].formattedDisplayName = data.formattedDisplayName;
          }
          break;
        case 'email-change':
          if (this._participants[data.id]) this._participants[data.id].email = data.email;
          break;
        case 'avatar-changed':
          if (this._participants[data.id]) this._participants[data.id].avatarURL = data.avatarURL;
          break;
        case 'video-conference-left':
          this._participants = {};
          this._myUserID = undefined;
          break;
      }
      const eventName = events[name];
      if (!eventName) return;
      const payload = Object.assign({}, data);
      delete payload.name;
      this._emit(eventName, payload);
    }

    _onRequest(data, respond) {
      if (data && data.name === '_request-desktop-sources') {
        respond(undefined, 'Confer picks the screen with the browser\'s own picker');
        return true;
      }
      return false;
    }

    _emit(name, payload) {
      const ls = this._listeners.get(name);
      if (ls) for (const l of Array.from(ls)) l(payload);
    }

    // Events (EventEmitter-compatible).
    on(name, listener) { return this.addListener(name, listener); }
    addListener(name, listener) {
      if (!this._listeners.has(name)) this._listeners.set(name, new Set());
      this._listeners.get(name).add(listener);
      return this;
    }
    off(name, listener) { return this.removeListener(name, listener); }
    removeListener(name, listener) {
      const ls = this._listeners.get(name);
      if (ls) ls.delete(listener);
      return this;
    }
    removeAllListeners(name) {
      if (name) this._listeners.delete(name); else this._listeners.clear();
      return this;
    }
    addEventListener(name, listener) { return this.addListener(name, listener); }
    removeEventListener(name, listener) { return this.removeListener(name, listener); }
    addEventListeners(map) { for (const k of Object.keys(map)) this.addListener(k, map[k]); }
    removeEventListeners(names) { for (const k of names) this.removeAllListeners(k); }

    // Commands.
    executeCommand(name, ...args) {
      if (!(name in commands)) {
        console.error('Not supported command name.');
        return;
      }
      if (!CONFER_COMMANDS.has(name)) {
        console.warn('Confer does not support the Jitsi command "' + name + '" yet; it was not sent.');
        return;
      }
      this._transport.sendEvent({ data: args, name: commands[name] });
    }
    executeCommands(map) { for (const k of Object.keys(map)) this.executeCommand(k, ...(map[k] || [])); }
    getSupportedCommands() { return Object.keys(commands).filter((c) => CONFER_COMMANDS.has(c)); }
    getSupportedEvents() { return Object.keys(events).filter((e) => CONFER_EVENTS.has(e)).map((e) => events[e]); }

    // Functions backed by requests to the meeting page.
    _request(name, extra) { return this._transport.sendRequest(Object.assign({ name: name }, extra)); }
    _deviceRequest(name, extra) { return this._transport.sendRequest(Object.assign({ type: 'devices', name: name }, extra)); }
    isAudioMuted() { return this._request('is-audio-muted'); }
    isVideoMuted() { return this._request('is-video-muted'); }
    isAudioAvailable() { return this._request('is-audio-available'); }
    isVideoAvailable() { return this._request('is-video-available'); }
    isAudioDisabled() { return this._request('is-audio-disabled'); }
    isModerationOn(mediaType) { return this._request('is-moderation-on', { mediaType: mediaType }); }
    isParticipantForceMuted(participantId, mediaType) { return this._request('is-participant-force-muted', { participantId, mediaType }); }
    isParticipantsPaneOpen() { return this._request('is-participants-pane-open'); }
    isSharingScreen() { return this._request('is-sharing-screen'); }
    isStartSilent() { return this._request('is-start-silent'); }
    isP2pActive() { return this._request('get-p2p-status'); }
    getRoomsInfo() { return this._request('rooms-info'); }
    getSessionId() { return this._request('session-id'); }
    getDeploymentInfo() { return this._request('deployment-info'); }
    getContentSharingParticipants() { return this._request('get-content-sharing-participants'); }
    getLivestreamUrl() { return this._request('get-livestream-url'); }
    getCustomAvatarBackgrounds() { return this._request('get-custom-avatar-backgrounds'); }
    getSharedDocumentUrl() { return this._request('get-shared-document-url'); }
    listBreakoutRooms() { return this._request('list-breakout-rooms'); }
    captureLargeVideoScreenshot() { return this._request('capture-largevideo-screenshot'); }
    captureCameraPicture(cameraFacingMode, descriptionText, titleText) { return this._request('capture-camera-picture', { cameraFacingMode, descriptionText, titleText }); }
    invite(invitees) { return this._request('invite', { invitees: invitees }); }
    getAvailableDevices() { return this._deviceRequest('getAvailableDevices'); }
    getCurrentDevices() { return this._deviceRequest('getCurrentDevices'); }
    isDeviceChangeAvailable(deviceType) { return this._deviceRequest('isDeviceChangeAvailable', { deviceType }); }
    isDeviceListAvailable() { return this._deviceRequest('isDeviceListAvailable'); }
    isMultipleAudioInputSupported() { return this._deviceRequest('isMultipleAudioInputSupported'); }
    setAudioInputDevice(label, deviceId) { return this._deviceRequest('setDevice', { device: { kind: 'audioinput', label, id: deviceId } }); }
    setAudioOutputDevice(label, deviceId) { return this._deviceRequest('setDevice', { device: { kind: 'audiooutput', label, id: deviceId } }); }
    setVideoInputDevice(label, deviceId) { return this._deviceRequest('setDevice', { device: { kind: 'videoinput', label, id: deviceId } }); }

    // Functions answered locally.
    getParticipantsInfo() {
      return Object.keys(this._participants).map((id) => Object.assign({ participantId: id }, this._participants[id]));
    }
    getNumberOfParticipants() { return Object.keys(this._participants).length; }
    getDisplayName(id) { const p = this._participants[id]; return p && p.displayName; }
    getEmail(id) { const p = this._participants[id]; return p && p.email; }
    getAvatarURL(id) { const p = this._participants[id]; return p && p.avatarURL; }
    getIFrame() { return this._frame; }
    getVideoQuality() { return this._videoQuality; }
    isVisitor() { return !!this._isVisitor; }
    pinParticipant(id, videoType) { this.executeCommand('pinParticipant', id, videoType); }
    setLargeVideoParticipant(id, videoType) { this.executeCommand('setLargeVideoParticipant', id, videoType); }
    resizeLargeVideo(width, height) { this.executeCommand('resizeLargeVideo', width, height); }
    startRecording(options) { this.executeCommand('startRecording', options); }
    stopRecording(mode) { this.executeCommand('stopRecording', mode); }
    setVirtualBackground() { console.warn('Confer does not support virtual backgrounds yet'); }

    dispose() {
      this._emit('_willDispose', {});
      this._transport.dispose();
      this._listeners.clear();
      if (this._frame.parentNode) this._frame.parentNode.removeChild(this._frame);
    }
  }

  global.JitsiMeetExternalAPI = JitsiMeetExternalAPI;
  global.ConferTransport = Transport;
  global.ConferAPINames = { commands, events, CONFER_COMMANDS, CONFER_EVENTS };
  if (typeof module === 'object' && module.exports) module.exports = JitsiMeetExternalAPI;
})(typeof window !== 'undefined' ? window : globalThis);
