import { api, onSubmit } from './console.js';

// Only pages of this site: the next parameter must not send people
// elsewhere (//evil.example, /\evil.example and the like resolve off-site).
function sameSite(next) {
  try {
    const u = new URL(next, location.origin);
    return next.startsWith('/') && u.origin === location.origin ? u.pathname + u.search + u.hash : '';
  } catch {
    return '';
  }
}
const target = sameSite(new URLSearchParams(location.search).get('next') || '') || '/console';

onSubmit(document.getElementById('login'), async (v) => {
  await api('POST', '/auth/login', { email: v.email, password: v.password });
  location.assign(target);
});
