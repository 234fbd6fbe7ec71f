// Visitors, a webinar's audience (internal/room/visitors.go): a visitor
// watches only — no microphone, camera or screen share, and not in the
// others' roster — and asks to join with the hand button; moderators see
// who asks in the participants panel and let them in; everyone sees how
// many watch. On being let in, the page starts its camera and microphone
// and publishes as any participant (app.js promoted).
import { t, onLanguage } from './i18n.js';
import { announce } from './controls.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
};

// Visitors keeps the page's side. m: state, moderate(action, target), and
// the topbar and participants panel to add to.
export class Visitors {
  constructor(m) {
    this.m = m;
    this.count = 0;
    this.asking = new Map(); // visitors asking to join, for a moderator
    this.badge = el('span', { id: 'visitor-count', className: 'visitor-count', hidden: true });
    m.topbar.querySelector('#status').before(this.badge);
    this.banner = el('p', { id: 'visitor-banner', className: 'visitor-banner', hidden: true });
    this.banner.setAttribute('role', 'status');
    m.topbar.after(this.banner);
    this.head = el('h3');
    this.list = el('ul', { id: 'visitor-requests', className: 'people-list' });
    this.section = el('section', { id: 'visitor-section', className: 'visitor-section', hidden: true }, this.head, this.list);
    m.people.append(this.section);
    onLanguage(() => this.render());
  }

  // joined takes the joined message: the count, and no requests yet.
  joined(msg) {
    this.count = msg.room?.visitors || 0;
    this.asking.clear();
    this.render();
  }

  onCount(n) {
    this.count = n;
    this.render();
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
    this.list.replaceChildren(...[...this.asking.values()].map((p) => {
      const letIn = el('button', { type: 'button', className: 'btn small', textContent: t('visitors.letIn') });
      letIn.dataset.action = 'let-in';
      letIn.setAttribute('aria-label', t('visitors.letInName', { name: p.name }));
      letIn.onclick = () => this.m.moderate('promoteVisitor', p.id);
      const li = el('li', {}, el('span', { className: 'name', textContent: p.name }), letIn);
      li.dataset.id = p.id;
      return li;
    }));
  }
}
