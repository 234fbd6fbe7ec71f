// Reactions (Jitsi Meet's set, shown as floating bursts on every page and
// limited to a few a second per participant) and the speaker statistics
// dialog (how long each participant has been the dominant speaker, from
// the server's room, refreshed every second while it is open).
import { icon } from './icons.js';
import { t, mark } from './i18n.js';

// NAMES are the reactions' message keys.
const NAMES = {
  like: 'reactions.like', love: 'reactions.love', clap: 'reactions.clap', laugh: 'reactions.laugh',
  surprised: 'reactions.surprised', boo: 'reactions.boo', silence: 'reactions.silence', tada: 'reactions.tada',
};

// EMOJI are the reactions in the server's order (room.Reactions).
export const EMOJI = { like: '👍', love: '❤️', clap: '👏', laugh: '😂', surprised: '😮', boo: '👎', silence: '🤫', tada: '🎉' };

const PER_SECOND = 5;

const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
};

// Reactions renders the toolbar's reactions button and menu and the
// bursts. deps: send(msg), nameOf(id), toast(text), announce(text), stage
// (the element bursts float over).
export class Reactions {
  constructor(deps) {
    this.deps = deps;
    this.sent = []; // times of the last reactions sent
    this.layer = el('div', { id: 'reactions', className: 'reaction-layer' });
    this.layer.setAttribute('aria-hidden', 'true');
    deps.stage.append(this.layer);
  }

  // addButton puts the reactions button and its menu before before.
  addButton(before) {
    const wrap = el('span', { className: 'react-wrap' });
    const b = el('button', { id: 'tb-react', className: 'btn tb', type: 'button' });
    mark(b, { tip: 'reactions.button', label: 'reactions.button' });
    b.setAttribute('aria-haspopup', 'true');
    b.setAttribute('aria-expanded', 'false');
    b.append(el('span', { className: 'ic', innerHTML: icon('smile') }));
    const menu = el('div', { id: 'react-menu', className: 'react-menu', hidden: true });
    menu.setAttribute('role', 'group');
    mark(menu, { label: 'reactions.menu' });
    for (const [name, emoji] of Object.entries(EMOJI)) {
      const r = el('button', { className: 'react', type: 'button', textContent: emoji });
      r.dataset.reaction = name;
      mark(r, { label: NAMES[name], title: NAMES[name] });
      r.onclick = () => this.send(name);
      menu.append(r);
    }
    b.onclick = () => this.toggleMenu(menu.hidden);
    document.addEventListener('click', (e) => { if (!menu.hidden && !e.target.closest('.react-wrap')) this.toggleMenu(false); });
    menu.addEventListener('keydown', (e) => { if (e.key === 'Escape') { this.toggleMenu(false); b.focus(); } });
    wrap.append(b, menu);
    before.before(wrap);
    this.button = b;
    this.menu = menu;
  }

  toggleMenu(open) {
    this.menu.hidden = !open;
    this.button.setAttribute('aria-expanded', String(open));
    if (open) this.menu.querySelector('button').focus();
  }

  // send sends a reaction, at most PER_SECOND a second (the server
  // refuses more).
  send(name) {
    const now = performance.now();
    this.sent = this.sent.filter((t) => now - t < 1000);
    if (this.sent.length >= PER_SECOND) { this.deps.toast(t('reactions.tooFast')); return false; }
    this.sent.push(now);
    this.deps.send({ type: 'reaction', reaction: name });
    return true;
  }

  // show floats a reaction received from the server.
  show({ from, reaction }) {
    const emoji = EMOJI[reaction];
    if (!emoji) return;
    const b = el('div', { className: 'burst', textContent: emoji });
    b.dataset.reaction = reaction;
    b.dataset.from = from;
    b.style.left = `${10 + Math.random() * 70}%`;
    this.layer.append(b);
    while (this.layer.children.length > 30) this.layer.firstElementChild.remove();
    setTimeout(() => b.remove(), 4000);
    this.deps.announce(t('reactions.announce', { name: this.deps.nameOf(from), reaction: t(NAMES[reaction]) }));
  }
}

// SpeakerStats is the dialog of speaking times. deps: send(msg),
// container.
export class SpeakerStats {
  constructor(deps) {
    this.deps = deps;
    this.timer = 0;
    this.body = el('tbody', { id: 'stats-rows' });
    const close = mark(el('button', { id: 'stats-close', className: 'btn primary', type: 'button' }), { text: 'common.close' });
    close.onclick = () => this.close();
    const table = el('table', { className: 'stats-table' },
      el('thead', {}, el('tr', {}, mark(el('th', { scope: 'col' }), { text: 'stats.name' }), mark(el('th', { scope: 'col' }), { text: 'stats.time' }))), this.body);
    this.dialog = el('div', { id: 'stats-dialog', className: 'modal', hidden: true },
      el('div', { className: 'card' }, mark(el('h2', { id: 'stats-title' }), { text: 'stats.title' }), table, close));
    this.dialog.setAttribute('role', 'dialog');
    this.dialog.setAttribute('aria-modal', 'true');
    this.dialog.setAttribute('aria-labelledby', 'stats-title');
    this.dialog.addEventListener('keydown', (e) => { if (e.key === 'Escape') this.close(); });
    deps.container.append(this.dialog);
  }

  // addMenuItem adds "Speaker stats" to the overflow menu.
  addMenuItem(menu) {
    const item = el('button', { id: 'om-stats', type: 'button' }, el('span', { className: 'ic', innerHTML: icon('stats') }), mark(el('span', { className: 'txt' }), { text: 'stats.menu' }));
    item.setAttribute('role', 'menuitem');
    item.onclick = () => { document.getElementById('tb-more').click(); this.open(); };
    menu.append(item);
  }

  open() {
    this.dialog.hidden = false;
    this.refresh();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.refresh(), 1000);
    this.dialog.querySelector('button').focus();
  }

  close() {
    this.dialog.hidden = true;
    clearInterval(this.timer);
  }

  refresh() { this.deps.send({ type: 'speakerStats' }); }

  // update takes a speakerStats message: lines sorted most first.
  update(stats) {
    if (this.dialog.hidden) return;
    this.body.replaceChildren(...stats.map((s) => {
      const tr = el('tr', { className: (s.speaking ? 'speaking' : '') + (s.left ? ' left' : '') });
      tr.dataset.id = s.id;
      const note = s.speaking ? ` (${t('stats.speaking')})` : s.left ? ` (${t('stats.left')})` : '';
      tr.append(el('td', { textContent: s.name + note }), el('td', { className: 'time', textContent: clock(s.ms) }));
      return tr;
    }));
  }
}

// clock formats milliseconds as h:mm:ss or m:ss.
export function clock(ms) {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60));
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm.padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}
