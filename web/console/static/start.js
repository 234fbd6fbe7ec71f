import { api, tpath, tenant, publicURL, me, fill, h, onSubmit, copyButton, toast } from './console.js';

let kid = tenant + '/<key id>';
const room = 'my-first-room';

function samples() {
  const exp = 'Math.floor(Date.now() / 1000) + 3600';
  return {
    'Node.js': `// npm install jsonwebtoken
const fs = require('fs');
const jwt = require('jsonwebtoken');

const privateKey = fs.readFileSync(process.env.PRIVATE_KEY_PATH);
const now = Math.floor(Date.now() / 1000);
const token = jwt.sign({
  aud: 'jitsi', iss: 'chat', sub: '${tenant}', room: '*',
  nbf: now - 10, exp: ${exp},
  context: {
    user: { id: 'user-123', name: '${me.name}', email: '${me.email}', moderator: 'true' },
    features: { livestreaming: 'false', recording: 'false', transcription: 'false', 'outbound-call': 'false' },
  },
}, privateKey, { algorithm: 'RS256', header: { kid: '${kid}', typ: 'JWT' } });
console.log(token);`,
    Python: `# pip install pyjwt cryptography
import os, time, jwt

private_key = open(os.environ["PRIVATE_KEY_PATH"]).read()
now = int(time.time())
token = jwt.encode({
    "aud": "jitsi", "iss": "chat", "sub": "${tenant}", "room": "*",
    "nbf": now - 10, "exp": now + 3600,
    "context": {
        "user": {"id": "user-123", "name": "${me.name}", "email": "${me.email}", "moderator": "true"},
        "features": {"livestreaming": "false", "recording": "false", "transcription": "false", "outbound-call": "false"},
    },
}, private_key, algorithm="RS256", headers={"kid": "${kid}", "typ": "JWT"})
print(token)`,
    Go: `// go get github.com/golang-jwt/jwt/v5
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func main() {
	pem, _ := os.ReadFile(os.Getenv("PRIVATE_KEY_PATH"))
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pem)
	if err != nil {
		panic(err)
	}
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"aud": "jitsi", "iss": "chat", "sub": "${tenant}", "room": "*",
		"nbf": now.Add(-10 * time.Second).Unix(), "exp": now.Add(time.Hour).Unix(),
		"context": map[string]any{
			"user": map[string]any{"id": "user-123", "name": "${me.name}", "email": "${me.email}", "moderator": "true"},
		},
	})
	tok.Header["kid"] = "${kid}"
	signed, err := tok.SignedString(key)
	if err != nil {
		panic(err)
	}
	fmt.Println(signed)
}`,
    'curl / CLI': `# Mint with the confer CLI (or any of the samples), then check it with the API:
TOKEN=$(confer token mint --key "$PRIVATE_KEY_PATH" --kid ${kid} --room '*' --name '${me.name}' --moderator)

curl -s ${publicURL}/api/v1/tokens/check \\
  -H "Authorization: Bearer $CONFER_API_TOKEN" \\
  -d "{\\"jwt\\": \\"$TOKEN\\", \\"room\\": \\"${tenant}/${room}\\"}"

# Open the meeting:
echo "${publicURL}/${tenant}/${room}?jwt=$TOKEN"`,
  };
}

let current = 'Node.js';
function renderSamples() {
  const all = samples();
  const tabs = document.getElementById('sample-tabs');
  fill(tabs, Object.keys(all).map((name) => h('button', {
    type: 'button', role: 'tab', 'aria-selected': String(name === current),
    onclick: () => { current = name; renderSamples(); },
  }, name)));
  fill(document.getElementById('sample'), h('pre', {}, h('code', {}, all[current])), h('div', { class: 'row' }, copyButton(all[current], 'Copy sample')));
}

function renderEmbed() {
  const code = `<script src="${publicURL}/external_api.js"></script>
<div id="meet"></div>
<script>
  const api = new JitsiMeetExternalAPI("${new URL(publicURL).host}", {
    roomName: "${tenant}/${room}",
    parentNode: document.querySelector("#meet"),
    jwt: TOKEN_FROM_YOUR_SERVER,
    width: "100%", height: 600,
  });
</script>`;
  document.getElementById('embed').textContent = code;
  fill(document.getElementById('embed-copy'), copyButton(code, 'Copy embed code'));
}

async function loadKey() {
  const el = document.getElementById('kid');
  const { keys } = await api('GET', tpath('/keys'));
  const live = keys.find((k) => !k.revoked_at);
  if (live) {
    kid = live.kid;
    fill(el, h('code', {}, kid), ' ', copyButton(kid));
  } else {
    fill(el, h('span', {}, 'No key yet — ', h('a', { href: `/console/t/${tenant}/keys` }, 'add an API key'), ' to sign tokens.'));
  }
  renderSamples();
}

document.getElementById('test-meeting').addEventListener('click', async (ev) => {
  ev.target.disabled = true;
  try {
    const m = await api('POST', tpath('/test-meeting'));
    const link = document.getElementById('test-link');
    fill(link, 'Meeting ', h('code', {}, m.room), ' — ', h('a', { href: m.url, target: '_blank', rel: 'noopener' }, 'open it again'),
      ' (until ', new Date(m.expires_at).toLocaleTimeString(), ')');
    link.hidden = false;
    window.open(m.url, '_blank', 'noopener');
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    ev.target.disabled = false;
  }
});

onSubmit(document.getElementById('debugger'), async (v) => {
  const res = await api('POST', '/tokens/check', { jwt: v.jwt.trim(), room: v.room.trim() });
  const out = document.getElementById('verdict');
  const decoded = [];
  if (res.header) decoded.push(h('h3', {}, 'Header'), h('pre', {}, h('code', {}, JSON.stringify(res.header, null, 2))));
  if (res.payload) decoded.push(h('h3', {}, 'Payload'), h('pre', {}, h('code', {}, JSON.stringify(res.payload, null, 2))));
  if (res.valid) {
    fill(out, h('div', { class: 'result valid', id: 'verdict-result', dataset: { valid: 'true' } },
      h('strong', {}, 'valid'), ' — ', res.message || 'the token admits its holder',
      h('dl', { class: 'facts' },
        h('dt', {}, 'Tenant'), h('dd', {}, res.tenant || '—'),
        h('dt', {}, 'Key'), h('dd', {}, res.kid || res.mode || '—'),
        h('dt', {}, 'Room'), h('dd', {}, res.room || '—'),
        h('dt', {}, 'User'), h('dd', {}, [res.user?.name, res.user?.email].filter(Boolean).join(' · ') || '—'),
        h('dt', {}, 'Moderator'), h('dd', {}, res.moderator ? 'yes' : 'no'),
        h('dt', {}, 'Expires'), h('dd', {}, res.expires_at ? new Date(res.expires_at).toLocaleString() : '—'))), decoded);
  } else {
    fill(out, h('div', { class: 'result invalid', id: 'verdict-result', dataset: { valid: 'false' } },
      h('strong', {}, 'refused: '), h('code', {}, res.reason), h('p', {}, res.message)), decoded);
  }
});

renderEmbed();
renderSamples();
loadKey().catch((e) => fill(document.getElementById('kid'), h('span', { class: 'error' }, e.message)));
