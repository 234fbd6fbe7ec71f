// URL parameters as Jitsi reads them: the room from the path, the JWT from
// the hash or ?jwt=, and hash settings like #config.startWithAudioMuted=true
// whose values are URL-encoded JSON (contracts §4.2).

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function setPath(obj, keys, value) {
  let o = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i];
    if (FORBIDDEN.has(k)) return;
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k];
  }
  const last = keys[keys.length - 1];
  if (!FORBIDDEN.has(last)) o[last] = value;
}

export function parseHash(hash) {
  const out = {};
  const s = hash.startsWith('#') ? hash.slice(1) : hash;
  for (const part of s.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    let key;
    try { key = decodeURIComponent(i < 0 ? part : part.slice(0, i)); } catch { continue; }
    const raw = i < 0 ? 'true' : part.slice(i + 1);
    let value;
    try { value = JSON.parse(decodeURIComponent(raw)); } catch {
      try { value = decodeURIComponent(raw); } catch { value = raw; }
    }
    setPath(out, key.split('.'), value);
  }
  return out;
}

export function parseLocation(loc = window.location) {
  const parts = loc.pathname.split('/').filter(Boolean).map((p) => {
    try { return decodeURIComponent(p); } catch { return p; }
  });
  const hash = parseHash(loc.hash || '');
  const query = new URLSearchParams(loc.search);
  const jwt = typeof hash.jwt === 'string' && hash.jwt ? hash.jwt : (query.get('jwt') || '');
  return {
    room: parts.join('/'),
    roomName: parts[parts.length - 1] || '',
    tenant: parts.length === 2 ? parts[0] : '',
    jwt,
    config: hash.config || {},
    interfaceConfig: hash.interfaceConfig || {},
    userInfo: hash.userInfo || {},
    lang: hash.lang || '',
    // region hints which node of a cluster should carry this browser's
    // media (?region=, or configOverwrite.region); docs/cascading.md.
    region: String(query.get('region') || hash.config?.region || '').slice(0, 40),
    hash,
  };
}

// deviceId is this browser's random id, kept in localStorage (it counts
// monthly active users, as JaaS does).
export function deviceId() {
  const key = 'confer.deviceId';
  try {
    let id = localStorage.getItem(key);
    if (!id) {
      id = crypto.randomUUID().replaceAll('-', '');
      localStorage.setItem(key, id);
    }
    return id;
  } catch {
    return crypto.randomUUID().replaceAll('-', '');
  }
}
