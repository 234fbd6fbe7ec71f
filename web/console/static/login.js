import { api, onSubmit } from './console.js';

const next = new URLSearchParams(location.search).get('next');
// Only same-site paths: the next parameter must not send people elsewhere.
const target = next && next.startsWith('/') && !next.startsWith('//') ? next : '/console';

onSubmit(document.getElementById('login'), async (v) => {
  await api('POST', '/auth/login', { email: v.email, password: v.password });
  location.assign(target);
});
