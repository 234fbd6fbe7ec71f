import { api, tpath, fill, h, onSubmit, showError, toast, confirmAction, can, fmtTime } from './console.js';

const $ = (id) => document.getElementById(id);
const form = $('branding');
const pick = $('color-pick');
const text = $('color-text');
const preview = $('preview');
const DEFAULT_BG = '#111418'; // the meeting page's own background

let branding = null; // as last read from the API

const validColor = (c) => /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(c);
// long turns #rgb into #rrggbb, which <input type=color> needs.
const long = (c) => (c.length === 4 ? '#' + [...c.slice(1)].map((x) => x + x).join('') : c).toLowerCase();

async function load() {
  branding = await api('GET', tpath('/branding'));
  const el = form.elements;
  el.invite_url.value = branding.invite_url || '';
  el.frame_ancestors.value = (branding.frame_ancestors || []).join('\n');
  el.logo_link.value = branding.logo_link || '';
  text.value = branding.background_color || '';
  pick.value = long(branding.background_color || DEFAULT_BG);
  showImage('logo', branding.logo_url);
  showImage('background', branding.background_url);
  render();
}

// showImage shows an uploaded image's thumbnail and its remove button.
function showImage(kind, url) {
  const slot = document.querySelector(`.image-slot[data-kind="${kind}"]`);
  fill(slot.querySelector('[data-thumb]'), url
    ? h('img', { src: url, alt: kind === 'logo' ? 'Current logo' : 'Current background image', dataset: { kind } })
    : h('span', { class: 'hint' }, kind === 'logo' ? 'No logo' : 'No background image'));
  slot.querySelector('[data-remove]').hidden = !url || !can.configure();
}

// render updates the preview from the form (colour) and the saved images.
function render() {
  const c = text.value.trim();
  const color = validColor(c) ? c : DEFAULT_BG;
  preview.style.setProperty('--pv-bg', color);
  const bg = branding?.background_url;
  if (bg) preview.style.setProperty('--pv-bg-image', `url(${JSON.stringify(bg)})`);
  else preview.style.removeProperty('--pv-bg-image');
  preview.classList.toggle('with-image', !!bg);
  const logo = $('pv-logo');
  logo.hidden = !branding?.logo_url;
  if (branding?.logo_url) logo.src = branding.logo_url;
  else logo.removeAttribute('src');
  logo.alt = branding?.logo_url ? 'Logo' : '';
  const link = form.elements.logo_link.value.trim();
  $('pv-logo-wrap').title = link ? 'Opens ' + link : '';
  const notes = [];
  if (!branding?.logo_url) notes.push('No logo uploaded: the top bar starts with the meeting name.');
  if (c && !validColor(c)) notes.push(`“${c}” is not a colour (#rgb or #rrggbb); the preview uses the default.`);
  if (branding?.updated_at) notes.push('Last changed ' + fmtTime(branding.updated_at) + '.');
  $('pv-note').textContent = notes.join(' ');
}

pick.addEventListener('input', () => { text.value = pick.value; render(); });
text.addEventListener('input', () => {
  const c = text.value.trim();
  if (validColor(c)) pick.value = long(c);
  render();
});
$('color-clear').addEventListener('click', () => { text.value = ''; pick.value = DEFAULT_BG; render(); text.focus(); });
form.elements.logo_link.addEventListener('input', render);

onSubmit(form, async (v) => {
  const c = (v.background_color || '').trim();
  if (c && !validColor(c)) throw new Error(`Background colour “${c}” must be #rgb or #rrggbb, e.g. #1a73e8, or empty.`);
  branding = await api('PUT', tpath('/branding'), {
    invite_url: v.invite_url.trim(),
    frame_ancestors: v.frame_ancestors.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean),
    logo_link: v.logo_link.trim(),
    background_color: c,
  });
  toast('Branding saved');
  await load();
});

// ---- images: choose or drop a file, upload at once ----

for (const slot of document.querySelectorAll('.image-slot')) {
  const kind = slot.dataset.kind;
  const input = slot.querySelector('input[type=file]');
  const drop = slot.querySelector('[data-drop]');
  const err = slot.querySelector('.error');

  const upload = async (file) => {
    err.hidden = true;
    if (!file) return;
    if (!file.type.startsWith('image/')) {
      showError(slot, new Error(`${file.name} is not an image: choose a PNG, JPEG, WebP or GIF file.`));
      return;
    }
    drop.setAttribute('aria-busy', 'true');
    try {
      const fd = new FormData();
      fd.append('file', file, file.name);
      await api('PUT', tpath('/branding/' + kind), fd);
      toast(kind === 'logo' ? 'Logo uploaded' : 'Background image uploaded');
      await load();
    } catch (e) {
      showError(slot, e);
    } finally {
      drop.removeAttribute('aria-busy');
      input.value = '';
    }
  };

  input.addEventListener('change', () => upload(input.files[0]));
  drop.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    upload(ev.dataTransfer.files[0]);
  });

  slot.querySelector('[data-remove]').addEventListener('click', async () => {
    const what = kind === 'logo' ? 'the logo' : 'the background image';
    if (!(await confirmAction(`Remove ${what}? Meetings show Confer's default from now on.`, 'Remove'))) return;
    try {
      await api('DELETE', tpath('/branding/' + kind));
      toast(kind === 'logo' ? 'Logo removed' : 'Background image removed');
      await load();
    } catch (e) {
      showError(slot, e);
    }
  });
}

if (!can.configure()) {
  $('branding-fields').disabled = true;
  form.querySelector('[type=submit]').hidden = true;
  document.querySelectorAll('[data-drop]').forEach((d) => { d.hidden = true; });
  form.prepend(h('p', { class: 'notice' }, 'You can see the branding; a developer, admin or owner of this tenant can change it.'));
}
load().catch((e) => fill($('pv-note'), h('span', { class: 'error' }, e.message)));
