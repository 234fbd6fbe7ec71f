// The meeting's controls: toolbar buttons with icons and tooltips, the
// overflow menu (which also holds the buttons a narrow screen has no room
// for), keyboard shortcuts and their help dialog, toasts and the live region
// that announces joins, chat and hands to screen readers.
import { icon } from './icons.js';
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

// SHORTCUTS are the keyboard shortcuts: key, what it does (a message
// key), the button.
export const SHORTCUTS = [
  ['M', 'shortcut.mic', 'tb-mic'],
  ['V', 'shortcut.camera', 'tb-cam'],
  ['D', 'shortcut.screen', 'tb-screen'],
  ['C', 'shortcut.chat', 'tb-chat'],
  ['R', 'shortcut.hand', 'tb-hand'],
  ['T', 'shortcut.view', 'tb-view'],
  ['?', 'shortcut.help', 'om-help'],
];

// MENU maps overflow-menu items that stand in for a toolbar button on narrow
// screens to that button.
const MENU = { 'om-screen': 'tb-screen', 'om-people': 'tb-people', 'om-view': 'tb-view', 'om-invite': 'tb-invite', 'om-settings': 'tb-settings' };

// setButton sets a toolbar button's icon, label and tooltip (with its
// shortcut) and, for a toggle, whether it is on.
export function setButton(id, { iconName, label, pressed }) {
  const b = $(id);
  if (!b) return;
  const key = SHORTCUTS.find((s) => s[2] === id)?.[0];
  const tip = key ? `${label} (${key})` : label;
  if (b.dataset.iconName !== iconName) {
    b.querySelector('.ic').innerHTML = icon(iconName);
    b.dataset.iconName = iconName;
  }
  b.setAttribute('aria-label', label);
  b.dataset.tip = tip;
  if (key) b.setAttribute('aria-keyshortcuts', key === '?' ? 'Shift+?' : key);
  if (pressed !== undefined) b.setAttribute('aria-pressed', String(pressed));
  const m = document.querySelector(`[data-for="${id}"]`);
  if (m) {
    m.querySelector('.ic').innerHTML = icon(iconName);
    m.querySelector('.txt').textContent = label;
  }
}

// applyToolbarButtons shows only the buttons configOverwrite.toolbarButtons
// names (Jitsi's names), when it is given; in a browser that cannot share
// a screen (phones, some embedded views) the share button stays, disabled,
// and its tooltip says why.
const TOOLBAR = { microphone: 'tb-mic', camera: 'tb-cam', desktop: 'tb-screen', chat: 'tb-chat', raisehand: 'tb-hand',
  'participants-pane': 'tb-people', tileview: 'tb-view', invite: 'tb-invite', settings: 'tb-settings', hangup: 'tb-leave',
  reactions: 'tb-react', polls: 'tb-polls', stats: 'om-stats' };
export function applyToolbarButtons(cfg) {
  const listed = (name) => !Array.isArray(cfg.toolbarButtons) || cfg.toolbarButtons.includes(name);
  for (const [name, id] of Object.entries(TOOLBAR)) {
    $(id).hidden = !listed(name);
    const item = document.querySelector(`[data-for="${id}"]`);
    if (item) item.hidden = $(id).hidden;
  }
}

// renderButtons shows the toolbar's state: muted, sharing, hand raised.
export function renderButtons(state) {
  setButton('tb-mic', { iconName: state.audioMuted ? 'micOff' : 'mic', label: t(state.audioMuted ? 'toolbar.unmute' : 'toolbar.mute'), pressed: !state.audioMuted });
  setButton('tb-cam', { iconName: state.videoMuted ? 'camOff' : 'cam', label: t(state.videoMuted ? 'toolbar.startCamera' : 'toolbar.stopCamera'), pressed: !state.videoMuted });
  const canShare = !!navigator.mediaDevices?.getDisplayMedia;
  setButton('tb-screen', { iconName: 'screen', label: t(!canShare ? 'toolbar.noShare' : state.screenTrack ? 'toolbar.stopShare' : 'toolbar.share'), pressed: !!state.screenTrack });
  $('tb-screen').setAttribute('aria-disabled', String(!canShare));
  $('tb-screen').classList.toggle('unavailable', !canShare);
  setButton('tb-hand', { iconName: 'hand', label: t(state.hand ? 'toolbar.lowerHand' : 'toolbar.raiseHand'), pressed: state.hand });
  setButton('tb-chat', { iconName: 'chat', label: t('toolbar.chat') });
  setButton('tb-people', { iconName: 'people', label: state.participants.size ? t('toolbar.participantsCount', { n: state.participants.size }) : t('toolbar.participants') });
  setButton('tb-invite', { iconName: 'invite', label: t('toolbar.invite') });
  setButton('tb-settings', { iconName: 'settings', label: t('toolbar.settings') });
  setButton('tb-leave', { iconName: 'leave', label: t('toolbar.leave') });
}

// showReconnecting puts the reconnecting notice over the videos, with the
// attempt and when the next one starts.
// With mediaOn (the participant's media is on another node, which keeps
// it going: conn.js reopen) it is a light notice over a meeting that plays on.
export function showReconnecting(attempt, delay, mediaOn = false) {
  const first = $('reconnecting').hidden;
  $('reconnecting').hidden = false;
  $('reconnecting').classList.toggle('light', mediaOn);
  $('meeting').classList.toggle('reconnecting-on', !mediaOn);
  $('reconnect-detail').textContent = t(mediaOn ? 'reconnect.mediaOn' : 'reconnect.detail', { n: attempt, s: Math.round(delay / 1000) });
  if (first) announce(t('reconnect.lost'));
}

// hideReconnecting takes the reconnecting notice away once back in.
export function hideReconnecting() {
  if ($('reconnecting').hidden) return;
  $('reconnecting').hidden = true;
  $('meeting').classList.remove('reconnecting-on');
  announce(t('reconnect.back'));
}

// Controls wires the toolbar's menu, the shortcuts and the dialogs.
export class Controls {
  constructor({ isJoined, onSelfView }) {
    this.isJoined = isJoined;
    this.lastFocus = null;
    for (const b of document.querySelectorAll('[data-icon]')) {
      b.querySelector('.ic').innerHTML = icon(b.dataset.icon);
      b.dataset.iconName = b.dataset.icon;
    }
    for (const [item, target] of Object.entries(MENU)) {
      $(item).dataset.for = target;
      $(item).onclick = () => { this.closeMenu(false); $(target).click(); };
    }
    $('om-selfview').onclick = () => { this.closeMenu(false); onSelfView(); };
    $('om-help').onclick = () => { this.closeMenu(false); this.openHelp(); };
    $('tb-more').onclick = () => (this.menuOpen() ? this.closeMenu(true) : this.openMenu());
    $('help-close').onclick = () => this.closeHelp();
    $('more-menu').addEventListener('keydown', (e) => this.menuKeys(e));
    document.addEventListener('click', (e) => {
      if (this.menuOpen() && !e.target.closest('#more-menu, #tb-more')) this.closeMenu(false);
    });
    this.renderHelp();
  }

  menuOpen() { return !$('more-menu').hidden; }

  items() { return [...$('more-menu').querySelectorAll('[role="menuitem"]')].filter((b) => b.offsetParent !== null); }

  openMenu() {
    $('more-menu').hidden = false;
    $('tb-more').setAttribute('aria-expanded', 'true');
    this.items()[0]?.focus();
  }

  closeMenu(focus) {
    if (!this.menuOpen()) return;
    $('more-menu').hidden = true;
    $('tb-more').setAttribute('aria-expanded', 'false');
    if (focus) $('tb-more').focus();
  }

  // menuKeys moves through the menu with the arrow keys, Home and End.
  menuKeys(e) {
    const items = this.items();
    const i = items.indexOf(document.activeElement);
    const go = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: items.length - 1 }[e.key];
    if (go === undefined) return;
    e.preventDefault();
    items[(go + items.length) % items.length]?.focus();
  }

  renderHelp() {
    const list = $('help-list');
    list.replaceChildren();
    for (const [key, what] of SHORTCUTS) {
      const dt = document.createElement('dt');
      const kbd = document.createElement('kbd');
      kbd.textContent = key;
      dt.append(kbd);
      const dd = document.createElement('dd');
      dd.textContent = t(what);
      list.append(dt, dd);
    }
    const dt = document.createElement('dt');
    dt.innerHTML = '<kbd>Esc</kbd>';
    const dd = document.createElement('dd');
    dd.textContent = t('shortcut.escape');
    list.append(dt, dd);
  }

  openHelp() {
    this.lastFocus = document.activeElement;
    $('help-dialog').hidden = false;
    $('help-close').focus();
  }

  closeHelp() {
    if ($('help-dialog').hidden) return;
    $('help-dialog').hidden = true;
    this.lastFocus?.focus?.();
  }

  // key runs a shortcut; it reports whether the key was one.
  key(e) {
    if (e.key === 'Tab' && !$('help-dialog').hidden) { $('help-close').focus(); return true; }
    if (e.key === 'Escape') {
      if (!$('help-dialog').hidden) { this.closeHelp(); return true; }
      if (this.menuOpen()) { this.closeMenu(true); return true; }
      return false;
    }
    if (!this.isJoined() || e.ctrlKey || e.metaKey || e.altKey) return false;
    if (e.target.closest?.('input, select, textarea, [contenteditable="true"]')) return false;
    const hit = SHORTCUTS.find((s) => s[0] === (e.key.length === 1 ? e.key.toUpperCase() : e.key));
    if (!hit) return false;
    if (hit[0] === '?') this.openHelp();
    else if (!$(hit[2]).hidden) $(hit[2]).click();
    return true;
  }
}

// Toasts shows short notices, at most three at a time (the oldest goes).
export class Toasts {
  constructor(max = 3) { this.max = max; }

  show(text) {
    const box = $('toasts');
    const el = document.createElement('div');
    el.className = 'toast';
    el.textContent = text;
    box.append(el);
    announce(text);
    while (box.children.length > this.max) box.firstElementChild.remove();
    setTimeout(() => el.remove(), 5000);
  }

  clear() { $('toasts').replaceChildren(); }
}

// announce says text to screen readers through the page's live region.
export function announce(text) {
  const el = $('announcer');
  const line = document.createElement('p');
  line.textContent = text;
  el.append(line);
  while (el.children.length > 5) el.firstElementChild.remove();
}
