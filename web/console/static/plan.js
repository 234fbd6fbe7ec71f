import { api, tpath, fill, h, empty, table, confirmAction, can } from './console.js';
import { money, longDate, nextMonth, act as actThen, renderScheduled } from './subscription.js';

const $ = (id) => document.getElementById(id);
const num = new Intl.NumberFormat();

const capNote = (p, included) => (p.hard_cap
  ? `Hard cap: once ${num.format(included)} devices are active in a month, new devices cannot join (“MAU limit reached”) until the next month; devices already counted still can.`
  : `No cap: meetings never stop; each active user beyond the ${num.format(included)} included costs ${money(p.overage_cents)}.`);

const fact = (dt, dd) => [h('dt', {}, dt), h('dd', {}, dd)];

const kindNames = {
  mau_pack: 'Extra monthly active users',
  recording_minutes: 'Recorded minutes',
  streaming_minutes: 'Live-streaming minutes',
  transcription_minutes: 'Transcription minutes',
};

let status = null; // the tenant's plan status, as last read

// act runs a money action, tells how it went and reloads the page's data.
const act = (what, fn) => actThen(what, fn, load);

function renderCurrent(st) {
  const p = st.plan;
  fill($('current'),
    h('div', { class: 'row' }, h('b', { class: 'plan-name' }, p.name), h('code', {}, p.id), p.hard_cap ? h('span', { class: 'badge warn' }, 'hard cap') : null),
    h('dl', { class: 'facts' },
      fact('Price', money(p.price_cents) + ' a month'),
      fact('Included', num.format(st.included_mau) + ' monthly active users' + (st.included_mau > p.included_mau ? ` (${num.format(p.included_mau)} with the plan, the rest from add-ons)` : '')),
      fact('Beyond that', p.overage_cents ? money(p.overage_cents) + ' per active user' : (p.hard_cap ? 'not possible (capped)' : 'free'))),
    h('p', { class: p.hard_cap ? 'notice' : 'hint' }, capNote(p, st.included_mau)));

  renderScheduled($('scheduled'), st, load);
}

// lineTable lists an invoice's lines and total.
function lineTable(v) {
  const t = table([
    { label: 'Line', cell: (l) => l.description },
    { label: 'Amount', class: 'num', cell: (l) => money(l.amount_cents) },
  ], [...v.lines, { description: 'Total so far', amount_cents: v.total_cents }], 'This month’s invoice so far');
  t.querySelector('tbody tr:last-child').classList.add('total');
  return t;
}

// METERED are the kinds billed by the minute, in invoice order.
const METERED = ['recording_minutes', 'streaming_minutes', 'transcription_minutes'];

// used is this month's minutes of a metered kind and their cost.
const used = (preview, kind) => (preview.metered || []).find((m) => m.kind === kind) || { kind, minutes: 0, amount_cents: 0 };

// meteredTable lists this month's metered minutes and what the invoice
// bills for them (the same figures as its lines).
function meteredTable(preview) {
  return table([
    { label: 'Use', cell: (m) => kindNames[m.kind] },
    { label: 'Minutes', class: 'num', cell: (m) => num.format(m.minutes) },
    { label: 'Cost so far', class: 'num', cell: (m) => (m.minutes && !m.addon_id ? 'not billed (no add-on sold)' : money(m.amount_cents)) },
  ], METERED.map((k) => used(preview, k)), 'Metered minutes this month');
}

function renderMonth(st, preview) {
  const p = st.plan;
  // The invoice so far, with the overage so far replaced by the projection.
  const projected = preview.total_cents - st.overage_mau * p.overage_cents + st.projected_overage_cents;
  const pct = st.included_mau ? Math.min(100, Math.round((st.mau / st.included_mau) * 100)) : 100;
  const over = st.overage_mau > 0;
  fill($('month'),
    h('div', { class: 'stats' },
      h('div', { class: 'stat' }, h('span', { class: 'hint' }, `Active users in ${st.month} (UTC)`), h('b', {}, num.format(st.mau)),
        h('span', { class: 'hint' }, `of ${num.format(st.included_mau)} included`)),
      h('div', { class: 'stat' }, h('span', { class: 'hint' }, 'Beyond the plan so far'), h('b', {}, num.format(st.overage_mau)),
        h('span', { class: 'hint' }, over ? money(st.overage_mau * p.overage_cents) + ' of overage' : 'nothing extra')),
      h('div', { class: 'stat' }, h('span', { class: 'hint' }, 'Projected by month end'), h('b', {}, num.format(st.projected_mau)),
        h('span', { class: 'hint' }, 'active users at the current pace')),
      h('div', { class: 'stat' }, h('span', { class: 'hint' }, 'Projected invoice'), h('b', {}, money(projected)),
        h('span', { class: 'hint' }, st.projected_overage_cents ? `incl. ${money(st.projected_overage_cents)} overage` : 'plans and add-ons, no overage'))),
    h('label', {}, `${pct}% of the included active users used`,
      h('progress', { max: 100, value: pct, class: over ? 'over' : '' }, `${pct}%`)),
    h('h3', {}, 'Recorded, streamed and transcribed minutes'),
    h('div', { id: 'metered' }, meteredTable(preview)),
    h('h3', {}, 'This month’s invoice so far'),
    h('div', { id: 'upcoming' }, lineTable(preview)),
    h('p', { class: 'hint' }, 'Each plan held this month is charged for its days. Details day by day are on the ',
      h('a', { href: 'activity' }, 'Activity'), ' page.'));
}

function renderPlans(st, plans) {
  const p = st.plan;
  const on = longDate(nextMonth(st));
  $('plans-note').textContent = can.manageBilling()
    ? `“Switch now” takes effect at once and this month's invoice charges each plan for its days; “Switch on ${on}” waits for the 1st.`
    : 'Only an owner of this tenant can change its plan or add-ons.';
  if (!plans.length) {
    fill($('plans'), empty('The operator has not published any plan.'));
    return;
  }
  const label = (x) => (x.change_policy === 'month_end' ? `Switch on ${on}` : 'Switch now');
  fill($('plans'), table([
    { label: 'Plan', cell: (x) => h('span', {}, h('b', {}, x.name),
      x.id === p.id ? [' ', h('span', { class: 'badge ok' }, 'current')] : null,
      st.scheduled?.plan.id === x.id ? [' ', h('span', { class: 'badge warn' }, 'from ' + longDate(st.scheduled.effective_at))] : null,
      x.visibility === 'private' ? [' ', h('span', { class: 'badge' }, 'offered to you')] : null) },
    { label: 'Price', class: 'num', cell: (x) => money(x.price_cents) + ' / month' },
    { label: 'Included MAU', class: 'num', cell: (x) => num.format(x.included_mau) },
    { label: 'Per extra MAU', class: 'num', cell: (x) => (x.hard_cap ? '—' : money(x.overage_cents)) },
    { label: 'Cap', cell: (x) => (x.hard_cap ? h('span', { class: 'badge warn' }, 'hard cap') : 'none') },
    { label: '', cell: (x) => (x.id === p.id || !can.manageBilling() ? ''
      : h('button', { class: 'btn small', type: 'button', dataset: { plan: x.id }, onclick: () => switchTo(x, p) }, label(x))) },
  ], plans, 'Plans'));
}

// prorated is the text of this month's invoice after a switch now.
async function prorated(x) {
  try {
    const v = await api('GET', tpath('/invoices/upcoming?plan=' + encodeURIComponent(x.id)));
    return '\n\nThis month’s invoice would be:\n' + v.lines.map((l) => `• ${l.description}: ${money(l.amount_cents)}`).join('\n') +
      `\nTotal so far: ${money(v.total_cents)}`;
  } catch {
    return ''; // the switch itself still works
  }
}

async function switchTo(x, from) {
  const change = x.price_cents >= from.price_cents ? 'Upgrade' : 'Downgrade';
  const later = x.change_policy === 'month_end';
  const when = later ? ` on ${longDate(nextMonth(status))}` : ' now; this month is charged by the days on each plan';
  const warn = !later && x.hard_cap && status && status.mau >= x.included_mau ? ` This month already has ${num.format(status.mau)} active users and ${x.name} is capped at ${num.format(x.included_mau)}: new devices will be refused until next month.` : '';
  const lines = later ? '' : await prorated(x);
  if (!(await confirmAction(`${change} from ${from.name} to ${x.name} (${money(x.price_cents)} a month, ${num.format(x.included_mau)} MAU included)${when}?${warn}${lines}`, 'Switch plan'))) return;
  await act(later ? `${x.name} starts on ${longDate(nextMonth(status))}` : `The tenant is now on ${x.name}`, () => api('PUT', tpath('/plan'), { plan: x.id }));
}

function addonPrice(a) {
  if (a.kind === 'mau_pack') return `${money(a.price_cents)} a month for ${num.format(a.quantity)} MAU`;
  return a.quantity === 1 ? `${money(a.price_cents)} per minute` : `${money(a.price_cents)} per ${num.format(a.quantity)} minutes`;
}

function renderAddons(addons, preview) {
  const owner = can.manageBilling();
  $('addons-note').textContent = 'MAU packs raise this month’s included active users at once and renew monthly until removed (a removed pack still counts, and is billed, to the end of the month). Recorded, streamed and transcribed minutes are billed from measured use (each recording rounded up to a whole minute) at the cheapest add-on of their kind.';
  if (!addons.length) {
    fill($('addons'), empty('The operator sells no add-ons.'));
    return;
  }
  fill($('addons'), table([
    { label: 'Add-on', cell: (a) => h('span', {}, h('b', {}, a.name), h('br'), h('span', { class: 'hint' }, kindNames[a.kind] || a.kind)) },
    { label: 'Price', cell: addonPrice },
    { label: 'This month', cell: (a) => (a.kind !== 'mau_pack' ? `${num.format(used(preview, a.kind).minutes)} min used, billed by use`
      : a.packs ? `${a.packs} pack${a.packs > 1 ? 's' : ''}${a.ending ? `, ${a.ending} ending this month` : ''}` : 'none') },
    { label: '', cell: (a) => (a.kind !== 'mau_pack' || !owner ? '' : h('span', { class: 'row' },
      h('button', { class: 'btn small', type: 'button', dataset: { buy: a.id }, onclick: () => buy(a) }, 'Buy a pack'),
      a.packs - a.ending > 0 ? h('button', { class: 'btn small', type: 'button', dataset: { remove: a.id },
        onclick: () => act(`One ${a.name} ends with this month`, () => api('DELETE', tpath('/addons/' + encodeURIComponent(a.id)))) }, 'Remove one') : null)) },
  ], addons, 'Add-ons'));
}

async function buy(a) {
  if (!(await confirmAction(`Buy ${a.name}: ${num.format(a.quantity)} more monthly active users from now on, ${money(a.price_cents)} a month (this month included) until removed?`, 'Buy'))) return;
  await act(`${a.name} added: ${num.format(a.quantity)} more active users this month`, () => api('POST', tpath('/addons/' + encodeURIComponent(a.id))));
}

async function load() {
  const [st, { plans }, { addons }, preview] = await Promise.all([api('GET', tpath('/plan')), api('GET', tpath('/plans')),
    api('GET', tpath('/addons')), api('GET', tpath('/invoices/upcoming'))]);
  status = st;
  renderCurrent(st);
  renderMonth(st, preview);
  renderPlans(st, plans);
  renderAddons(addons, preview);
}

load().catch((e) => {
  fill($('current'), h('p', { class: 'error' }, e.message));
  fill($('month'));
  fill($('plans'));
  fill($('addons'));
});
