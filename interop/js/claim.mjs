// claim.mjs has the official JavaScript client, amazon-cognito-identity-js
// 6.x, compute USER_SRP_AUTH password claims against Caldera's local server
// without sending them, so that a test can send each claim itself, unchanged
// or with one bit flipped (issue 4: the server's SRP check is differential
// against the reference client).
//
// It reads one JSON object from stdin:
//
//	{"endpoint": "http://127.0.0.1:9229", "poolId": "us-east-1_JsPlain",
//	 "clientId": "jsplainclient", "username": "jsalice",
//	 "password": "...", "count": 30}
//
// and for each of count sign-ins runs the client's own
// CognitoUser.authenticateUser (USER_SRP_AUTH) from a fresh client object: its
// InitiateAuth really goes to the server (a fresh SRP_B, SALT and
// SECRET_BLOCK each time), and its RespondToAuthChallenge request is captured
// instead of sent. Every value of the claim (SRP_A, the HKDF key, TIMESTAMP,
// PASSWORD_CLAIM_SIGNATURE) is thus the library's own, computed by its
// AuthenticationHelper and its @aws-crypto/sha256-js HMAC exactly as in a
// real sign-in; this script computes nothing itself. It prints
//
//	{"ok": true, "claims": [{"session": "...", "challengeParameters": {...},
//	                         "challengeResponses": {...}}, ...]}
//
// and exits 0, or prints {"ok": false, "error": "..."} and exits 1.
// interop_test.go's TestJSClaimBitFlips runs it.

import cognito from 'amazon-cognito-identity-js';

const { CognitoUserPool, CognitoUser, AuthenticationDetails } = cognito;

const CAPTURED = 'CalderaClaimCaptured';

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

// The client's fetch: InitiateAuth passes through; RespondToAuthChallenge is
// recorded and answered locally with an error the client reports through
// onFailure, so the claim never reaches the server.
let captured = null;
let challenge = null;
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, opts = {}) => {
  const op = String(opts.headers?.['X-Amz-Target'] ?? '').split('.').pop();
  if (op === 'RespondToAuthChallenge') {
    captured = JSON.parse(opts.body);
    return new Response(JSON.stringify({ __type: CAPTURED, message: 'captured, not sent' }), {
      status: 400,
      headers: { 'Content-Type': 'application/x-amz-json-1.1' },
    });
  }
  const resp = await realFetch(url, opts);
  if (op === 'InitiateAuth') {
    try { challenge = await resp.clone().json(); } catch { challenge = null; }
  }
  return resp;
};

async function oneClaim(pool, username, password) {
  captured = null;
  challenge = null;
  const user = new CognitoUser({ Username: username, Pool: pool });
  const details = new AuthenticationDetails({ Username: username, Password: password });
  const err = await new Promise((resolve) => {
    user.authenticateUser(details, {
      onSuccess: () => resolve(new Error('signed in: the claim was sent')),
      onFailure: (e) => resolve(e),
      newPasswordRequired: () => resolve(new Error('unexpected NEW_PASSWORD_REQUIRED')),
      mfaRequired: () => resolve(new Error('unexpected SMS_MFA')),
      totpRequired: () => resolve(new Error('unexpected SOFTWARE_TOKEN_MFA')),
      mfaSetup: () => resolve(new Error('unexpected MFA_SETUP')),
      selectMFAType: () => resolve(new Error('unexpected SELECT_MFA_TYPE')),
      customChallenge: () => resolve(new Error('unexpected CUSTOM_CHALLENGE')),
    });
  });
  if (err?.code !== CAPTURED || captured === null) {
    throw new Error(`no claim captured: ${err?.code ?? err?.name}: ${err?.message}`);
  }
  if (captured.ChallengeName !== 'PASSWORD_VERIFIER' || captured.Session !== challenge?.Session) {
    throw new Error('captured request is not the PASSWORD_VERIFIER answer to the last InitiateAuth');
  }
  return {
    session: captured.Session,
    challengeParameters: challenge.ChallengeParameters,
    challengeResponses: captured.ChallengeResponses,
  };
}

try {
  const input = await readStdin();
  const { endpoint, poolId, clientId, username, password } = input;
  const count = Number(input.count ?? 1);
  if (!/^https?:\/\//.test(String(endpoint)) || !poolId || !clientId || !username || !password ||
      !Number.isInteger(count) || count < 1) {
    throw new Error('stdin wants {endpoint, poolId, clientId, username, password, count}');
  }
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: endpoint.replace(/\/+$/, '') + '/' });
  const claims = [];
  for (let i = 0; i < count; i++) claims.push(await oneClaim(pool, username, password));
  console.log(JSON.stringify({ ok: true, client: 'amazon-cognito-identity-js', claims }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, error: String(err?.stack ?? err) }));
  process.exit(1);
}
