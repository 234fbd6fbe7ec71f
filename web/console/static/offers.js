// The operator's plans and offers: which plans are public, which tenants a
// plan is offered to, and the add-ons' prices (REST with the admin token).
import { h, fill, empty, table, toast, onSubmit, confirmAction } from './console.js';
import { call, operatorPage } from './operator.js';
import { money } from './subscription.js';

const $ = (id) => document.getElementById(id);
const num = new Intl.NumberFormat();
const kinds = {
  mau_pack: 'MAU pack',
  recording_minutes: 'recorded minutes',
  streaming_minutes: 'live-streaming minutes',
  transcription_minutes: 'transcription minutes',
};
const enc = encodeURIComponent;
let tenants = new Map(); // id → name

// run does an operator action, tells how it went and reloads the page.
async function run(what, fn) {
  try {
    await fn();
    toast(what);
  } catch (e) {
    toast(e.message, 'error');
  }
  await load().catch((e) => toast(e.message, 'error'));
}

const tenantName = (id) => tenants.get(id) || id;

function offersCell(plan, offered) {
  const input = h('input', { class: 'tenant-pick', list: 'tenant-list', placeholder: 'a tenant', 'aria-label': `Tenant to offer ${plan.name} to`,
    dataset: { offerInput: plan.id } });
  const offer = () => {
    const v = input.value.trim();
    const id = tenants.has(v) ? v : [...tenants].find(([, name]) => name === v)?.[0] || v;
    if (!id) return;
    run(`${plan.name} offered to ${tenantName(id)}`, () => call('PUT', `/plans/${enc(plan.id)}/offers/${enc(id)}`));
  };
  input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') offer(); });
  return h('div', { class: 'stack tight' },
    h('div', { class: 'chips' }, offered.length ? offered.map((id) => h('span', { class: 'chip', dataset: { offered: id } }, tenantName(id),
      h('button', { type: 'button', title: `Withdraw the offer to ${tenantName(id)}`, 'aria-label': `Withdraw ${plan.name} from ${tenantName(id)}`,
        dataset: { withdraw: `${plan.id}/${id}` }, onclick: () => withdraw(plan, id) }, '×')))
      : h('span', { class: 'hint' }, plan.visibility === 'public' ? 'everyone (public)' : 'nobody yet')),
    h('div', { class: 'row' }, input, h('button', { class: 'btn small', type: 'button', dataset: { offer: plan.id }, onclick: offer }, 'Offer')));
}

async function withdraw(plan, id) {
  if (!(await confirmAction(`Withdraw ${plan.name} from ${tenantName(id)}? A tenant already on it stays on it until it picks another plan.`, 'Withdraw'))) return;
  await run(`${plan.name} withdrawn from ${tenantName(id)}`, () => call('DELETE', `/plans/${enc(plan.id)}/offers/${enc(id)}`));
}

function visibilityCell(plan) {
  const to = plan.visibility === 'public' ? 'private' : 'public';
  return h('div', { class: 'stack tight start' }, h('span', { class: 'badge ' + (plan.visibility === 'public' ? 'ok' : 'warn'), dataset: { visibility: plan.id } }, plan.visibility),
    h('button', { class: 'btn small', type: 'button', dataset: { makeVisibility: plan.id },
      onclick: () => run(`${plan.name} is ${to}`, () => call('PUT', `/plans/${enc(plan.id)}/visibility`, { visibility: to })) },
    to === 'public' ? 'Make public' : 'Make private'));
}

function renderPlans(plans, offers) {
  if (!plans.length) {
    fill($('plans'), empty('No plan yet.'));
    return;
  }
  fill($('plans'), table([
    { label: 'Plan', cell: (p) => h('div', { class: 'stack tight start' }, h('b', {}, p.name), h('code', {}, p.id)) },
    { label: 'Price a month', class: 'num', cell: (p) => money(p.price_cents) },
    { label: 'Included MAU', class: 'num', cell: (p) => num.format(p.included_mau) },
    { label: 'Per extra MAU', class: 'num', cell: (p) => (p.hard_cap ? 'hard cap' : money(p.overage_cents)) },
    { label: 'Takes effect', cell: (p) => (p.change_policy === 'month_end' ? 'on the 1st' : 'at once') },
    { label: 'Visibility', cell: visibilityCell },
    { label: 'Offered to', cell: (p) => offersCell(p, offers.get(p.id) || []) },
  ], plans, 'Plans'));
}

function renderAddons(addons) {
  if (!addons.length) {
    fill($('addons'), empty('No add-on yet: add one below.'));
    return;
  }
  fill($('addons'), table([
    { label: 'Add-on', cell: (a) => h('span', {}, h('b', {}, a.name), ' ', h('code', {}, a.id)) },
    { label: 'Kind', cell: (a) => kinds[a.kind] || a.kind },
    { label: 'Per', class: 'num', cell: (a) => `${num.format(a.quantity)} ${a.kind === 'mau_pack' ? 'MAU' : 'min'}` },
    { label: 'Price', cell: (a) => priceForm(a) },
  ], addons, 'Add-ons'));
}

function priceForm(a) {
  const input = h('input', { class: 'price', type: 'number', min: 0, step: '0.01', value: (a.price_cents / 100).toFixed(2),
    'aria-label': `Price of ${a.name} in USD`, dataset: { price: a.id } });
  const save = () => {
    const cents = Math.round(Number(input.value) * 100);
    run(`${a.name} now costs ${money(cents)}`, () => call('POST', '/addons', { ...a, price_cents: cents }));
  };
  return h('span', { class: 'row' }, input, h('span', { class: 'hint' }, a.kind === 'mau_pack' ? 'a month' : `per ${num.format(a.quantity)} min`),
    h('button', { class: 'btn small', type: 'button', dataset: { savePrice: a.id }, onclick: save }, 'Save'));
}

async function load() {
  const [{ plans }, { addons }, { tenants: ts }] = await Promise.all([call('GET', '/plans'), call('GET', '/addons'), call('GET', '/tenants?limit=500')]);
  tenants = new Map(ts.map((t) => [t.id, t.name]));
  fill($('tenant-list'), ts.map((t) => h('option', { value: t.id }, t.name)));
  const offers = new Map(await Promise.all(plans.map(async (p) => [p.id, (await call('GET', `/plans/${enc(p.id)}/offers`)).tenants])));
  renderPlans(plans, offers);
  renderAddons(addons);
}

onSubmit($('addon-form'), async (v, form) => {
  const a = { id: v.id.trim(), name: v.name.trim(), kind: v.kind, quantity: Number(v.quantity), price_cents: Math.round(Number(v.price) * 100) };
  await call('POST', '/addons', a);
  toast(`${a.name} added`);
  form.reset();
  await load();
});

operatorPage(load);
