// The screens around the meeting: the refusal page's hints, the tenant's
// branding, the invite link and the feedback form after leaving.
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

// HINTS are the refusal codes with a hint in the catalogues (hint.<code>).
const HINTS = new Set(['tokenMissing', 'tokenExpired', 'nbfFuture', 'roomMismatch', 'subInvalid', 'kidNotFound',
  'keyRevoked', 'signatureInvalid', 'tenantNotFound', 'kicked', 'denied', 'mauLimitReached']);

// refusalHint is the message key of what a person can do about a refusal
// code, or '' when there is none.
export function refusalHint(code) { return HINTS.has(code) ? `hint.${code}` : ''; }

// applyBranding gives the page the tenant's look from the ready message: the
// logo top left (a link, in a new tab, when the tenant has one) and the
// background colour and image of the meeting.
export function applyBranding(ready) {
  const root = document.documentElement;
  if (ready.backgroundColor) root.style.setProperty('--brand-bg', ready.backgroundColor);
  else root.style.removeProperty('--brand-bg');
  const bg = ready.backgroundUrl ? new URL(ready.backgroundUrl, location.href).href : '';
  if (bg) root.style.setProperty('--brand-bg-image', `url(${JSON.stringify(bg)})`);
  else root.style.removeProperty('--brand-bg-image');
  root.classList.toggle('brand-image', !!bg || isLight(ready.backgroundColor));

  const brand = $('brand');
  brand.hidden = !ready.logoUrl;
  if (ready.logoUrl) $('brand-logo').src = ready.logoUrl;
  if (ready.logoUrl && /^https?:\/\//i.test(ready.logoLink || '')) {
    Object.assign(brand, { href: ready.logoLink, target: '_blank', rel: 'noopener noreferrer' });
    brand.title = ready.logoLink;
  } else {
    for (const a of ['href', 'target', 'rel', 'title']) brand.removeAttribute(a);
  }
}

// isLight reports whether a CSS colour is light enough that white text on
// it needs the darker bars behind it.
function isLight(color) {
  if (!color) return false;
  const probe = document.createElement('span');
  probe.style.color = color;
  document.body.append(probe);
  const [r, g, b] = (getComputedStyle(probe).color.match(/[\d.]+/g) || []).map(Number);
  probe.remove();
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 150;
}

// inviteLink is what people should open to join: the tenant's invite base
// with configOverwrite.brandingRoomAlias (the integrator's own page serves
// it), else this meeting's URL without the token.
export function inviteLink(ready, cfg) {
  const base = ready?.inviteUrl;
  const alias = typeof cfg.brandingRoomAlias === 'string' ? cfg.brandingRoomAlias : '';
  if (base && alias) return `${base.replace(/\/+$/, '')}/${encodeURIComponent(alias)}`;
  return location.origin + location.pathname;
}

// sendFeedback posts the feedback form's rating and comments.
export async function sendFeedback(params, meetingId) {
  const rating = Number(new FormData($('feedback-form')).get('rating') || -1);
  const res = await fetch('/_confer/feedback', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jwt: params.jwt, room: params.room, meetingId, rating, comments: $('feedback-comments').value }),
  }).catch(() => null);
  $('feedback-status').textContent = t(res?.ok ? 'feedback.thanks' : 'feedback.failed');
  if (res?.ok) $('feedback-form').querySelector('button').disabled = true;
}
