// What the masto scripts share: the server's address, the line protocol
// with the Go test (masto_test.go) and a web app's log-in.

import { createHash, randomBytes } from "node:crypto";
import readline from "node:readline";
import { createOAuthAPIClient, createRestAPIClient } from "masto";

export const url = process.env.MAJLIS_URL;
const redirectUri = process.env.MAJLIS_REDIRECT;
const scope = "read write follow";

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
export const say = (msg) => process.stdout.write(JSON.stringify(msg) + "\n");
export const ask = async (msg) => {
  say(msg);
  const { value, done } = await lines.next();
  if (done) throw new Error("the test hung up");
  return JSON.parse(value);
};
export const step = (s) => say({ step: s });
export const check = (cond, what, got) => {
  if (!cond) throw new Error(`${what}: got ${JSON.stringify(got)}`);
};
export const nonce = (w) => `${w}-${Date.now().toString(16)}${randomBytes(2).toString("hex")}`;

// login is a web app's log-in: register, send the member to the
// authorization page with a PKCE challenge, trade the code and the
// verifier for a token.
export async function login(member) {
  const anon = createRestAPIClient({ url });
  const app = await anon.v1.apps.create({
    clientName: `masto test (${member})`,
    redirectUris: redirectUri,
    scopes: scope,
    website: "https://example.org/masto",
  });
  check(app.clientId && app.clientSecret, "registered app", app);
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = randomBytes(8).toString("hex");
  const authorize = new URL("/oauth/authorize", url);
  authorize.search = new URLSearchParams({
    client_id: app.clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  const { code } = await ask({ authorize: authorize.href, member });
  const oauth = createOAuthAPIClient({ url });
  const token = await oauth.token.create({
    grantType: "authorization_code",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri,
    code,
    codeVerifier: verifier,
    scope,
  });
  check(token.accessToken, "token", token);
  const rest = createRestAPIClient({ url, accessToken: token.accessToken });
  const me = await rest.v1.accounts.verifyCredentials();
  check(me.username === member, "verify_credentials", me);
  return { rest, token: token.accessToken, me };
}
