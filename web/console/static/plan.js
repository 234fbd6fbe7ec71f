import { api, tpath, fill, h, empty, table, toast, confirmAction, can } from './console.js';

const $ = (id) => document.getElementById(id);
const num = new Intl.NumberFormat();
const usd = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' });
const money = (cents) => usd.format(cents / 100);

const capNote = (p) => (p.hard_cap
  ? `Hard cap: once ${num.format(p.included_mau)} devices are active in a month, new devices cannot join (“MAU limit reached”) until the next month; devices already counted still can.`
  : `No cap: meetings never stop; each active user beyond the ${num.format(p.included_mau)} included costs ${money(p.overage_cents)}.`);

const fact = (dt, dd) => [h('dt', {}, dt), h('dd', {}, dd)];

let status = null; // the tenant's plan status, as last read

async function load() {
  const [st, { plans }] = await Promise.all([api('GET', tpath('/plan')), api('GET', '/plans')]);
  status = st;
  const p = st.plan;
  fill($('current'),
    h('div', { class: 'row' }, h('b', { class: 'plan-name' }, p.name), h('code', {}, p.id), p.hard_cap ? h('span', { class: 'badge warn' }, 'hard cap') : null),
    h('dl', { class: 'facts' },
      fact('Price', money(p.price_cents) + ' a month'),
      fact('Included', num.format(p.included_mau) + ' monthly active users'),
      fact('Beyond that', p.overage_cents ? money(p.overage_cents) + ' per active user' : (p.hard_cap ? 'not possible (capped)' : 'free'))),
    h('p', { class: p.hard_cap ? 'notice' : 'hint' }, capNote(p)));

  const pct = p.included_mau ? Math.min(100, Math.round((st.mau / p.included_mau) * 100)) : 100;
  const over = st.overage_mau > 0;
  fill($('month'),
    h('div', { class: 'stats' },
      h('div', { class: 'stat' }, h('span', { class: 'hint' }, `Active users in ${st.month} (UTC)`), h('b', {}, num.format(st.mau)),
        h('span', { class: 'hint' }, `of ${num.format(p.included_mau)} included`)),
      h('div', { class: 'stat' }, h('span', { class: 'hint' }, 'Beyond the plan so far'), h('b', {}, num.format(st.overage_mau)),
        h('span', { class: 'hint' }, over ? money(st.overage_mau * p.overage_cents) + ' of overage' : 'nothing extra')),
      h('div', { class: 'stat' }, h('span', { class: 'hint' }, 'Projected by month end'), h('b', {}, num.format(st.projected_mau)),
        h('span', { class: 'hint' }, 'active users at the current pace')),
      h('div', { class: 'stat' }, h('span', { class: 'hint' }, 'Projected invoice'), h('b', {}, money(st.projected_total_cents)),
        h('span', { class: 'hint' }, st.projected_overage_cents ? `incl. ${money(st.projected_overage_cents)} overage` : 'the plan price'))),
    h('label', {}, `${pct}% of the included active users used`,
      h('progress', { max: 100, value: pct, class: over ? 'over' : '' }, `${pct}%`)),
    h('p', { class: 'hint' }, 'Details day by day are on the ', h('a', { href: 'activity' }, 'Activity'), ' page.'));

  $('plans-note').textContent = can.manageBilling()
    ? 'Switching takes effect at once; the month is invoiced at the plan the tenant has when it closes.'
    : 'Only an owner of this tenant can change its plan.';
  if (!plans.length) {
    fill($('plans'), empty('The operator has not published any plan.'));
    return;
  }
  fill($('plans'), table([
    { label: 'Plan', cell: (x) => h('span', {}, h('b', {}, x.name), x.id === p.id ? [' ', h('span', { class: 'badge ok' }, 'current')] : null) },
    { label: 'Price', class: 'num', cell: (x) => money(x.price_cents) + ' / month' },
    { label: 'Included MAU', class: 'num', cell: (x) => num.format(x.included_mau) },
    { label: 'Per extra MAU', class: 'num', cell: (x) => (x.hard_cap ? '—' : money(x.overage_cents)) },
    { label: 'Cap', cell: (x) => (x.hard_cap ? h('span', { class: 'badge warn' }, 'hard cap') : 'none') },
    { label: '', cell: (x) => (x.id === p.id || !can.manageBilling() ? ''
      : h('button', { class: 'btn small', type: 'button', dataset: { plan: x.id }, onclick: () => switchTo(x, p) }, 'Switch to this plan')) },
  ], plans, 'Plans'));
}

async function switchTo(x, from) {
  const change = x.price_cents >= from.price_cents ? 'Upgrade' : 'Downgrade';
  const warn = x.hard_cap && status && status.mau >= x.included_mau ? ` This month already has ${num.format(status.mau)} active users and ${x.name} is capped at ${num.format(x.included_mau)}: new devices will be refused until next month.` : '';
  if (!(await confirmAction(`${change} from ${from.name} to ${x.name} (${money(x.price_cents)} a month, ${num.format(x.included_mau)} MAU included)?${warn}`, 'Switch plan'))) return;
  try {
    await api('PUT', tpath('/plan'), { plan: x.id });
    toast(`The tenant is now on ${x.name}`);
  } catch (e) {
    toast(e.message, 'error');
  }
  await load().catch((e) => toast(e.message, 'error'));
}

load().catch((e) => {
  fill($('current'), h('p', { class: 'error' }, e.message));
  fill($('month'));
  fill($('plans'));
});
