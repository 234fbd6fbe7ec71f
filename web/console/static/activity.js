import { api, tpath, fill, h, empty } from './console.js';

const $ = (id) => document.getElementById(id);
const picker = $('month');
const num = new Intl.NumberFormat();

const utcMonth = (d) => d.toISOString().slice(0, 7);
const monthName = (m) => new Date(m + '-01T00:00:00Z').toLocaleDateString(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });

// months lists YYYY-MM from now back to the tenant's first month (at most
// three years, at least the current month).
function months(since) {
  const now = new Date();
  const out = [];
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const first = since ? utcMonth(new Date(since)) : utcMonth(new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), 1)));
  while (out.length < 36) {
    const m = utcMonth(d);
    out.push(m);
    if (m <= first) break;
    d.setUTCMonth(d.getUTCMonth() - 1);
  }
  return out;
}

function stat(label, value, note) {
  return h('div', { class: 'stat' }, h('span', { class: 'hint' }, label), h('b', {}, value), note ? h('span', { class: 'hint' }, note) : null);
}

async function load(month) {
  const current = month === utcMonth(new Date());
  $('month-title').textContent = current ? `This month (${monthName(month)}, UTC)` : `${monthName(month)} (UTC)`;
  $('stats').setAttribute('aria-busy', 'true');
  const u = await api('GET', tpath('/usage?month=' + encodeURIComponent(month)));
  const over = Math.max(0, u.mau - u.included_mau);
  fill($('stats'),
    stat('Monthly active users', num.format(u.mau), `of ${num.format(u.included_mau)} included`),
    stat('Meetings', num.format(u.meetings), 'started this month'),
    stat('Participant-minutes', num.format(Math.round(u.participant_minutes)), 'time spent in meetings'),
    stat('Beyond the plan', over ? h('span', { class: 'badge warn' }, num.format(over) + ' MAU') : h('span', { class: 'badge ok' }, 'none')),
    stat('Recorded minutes', num.format(u.recording_minutes || 0), 'each recording rounded up'),
    stat('Streamed minutes', num.format(u.streaming_minutes || 0), 'live streams'),
    stat('Transcribed minutes', num.format(u.transcription_minutes || 0), 'audio made into transcripts'));
  $('overage').textContent = over
    ? `${num.format(over)} active users beyond the ${num.format(u.included_mau)} your plan includes are billed at the plan's overage price.`
    : '';
  const quiet = u.mau === 0 && u.meetings === 0;
  fill($('usage-empty'), quiet ? empty(current
    ? 'No activity yet this month. Usage appears here as soon as two participants meet.'
    : `No activity in ${monthName(month)}.`) : null);
  fill($('chart'), quiet ? null : h('img', {
    src: `/api/v1${tpath('/usage/chart.svg')}?month=${encodeURIComponent(month)}`,
    alt: `Cumulative monthly active users per day in ${monthName(month)}: ${u.mau} of ${u.included_mau} included`,
    width: 720, height: 260,
  }));
}

function show() {
  const month = picker.value;
  const q = new URLSearchParams(location.search);
  if (month === utcMonth(new Date())) q.delete('month'); else q.set('month', month);
  history.replaceState(null, '', location.pathname + (q.size ? '?' + q : ''));
  load(month).catch((e) => fill($('stats'), h('p', { class: 'error' }, e.message)));
}

async function init() {
  let since;
  try {
    since = (await api('GET', tpath(''))).created_at;
  } catch { /* the list falls back to a year */ }
  const list = months(since);
  const wanted = new URLSearchParams(location.search).get('month');
  if (wanted && /^\d{4}-\d{2}$/.test(wanted) && !list.includes(wanted)) list.push(wanted);
  fill(picker, list.map((m, i) => h('option', { value: m, selected: m === wanted || (!wanted && i === 0) }, i === 0 ? monthName(m) + ' (current)' : monthName(m))));
  picker.addEventListener('change', show);
  show();
}

init();
