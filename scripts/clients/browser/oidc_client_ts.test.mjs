// oidc-client-ts (what AWS's React quick start uses through react-oidc-context) in headless
// Chromium, configured as that quick start does: authority = <emulator>/<poolId>, a public
// client (no secret), code + PKCE, scope "openid email profile". The SPA is a page of its own
// origin (http://localhost:<app port>), so discovery, the token endpoint and userinfo are
// cross-origin fetches: the emulator's CORS is exercised as a real SPA would.
//   - signinRedirect -> hosted login -> signinRedirectCallback: the user and its profile
//   - signinSilent: the refresh token renews the tokens without a page
//   - signoutRedirect through /logout (Cognito's /logout takes client_id + logout_uri, not
//     OIDC's post_logout_redirect_uri, so they go in extraQueryParams), then back on the app
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { createUser, idp, launchBrowser, screenshot, url } from "./lib.mjs";

const LIBRARY = readFileSync(new URL("./node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js", import.meta.url));
const emu = url.replace("127.0.0.1", "localhost");
const email = "spa-user@example.com";
const password = "Spa-Library-Pass-1";

let browser;
let server;
let base;
let pool;

/// The SPA: every page loads the library and makes the same UserManager.
function spaPage(script) {
  return `<!doctype html><meta charset="utf-8"><title>SPA</title>
<script src="/oidc-client-ts.js"></script>
<script>
  window.mgr = new oidc.UserManager({
    authority: ${JSON.stringify(`${emu}/`)} + window.POOL_ID,
    client_id: window.CLIENT_ID,
    redirect_uri: location.origin + "/callback",
    response_type: "code",
    scope: "openid email profile",
    automaticSilentRenew: false,
  });
</script>
<h1 id="status">loading</h1>
<script>${script}</script>`;
}

before(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/oidc-client-ts.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" });
      return res.end(LIBRARY);
    }
    const config = `<script>window.POOL_ID=${JSON.stringify(pool.poolId)};window.CLIENT_ID=${JSON.stringify(pool.clientId)};</script>`;
    const scripts = {
      "/": `document.getElementById("status").textContent = "home";`,
      "/callback": `mgr.signinRedirectCallback().then(
          (u) => { window.USER = u; document.getElementById("status").textContent = "signed in " + u.profile.email; },
          (e) => { document.getElementById("status").textContent = "error " + e.message; });`,
      "/signed-out": `document.getElementById("status").textContent = "signed out";`,
    };
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(config + spaPage(scripts[path] ?? `document.getElementById("status").textContent = "404";`));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://localhost:${server.address().port}`;
  const { UserPool } = await idp("CreateUserPool", {
    PoolName: `oidc-client-ts-${Date.now()}`,
    UsernameAttributes: ["email"],
    AutoVerifiedAttributes: ["email"],
  });
  const { UserPoolClient } = await idp("CreateUserPoolClient", {
    UserPoolId: UserPool.Id,
    ClientName: "React SPA",
    AllowedOAuthFlows: ["code"],
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthScopes: ["openid", "email", "profile"],
    CallbackURLs: [`${base}/callback`],
    LogoutURLs: [`${base}/signed-out`],
    SupportedIdentityProviders: ["COGNITO"],
    ExplicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
  });
  pool = { poolId: UserPool.Id, clientId: UserPoolClient.ClientId };
  await createUser(pool.poolId, email, password);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

test("oidc-client-ts: signinRedirect, callback, silent renew with the refresh token, sign-out", async () => {
  const page = await browser.context.newPage();
  await page.goto(`${base}/`);
  // The page navigates away while signinRedirect runs: start it, don't await it in the page.
  await page.evaluate(() => void window.mgr.signinRedirect());
  await page.waitForURL((u) => u.pathname === "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.href.startsWith(`${base}/callback`));
  await page.waitForFunction(() => document.getElementById("status").textContent !== "loading");
  assert.equal(await page.locator("#status").innerText(), `signed in ${email}`);
  const first = await page.evaluate(() => ({
    id: window.USER.id_token,
    access: window.USER.access_token,
    refresh: window.USER.refresh_token,
    profile: window.USER.profile,
    scope: window.USER.scope,
  }));
  assert.ok(first.refresh, "a refresh token");
  assert.equal(first.profile.iss, `${emu}/${pool.poolId}`);
  assert.equal(first.profile.aud, pool.clientId);
  await screenshot(page, "oidc-client-ts-signed-in");

  // Silent renew: the refresh_token grant from the page (a cross-origin fetch).
  const renewed = await page.evaluate(async () => {
    const u = await window.mgr.signinSilent();
    return { id: u.id_token, access: u.access_token, refresh: u.refresh_token, email: u.profile.email };
  });
  assert.notEqual(renewed.access, first.access, "a new access token");
  assert.equal(renewed.email, email);
  assert.ok(renewed.refresh, "the refresh token is kept");

  // signoutRedirect to the discovery's end_session_endpoint (/logout), with the parameters
  // Cognito's /logout reads (client_id, logout_uri) added as extraQueryParams: OIDC's own
  // post_logout_redirect_uri is not one of them (authts/oidc-client-ts#1385).
  await page.evaluate(({ clientId, base }) => {
    void window.mgr.signoutRedirect({
      extraQueryParams: { client_id: clientId, logout_uri: `${base}/signed-out` },
    });
  }, { clientId: pool.clientId, base });
  await page.waitForURL((u) => u.href.startsWith(`${base}/signed-out`));
  assert.equal(await page.evaluate(async () => await window.mgr.getUser()), null);
  // Signed out at the emulator too: a new sign-in shows the login page again.
  await page.waitForFunction(() => document.getElementById("status").textContent === "signed out");
  await page.evaluate(() => void window.mgr.signinRedirect());
  await page.waitForURL((u) => u.pathname === "/login");
  await page.close();
});
