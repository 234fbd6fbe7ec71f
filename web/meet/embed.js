// The iframe side of the IFrame API (contracts §4.3–4.6): when the page is
// opened by JitsiMeetExternalAPI (hash jitsi_meet_external_api_id), it talks
// to the parent page over window.ConferTransport (from /external_api.js):
// it emits Jitsi's events, runs its commands and answers its requests.

export function initEmbed(params, app) {
  const id = Number(params.hash.jitsi_meet_external_api_id);
  const Transport = window.ConferTransport;
  if (!Number.isInteger(id) || !Transport || window.parent === window && !window.opener) {
    return { emit() {}, active: false };
  }
  const transport = Transport({ window: window.opener || window.parent, scope: `jitsi_meet_external_api_${id}` });
  // emit sends an event; its data must not have a field "name" (the wire
  // name's place), as Jitsi's own API nests errors under "error".
  const emit = (name, data = {}) => transport.sendEvent({ ...data, name });

  const commands = {
    'toggle-audio': () => app.toggleAudio(),
    'toggle-video': () => app.toggleVideo(),
    'toggle-share-screen': () => app.toggleScreen(),
    'toggle-chat': () => app.togglePanel('chat'),
    'toggle-participants-pane': (enabled) => app.setPanel('people', enabled),
    'toggle-raise-hand': () => app.toggleHand(),
    'toggle-tile-view': () => app.setView(app.state.view === 'tile' ? 'stage' : 'tile'),
    'set-tile-view': (enabled) => app.setView(enabled ? 'tile' : 'stage'),
    'toggle-film-strip': () => app.toggleFilmstrip(),
    'set-follow-me': (value) => app.setFollowMe(value),
    'display-name': (name) => app.send({ type: 'name', displayName: String(name) }),
    'subject': (subject) => app.moderate('subject', '', { subject: String(subject) }),
    'local-subject': (subject) => app.setLocalSubject(String(subject)),
    'password': (password) => app.password(String(password || '')),
    'toggle-lobby': (enabled) => app.moderate('lobby', '', { enabled: !!enabled }),
    'mute-everyone': (mediaType = 'audio') => app.moderate('muteAll', '', { kind: mediaType === 'video' ? 'video' : 'audio' }),
    'mute-remote-participant': (pid, mediaType = 'audio') => app.moderate('mute', pid, { kind: mediaType === 'video' ? 'video' : 'audio' }),
    'kick-participant': (pid) => app.moderate('kick', pid),
    'grant-moderator': (pid) => app.moderate('grantModerator', pid),
    'answer-knocking-participant': (pid, approved) => app.moderate(approved ? 'admit' : 'deny', pid),
    // Jitsi's rejectParticipant(id, mediaType) is audio/video moderation's;
    // for someone knocking at the lobby it denies them, as before.
    'reject-participant': (pid, mediaType) => (app.state.knocks.has(pid) ? app.moderate('deny', pid) : app.moderation.reject(pid, mediaType)),
    'toggle-moderation': (enable, mediaType = 'audio') => app.moderation.set(mediaType, enable),
    'ask-to-unmute': (pid) => app.moderation.approve(pid, 'audio'),
    'approve-video': (pid) => app.moderation.approve(pid, 'video'),
    'end-conference': () => app.moderate('end'),
    'add-breakout-room': (name) => app.breakout.addRoom(name),
    'auto-assign-to-breakout-rooms': () => app.breakout.autoAssign(),
    'close-breakout-room': (roomId) => app.breakout.close(roomId),
    'join-breakout-room': (roomId) => app.breakout.join(roomId),
    'remove-breakout-room': (breakoutRoomJid) => app.breakout.remove(breakoutRoomJid),
    'send-participant-to-room': (pid, roomId) => app.breakout.sendTo(pid, roomId),
    'video-hangup': () => app.leave(),
    'pin-participant': (pid) => app.pin(pid),
    'set-large-video-participant': (pid) => app.pin(pid),
    'set-video-quality': (height) => app.setMaxHeight(Number(height)),
    'overwrite-config': (cfg) => app.overwriteConfig(cfg || {}),
    'show-notification': (n) => app.toast([n?.title, n?.description].filter(Boolean).join(': ')),
    'hide-notification': () => app.hideToasts(),
    'send-chat-message': (message, to) => app.send({ type: 'chat', text: String(message), to: to || '' }),
    'initiate-private-chat': (pid) => app.privateChat(pid),
    'cancel-private-chat': () => app.privateChat(''),
    'start-recording': (options) => app.startRecording(options),
    'stop-recording': (mode) => app.stopRecording(mode),
  };

  transport.on('event', (data) => {
    const name = data && data.name;
    const fn = commands[name];
    if (!fn) {
      console.warn(`Confer does not support the IFrame API command "${name}"`);
      emit('error-occurred', { error: { details: { command: name }, message: `Unsupported command ${name}`, name: 'unsupportedCommand', type: 'API', isFatal: false } });
      return;
    }
    try { fn(...(Array.isArray(data.data) ? data.data : [])); } catch (e) { console.error('confer: command', name, e); }
  });

  const requests = {
    'is-audio-muted': () => app.state.audioMuted,
    'is-video-muted': () => app.state.videoMuted,
    'is-audio-available': () => !!app.state.localStream?.getAudioTracks().length,
    'is-video-available': () => !!app.state.localStream?.getVideoTracks().length,
    'is-audio-disabled': () => false,
    'is-moderation-on': (d) => app.moderation.on(d.mediaType || 'audio'),
    'is-participant-force-muted': (d) => app.moderation.forceMuted(d.participantId, d.mediaType || 'audio'),
    'is-participants-pane-open': () => !document.getElementById('people').hidden,
    'is-sharing-screen': () => !!app.state.screenTrack,
    'is-start-silent': () => false,
    'get-p2p-status': () => false,
    'session-id': () => app.state.room?.meetingId || '',
    'deployment-info': () => ({ shard: location.host, region: '', userRegion: '' }),
    'get-content-sharing-participants': () => ({ sharingParticipantIds: app.sharingParticipants() }),
    'rooms-info': () => ({ rooms: app.breakout.roomsInfo() || [app.roomInfo()] }),
    'list-breakout-rooms': () => app.breakout.listRooms(),
    'get-livestream-url': () => ({ livestreamUrl: app.livestreamUrl() }),
  };
  const deviceRequests = {
    getAvailableDevices: () => app.devices(),
    getCurrentDevices: () => app.currentDevices(),
    isDeviceChangeAvailable: () => true,
    isDeviceListAvailable: () => true,
    isMultipleAudioInputSupported: () => true,
    setDevice: (data) => app.setDevice(data.device || {}),
  };
  transport.on('request', (data, respond) => {
    const fn = data?.type === 'devices' ? deviceRequests[data.name] : requests[data?.name];
    if (!fn) {
      respond(undefined, `Confer does not support the IFrame API function "${data?.name}" yet`);
      return true;
    }
    Promise.resolve().then(() => fn(data)).then((result) => respond(result === undefined ? null : result),
      (e) => respond(undefined, String(e?.message || e)));
    return true;
  });

  emit('browser-support', { isSupported: typeof RTCPeerConnection === 'function' });
  emit('ready');
  return { emit, active: true };
}
