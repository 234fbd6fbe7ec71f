import { api, tpath, fill, h, empty, table, fmtTime, toast, confirmAction, can } from './console.js';

const $ = (id) => document.getElementById(id);
const list = $('recordings');
const detail = $('detail');
const player = $('player');
const more = $('more');
const PAGE = 50;

let recordings = [];
let nextBefore = '';
let selected = null; // id of the recording shown in the detail panel

// ---- formatting ----

function fmtDuration(ms) {
  const s = Math.round((ms || 0) / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

function fmtSize(n) {
  if (!n) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return i ? `${v.toFixed(1)} ${units[i]}` : `${v} B`;
}

const STATUS = {
  recording: ['warn', 'recording', 'Being recorded now'],
  ended: ['', 'processing', 'Ended; the MP4 is being made'],
  ready: ['ok', 'ready', 'Ready to play and download'],
};

function statusBadge(r) {
  const [cls, text, title] = STATUS[r.status] || ['', r.status, ''];
  return h('span', { class: 'badge ' + cls, title }, text);
}

// ---- the list ----

function render() {
  if (!recordings.length) {
    fill(list, empty('No recording yet. A moderator whose token has context.features.recording can record a meeting from its ⋯ menu; your backend can start one through the API.'));
  } else {
    fill(list, table([
      { label: 'Room', cell: (r) => h('code', { class: 'break' }, r.room) },
      { label: 'Started', cell: (r) => fmtTime(r.started_at) },
      { label: 'Duration', cell: (r) => (r.status === 'recording' ? '—' : fmtDuration(r.duration_ms)) },
      { label: 'Participants', cell: (r) => String(r.participant_count) },
      { label: 'Size', cell: (r) => fmtSize(r.size_bytes) },
      { label: 'Status', cell: statusBadge },
      { label: '', cell: (r) => h('button', { class: 'btn small', type: 'button', 'aria-controls': 'detail', dataset: { open: r.id },
        'aria-label': `Open the recording of ${r.room} started ${fmtTime(r.started_at)}`, onclick: () => select(r.id) }, 'Open') },
    ], recordings, 'Recordings'));
  }
  more.hidden = !nextBefore;
}

async function load() {
  const out = await api('GET', tpath(`/recordings?limit=${PAGE}`));
  recordings = out.recordings;
  nextBefore = out.next_cursor || '';
  render();
  if (selected && !recordings.some((r) => r.id === selected)) close();
}

more.addEventListener('click', async () => {
  more.disabled = true;
  try {
    const out = await api('GET', tpath(`/recordings?limit=${PAGE}&cursor=${encodeURIComponent(nextBefore)}`));
    recordings = recordings.concat(out.recordings);
    nextBefore = out.next_cursor || '';
    render();
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    more.disabled = false;
  }
});

// ---- one recording ----

function close() {
  selected = null;
  player.pause();
  player.removeAttribute('src');
  player.load();
  detail.hidden = true;
}

async function select(id) {
  selected = id;
  let d;
  try {
    d = await api('GET', tpath('/recordings/' + encodeURIComponent(id)));
  } catch (e) {
    toast(e.message, 'error');
    return;
  }
  if (selected !== id) return;
  showDetail(d);
  detail.hidden = false;
  detail.scrollIntoView({ block: 'start' });
  $('detail-title').focus();
}

function showDetail(d) {
  $('detail-title').textContent = `Recording of ${d.room}, ${fmtTime(d.started_at)}`;
  showPlayer(d);
  const initiator = d.initiator_name || d.initiator_id;
  fill($('detail-facts'),
    h('dt', {}, 'Room'), h('dd', {}, h('code', {}, d.room)),
    h('dt', {}, 'Status'), h('dd', {}, statusBadge(d)),
    h('dt', {}, 'Started'), h('dd', {}, fmtTime(d.started_at)),
    h('dt', {}, 'Ended'), h('dd', {}, d.ended_at ? fmtTime(d.ended_at) : 'not yet'),
    h('dt', {}, 'Duration'), h('dd', {}, fmtDuration(d.duration_ms)),
    h('dt', {}, 'Started by'), h('dd', {}, initiator || '—'),
    d.end_reason ? [h('dt', {}, 'Ended because'), h('dd', {}, d.end_reason)] : null,
    h('dt', {}, 'Size'), h('dd', {}, fmtSize(d.size_bytes)),
    h('dt', {}, 'Recording id'), h('dd', {}, h('code', { class: 'break' }, d.id)));
  showDownloads(d);
  showPeople(d);
  $('detail-actions').hidden = !can.configure();
}

function showPlayer(d) {
  const note = $('player-note');
  note.hidden = true;
  if (d.links.mp4) {
    player.hidden = false;
    player.setAttribute('aria-label', `Recording of ${d.room}`);
    player.src = d.links.mp4;
    return;
  }
  player.hidden = true;
  player.removeAttribute('src');
  note.hidden = false;
  note.textContent = !d.available
    ? 'This recording is on another node of the cluster until it has been uploaded; try again later.'
    : d.status === 'recording' ? 'The meeting is being recorded; the video can be played once it has ended and been processed.'
      : 'The video is being made; it can be played in a moment.';
}

function showDownloads(d) {
  const a = (href, text, label) => h('li', {}, h('a', { href, download: '', 'aria-label': label || text }, text));
  const items = [];
  if (d.links.mp4) items.push(a(d.links.mp4, 'Video (MP4)', `Download the video of ${d.room} (MP4, ${fmtSize(d.size_bytes)})`));
  for (const t of d.tracks) {
    const what = `${t.name || t.participant_id}: ${t.source} ${t.kind}`;
    items.push(a(t.link, what, `Download ${what}`));
  }
  if (d.links.transcript) items.push(a(d.links.transcript, 'Transcript (JSON)'));
  if (d.links.transcript_vtt) items.push(a(d.links.transcript_vtt, 'Transcript (WebVTT)'));
  if (d.links.manifest) items.push(a(d.links.manifest, 'Manifest (JSON: who, when, mutes, speakers)'));
  fill($('downloads'), items.length ? items : h('li', {}, 'Nothing to download yet.'));
  if (d.links_expire_at) $('downloads').append(h('li', { class: 'hint' }, `These links work until ${fmtTime(d.links_expire_at)}.`));
}

function showPeople(d) {
  if (!d.participants.length) {
    fill($('people'), h('p', { class: 'hint' }, d.available ? 'Nobody was recorded.' : 'Not known on this node yet.'));
    return;
  }
  const offset = (ms) => (ms < 0 ? 'still there' : fmtDuration(ms));
  fill($('people'), table([
    { label: 'Name', cell: (p) => [p.name || '(no name)', p.moderator ? [' ', h('span', { class: 'badge' }, 'moderator')] : null] },
    { label: 'E-mail', cell: (p) => p.email || '—' },
    { label: 'Joined', cell: (p) => h('span', { title: fmtTime(p.joined_at) }, offset(p.joined_ms)) },
    { label: 'Left', cell: (p) => h('span', { title: p.left_at ? fmtTime(p.left_at) : '' }, offset(p.left_ms)) },
  ], d.participants, 'Who was there: join and leave times from the start of the recording'));
}

$('detail-close').addEventListener('click', close);

$('delete').addEventListener('click', async () => {
  const r = recordings.find((x) => x.id === selected);
  if (!r) return;
  const ok = await confirmAction(`Delete the recording of ${r.room} started ${fmtTime(r.started_at)}? Its video, tracks and transcript are deleted at once and its links stop working. This cannot be undone.`, 'Delete recording');
  if (!ok) return;
  try {
    await api('DELETE', tpath('/recordings/' + encodeURIComponent(r.id)));
    toast('Recording deleted');
    close();
    await load();
  } catch (e) {
    toast(e.message, 'error');
  }
});

load().catch((e) => fill(list, h('p', { class: 'error' }, e.message)));
