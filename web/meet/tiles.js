// Tiles: one per camera (and one per screen share), with the participant's
// indicators: muted microphone and camera, audio level, raised hand with its
// place in the queue, moderator badge, screen sharing, connection quality
// (a button opening the details) and a pin button.
import { icon } from './icons.js';
import { t } from './i18n.js';

const TEMPLATE = () => `<div class="avatar"><span></span></div><video autoplay playsinline muted></video>
<div class="tl"><button class="q" type="button" data-quality="unknown">${icon('signal')}</button>
<span class="mod" role="img" aria-label="${t('tile.moderator')}" hidden>${icon('star')}</span>
<span class="hand" role="img" hidden>${icon('hand')}<b class="hand-n"></b></span></div>
<button class="pin" type="button" aria-pressed="false">${icon('pin')}</button>
<div class="label"><span class="level" aria-hidden="true"><i></i><i></i><i></i></span>
<span class="mic-off" role="img" aria-label="${t('tile.micMuted')}" hidden>${icon('micOff')}</span>
<span class="cam-off" role="img" aria-label="${t('tile.cameraOff')}" hidden>${icon('camOff')}</span>
<span class="sharing" role="img" aria-label="${t('tile.sharing')}" hidden>${icon('screen')}<span aria-hidden="true">${t('tile.sharing')}</span></span>
<span class="name"></span></div>`;

const q = (id, source) => `.tile[data-id="${CSS.escape(id)}"][data-source="${source}"]`;

// Tiles creates and updates tile elements; ctx has the state, isSelf, and
// the callbacks for the pin and quality buttons.
export class Tiles {
  constructor(ctx) {
    this.ctx = ctx;
    this.handQueue = []; // participant ids in the order their hands went up
  }

  // get returns (creating) the tile of a participant's camera or screen.
  get(id, source = 'camera') {
    let el = document.querySelector(q(id, source));
    if (el) return el;
    el = document.createElement('div');
    el.className = `tile ${source}${this.ctx.isSelf(id) ? ' local' : ''}`;
    el.dataset.id = id;
    el.dataset.source = source;
    el.innerHTML = TEMPLATE();
    el.querySelector('.pin').onclick = () => this.ctx.onPin(id);
    el.querySelector('.q').onclick = (e) => this.ctx.onQuality(id, source, e.currentTarget);
    el.addEventListener('click', (e) => { // a tap shows the pin button on touch screens
      if (e.target.closest('button')) return;
      el.classList.add('show-controls');
      clearTimeout(el.controlsTimer);
      el.controlsTimer = setTimeout(() => el.classList.remove('show-controls'), 4000);
    });
    if (source === 'screen') {
      el.querySelector('.avatar').hidden = true;
      for (const s of ['.mod', '.level', '.pin']) el.querySelector(s).hidden = true;
      const icon = el.querySelector('.sharing');
      icon.hidden = false;
      icon.querySelector('span').textContent = '';
    }
    document.getElementById('tiles').append(el);
    return el;
  }

  find(id, source = 'camera') { return document.querySelector(q(id, source)); }

  // hands keeps the raised-hand queue in step with a participant's state.
  hands(p) {
    const i = this.handQueue.indexOf(p.id);
    if (p.handRaised && i < 0) this.handQueue.push(p.id);
    if (!p.handRaised && i >= 0) this.handQueue.splice(i, 1);
  }

  forget(id) {
    const i = this.handQueue.indexOf(id);
    if (i >= 0) this.handQueue.splice(i, 1);
    document.querySelectorAll(`.tile[data-id="${CSS.escape(id)}"]`).forEach((el) => el.remove());
  }

  // update shows a participant's name and indicators on their tiles.
  update(p) {
    this.hands(p);
    const self = this.ctx.isSelf(p.id);
    const el = this.get(p.id);
    const name = self ? t('tile.you', { name: p.name }) : p.name;
    el.querySelector('.mod').setAttribute('aria-label', t('tile.moderator'));
    el.querySelector('.mic-off').setAttribute('aria-label', t('tile.micMuted'));
    el.querySelector('.cam-off').setAttribute('aria-label', t('tile.cameraOff'));
    el.querySelector('.sharing').setAttribute('aria-label', t('tile.sharing'));
    el.querySelector('.sharing span').textContent = t('tile.sharing');
    el.querySelector('.name').textContent = name;
    el.querySelector('.mic-off').hidden = !p.audioMuted;
    el.querySelector('.level').hidden = !!p.audioMuted;
    el.querySelector('.cam-off').hidden = !p.videoMuted;
    el.querySelector('.sharing').hidden = !p.screenSharing;
    el.querySelector('.mod').hidden = p.role !== 'moderator';
    el.querySelector('.pin').setAttribute('aria-label', t('tile.pin', { name }));
    el.querySelector('.pin').dataset.tip = t('tile.pin', { name });
    this.labelQuality(el);
    const av = el.querySelector('.avatar span');
    av.textContent = (p.name || '?').trim().charAt(0).toUpperCase();
    if (p.avatar && /^https?:\/\//.test(p.avatar)) { av.style.backgroundImage = `url("${p.avatar.replaceAll('"', '%22')}")`; av.textContent = ''; }
    const video = el.querySelector('video');
    video.hidden = !!p.videoMuted || !video.srcObject;
    const screen = this.find(p.id, 'screen');
    if (screen) {
      screen.querySelector('.name').textContent = self ? t('tile.yourScreen') : t('tile.screenOf', { name: p.name });
      screen.querySelector('.q').setAttribute('aria-label', t('tile.screenConnection', { name: p.name }));
    }
    this.renderHands();
  }

  // renderHands numbers the raised hands in the order they went up.
  renderHands() {
    for (const el of document.querySelectorAll('.tile.camera')) {
      const n = this.handQueue.indexOf(el.dataset.id) + 1;
      const hand = el.querySelector('.hand');
      hand.hidden = n === 0;
      hand.querySelector('.hand-n').textContent = n ? String(n) : '';
      hand.setAttribute('aria-label', n ? t('tile.handQueue', { n }) : t('tile.hand'));
    }
  }

  // quality shows a tile's connection quality: good, fair, poor or unknown.
  quality(id, source, level) {
    const el = this.find(id, source);
    const b = el?.querySelector('.q');
    if (!b || b.dataset.quality === level) return;
    b.dataset.quality = level;
    this.labelQuality(el);
  }

  // labelQuality names a camera tile's quality button for its quality.
  labelQuality(el) {
    const b = el.querySelector('.q');
    if (el.dataset.source === 'screen') return;
    const quality = t(`quality.${b.dataset.quality}`);
    b.setAttribute('aria-label', t('tile.connection', { name: el.querySelector('.name').textContent, quality }));
    b.dataset.tip = t('tile.connectionTip', { quality });
  }

  // level shows a participant's audio level (0..1) on their camera tile.
  level(id, value) {
    const el = this.find(id);
    if (!el) return;
    const step = value > 0.3 ? 3 : value > 0.1 ? 2 : value > 0.02 ? 1 : 0;
    if (el.dataset.level !== String(step)) {
      el.dataset.level = String(step);
      el.classList.toggle('speaking', step >= 2);
    }
  }
}
