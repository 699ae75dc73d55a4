// Passkeys (J8) in headless Chromium with a CDP virtual authenticator: a page on
// http://localhost:<port> creates a passkey from StartWebAuthnRegistration's options, the
// emulator verifies it (CompleteWebAuthnRegistration), then the same authenticator answers
// USER_AUTH's WEB_AUTHN challenge; a tampered assertion is refused. Then the hosted login's
// "Sign in with passkey" with the same authenticator, through to the app's callback.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { idp, launchBrowser, pageWithAuthenticator, pkce, screenshot, startApp, url } from "./lib.mjs";

let browser;
let app;
let pool;
const PW = "Passw0rd!";

before(async () => {
  app = await startApp();
  const { UserPool } = await idp("CreateUserPool", {
    PoolName: `passkeys-${Date.now()}`,
    Policies: { SignInPolicy: { AllowedFirstAuthFactors: ["PASSWORD", "WEB_AUTHN"] } },
  });
  await idp("SetUserPoolMfaConfig", {
    UserPoolId: UserPool.Id,
    WebAuthnConfiguration: { RelyingPartyId: "localhost", UserVerification: "required" },
  });
  const { UserPoolClient } = await idp("CreateUserPoolClient", {
    UserPoolId: UserPool.Id,
    ClientName: "Passkey app",
    ExplicitAuthFlows: ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  });
  await idp("AdminCreateUser", { UserPoolId: UserPool.Id, Username: "pat", MessageAction: "SUPPRESS" });
  await idp("AdminSetUserPassword", { UserPoolId: UserPool.Id, Username: "pat", Password: PW, Permanent: true });
  pool = { poolId: UserPool.Id, clientId: UserPoolClient.ClientId };
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
});

/// Signs `username` in with the password (USER_AUTH) and registers a passkey from `page`'s
/// authenticator, as an app's settings page would.
async function registerPasskey(page, clientId, username) {
  const signedIn = await idp("InitiateAuth", {
    AuthFlow: "USER_AUTH",
    ClientId: clientId,
    AuthParameters: { USERNAME: username, PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: PW },
  });
  const accessToken = signedIn.AuthenticationResult.AccessToken;
  const { CredentialCreationOptions } = await idp("StartWebAuthnRegistration", { AccessToken: accessToken });
  const created = await ceremony(page, "create", CredentialCreationOptions);
  await idp("CompleteWebAuthnRegistration", { AccessToken: accessToken, Credential: created });
  return { accessToken, created };
}

/// Runs navigator.credentials.create/get in the page with options as Cognito sends them
/// (JSON, base64url buffers) and answers the credential as JSON (RegistrationResponseJSON /
/// AuthenticationResponseJSON).
async function ceremony(page, kind, options) {
  return page.evaluate(
    async ({ kind, options }) => {
      const toBuf = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
      const toB64 = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      const creds = (list) => (list || []).map((c) => ({ ...c, id: toBuf(c.id) }));
      if (kind === "create") {
        const cred = await navigator.credentials.create({
          publicKey: {
            ...options,
            challenge: toBuf(options.challenge),
            user: { ...options.user, id: toBuf(options.user.id) },
            excludeCredentials: creds(options.excludeCredentials),
          },
        });
        return {
          id: cred.id,
          rawId: toB64(cred.rawId),
          type: cred.type,
          authenticatorAttachment: cred.authenticatorAttachment,
          response: {
            clientDataJSON: toB64(cred.response.clientDataJSON),
            attestationObject: toB64(cred.response.attestationObject),
            transports: cred.response.getTransports ? cred.response.getTransports() : [],
          },
          clientExtensionResults: {},
        };
      }
      const cred = await navigator.credentials.get({
        publicKey: {
          ...options,
          challenge: toBuf(options.challenge),
          allowCredentials: creds(options.allowCredentials),
        },
      });
      return {
        id: cred.id,
        rawId: toB64(cred.rawId),
        type: cred.type,
        response: {
          clientDataJSON: toB64(cred.response.clientDataJSON),
          authenticatorData: toB64(cred.response.authenticatorData),
          signature: toB64(cred.response.signature),
          userHandle: cred.response.userHandle ? toB64(cred.response.userHandle) : undefined,
        },
        clientExtensionResults: {},
      };
    },
    { kind, options },
  );
}

async function signInChallenge() {
  const out = await idp("InitiateAuth", {
    AuthFlow: "USER_AUTH",
    ClientId: pool.clientId,
    AuthParameters: { USERNAME: "pat", PREFERRED_CHALLENGE: "WEB_AUTHN" },
  });
  assert.equal(out.ChallengeName, "WEB_AUTHN");
  return { session: out.Session, options: JSON.parse(out.ChallengeParameters.CREDENTIAL_REQUEST_OPTIONS) };
}

function answer(session, credential) {
  return idp("RespondToAuthChallenge", {
    ClientId: pool.clientId,
    ChallengeName: "WEB_AUTHN",
    Session: session,
    ChallengeResponses: { USERNAME: "pat", CREDENTIAL: JSON.stringify(credential) },
  });
}

test("a passkey made by Chromium's virtual authenticator registers and signs in", async () => {
  const page = await pageWithAuthenticator(browser);
  await page.goto(`${app.base}/passkeys`);

  const { accessToken, created } = await registerPasskey(page, pool.clientId, "pat");
  const { Credentials } = await idp("ListWebAuthnCredentials", { AccessToken: accessToken });
  assert.equal(Credentials.length, 1);
  assert.equal(Credentials[0].CredentialId, created.rawId);

  // A tampered assertion: a flipped bit in the signed authenticator data.
  let { session, options } = await signInChallenge();
  const forged = await ceremony(page, "get", options);
  const data = Buffer.from(forged.response.authenticatorData, "base64url");
  data[32] ^= 0x40;
  forged.response.authenticatorData = data.toString("base64url");
  await assert.rejects(answer(session, forged), /NotAuthorizedException/);

  ({ session, options } = await signInChallenge());
  const assertion = await ceremony(page, "get", options);
  const done = await answer(session, assertion);
  assert.ok(done.AuthenticationResult.IdToken, "tokens after the passkey");
  await page.close();
});

test("the hosted login signs in with a passkey", async () => {
  // Passkeys are bound to their relying party (localhost): the login page must be opened on
  // http://localhost:<port>, not 127.0.0.1.
  const emu = url.replace("127.0.0.1", "localhost");
  const { UserPoolClient } = await idp("CreateUserPoolClient", {
    UserPoolId: pool.poolId,
    ClientName: "Passkey SPA",
    ExplicitAuthFlows: ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    AllowedOAuthFlows: ["code"],
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthScopes: ["openid"],
    CallbackURLs: [app.callback],
    SupportedIdentityProviders: ["COGNITO"],
  });
  await idp("AdminCreateUser", { UserPoolId: pool.poolId, Username: "hana", MessageAction: "SUPPRESS" });
  await idp("AdminSetUserPassword", { UserPoolId: pool.poolId, Username: "hana", Password: PW, Permanent: true });

  const page = await pageWithAuthenticator(browser);
  // hana adds a passkey from the app's settings page (API calls).
  await page.goto(`${app.base}/settings`);
  await registerPasskey(page, UserPoolClient.ClientId, "hana");

  // Later she signs in on the hosted login with the passkey alone.
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({
    response_type: "code",
    client_id: UserPoolClient.ClientId,
    redirect_uri: app.callback,
    scope: "openid",
    state: "st-passkey",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  await page.goto(`${emu}/oauth2/authorize?${q}`);
  await page.getByLabel("Username").fill("hana");
  await page.getByRole("button", { name: "Sign in with passkey" }).click();
  await page.getByRole("heading", { name: "Sign in with passkey" }).waitFor();
  await screenshot(page, "hosted-passkey");
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(app.callback)),
    page.getByRole("button", { name: "Use passkey" }).click(),
  ]);
  const back = new URL(page.url());
  assert.equal(back.searchParams.get("state"), "st-passkey");
  const res = await fetch(`${emu}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: UserPoolClient.ClientId,
      code: back.searchParams.get("code"),
      redirect_uri: app.callback,
      code_verifier: verifier,
    }),
  });
  const tokens = await res.json();
  assert.equal(res.status, 200, JSON.stringify(tokens));
  const claims = JSON.parse(Buffer.from(tokens.id_token.split(".")[1], "base64url"));
  assert.equal(claims["cognito:username"], "hana");
  await page.close();
});
