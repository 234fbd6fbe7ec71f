import { api, tpath, fill, h, empty, table, onSubmit, fmtTime } from './console.js';

const $ = (id) => document.getElementById(id);
const filters = $('filters');
const num = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const day = (d) => d.toISOString().slice(0, 10);

let opened = null; // the meeting shown in the detail panel

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  if (hh) return `${hh} h ${mm} min`;
  if (mm) return `${mm} min ${s % 60} s`;
  return `${s} s`;
}

// shortDevice drops the "device:" prefix and shortens a long id.
function shortDevice(d) {
  const id = d.replace(/^device:/, '');
  return id.length > 20 ? id.slice(0, 8) + '…' + id.slice(-8) : id;
}

const outcomeBadge = (m) => {
  if (m.ongoing) return h('span', { class: 'badge warn' }, 'ongoing');
  const kind = { successful: 'ok', partially_failed: 'warn', failed: 'bad' }[m.outcome] || '';
  return h('span', { class: 'badge ' + kind }, (m.outcome || '').replace('_', ' '));
};

// query is the filter as URL parameters.
function query() {
  const v = Object.fromEntries(new FormData(filters));
  const q = new URLSearchParams();
  for (const k of ['from', 'to', 'room', 'limit']) if (v[k]) q.set(k, v[k].trim());
  return q;
}

async function load() {
  const q = query();
  $('csv').href = `/api/v1${tpath('/analytics/meetings')}?${q}&format=csv`;
  history.replaceState(null, '', location.pathname + '?' + q);
  const [ms, fs] = await Promise.all([
    api('GET', tpath('/analytics/meetings?' + q)),
    api('GET', tpath('/analytics/join-failures?' + q)),
  ]);
  showMeetings(ms.meetings);
  showFailures(fs.join_failures);
  if (opened) await open(opened, false);
}

function showMeetings(meetings) {
  const box = $('meetings');
  if (!meetings.length) {
    fill(box, empty(query().get('room')
      ? 'No meeting in this room in the period. Try another room name or a longer period.'
      : 'No meeting in this period. Meetings appear here as soon as someone joins one of this tenant’s rooms.'));
    return;
  }
  fill(box, table([
    { label: 'Started', cell: (m) => h('button', { class: 'linkish', type: 'button', 'aria-controls': 'meeting', dataset: { meeting: m.id },
      onclick: () => open(m.id) }, fmtTime(m.started_at)) },
    { label: 'Room', cell: (m) => h('code', { class: 'break' }, m.room) },
    { label: 'Duration', cell: (m) => duration(m.duration_seconds) },
    { label: 'Peak', class: 'num', cell: (m) => String(m.peak_participants) },
    { label: 'Participant-min', class: 'num', cell: (m) => num.format(m.participant_minutes) },
    { label: 'Joins', class: 'num', cell: (m) => String(m.joins) },
    { label: 'Visitors', class: 'num', cell: (m) => (m.visitors ? `${m.visitors} (peak ${m.peak_visitors})` : '—') },
    { label: 'Dropped', class: 'num', cell: (m) => String(m.dropped) },
    { label: 'Outcome', cell: outcomeBadge },
    { label: '', cell: (m) => h('button', { class: 'btn small', type: 'button', 'aria-controls': 'meeting', onclick: () => open(m.id) }, 'Participants') },
  ], meetings, 'Meetings'));
  const n = meetings.length;
  if (n >= Number(query().get('limit') || 200)) box.append(h('p', { class: 'hint' }, `Showing the latest ${n}; narrow the period or show more.`));
}

function quality(s) {
  if (!s.rtt_ms && !s.packet_loss_pct && !s.bitrate_kbps && !s.candidate_type) return h('span', { class: 'hint' }, 'no report');
  const bad = s.packet_loss_pct >= 5 || s.rtt_ms >= 400;
  return h('span', { class: bad ? 'warn-text' : '' },
    `${Math.round(s.rtt_ms)} ms · ${num.format(s.packet_loss_pct)}% loss · ${Math.round(s.bitrate_kbps)} kbit/s`,
    s.candidate_type ? ' · ' + s.candidate_type : '');
}

async function open(id, focus = true) {
  opened = id;
  const panel = $('meeting');
  let m;
  try {
    m = await api('GET', tpath('/analytics/meetings/' + encodeURIComponent(id)));
  } catch (e) {
    panel.hidden = false;
    fill($('sessions'), h('p', { class: 'error' }, e.message));
    return;
  }
  $('meeting-title').textContent = `Meeting in ${m.room}`;
  $('meeting-support').dataset.supportMeeting = m.id; // the layout's support form takes it
  fill($('meeting-facts'),
    h('dt', {}, 'Meeting id'), h('dd', {}, h('code', {}, m.id)),
    h('dt', {}, 'Started'), h('dd', {}, fmtTime(m.started_at)),
    h('dt', {}, 'Ended'), h('dd', {}, m.ongoing ? 'still going' : fmtTime(m.ended_at)),
    h('dt', {}, 'Duration'), h('dd', {}, duration(m.duration_seconds)),
    h('dt', {}, 'Peak participants'), h('dd', {}, String(m.peak_participants)),
    h('dt', {}, 'Participant-minutes'), h('dd', {}, num.format(m.participant_minutes)),
    ...(m.visitors ? [h('dt', {}, 'Webinar visitors'),
      h('dd', {}, `${m.visitors} joined, peak ${m.peak_visitors}, ${num.format(m.visitor_minutes)} visitor-minutes`)] : []),
    h('dt', {}, 'Outcome'), h('dd', {}, outcomeBadge(m), ` ${m.dropped} of ${m.joins + (m.visitors || 0)} joins dropped`));
  const sessions = m.sessions || [];
  fill($('sessions'), sessions.length ? table([
    { label: 'Participant', cell: (s) => h('span', {}, s.name || 'anonymous', s.user_id ? h('span', { class: 'hint' }, ` (${s.user_id})`) : null,
      s.visitor ? h('span', { class: 'badge' }, 'visitor') : null,
      s.promoted_at ? h('span', { class: 'badge ok', title: 'A visitor let in at ' + fmtTime(s.promoted_at) }, 'let in') : null) },
    { label: 'Device', cell: (s) => (s.device ? h('code', { class: 'break', title: s.device }, shortDevice(s.device)) : '—') },
    { label: 'Browser / OS', cell: (s) => `${s.browser} / ${s.os}` },
    { label: 'Joined', cell: (s) => fmtTime(s.joined_at) },
    { label: 'Left', cell: (s) => (s.left_at ? fmtTime(s.left_at) : h('span', { class: 'badge warn' }, 'in meeting')) },
    { label: 'Leave reason', cell: (s) => s.leave_reason || '—' },
    { label: 'Dropped', cell: (s) => (s.dropped ? h('span', { class: 'badge bad' }, 'dropped') : h('span', { class: 'badge ok' }, 'no')) },
    { label: 'Speaking', class: 'num', cell: (s) => duration(s.speaker_ms / 1000) },
    { label: 'Quality', cell: quality },
  ], sessions, 'Participants') : empty('No session is recorded for this meeting (older than the retention period, or nobody joined).'));
  panel.hidden = false;
  if (focus) $('meeting-title').focus();
}

function showFailures(failures) {
  const box = $('failures');
  if (!failures.length) {
    fill(box, empty('No failed join in this period.'));
    return;
  }
  fill(box, table([
    { label: 'When', cell: (f) => (f.count > 1 && f.first_at ? `${fmtTime(f.first_at)} – ${fmtTime(f.at)}` : fmtTime(f.at)) },
    { label: 'Room', cell: (f) => h('code', { class: 'break' }, f.room || '—') },
    { label: 'Reason', cell: (f) => h('code', {}, f.reason) },
    // Refusals anyone can cause are counted in one row per reason and hour.
    { label: 'Times', cell: (f) => String(f.count || 1) },
    { label: 'Message', cell: (f) => f.message },
    { label: 'Browser / OS', cell: (f) => `${f.browser} / ${f.os}` },
    { label: 'Device', cell: (f) => (f.device ? h('code', { class: 'break', title: f.device }, shortDevice(f.device)) : '—') },
  ], failures, 'Join failures'));
}

$('meeting-close').addEventListener('click', () => {
  opened = null;
  $('meeting').hidden = true;
});

onSubmit(filters, async () => {
  const v = Object.fromEntries(new FormData(filters));
  if (v.from && v.to && v.from > v.to) throw new Error('“From” is after “To”.');
  opened = null;
  $('meeting').hidden = true;
  await load();
});

// Start from the URL's filter, or the last 30 days.
const q = new URLSearchParams(location.search);
const now = new Date();
filters.elements.from.value = q.get('from') || day(new Date(now.getTime() - 30 * 86400000));
filters.elements.to.value = q.get('to') || day(now);
filters.elements.room.value = q.get('room') || '';
if (['50', '200', '1000'].includes(q.get('limit'))) filters.elements.limit.value = q.get('limit');
load().catch((e) => {
  fill($('meetings'), h('p', { class: 'error' }, e.message));
  fill($('failures'));
});
