// Shared helpers for the browser and OIDC-library tests: admin calls over the AWS JSON
// protocol, a local app that serves the OAuth callback, headless Chromium, JWT checks.
import { createHash, createPublicKey, createVerify, randomBytes } from "node:crypto";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const url = process.env.EMU_URL;
if (!url) throw new Error("EMU_URL is not set (run through scripts/clients/browser.sh)");
export const screenshotDir = process.env.SCREENSHOT_DIR || "target/screenshots";

/// One user-pool API call, as the AWS SDKs send it (the emulator accepts any credentials).
export async function idp(action, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
      Authorization:
        "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${action}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/// A local "app": serves its callback and logout pages and remembers what reached them.
export async function startApp() {
  const hits = [];
  const server = createServer((req, res) => {
    hits.push(req.url);
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>app</title><h1>App page</h1><p id="path">${req.url.replace(/[<>&"]/g, "")}</p>`);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = server.address().port;
  return {
    base: `http://localhost:${port}`,
    callback: `http://localhost:${port}/callback`,
    signedOut: `http://localhost:${port}/signed-out`,
    hits,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

let counter = 0;
/// A pool (email as username, email verified automatically) and an OAuth client with a
/// secret whose callback and logout URLs are the app's.
export async function setupPool(app, name = "browser") {
  counter += 1;
  const { UserPool } = await idp("CreateUserPool", {
    PoolName: `${name}-${counter}-${Date.now()}`,
    UsernameAttributes: ["email"],
    AutoVerifiedAttributes: ["email"],
  });
  const { UserPoolClient } = await idp("CreateUserPoolClient", {
    UserPoolId: UserPool.Id,
    ClientName: "Browser test app",
    GenerateSecret: true,
    AllowedOAuthFlows: ["code"],
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthScopes: ["openid", "email", "profile"],
    CallbackURLs: [app.callback],
    LogoutURLs: [app.signedOut],
    SupportedIdentityProviders: ["COGNITO"],
    ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  });
  return { poolId: UserPool.Id, clientId: UserPoolClient.ClientId, clientSecret: UserPoolClient.ClientSecret };
}

/// A confirmed user with a permanent password.
export async function createUser(poolId, email, password) {
  await idp("AdminCreateUser", {
    UserPoolId: poolId,
    Username: email,
    MessageAction: "SUPPRESS",
    UserAttributes: [
      { Name: "email", Value: email },
      { Name: "email_verified", Value: "true" },
    ],
  });
  await idp("AdminSetUserPassword", { UserPoolId: poolId, Username: email, Password: password, Permanent: true });
}

export const b64url = (buf) => Buffer.from(buf).toString("base64url");

export function pkce() {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash("sha256").update(verifier).digest());
  return { verifier, challenge };
}

export function authorizeUrl(pool, app, { state, nonce, challenge, scope = "openid email profile" }) {
  const q = new URLSearchParams({
    response_type: "code",
    client_id: pool.clientId,
    redirect_uri: app.callback,
    scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  return `${url}/oauth2/authorize?${q}`;
}

/// The code exchange an app's back end does: Basic client auth and the PKCE verifier.
export async function exchange(pool, app, code, verifier) {
  const res = await fetch(`${url}/oauth2/token`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Authorization: `Basic ${Buffer.from(`${pool.clientId}:${pool.clientSecret}`).toString("base64")}`,
    },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: app.callback,
      code_verifier: verifier,
    }),
  });
  return { status: res.status, body: await res.json() };
}

const decode = (part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));

/// Verifies an RS256 JWT's signature against the pool's JWKS (fetched over HTTP, found via
/// discovery as a relying party would) and returns its payload.
export async function verifyJwt(poolId, jwt) {
  const issuer = `${url}/${poolId}`;
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const jwks = await (await fetch(discovery.jwks_uri)).json();
  const [h, p, s] = jwt.split(".");
  const header = decode(h);
  if (header.alg !== "RS256") throw new Error(`alg ${header.alg}`);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`kid ${header.kid} not in the JWKS`);
  const ok = createVerify("RSA-SHA256")
    .update(`${h}.${p}`)
    .verify(createPublicKey({ key: jwk, format: "jwk" }), Buffer.from(s, "base64url"));
  if (!ok) throw new Error("bad signature");
  return { header, payload: decode(p), issuer, discovery };
}

/// Headless Debian Chromium through Playwright, with a fresh profile.
export async function launchBrowser() {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "cognito-emu-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: { width: 900, height: 760 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  context.setDefaultTimeout(15000);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/// A page with a CDP virtual authenticator of its own (a platform passkey provider that
/// verifies the user and answers without a prompt).
export async function pageWithAuthenticator(browser) {
  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return page;
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`# screenshot ${path}`);
  return path;
}

/// The newest mailbox message matching `filter` (what a test needs to read a code).
export async function latestMessage(filter) {
  const res = await fetch(`${url}/_dev/mailbox/latest?${new URLSearchParams(filter)}`);
  if (res.status !== 200) throw new Error(`mailbox/latest: ${res.status}`);
  return res.json();
}
