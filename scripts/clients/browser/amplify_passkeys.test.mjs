// Journey J8 step 4 with Amplify JS v6 in the browser: signed in with the password (USER_AUTH),
// the app calls associateWebAuthnCredential() and Chromium's virtual authenticator creates a
// passkey; after signOut, signIn with preferredChallenge WEB_AUTHN completes with the passkey
// alone (Amplify runs navigator.credentials.get itself). Amplify is bundled for the page with
// esbuild, as an app's build would; the page is on http://localhost:<port> (the pool's relying
// party is localhost).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { idp, launchBrowser, pageWithAuthenticator, url } from "./lib.mjs";

const emu = url.replace("127.0.0.1", "localhost");
const PW = "Passw0rd!";
let browser;
let server;
let base;
let pool;

before(async () => {
  const bundled = await build({
    stdin: {
      contents: `import { Amplify } from "aws-amplify";
        import * as auth from "aws-amplify/auth";
        window.amp = { Amplify, ...auth };`,
      resolveDir: fileURLToPath(new URL(".", import.meta.url)),
    },
    bundle: true,
    format: "iife",
    platform: "browser",
    write: false,
    logLevel: "warning",
  });
  const script = bundled.outputFiles[0].contents;
  server = createServer((req, res) => {
    if (req.url === "/amplify.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" });
      return res.end(script);
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><meta charset="utf-8"><title>Amplify app</title><script src="/amplify.js"></script><h1>app</h1>`);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://localhost:${server.address().port}`;

  const { UserPool } = await idp("CreateUserPool", {
    PoolName: `amplify-passkeys-${Date.now()}`,
    UserPoolTier: "ESSENTIALS",
    Policies: { SignInPolicy: { AllowedFirstAuthFactors: ["PASSWORD", "WEB_AUTHN"] } },
  });
  await idp("SetUserPoolMfaConfig", {
    UserPoolId: UserPool.Id,
    WebAuthnConfiguration: { RelyingPartyId: "localhost", UserVerification: "preferred" },
  });
  const { UserPoolClient } = await idp("CreateUserPoolClient", {
    UserPoolId: UserPool.Id,
    ClientName: "Amplify passkeys",
    ExplicitAuthFlows: ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  });
  await idp("AdminCreateUser", { UserPoolId: UserPool.Id, Username: "kai", MessageAction: "SUPPRESS" });
  await idp("AdminSetUserPassword", { UserPoolId: UserPool.Id, Username: "kai", Password: PW, Permanent: true });
  pool = { poolId: UserPool.Id, clientId: UserPoolClient.ClientId };
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

test("Amplify v6: associateWebAuthnCredential, then signIn with WEB_AUTHN", async () => {
  const page = await pageWithAuthenticator(browser);
  await page.goto(`${base}/`);
  const out = await page.evaluate(
    async ({ emu, pool, PW }) => {
      const { Amplify, signIn, signOut, associateWebAuthnCredential, listWebAuthnCredentials, getCurrentUser } = window.amp;
      Amplify.configure({
        Auth: { Cognito: { userPoolId: pool.poolId, userPoolClientId: pool.clientId, userPoolEndpoint: emu } },
      });
      const steps = {};
      const first = await signIn({
        username: "kai",
        password: PW,
        options: { authFlowType: "USER_AUTH", preferredChallenge: "PASSWORD" },
      });
      steps.password = first.isSignedIn;
      await associateWebAuthnCredential();
      steps.credentials = (await listWebAuthnCredentials()).credentials.length;
      await signOut();
      const second = await signIn({
        username: "kai",
        options: { authFlowType: "USER_AUTH", preferredChallenge: "WEB_AUTHN" },
      });
      steps.passkey = second.isSignedIn;
      steps.next = second.nextStep.signInStep;
      steps.user = (await getCurrentUser()).username;
      return steps;
    },
    { emu, pool, PW },
  );
  assert.deepEqual(out, { password: true, credentials: 1, passkey: true, next: "DONE", user: "kai" });
  await page.close();
});
