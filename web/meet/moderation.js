// Audio/video moderation on the meeting page, as Jitsi Meet's: a moderator
// turns it on for audio or video from the participants panel ("Let
// participants unmute themselves" unchecked); the others are muted and
// their mic (camera) button becomes "Ask to speak", which raises the hand;
// the moderator allows (or rejects) each from the list. The server decides
// and enforces (room/avmoderation.go): this module shows its state, sends
// the moderator's choices, and fires the IFrame API's moderation events.
import { t, tr, mark } from './i18n.js';
import { setButton, announce } from './controls.js';
import { icon } from './icons.js';

const $ = (id) => document.getElementById(id);
const KINDS = ['audio', 'video'];
const BUTTON = { audio: 'tb-mic', video: 'tb-cam' };

// Moderation keeps the page's side of audio/video moderation. m has
// state, moderate(action, target, extra), toast, emit (the IFrame API's
// events), sendMedia and raiseHand(raised).
export class Moderation {
  constructor(m) {
    this.m = m;
    this.box = this.panel();
  }

  // panel adds the moderator's switches to the participants panel.
  panel() {
    const box = document.createElement('div');
    box.id = 'avmod';
    box.className = 'avmod';
    box.hidden = true;
    const h = document.createElement('h3');
    tr(h, 'avmod.title');
    box.append(h);
    for (const kind of KINDS) {
      const label = document.createElement('label');
      label.className = 'check';
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.id = `avmod-${kind}`;
      input.checked = true;
      input.onchange = () => this.set(kind, !input.checked);
      const text = document.createElement('span');
      tr(text, kind === 'audio' ? 'avmod.audioFree' : 'avmod.videoFree');
      label.append(input, ' ', text);
      box.append(label);
    }
    $('people-list').before(box);
    return box;
  }

  // set turns moderation of kind on or off (a moderator's command).
  set(kind, enabled) { this.m.moderate('avModeration', '', { kind: kind === 'video' ? 'video' : 'audio', enabled: !!enabled }); }

  // approve lets a participant unmute kind (askToUnmute, approveVideo).
  approve(id, kind) { this.m.moderate('approveMedia', id, { kind: kind === 'video' ? 'video' : 'audio' }); }

  // reject takes back a participant's approval (rejectParticipant).
  reject(id, kind) { this.m.moderate('rejectMedia', id, { kind: kind === 'video' ? 'video' : 'audio' }); }

  // on tells whether moderation of kind is on in the meeting.
  on(kind) { return !!this.m.state.room?.[kind === 'video' ? 'videoModeration' : 'audioModeration']; }

  // forceMuted tells whether participant id may not unmute kind.
  forceMuted(id, kind) {
    const { state } = this.m;
    const p = state.self?.id === id ? state.self : state.participants.get(id);
    return !!p?.[kind === 'video' ? 'videoForceMuted' : 'audioForceMuted'];
  }

  // blocks is the mic (camera) button's check: a force-muted participant
  // trying to unmute is told why and asks to speak (raises the hand)
  // instead. True when it handled the click.
  blocks(kind) {
    const { state, toast, raiseHand } = this.m;
    const muted = kind === 'video' ? state.videoMuted : state.audioMuted;
    if (!muted || !state.self || !this.forceMuted(state.self.id, kind)) return false;
    toast(t(kind === 'video' ? 'avmod.mustAllowVideo' : 'avmod.mustAllow'));
    if (!state.hand) {
      raiseHand(true);
      toast(t('avmod.asked'));
    }
    return true;
  }

  // joined applies a force-mute the server set on joining.
  joined() {
    const { state } = this.m;
    const audio = this.forceMuted(state.self.id, 'audio') && !state.audioMuted;
    const video = this.forceMuted(state.self.id, 'video') && !state.videoMuted;
    if (audio) state.audioMuted = true;
    if (video) state.videoMuted = true;
    if (audio || video) this.m.sendMedia();
    this.render();
  }

  // onMessage handles the server's moderation messages; true if it was one.
  onMessage(type, msg) {
    switch (type) {
      case 'avModeration': this.changed(msg); return true;
      case 'forceMuted': this.restricted(msg); return true;
      case 'mediaApproved': this.approved(msg); return true;
      case 'mediaRejected': this.rejected(msg); return true;
      default: return false;
    }
  }

  // refused shows the server's refusal of an unmute (a race with a
  // moderator's switch) and mutes again; true if the error was one.
  refused(msg) {
    if (msg.code !== 'forceMuted') return false;
    const { state } = this.m;
    this.m.toast(t(/video/.test(msg.message || '') ? 'avmod.mustAllowVideo' : 'avmod.mustAllow'));
    if (state.self?.audioForceMuted) state.audioMuted = true;
    if (state.self?.videoForceMuted) state.videoMuted = true;
    this.m.sendMedia();
    return true;
  }

  changed({ kind, enabled, by }) {
    const { state, toast, emit } = this.m;
    if (state.room) state.room[kind === 'video' ? 'videoModeration' : 'audioModeration'] = enabled;
    const name = state.participants.get(by)?.name || '?';
    toast(t(`avmod.${kind === 'video' ? 'video' : 'audio'}${enabled ? 'On' : 'Off'}`, { name }));
    emit('moderation-status-changed', { mediaType: kind, enabled });
    this.render();
  }

  // restricted follows the server's word on what self may send: a newly
  // restricted medium is muted here too.
  restricted({ audio, video }) {
    const { state } = this.m;
    if (!state.self) return;
    state.self.audioForceMuted = audio;
    state.self.videoForceMuted = video;
    let changed = false;
    if (audio && !state.audioMuted) { state.audioMuted = true; changed = true; }
    if (video && !state.videoMuted) { state.videoMuted = true; changed = true; }
    if (changed) this.m.sendMedia();
    this.render();
  }

  approved({ id, kind, asked }) {
    const { state, toast, emit } = this.m;
    const video = kind === 'video';
    if (id === state.self?.id) {
      if (!asked) {
        if (video) state.self.videoForceMuted = false; else state.self.audioForceMuted = false;
        state.hand = false;
      }
      toast(t(asked ? (video ? 'avmod.askedVideo' : 'avmod.askedAudio') : (video ? 'avmod.approvedVideo' : 'avmod.approvedAudio')));
    } else if (!asked) {
      announce(t(video ? 'avmod.allowedVideo' : 'avmod.allowedAudio', { name: state.participants.get(id)?.name || '?' }));
    }
    if (!asked) emit('moderation-participant-approved', { id, mediaType: kind });
    this.render();
  }

  rejected({ id, kind }) {
    const { state, toast, emit } = this.m;
    if (id === state.self?.id) {
      state.hand = false;
      toast(t(kind === 'video' ? 'avmod.rejectedVideo' : 'avmod.rejectedAudio'));
    }
    emit('moderation-participant-rejected', { id, mediaType: kind });
    this.render();
  }

  // render shows the switches to moderators and turns a force-muted
  // participant's mic (camera) button into "Ask to speak" ("Ask to start
  // video"), its tooltip saying why.
  render() {
    const { state } = this.m;
    this.box.hidden = !state.moderator;
    for (const kind of KINDS) {
      $(`avmod-${kind}`).checked = !this.on(kind);
      const muted = kind === 'video' ? state.videoMuted : state.audioMuted;
      const ask = !!state.self && muted && this.forceMuted(state.self.id, kind);
      askBadge($(BUTTON[kind]), ask);
      if (!ask) continue;
      const label = t(kind === 'video' ? 'avmod.askVideo' : 'avmod.askToSpeak');
      setButton(BUTTON[kind], { iconName: kind === 'video' ? 'camOff' : 'micOff', label, pressed: false });
      $(BUTTON[kind]).dataset.tip = `${label}: ${t(kind === 'video' ? 'avmod.mustAllowVideo' : 'avmod.mustAllow')}`;
    }
  }

  // decorate adds to the participants list, for a moderator, each
  // restricted participant's state and the buttons to allow or reject it.
  decorate() {
    const { state } = this.m;
    for (const li of $('people-list').children) {
      const p = state.participants.get(li.dataset.id);
      if (!p || p.id === state.self?.id || p.role === 'moderator') continue;
      for (const kind of KINDS) {
        if (!this.on(kind)) continue;
        const forced = this.forceMuted(p.id, kind);
        const name = li.querySelector('.name');
        if (forced) name.textContent += ` · ${t(kind === 'video' ? 'avmod.noVideo' : 'avmod.noAudio')}`;
        if (!state.moderator) continue;
        if (forced) li.append(this.button(kind === 'video' ? 'avmod.allowVideo' : 'avmod.allowAudio', p, `approve-${kind}`, () => this.approve(p.id, kind)));
        if (!forced || p.handRaised) li.append(this.button(kind === 'video' ? 'avmod.rejectVideo' : 'avmod.rejectAudio', p, `reject-${kind}`, () => this.reject(p.id, kind)));
      }
    }
  }

  button(key, p, action, onclick) {
    const b = document.createElement('button');
    b.className = 'btn';
    b.dataset.action = action;
    mark(b, { text: key, label: `${key}For` }, { name: p.name });
    b.onclick = onclick;
    return b;
  }
}

// askBadge marks a muted mic (camera) button that must ask to speak with a
// small hand, so it is not taken for a plain mute (nor doubles the
// raise-hand button), or takes the mark away.
function askBadge(b, on) {
  const badge = b.querySelector('.ask-badge');
  if (!on) { badge?.remove(); return; }
  if (!badge) b.append(Object.assign(document.createElement('span'), { className: 'ask-badge', innerHTML: icon('hand') }));
  b.querySelector('.ask-badge').setAttribute('aria-hidden', 'true');
}
