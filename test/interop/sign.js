// Signs a JaaS token the way 8x8's Node sample (jaas-jwt-samples/node) does,
// with the jsonwebtoken package. Usage: node sign.js PRIVATE_KEY_FILE KID TENANT ROOM
const fs = require('fs');
const jwt = require('jsonwebtoken');

const [keyFile, kid, tenant, room] = process.argv.slice(2);
const privateKey = fs.readFileSync(keyFile, 'utf8');
const now = new Date();
const token = jwt.sign({
  aud: 'jitsi',
  context: {
    user: { id: 'node-user', name: 'Node Sample', avatar: '', email: 'node@example.com', moderator: 'true' },
    features: { livestreaming: 'true', recording: 'true', transcription: 'true', 'outbound-call': 'true' },
  },
  iss: 'chat',
  room: room,
  sub: tenant,
  exp: Math.round(now.setHours(now.getHours() + 3) / 1000),
  nbf: Math.round(new Date().getTime() / 1000) - 10,
}, privateKey, { algorithm: 'RS256', header: { kid: kid } });
process.stdout.write(token);
