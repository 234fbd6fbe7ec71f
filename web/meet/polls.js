// Polls: a panel where anyone whose token allows it (context.features
// "create-polls" not false) asks a question with 2 to 10 answers, everyone
// answers (one or more choices, changeable until the poll is closed) and
// sees the results live; the creator or a moderator closes a poll. The
// room on the server keeps the polls (internal/room/polls.go).
import { icon } from './icons.js';
import { t, mark, onLanguage } from './i18n.js';

const MIN_OPTIONS = 2;
const MAX_OPTIONS = 10;

const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
};

// Polls keeps the meeting's polls and renders the panel. deps: send(msg),
// selfId(), isModerator(), canCreate(), onNew(poll) for a poll someone
// else created, and the panel's container.
export class Polls {
  constructor(deps) {
    this.deps = deps;
    this.polls = new Map(); // id → poll, in creation order
    this.editing = new Map(); // id → Set of choices not yet submitted
    this.changing = new Set(); // poll ids whose answer is being changed
    this.panel = this.build(deps.container);
    onLanguage(() => this.render()); // the static parts follow by their data-i18n
  }

  build(container) {
    const panel = el('aside', { id: 'polls', className: 'panel polls', hidden: true });
    mark(panel, { label: 'polls.title' });
    const close = el('button', { className: 'close', type: 'button', textContent: '×' });
    close.dataset.close = 'polls';
    mark(close, { label: 'polls.close' });
    close.onclick = () => this.deps.toggle();
    this.list = el('ol', { id: 'poll-list', className: 'poll-list' });
    this.newBtn = mark(el('button', { id: 'poll-new', className: 'btn primary', type: 'button' }), { text: 'polls.create' });
    this.newBtn.onclick = () => this.openForm();
    this.form = this.buildForm();
    panel.append(el('header', {}, mark(el('h2'), { text: 'polls.title' }), close), this.newBtn, this.form, this.list);
    container.append(panel);
    return panel;
  }

  buildForm() {
    const form = el('form', { id: 'poll-form', className: 'poll-form', hidden: true });
    this.qInput = el('input', { id: 'poll-question', maxLength: 500, required: true, autocomplete: 'off' });
    mark(this.qInput, { placeholder: 'polls.question', label: 'polls.question' });
    this.optBox = el('div', { className: 'poll-options' });
    const add = mark(el('button', { id: 'poll-add', className: 'btn', type: 'button' }), { text: 'polls.addAnswer' });
    add.onclick = () => { if (this.optBox.children.length < MAX_OPTIONS) this.addOption().focus(); };
    const cancel = mark(el('button', { className: 'btn', type: 'button' }), { text: 'polls.cancel' });
    cancel.onclick = () => { form.hidden = true; this.newBtn.hidden = !this.deps.canCreate(); };
    const send = mark(el('button', { id: 'poll-send', className: 'btn primary', type: 'submit' }), { text: 'polls.send' });
    form.append(this.qInput, this.optBox, el('div', { className: 'row' }, add, cancel, send));
    form.onsubmit = (e) => {
      e.preventDefault();
      const options = [...this.optBox.querySelectorAll('input')].map((i) => i.value.trim()).filter(Boolean);
      this.deps.send({ type: 'poll', action: 'create', question: this.qInput.value.trim(), options });
      form.hidden = true;
      this.newBtn.hidden = !this.deps.canCreate();
    };
    return form;
  }

  addOption() {
    const n = this.optBox.children.length + 1;
    const input = el('input', { maxLength: 200, required: true, autocomplete: 'off' });
    mark(input, { placeholder: 'polls.answer', label: 'polls.answer' }, { n });
    const rm = el('button', { className: 'btn icon-btn', type: 'button', innerHTML: icon('close') });
    mark(rm, { label: 'polls.removeAnswer' }, { n });
    rm.onclick = () => { if (this.optBox.children.length > MIN_OPTIONS) row.remove(); };
    const row = el('div', { className: 'poll-option' }, input, rm);
    this.optBox.append(row);
    return input;
  }

  openForm() {
    this.qInput.value = '';
    this.optBox.replaceChildren();
    for (let i = 0; i < MIN_OPTIONS; i++) this.addOption();
    this.form.hidden = false;
    this.newBtn.hidden = true;
    this.qInput.focus();
  }

  // reset replaces the polls with those of the joined message.
  reset(polls = []) {
    this.polls.clear();
    for (const p of polls) this.polls.set(p.id, p);
    this.render();
  }

  // update takes a poll message's poll.
  update(p) {
    const isNew = !this.polls.has(p.id);
    this.polls.set(p.id, p);
    if (p.answers?.[this.deps.selfId()]) this.changing.delete(p.id);
    if (isNew && p.createdBy !== this.deps.selfId()) this.deps.onNew(p, t('polls.new', { name: p.creatorName, question: p.question }));
    this.render();
  }

  render() {
    this.newBtn.hidden = !this.form.hidden || !this.deps.canCreate();
    const items = [...this.polls.values()].reverse().map((p) => this.renderPoll(p));
    this.list.replaceChildren(...(items.length ? items : [el('li', { className: 'hint', textContent: t('polls.none') })]));
  }

  renderPoll(p) {
    const me = this.deps.selfId();
    const mine = p.answers?.[me];
    const li = el('li', { className: 'poll' + (p.closed ? ' closed' : '') });
    li.dataset.id = p.id;
    li.append(el('h3', { textContent: p.question }), el('p', { className: 'hint', textContent: t('polls.by', { name: p.creatorName }) + (p.closed ? ` · ${t('polls.closed')}` : '') }));
    const owner = p.createdBy === me || this.deps.isModerator();
    if (!p.closed && (!mine || this.changing.has(p.id))) {
      li.append(this.renderVote(p, mine));
      if (owner) li.append(this.renderResults(p, mine)); // its creator and moderators follow the results live
    } else li.append(this.renderResults(p, mine));
    if (!p.closed && mine) {
      const change = el('button', { className: 'btn poll-change', type: 'button', textContent: t('polls.change') });
      change.onclick = () => { this.changing.add(p.id); this.render(); };
      if (!this.changing.has(p.id)) li.append(change);
    }
    if (!p.closed && owner) {
      const close = el('button', { className: 'btn poll-close', type: 'button', textContent: t('polls.closePoll') });
      close.onclick = () => this.deps.send({ type: 'poll', action: 'close', pollId: p.id });
      li.append(close);
    }
    return li;
  }

  renderVote(p, mine) {
    const chosen = this.editing.get(p.id) || new Set(mine || []);
    this.editing.set(p.id, chosen);
    const form = el('form', { className: 'poll-vote' });
    p.options.forEach((o, i) => {
      const box = el('input', { type: 'checkbox', checked: chosen.has(i) });
      box.onchange = () => { if (box.checked) chosen.add(i); else chosen.delete(i); submit.disabled = chosen.size === 0; };
      form.append(el('label', { className: 'check' }, box, ` ${o}`));
    });
    const submit = el('button', { className: 'btn primary', type: 'submit', textContent: t('polls.submit'), disabled: chosen.size === 0 });
    form.append(submit);
    form.onsubmit = (e) => {
      e.preventDefault();
      this.editing.delete(p.id);
      this.deps.send({ type: 'poll', action: 'answer', pollId: p.id, choices: [...chosen].sort((a, b) => a - b) });
    };
    return form;
  }

  renderResults(p, mine) {
    const counts = p.options.map(() => 0);
    const names = p.options.map(() => []);
    for (const [id, choices] of Object.entries(p.answers || {})) {
      for (const c of choices) { counts[c]++; names[c].push(p.names?.[id] || id); }
    }
    const voters = Object.keys(p.answers || {}).length || 1;
    const ol = el('ol', { className: 'poll-results' });
    p.options.forEach((o, i) => {
      const pct = Math.round((100 * counts[i]) / voters);
      const bar = el('div', { className: 'bar' }, el('span', { style: `width:${pct}%` }));
      bar.setAttribute('role', 'img');
      bar.setAttribute('aria-label', `${pct}%`);
      const li = el('li', { className: mine?.includes(i) ? 'mine' : '' },
        el('div', { className: 'row' }, el('span', { className: 'opt', textContent: o }), el('span', { className: 'count', textContent: `${votes(counts[i])} (${pct}%)` })),
        bar);
      li.title = names[i].join(', ');
      ol.append(li);
    });
    return ol;
  }
}

// votes is "n votes" in the page's language.
const votes = (n) => (n === 1 ? t('polls.voteOne') : t('polls.votes', { n }));

// pollButton adds the toolbar's polls button before before, and its
// stand-in in the overflow menu for narrow screens.
export function pollButton(before, menu, onclick) {
  const b = el('button', { id: 'tb-polls', className: 'btn tb wide', type: 'button' });
  b.dataset.icon = 'poll';
  mark(b, { tip: 'polls.button', label: 'polls.button' });
  b.append(el('span', { className: 'ic', innerHTML: icon('poll') }));
  b.onclick = onclick;
  before.before(b);
  const item = el('button', { id: 'om-polls', className: 'wide', type: 'button' },
    el('span', { className: 'ic', innerHTML: icon('poll') }), mark(el('span', { className: 'txt' }), { text: 'polls.button' }));
  item.setAttribute('role', 'menuitem');
  item.dataset.for = 'tb-polls';
  item.onclick = () => { document.getElementById('tb-more').click(); onclick(); };
  menu.prepend(item);
  return b;
}
