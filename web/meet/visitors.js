// Visitors, a webinar's audience (internal/room/visitors.go): a visitor
// watches only — no microphone, camera or screen share, and not in the
// others' roster — and asks to join with the hand button; moderators see
// who asks in the participants panel and let them in; everyone sees how
// many watch; a moderator whose token has the list-visitors feature also
// sees who watches, and may let any of them in. On being let in, the page
// starts its camera and microphone and publishes as any participant
// (app.js promoted).
import { t, onLanguage } from './i18n.js';
import { announce } from './controls.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
};

// listEvery is the least time between two asks for the visitors list.
const listEvery = 1000;

// Visitors keeps the page's side. m: state, moderate(action, target),
// send(message), and the topbar and participants panel to add to.
export class Visitors {
  constructor(m) {
    this.m = m;
    this.count = 0;
    this.asking = new Map(); // visitors asking to join, for a moderator
    this.watching = []; // who watches, for a moderator with list-visitors
    this.listAt = 0;
    this.badge = el('span', { id: 'visitor-count', className: 'visitor-count', hidden: true });
    m.topbar.querySelector('#status').before(this.badge);
    this.banner = el('p', { id: 'visitor-banner', className: 'visitor-banner', hidden: true });
    this.banner.setAttribute('role', 'status');
    m.topbar.after(this.banner);
    this.head = el('h3');
    this.list = el('ul', { id: 'visitor-requests', className: 'people-list' });
    this.section = el('section', { id: 'visitor-section', className: 'visitor-section', hidden: true }, this.head, this.list);
    this.watchHead = el('h3');
    this.watchList = el('ul', { id: 'visitor-list', className: 'people-list' });
    this.watchSection = el('section', { id: 'visitor-list-section', className: 'visitor-section', hidden: true }, this.watchHead, this.watchList);
    m.people.append(this.section, this.watchSection);
    onLanguage(() => this.render());
  }

  // mayList: the page's user is a moderator whose token sets list-visitors.
  mayList() {
    const { state } = this.m;
    return !!state.moderator && state.ready?.features?.['list-visitors'] === true;
  }

  // refreshList asks for the visitors list, at most once a listEvery.
  refreshList() {
    if (!this.mayList()) return;
    const wait = this.listAt + listEvery - Date.now();
    if (wait > 0) {
      this.listTimer ||= setTimeout(() => { this.listTimer = null; this.refreshList(); }, wait);
      return;
    }
    this.listAt = Date.now();
    this.m.send({ type: 'listVisitors' });
  }

  onList(visitors) {
    this.watching = visitors || [];
    this.render();
  }

  // joined takes the joined message: the count, and no requests yet.
  joined(msg) {
    this.count = msg.room?.visitors || 0;
    this.asking.clear();
    this.watching = [];
    this.render();
    if (this.count) this.refreshList();
  }

  onCount(n) {
    this.count = n;
    this.render();
    this.refreshList();
  }

  onRequest({ participant, asking }) {
    if (asking) {
      this.asking.set(participant.id, participant);
      announce(t('visitors.asks', { name: participant.name }));
    } else {
      this.asking.delete(participant.id);
    }
    this.render();
  }

  render() {
    const { state } = this.m;
    $('meeting').classList.toggle('visitor', !!state.visitor);
    this.badge.hidden = !this.count;
    this.badge.textContent = t('visitors.count', { n: this.count });
    this.banner.hidden = !state.visitor;
    this.banner.textContent = t(state.hand ? 'visitors.asked' : 'visitors.banner');
    this.section.hidden = !state.moderator || !this.asking.size;
    this.head.textContent = t('visitors.requests');
    this.list.replaceChildren(...[...this.asking.values()].map((p) => this.item(p)));
    const listed = this.mayList() && this.count > 0;
    this.watchSection.hidden = !listed;
    this.watchHead.textContent = t('visitors.watching', { n: this.count });
    this.watchList.replaceChildren(...(listed ? this.watching.map((p) => this.item(p)) : []));
  }

  // item is a visitor's line: the name and a "Let in" button.
  item(p) {
    const letIn = el('button', { type: 'button', className: 'btn small', textContent: t('visitors.letIn') });
    letIn.dataset.action = 'let-in';
    letIn.setAttribute('aria-label', t('visitors.letInName', { name: p.name }));
    letIn.onclick = () => this.m.moderate('promoteVisitor', p.id);
    const li = el('li', {}, el('span', { className: 'name', textContent: p.name }), letIn);
    li.dataset.id = p.id;
    return li;
  }
}
