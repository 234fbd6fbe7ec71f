// Follow-me, as Jitsi Meet's "Everyone follows me": a moderator turns it on
// (Settings, or the IFrame API's setFollowMe) and everyone else in the main
// room sees the meeting as that moderator does — tile or speaker view, who
// is on the stage, whether the filmstrip shows. The meeting on the server
// keeps the leader and its layout (internal/room/followme.go) and sends it
// as followMe, to late joiners too; this module sends the leader's layout
// when it changes, applies it on the followers' pages, says so where their
// own layout controls are, and gives them their own layout back when it ends.
import { icon } from './icons.js';
import { t, mark, onLanguage } from './i18n.js';
import { announce } from './controls.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
};

// norm is a layout with every field, as the server's and the page's compare.
const norm = (l) => ({ tileView: !!l.tileView, pinned: l.pinned || '', filmstripHidden: !!l.filmstripHidden });

// CONTROLS are what a follower may not use: the view button (and its menu
// stand-in), the tiles' pin buttons and the filmstrip menu item.
const CONTROLS = '#tb-view, [data-for="tb-view"], #om-view, .tile .pin, #om-filmstrip';

// FollowMe keeps the page's side of follow-me. m: state, send(msg),
// setView(view), layout() (lays the tiles out again), toast(text), and the
// moderator settings box, the overflow menu and the topbar to add to.
export class FollowMe {
  constructor(m) {
    this.m = m;
    this.leader = '';
    this.layout = {};
    this.own = null; // the follower's own layout, given back when it ends
    this.applying = false;
    this.sent = '';
    m.state.filmstripHidden = false;
    this.build(m);
    document.addEventListener('click', (e) => this.guard(e), true);
    onLanguage(() => this.render());
  }

  build({ settings, menu, topbar }) {
    this.check = el('input', { type: 'checkbox', id: 'set-followme' });
    this.check.onchange = () => this.set(this.check.checked);
    settings.querySelector('h3').after(el('label', { className: 'check' }, this.check, ' ',
      mark(el('span'), { text: 'followme.setting' })));
    this.item = el('button', { id: 'om-filmstrip', type: 'button' }, el('span', { className: 'ic', innerHTML: icon('tile') }), el('span', { className: 'txt' }));
    this.item.setAttribute('role', 'menuitem');
    this.item.onclick = () => { $('tb-more').click(); this.toggleFilmstrip(); };
    menu.append(this.item);
    this.badge = el('span', { id: 'followme-badge', className: 'followme-badge', hidden: true });
    this.badge.setAttribute('role', 'status');
    topbar.querySelector('#status').before(this.badge);
  }

  // following: someone else leads and this page follows them.
  following() { return !!this.leader && this.leader !== this.m.state.self?.id; }

  // leading: everyone follows this page.
  leading() { return !!this.leader && this.leader === this.m.state.self?.id; }

  // holds tells app.js's own layout changes to wait: the leader decides.
  holds() { return this.following() && !this.applying; }

  // set turns follow-me on or off (a moderator; the server refuses others).
  set(enabled) { this.m.send({ type: 'followMe', enabled: !!enabled, layout: this.current() }); }

  current() {
    const { state } = this.m;
    return norm({ tileView: state.view === 'tile', pinned: state.pinned, filmstripHidden: state.filmstripHidden });
  }

  // changed sends the leader's layout when it changed.
  changed() {
    if (!this.leading() || this.applying) return;
    const s = JSON.stringify(this.current());
    if (s !== this.sent) { this.sent = s; this.m.send({ type: 'followMe', enabled: true, layout: this.current() }); }
  }

  // toggleFilmstrip shows or hides speaker view's filmstrip (the IFrame
  // API's toggleFilmStrip).
  toggleFilmstrip() {
    if (this.following()) { this.tell(); return; }
    this.m.state.filmstripHidden = !this.m.state.filmstripHidden;
    this.m.layout();
    this.changed();
    this.render();
  }

  // joined applies the state the joined message carries (off when none).
  joined(f) { this.update(f || {}); }

  // update applies the server's followMe message.
  update({ leader, layout }) {
    const { state, toast } = this.m;
    const was = this.following();
    const led = this.leading();
    this.leader = leader || '';
    this.layout = layout || {};
    if (this.following()) {
      if (!was) {
        this.own = { view: state.view, pinned: state.pinned, filmstripHidden: !!state.filmstripHidden };
        toast(t('followme.started', { name: this.name() }));
      }
      this.apply(this.layout);
    } else if (was) {
      if (this.own) this.apply({ tileView: this.own.view === 'tile', pinned: this.own.pinned, filmstripHidden: this.own.filmstripHidden });
      this.own = null;
      toast(t('followme.ended'));
    }
    if (this.leading() && !led) announce(t('followme.leading'));
    this.sent = this.leading() ? JSON.stringify(norm(this.layout)) : '';
    this.changed(); // the leader's layout changed while the server answered
    this.render();
  }

  apply(l) {
    const { state } = this.m;
    this.applying = true;
    state.pinned = l.pinned && state.participants.has(l.pinned) ? l.pinned : '';
    state.filmstripHidden = !!l.filmstripHidden;
    try { this.m.setView(l.tileView ? 'tile' : 'stage'); } finally { this.applying = false; }
  }

  name() { return this.m.state.participants.get(this.leader)?.name || '?'; }

  // tell says why a follower's layout control does nothing.
  tell() {
    const text = t('followme.locked', { name: this.name() });
    this.m.toast(text);
    announce(text);
  }

  // guard stops a follower's clicks on the layout controls, saying why.
  guard(e) {
    if (!this.following() || !e.target.closest?.(CONTROLS)) return;
    e.preventDefault();
    e.stopPropagation();
    this.tell();
  }

  // render shows the moderator's switch, the badge, and marks the
  // follower's layout controls as not theirs to use now.
  render() {
    const { state } = this.m;
    this.check.checked = !!this.leader;
    const on = this.following();
    this.badge.hidden = !this.leader;
    this.badge.textContent = on ? t('followme.badge', { name: this.name() }) : t('followme.badgeLeader');
    $('meeting').classList.toggle('following', on);
    const tip = on ? t('followme.locked', { name: this.name() }) : '';
    for (const b of document.querySelectorAll(CONTROLS)) {
      b.setAttribute('aria-disabled', String(on));
      if (on) b.dataset.followTip = tip; else delete b.dataset.followTip;
    }
    const view = $('tb-view');
    if (on) view.dataset.tip = tip;
    this.item.querySelector('.txt').textContent = t(state.filmstripHidden ? 'followme.showFilmstrip' : 'followme.hideFilmstrip');
  }
}
