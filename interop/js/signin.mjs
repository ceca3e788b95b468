// signin.mjs signs in to Caldera's local server (`caldera serve`, package idp)
// with the official JavaScript client, amazon-cognito-identity-js 6.x, unchanged
// except for its endpoint option. It is the interoperability check of issue 4:
// every SRP claim below is computed by the client's own AuthenticationHelper and
// verified by the server.
//
// Usage (against a fresh, in-memory server with this directory's seed):
//
//	caldera serve --addr 127.0.0.1:9229 --seed interop/js/seed.json &
//	AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… node interop/js/signin.mjs http://127.0.0.1:9229 [--count 100]
//
// (the admin key `caldera serve` prints; only the device-forgotten scenario's
// AdminForgetDevice call needs it).
//
// It prints one JSON object: each scenario's result and the operations it sent
// (Operation(ChallengeName answered)>ChallengeName received), then exits 0 if
// every scenario passed. The Go test interop_test.go runs it against an
// in-process server and checks that output.

import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import cognito from 'amazon-cognito-identity-js';

const { CognitoUserPool, CognitoUser, AuthenticationDetails } = cognito;

const args = process.argv.slice(2);
const endpoint = args[0];
if (!endpoint || !/^https?:\/\//.test(endpoint)) {
  console.error('usage: node signin.mjs <endpoint URL> [--count N]');
  process.exit(2);
}
const countAt = args.indexOf('--count');
const count = countAt >= 0 ? Number(args[countAt + 1]) : 100;
const base = endpoint.replace(/\/+$/, '');
const seed = JSON.parse(readFileSync(new URL('./seed.json', import.meta.url), 'utf8'));

// The seed's pools, clients and users by name.
const poolOf = (id) => seed.pools.find((p) => p.id === id);
const userOf = (poolId, name) => poolOf(poolId).users.find((u) => u.username === name);

// Every call the client makes, recorded by wrapping the fetch it uses.
let trace = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, opts = {}) => {
  const op = String(opts.headers?.['X-Amz-Target'] ?? '').split('.').pop();
  let input = {};
  try { input = JSON.parse(opts.body); } catch { /* not JSON */ }
  const resp = await realFetch(url, opts);
  let output = {};
  try { output = await resp.clone().json(); } catch { /* empty */ }
  let entry = op + (input.ChallengeName ? `(${input.ChallengeName})` : '');
  if (op === 'InitiateAuth' && input.AuthParameters?.DEVICE_KEY) entry += '[DEVICE_KEY]';
  if (input.ChallengeResponses && 'DEVICE_KEY' in input.ChallengeResponses) {
    entry += input.ChallengeResponses.DEVICE_KEY === null ? '[DEVICE_KEY=null]' : '[DEVICE_KEY]';
  }
  if (!resp.ok) entry += '!' + String(output.__type ?? resp.status).split('#').pop();
  else if (output.ChallengeName) entry += '>' + output.ChallengeName;
  else if (output.AuthenticationResult) entry += '>tokens';
  trace.push(entry);
  return resp;
};

// adminCall sends a control-plane operation signed with AWS Signature V4
// (service cognito-idp) by the key in AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY: `caldera serve` prints it at start, and the Go test
// passes the in-process server's. amazon-cognito-identity-js has no signer
// (it only calls public operations), so this is the signing-process recipe of
// the AWS General Reference, checked by the server's aws-sdk-go-v2 signer.
async function adminCall(op, input) {
  const keyId = process.env.AWS_ACCESS_KEY_ID ?? '';
  const secret = process.env.AWS_SECRET_ACCESS_KEY ?? '';
  const region = 'us-east-1';
  const body = JSON.stringify(input);
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    host: new URL(base).host,
    'x-amz-date': amzDate,
    'x-amz-target': 'AWSCognitoIdentityProviderService.' + op,
  };
  const names = Object.keys(headers).sort();
  const sha = (s) => crypto.createHash('sha256').update(s).digest('hex');
  const hmac = (k, s) => crypto.createHmac('sha256', k).update(s).digest();
  const canonical = ['POST', '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), sha(body)].join('\n');
  const scope = `${day}/${region}/cognito-idp/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac('AWS4' + secret, day), region), 'cognito-idp'), 'aws4_request');
  const signature = crypto.createHmac('sha256', key).update(toSign).digest('hex');
  delete headers.host;
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${keyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return realFetch(base + '/', { method: 'POST', headers, body });
}

function newPool(poolId) {
  const p = poolOf(poolId);
  return new CognitoUserPool({ UserPoolId: p.id, ClientId: p.clients[0].id, endpoint: base + '/' });
}

// callbacks turns the client's callback object into a promise of the next step.
function callbacks(resolve, reject) {
  return {
    onSuccess: (session, userConfirmationNecessary) => resolve({ step: 'tokens', session, userConfirmationNecessary }),
    onFailure: (err) => reject(err),
    newPasswordRequired: (userAttributes, requiredAttributes) => resolve({ step: 'NEW_PASSWORD_REQUIRED', userAttributes, requiredAttributes }),
    mfaSetup: () => resolve({ step: 'MFA_SETUP' }),
    totpRequired: () => resolve({ step: 'SOFTWARE_TOKEN_MFA' }),
    mfaRequired: () => resolve({ step: 'SMS_MFA' }),
    selectMFAType: () => resolve({ step: 'SELECT_MFA_TYPE' }),
    customChallenge: () => resolve({ step: 'CUSTOM_CHALLENGE' }),
    associateSecretCode: (secretCode) => resolve({ step: 'associated', secretCode }),
  };
}
const next = (fn) => new Promise((resolve, reject) => fn(callbacks(resolve, reject)));

function signIn(user, password) {
  const details = new AuthenticationDetails({ Username: user.getUsername(), Password: password });
  return next((cb) => user.authenticateUser(details, cb));
}

// TOTP (RFC 6238 over RFC 4226: HMAC-SHA1, 30 s, 6 digits) with node:crypto.
function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0; let value = 0; const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error('bad base32');
    value = (value << 5) | i; bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}
function totpCode(secretBase32, when = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(when / 1000 / 30)));
  const mac = crypto.createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(off) & 0x7fffffff;
  return String(bin % 1_000_000).padStart(6, '0');
}

// The pool's JWKS, and an RS256 check of a token against it.
const jwksCache = new Map();
async function verifyJWT(poolId, jwt) {
  const url = `${base}/${poolId}/.well-known/jwks.json`;
  if (!jwksCache.has(url)) jwksCache.set(url, (await (await realFetch(url)).json()).keys);
  const [h, p, s] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const jwk = jwksCache.get(url).find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== 'RS256') throw new Error('token key not in JWKS');
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  if (!crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) {
    throw new Error('token signature does not verify against the JWKS');
  }
  return JSON.parse(Buffer.from(p, 'base64url'));
}

// checkTokens verifies a session from the client: valid by the client's own
// rules (numeric iat/exp), signatures against the JWKS, and Cognito's claims.
async function checkTokens(r, poolId, username) {
  if (r.step !== 'tokens') throw new Error(`expected tokens, got ${r.step}`);
  const s = r.session;
  if (!s.isValid()) throw new Error('the client considers the session invalid');
  const id = await verifyJWT(poolId, s.getIdToken().getJwtToken());
  const access = await verifyJWT(poolId, s.getAccessToken().getJwtToken());
  const iss = `${base}/${poolId}`;
  if (id['cognito:username'] !== username || id.token_use !== 'id' || id.iss !== iss ||
      access.token_use !== 'access' || access.username !== username || access.iss !== iss) {
    throw new Error('unexpected claims: ' + JSON.stringify({ id, access }));
  }
  if (!s.getRefreshToken().getToken()) throw new Error('no refresh token');
  return { id, access };
}

const scenarios = {};

async function scenario(name, fn) {
  trace = [];
  const started = Date.now();
  try {
    const detail = await fn();
    scenarios[name] = { ok: true, ops: trace, ms: Date.now() - started, ...detail };
  } catch (err) {
    scenarios[name] = { ok: false, ops: trace, error: `${err.code ?? err.name}: ${err.message}` };
  }
}

const PLAIN = 'us-east-1_JsPlain';
const DEVICE = 'us-east-1_JsDevice';
const MFA = 'us-east-1_JsMfa';

await scenario('password', async () => {
  const u = userOf(PLAIN, 'jsalice');
  const user = new CognitoUser({ Username: u.username, Pool: newPool(PLAIN) });
  const { id } = await checkTokens(await signIn(user, u.password), PLAIN, u.username);
  return { email: id.email };
});

await scenario('wrong-password', async () => {
  const u = userOf(PLAIN, 'jseve');
  const user = new CognitoUser({ Username: u.username, Pool: newPool(PLAIN) });
  try {
    await signIn(user, u.password + 'x');
  } catch (err) {
    return { code: err.code, message: err.message };
  }
  throw new Error('a wrong password signed in');
});

await scenario('unknown-user', async () => {
  const user = new CognitoUser({ Username: 'nobody', Pool: newPool(PLAIN) });
  try {
    await signIn(user, 'Whatever-1!');
  } catch (err) {
    return { code: err.code, message: err.message };
  }
  throw new Error('an unknown user signed in');
});

await scenario('new-password', async () => {
  const u = userOf(PLAIN, 'jsbob');
  const pool = newPool(PLAIN);
  const user = new CognitoUser({ Username: u.username, Pool: pool });
  const r = await signIn(user, u.password);
  if (r.step !== 'NEW_PASSWORD_REQUIRED') throw new Error(`expected NEW_PASSWORD_REQUIRED, got ${r.step}`);
  const attrs = r.userAttributes;
  const newPassword = 'Js-Bob-Changed-2!';
  await checkTokens(await next((cb) => user.completeNewPasswordChallenge(newPassword, {}, cb)), PLAIN, u.username);
  // The new password works from a fresh client; the temporary one no longer does.
  await checkTokens(await signIn(new CognitoUser({ Username: u.username, Pool: pool }), newPassword), PLAIN, u.username);
  let oldRefused = '';
  try {
    await signIn(new CognitoUser({ Username: u.username, Pool: pool }), u.password);
  } catch (err) {
    oldRefused = err.code;
  }
  return { userAttributes: attrs, requiredAttributes: r.requiredAttributes, oldPassword: oldRefused };
});

await scenario('totp-setup', async () => {
  const u = userOf(MFA, 'jscarol');
  const user = new CognitoUser({ Username: u.username, Pool: newPool(MFA) });
  const r = await signIn(user, u.password);
  if (r.step !== 'MFA_SETUP') throw new Error(`expected MFA_SETUP, got ${r.step}`);
  const { secretCode } = await next((cb) => user.associateSoftwareToken(cb));
  const done = await next((cb) => user.verifySoftwareToken(totpCode(secretCode), 'node', cb));
  await checkTokens(done, MFA, u.username);
  return {};
});

await scenario('totp', async () => {
  const u = userOf(MFA, 'jsdan');
  const user = new CognitoUser({ Username: u.username, Pool: newPool(MFA) });
  const r = await signIn(user, u.password);
  if (r.step !== 'SOFTWARE_TOKEN_MFA') throw new Error(`expected SOFTWARE_TOKEN_MFA, got ${r.step}`);
  await checkTokens(await next((cb) => user.sendMFACode(totpCode(u.totpSecret), cb, 'SOFTWARE_TOKEN_MFA')), MFA, u.username);
  return {};
});

let deviceKey = '';
await scenario('device', async () => {
  const u = userOf(DEVICE, 'jsdave');
  const pool = newPool(DEVICE);
  // First sign-in: NewDeviceMetadata; the client confirms the device itself,
  // the pool asks the user (UserConfirmationNecessary) and we say "remember".
  const user = new CognitoUser({ Username: u.username, Pool: pool });
  const r1 = await signIn(user, u.password);
  await checkTokens(r1, DEVICE, u.username);
  if (r1.userConfirmationNecessary !== true) throw new Error('expected UserConfirmationNecessary');
  await new Promise((resolve, reject) => user.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject }));
  deviceKey = user.deviceKey;
  // A fresh client object finds the device in its storage: DEVICE_SRP_AUTH.
  const fresh = new CognitoUser({ Username: u.username, Pool: pool });
  const { access } = await checkTokens(await signIn(fresh, u.password), DEVICE, u.username);
  if (access.device_key !== deviceKey) throw new Error(`access token device_key ${access.device_key}, want ${deviceKey}`);
  // The same object again (it now sends DEVICE_KEY in InitiateAuth too).
  const again = await checkTokens(await signIn(fresh, u.password), DEVICE, u.username);
  if (again.access.device_key !== deviceKey) throw new Error('second device sign-in without device_key');
  return { deviceKey };
});

await scenario('device-forgotten', async () => {
  const u = userOf(DEVICE, 'jsdave');
  // The administrator forgets the device: a control-plane call, signed with
  // the server's admin key (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
  const resp = await adminCall('AdminForgetDevice', { UserPoolId: DEVICE, Username: u.username, DeviceKey: deviceKey });
  if (!resp.ok) throw new Error(`AdminForgetDevice: HTTP ${resp.status} ${await resp.text()}`);
  const user = new CognitoUser({ Username: u.username, Pool: newPool(DEVICE) });
  const r = await signIn(user, u.password);
  const { access } = await checkTokens(r, DEVICE, u.username);
  if (access.device_key === deviceKey) throw new Error('the forgotten device was used');
  await new Promise((resolve, reject) => user.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject }));
  deviceKey = user.deviceKey;
  return { newDevice: user.deviceKey !== undefined && r.userConfirmationNecessary === true };
});

await scenario('repeat', async () => {
  // count sign-ins in a row, each from a fresh client object: even ones with
  // jsalice's password, odd ones with jsdave's remembered device (two SRP
  // proofs each: password and device).
  const alice = userOf(PLAIN, 'jsalice');
  const dave = userOf(DEVICE, 'jsdave');
  const plainPool = newPool(PLAIN);
  const devicePool = newPool(DEVICE);
  let ok = 0;
  const failures = [];
  for (let i = 0; i < count; i++) {
    const [u, poolId, pool] = i % 2 === 0 ? [alice, PLAIN, plainPool] : [dave, DEVICE, devicePool];
    try {
      const user = new CognitoUser({ Username: u.username, Pool: pool });
      const { access } = await checkTokens(await signIn(user, u.password), poolId, u.username);
      if (poolId === DEVICE && access.device_key !== deviceKey) throw new Error('device not used');
      ok++;
    } catch (err) {
      failures.push(`#${i} ${u.username}: ${err.code ?? err.name}: ${err.message}`);
    }
  }
  const deviceSignIns = trace.filter((e) => e.startsWith('RespondToAuthChallenge(DEVICE_PASSWORD_VERIFIER)') && e.endsWith('>tokens')).length;
  trace = trace.slice(0, 8); // keep the output short
  if (failures.length) throw new Error(`${failures.length} of ${count} failed: ${failures.slice(0, 5).join('; ')}`);
  return { count, succeeded: ok, deviceSignIns };
});

const ok = Object.values(scenarios).every((s) => s.ok);
console.log(JSON.stringify({ ok, client: 'amazon-cognito-identity-js', endpoint: base, scenarios }, null, 2));
process.exit(ok ? 0 : 1);
