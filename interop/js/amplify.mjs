// Drives the official Amplify JS v6 Auth category against the Caldera
// local server (userPoolEndpoint override): SRP sign-in (with device
// tracking: ConfirmDevice), fetchAuthSession({forceRefresh: true}) →
// GetTokensFromRefreshToken, updatePassword, updateUserAttributes,
// resetPassword + confirmResetPassword (code from the local outbox),
// sign-in with the new password, and signOut({global: true}).
//
// Usage: AWS_SECRET_ACCESS_KEY=… node amplify.mjs ENDPOINT POOL_ID CLIENT_ID USERNAME PASSWORD
// (the server's admin secret: the outbox answers only Authorization: Bearer
// with it; `caldera serve` prints it at start).
// Prints one JSON object: {ok, ops, ...observations} or {ok: false, error}.

// Node 20 has no navigator (Node 21+ defines one); Amplify reads it for its
// user agent and device names, and without it skips ConfirmDevice.
if (typeof globalThis.navigator === 'undefined') {
  Object.defineProperty(globalThis, 'navigator', {
    value: { userAgent: `Node.js/${process.versions.node.split('.')[0]}`, language: 'en-US', languages: ['en-US'], platform: process.platform, hardwareConcurrency: 1 },
    configurable: true, writable: true,
  });
}

const [endpoint, poolId, clientId, username, password] = process.argv.slice(2);
const ops = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init = {}) => {
  const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
  const target = headers.get('x-amz-target');
  if (target) ops.push(target.replace('AWSCognitoIdentityProviderService.', ''));
  return realFetch(input, init);
};

const { Amplify } = await import('aws-amplify');
const auth = await import('aws-amplify/auth');
const { cognitoUserPoolsTokenProvider } = await import('aws-amplify/auth/cognito');

// An in-memory key-value storage in place of localStorage.
const mem = new Map();
cognitoUserPoolsTokenProvider.setKeyValueStorage({
  async setItem(k, v) { mem.set(k, v); },
  async getItem(k) { return mem.has(k) ? mem.get(k) : null; },
  async removeItem(k) { mem.delete(k); },
  async clear() { mem.clear(); },
});
Amplify.configure({ Auth: { Cognito: { userPoolId: poolId, userPoolClientId: clientId, userPoolEndpoint: endpoint } } });

const out = { ok: false };
const payload = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
async function outboxCode() {
  const r = await realFetch(`${endpoint}/_caldera/outbox?pool=${encodeURIComponent(poolId)}&username=${encodeURIComponent(username)}`,
    { headers: { Authorization: `Bearer ${process.env.AWS_SECRET_ACCESS_KEY ?? ''}` } });
  if (!r.ok) throw new Error(`outbox: HTTP ${r.status}`);
  const msgs = await r.json();
  return msgs[msgs.length - 1].code;
}
try {
  const s1 = await auth.signIn({ username, password });
  out.signIn = s1.isSignedIn;
  let session = await auth.fetchAuthSession();
  const first = session.tokens.accessToken.toString();
  out.deviceKey = payload(first).device_key ?? '';
  out.deviceConfirmed = ops.includes('ConfirmDevice');
  await new Promise((r) => setTimeout(r, 1100)); // a new iat
  session = await auth.fetchAuthSession({ forceRefresh: true });
  const refreshed = session.tokens.accessToken.toString();
  out.refreshed = refreshed !== first && payload(refreshed).sub === payload(first).sub;
  out.refreshedDeviceKey = payload(refreshed).device_key ?? '';
  out.groups = session.tokens.idToken.payload['cognito:groups'] ?? [];
  // With rotation the client must use the new refresh token next time.
  await new Promise((r) => setTimeout(r, 1100));
  session = await auth.fetchAuthSession({ forceRefresh: true });
  out.refreshedTwice = session.tokens.accessToken.toString() !== refreshed;

  await auth.updatePassword({ oldPassword: password, newPassword: password + 'x' });
  const upd = await auth.updateUserAttributes({ userAttributes: { name: 'Amplify Alice' } });
  out.nameUpdated = upd.name?.isUpdated === true;
  const attrs = await auth.fetchUserAttributes();
  out.name = attrs.name;
  await auth.signOut();

  const reset = await auth.resetPassword({ username });
  out.resetStep = reset.nextStep.resetPasswordStep;
  out.resetMedium = reset.nextStep.codeDeliveryDetails?.deliveryMedium;
  const finalPassword = password + 'y';
  await auth.confirmResetPassword({ username, confirmationCode: await outboxCode(), newPassword: finalPassword });
  const s2 = await auth.signIn({ username, password: finalPassword });
  out.signInAfterReset = s2.isSignedIn;
  const last = (await auth.fetchAuthSession()).tokens.accessToken.toString();
  await auth.signOut({ global: true });
  // The access token of the globally signed-out session is revoked.
  const r = await realFetch(endpoint + '/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.GetUser' },
    body: JSON.stringify({ AccessToken: last }),
  });
  out.revokedAfterGlobalSignOut = (await r.json()).__type ?? 'accepted';
  out.ok = true;
} catch (e) {
  out.error = `${e.name}: ${e.message}`;
}
out.ops = ops;
console.log(JSON.stringify(out));
process.exit(out.ok ? 0 : 1);
