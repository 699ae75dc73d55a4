// openid-client (a certified OpenID Connect relying-party library) configured the way an
// ASP.NET Core OpenIdConnect handler is: Authority = <emulator>/<poolId>, ClientId,
// ClientSecret, ResponseType = code (with PKCE), scopes openid email profile. Everything comes
// from discovery; the library validates the ID token (signature via the JWKS, iss, aud, exp,
// nonce) itself. The login page is driven with plain HTTP form posts, as a browser would.
//
// The one setting a local dev target needs: `allowInsecureRequests`, since the emulator speaks
// plain http on localhost (openid-client refuses http:// endpoints by default).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as client from "openid-client";
import { createUser, setupPool, startApp, url } from "./lib.mjs";

let app;
let pool;
const email = "oidc-user@example.com";
const password = "Oidc-Library-Pass-1";

before(async () => {
  app = await startApp();
  pool = await setupPool(app, "oidc-client");
  await createUser(pool.poolId, email, password);
});

after(async () => {
  await app?.close();
});

/// Cookies a browser would keep between the hosted pages (name=value only).
class Jar {
  cookies = new Map();
  take(res) {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => a.trim().toLowerCase() === "max-age=0");
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/// Follows redirects by hand until the app's callback; submits the login form when the
/// hosted login page shows up. Returns the callback URL the browser would land on.
async function browse(start, jar, credentials) {
  let next = start;
  let form = null;
  for (let hop = 0; hop < 10; hop++) {
    if (next.startsWith(app.callback)) return new URL(next);
    const res = await fetch(next, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      headers: {
        Cookie: jar.header(),
        Accept: "text/html",
        ...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
      },
      body: form ?? undefined,
    });
    jar.take(res);
    form = null;
    if (res.status === 302 || res.status === 303) {
      next = new URL(res.headers.get("location"), next).href;
      continue;
    }
    const html = await res.text();
    assert.equal(res.status, 200, `${next}: ${res.status}`);
    assert.ok(credentials, `unexpected page ${next}`);
    const action = html.match(/<form method="post" action="([^"]+)"/)[1].replaceAll("&amp;", "&");
    next = new URL(action, next).href;
    form = new URLSearchParams(credentials);
    credentials = null;
  }
  throw new Error("too many redirects");
}

test("openid-client: discovery, code + PKCE, client_secret_basic, ID token validation, userinfo", async () => {
  const authority = new URL(`${url}/${pool.poolId}`);
  const config = await client.discovery(
    authority,
    pool.clientId,
    undefined,
    client.ClientSecretBasic(pool.clientSecret),
    { execute: [client.allowInsecureRequests] },
  );
  const meta = config.serverMetadata();
  assert.equal(meta.issuer, authority.href);
  assert.equal(meta.authorization_endpoint, `${url}/oauth2/authorize`);
  assert.equal(meta.token_endpoint, `${url}/oauth2/token`);
  // Like Cognito's, the document has no code_challenge_methods_supported; PKCE works anyway
  // (ASP.NET's handler and openid-client send it regardless).
  assert.equal(meta.code_challenge_methods_supported, undefined);

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: app.callback,
    scope: "openid email profile",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });

  const jar = new Jar();
  const callback = await browse(authUrl.href, jar, { username: email, password });
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  assert.equal(tokens.token_type.toLowerCase(), "bearer");
  assert.ok(tokens.refresh_token);
  const claims = tokens.claims();
  assert.equal(claims.iss, authority.href);
  assert.equal(claims.aud, pool.clientId);
  assert.equal(claims.email, email);
  assert.equal(claims.nonce, nonce);

  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.sub, claims.sub);
  assert.equal(info.email, email);

  // The library's refresh: new ID and access tokens for the same subject.
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.equal(refreshed.claims().sub, claims.sub);

  // The signed-in session: a second code flow needs no credentials.
  const v2 = client.randomPKCECodeVerifier();
  const s2 = client.randomState();
  const again = await browse(
    client.buildAuthorizationUrl(config, {
      redirect_uri: app.callback,
      scope: "openid email",
      code_challenge: await client.calculatePKCECodeChallenge(v2),
      code_challenge_method: "S256",
      state: s2,
    }).href,
    jar,
    null,
  );
  const second = await client.authorizationCodeGrant(config, again, { pkceCodeVerifier: v2, expectedState: s2 });
  assert.equal(second.claims().sub, claims.sub);

  // RP-initiated sign-out URL from discovery ends the session: the next flow shows the login page.
  assert.ok(meta.end_session_endpoint, "discovery has end_session_endpoint");
  const out = await fetch(
    `${meta.end_session_endpoint}?${new URLSearchParams({ client_id: pool.clientId, logout_uri: app.signedOut })}`,
    { redirect: "manual", headers: { Cookie: jar.header() } },
  );
  assert.equal(out.status, 302);
  assert.equal(out.headers.get("location"), app.signedOut);
  jar.take(out);
  assert.equal(jar.cookies.size, 0, "the session cookie is cleared");
});

test("openid-client: a wrong client secret is refused at the token endpoint", async () => {
  const config = await client.discovery(
    new URL(`${url}/${pool.poolId}`),
    pool.clientId,
    undefined,
    client.ClientSecretBasic("not-the-secret"),
    { execute: [client.allowInsecureRequests] },
  );
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const callback = await browse(
    client.buildAuthorizationUrl(config, {
      redirect_uri: app.callback,
      scope: "openid",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    }).href,
    new Jar(),
    { username: email, password },
  );
  await assert.rejects(
    client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }),
    // RFC 6749 5.2: a failed Basic client authentication answers 401 with a Basic challenge.
    (e) => e.code === "OAUTH_WWW_AUTHENTICATE_CHALLENGE" && e.status === 401 && e.cause[0].scheme === "basic",
  );
});
