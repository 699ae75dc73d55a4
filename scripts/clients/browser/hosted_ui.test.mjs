// The hosted UI in headless Chromium: authorization code + PKCE through the login page, the
// signed-in session cookie and /logout, sign-up with the code from the dev mailbox, the wrong-
// password message, the dev mailbox page, and screenshots of each page for review.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  authorizeUrl,
  createUser,
  exchange,
  idp,
  latestMessage,
  launchBrowser,
  pkce,
  screenshot,
  setupPool,
  startApp,
  url,
  verifyJwt,
} from "./lib.mjs";

let browser;
let app;
let pool;
const email = "ada@example.com";
const password = "Correct-Horse-1";

before(async () => {
  app = await startApp();
  pool = await setupPool(app);
  await createUser(pool.poolId, email, password);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
});

/// The path of every URL a navigation went through (redirects included).
function chain(response) {
  const urls = [];
  for (let r = response.request(); r; r = r.redirectedFrom()) urls.unshift(new URL(r.url()));
  return urls;
}

test("authorization code + PKCE through the login page, session cookie, logout", async () => {
  const page = await browser.context.newPage();
  const { verifier, challenge } = pkce();
  const state = "st-" + Math.random().toString(36).slice(2);
  const nonce = "n-" + Math.random().toString(36).slice(2);

  await page.goto(authorizeUrl(pool, app, { state, nonce, challenge }));
  assert.equal(new URL(page.url()).pathname, "/login", "authorize sends the browser to /login");
  assert.equal(await page.title(), "Sign in");
  await screenshot(page, "login");

  // Keyboard only: the username field has focus, Tab to the password, Enter submits.
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(password);
  await Promise.all([page.waitForURL(`${app.callback}**`), page.keyboard.press("Enter")]);

  const back = new URL(page.url());
  assert.equal(back.origin + back.pathname, app.callback);
  assert.equal(back.searchParams.get("state"), state, "state comes back unchanged");
  const code = back.searchParams.get("code");
  assert.match(code, /^[0-9a-f-]{36}$/, "the code is a UUID");

  const { status, body } = await exchange(pool, app, code, verifier);
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.token_type, "Bearer");
  assert.equal(body.expires_in, 3600);
  assert.ok(body.access_token && body.refresh_token && body.id_token);

  const { payload: id, issuer, discovery } = await verifyJwt(pool.poolId, body.id_token);
  assert.equal(discovery.issuer, issuer);
  assert.equal(id.iss, issuer);
  assert.equal(id.aud, pool.clientId);
  assert.equal(id.nonce, nonce);
  assert.equal(id.token_use, "id");
  assert.equal(id.email, email);
  assert.ok(id.exp > Date.now() / 1000);
  const { payload: access } = await verifyJwt(pool.poolId, body.access_token);
  assert.equal(access.token_use, "access");
  assert.equal(access.client_id, pool.clientId);
  assert.deepEqual(access.scope.split(" ").sort(), ["email", "openid", "profile"]);

  // The code is single-use.
  assert.equal((await exchange(pool, app, code, verifier)).body.error, "invalid_grant");

  // Same browser, second authorize: straight back to the app with a new code, no login page.
  const again = pkce();
  const resp = await page.goto(authorizeUrl(pool, app, { state: "s2", nonce: "n2", challenge: again.challenge }));
  const hops = chain(resp).map((u) => u.pathname);
  assert.deepEqual(hops, ["/oauth2/authorize", "/callback"], `went through ${hops.join(" -> ")}`);
  const code2 = new URL(page.url()).searchParams.get("code");
  assert.notEqual(code2, code);
  const second = await exchange(pool, app, code2, again.verifier);
  assert.equal(second.status, 200);
  const { payload: id2 } = await verifyJwt(pool.poolId, second.body.id_token);
  assert.equal(id2.nonce, "n2");
  assert.equal(id2.sub, id.sub);

  // /logout ends the session and returns to the registered logout URL.
  const logout = `${url}/logout?${new URLSearchParams({ client_id: pool.clientId, logout_uri: app.signedOut })}`;
  await page.goto(logout);
  assert.equal(page.url(), app.signedOut);
  const cookies = await browser.context.cookies(url);
  assert.ok(!cookies.some((c) => c.name === `cognito-${pool.poolId}`), "the session cookie is cleared");

  // Signed out: authorize shows the login page again.
  await page.goto(authorizeUrl(pool, app, { state: "s3", nonce: "n3", challenge: again.challenge }));
  assert.equal(new URL(page.url()).pathname, "/login");
  await page.close();
});

test("a wrong password shows the error on the login page", async () => {
  const page = await browser.context.newPage();
  const { challenge } = pkce();
  await page.goto(authorizeUrl(pool, app, { state: "w", nonce: "w", challenge }));
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("Wrong-Horse-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForLoadState();
  assert.equal(new URL(page.url()).pathname, "/login", "stays on the login page");
  assert.equal((await page.getByRole("alert").innerText()).trim(), "Incorrect username or password.");
  assert.equal(await page.getByLabel("Email").inputValue(), email, "the username is kept");
  await screenshot(page, "login-wrong-password");
  await page.close();
});

test("sign-up in the browser with the code from the dev mailbox", async () => {
  const page = await browser.context.newPage();
  const { verifier, challenge } = pkce();
  const newEmail = `grace+${Date.now()}@example.com`;
  await page.goto(authorizeUrl(pool, app, { state: "su", nonce: "su-n", challenge }));
  await page.getByRole("link", { name: "Sign up" }).click();
  assert.equal(new URL(page.url()).pathname, "/signup");
  await screenshot(page, "signup");

  // The pool's password policy is enforced on the page.
  await page.getByLabel("Email").fill(newEmail);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForLoadState();
  assert.match(await page.getByRole("alert").innerText(), /Password did not conform with policy/);
  await screenshot(page, "signup-policy-error");

  await page.getByLabel("Password").fill("Brand-New-Pass-1");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(/\/confirm\?/);
  await screenshot(page, "confirm");

  const message = await latestMessage({ to: newEmail, pool: pool.poolId });
  assert.match(message.code, /^\d{6}$/);
  assert.ok(message.body.includes(message.code), "the message body carries the code");

  // A wrong code first: the page says so and stays.
  const wrong = message.code === "000000" ? "111111" : "000000";
  await page.getByLabel("Verification code").fill(wrong);
  await page.getByRole("button", { name: "Confirm account" }).click();
  await page.waitForLoadState();
  assert.match(await page.getByRole("alert").innerText(), /Invalid verification code/);

  await page.getByLabel("Verification code").fill(message.code);
  await Promise.all([
    page.waitForURL(`${app.callback}**`),
    page.getByRole("button", { name: "Confirm account" }).click(),
  ]);
  const back = new URL(page.url());
  assert.equal(back.searchParams.get("state"), "su");
  const { status, body } = await exchange(pool, app, back.searchParams.get("code"), verifier);
  assert.equal(status, 200, JSON.stringify(body));
  const { payload } = await verifyJwt(pool.poolId, body.id_token);
  assert.equal(payload.email, newEmail);
  assert.equal(payload.email_verified, true, "confirming by the emailed code verifies the email");
  assert.equal(payload.nonce, "su-n");

  const user = await idp("AdminGetUser", { UserPoolId: pool.poolId, Username: newEmail });
  assert.equal(user.UserStatus, "CONFIRMED");
  await page.close();
});

test("the dev mailbox page lists the message with its code; /_dev/ links to it", async () => {
  const page = await browser.context.newPage();
  const message = await latestMessage({ pool: pool.poolId });
  const resp = await page.goto(`${url}/_dev/`);
  assert.match(resp.headers()["content-type"], /text\/html/);
  await screenshot(page, "dev-index");
  // /_dev/ is the dev console: its navigation bar links to the mailbox.
  await page.getByRole("banner").getByRole("link", { name: "Mailbox" }).click();
  await page.waitForURL(`${url}/_dev/mailbox`);
  const html = await page.content();
  assert.ok(html.includes(message.code), "the page shows the code");
  assert.ok(html.includes(message.to), "the page shows the recipient");
  await screenshot(page, "mailbox");
  await page.close();
});

test("forgot password in the browser: code from the mailbox, new password, sign in", async () => {
  const page = await browser.context.newPage();
  const who = `lin+${Date.now()}@example.com`;
  await createUser(pool.poolId, who, "Old-Password-1");
  await browser.context.clearCookies(); // signed in by the sign-up test
  const { verifier, challenge } = pkce();
  await page.goto(authorizeUrl(pool, app, { state: "fp", nonce: "fp-n", challenge }));
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  assert.equal(new URL(page.url()).pathname, "/forgotPassword");
  await screenshot(page, "forgot-password");
  await page.getByLabel("Email").fill(who);
  await page.getByRole("button", { name: "Reset my password" }).click();
  await page.waitForURL(/\/confirmForgotPassword\?/);
  const message = await latestMessage({ to: who, kind: "forgot_password" });
  assert.match(message.code, /^\d{6}$/);
  assert.match(await page.locator("p.sub").innerText(), /l\*\*\*@e\*\*\*/, "the masked destination is shown");
  await page.getByLabel("Code").fill(message.code);
  await page.getByLabel("New password", { exact: true }).fill("New-Password-2");
  await page.getByLabel("Enter new password again").fill("New-Password-2");
  await screenshot(page, "reset-password");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.waitForLoadState();
  assert.match(await page.getByRole("status").innerText(), /Your password has been reset/);
  assert.equal(await page.getByLabel("Email").inputValue(), who);
  await page.getByLabel("Password").fill("New-Password-2");
  await Promise.all([page.waitForURL(`${app.callback}**`), page.getByRole("button", { name: "Sign in" }).click()]);
  const code = new URL(page.url()).searchParams.get("code");
  const { status, body } = await exchange(pool, app, code, verifier);
  assert.equal(status, 200);
  assert.equal((await verifyJwt(pool.poolId, body.id_token)).payload.email, who);
  await page.close();
});

test("SMS MFA on the hosted login: the code from the mailbox completes the sign-in", async () => {
  const mfaPool = await setupPool(app, "mfa");
  await idp("SetUserPoolMfaConfig", {
    UserPoolId: mfaPool.poolId,
    MfaConfiguration: "ON",
    SmsMfaConfiguration: { SmsConfiguration: { SnsCallerArn: "arn:aws:iam::123456789012:role/sns" } },
  });
  const who = "mfa-user@example.com";
  await createUser(mfaPool.poolId, who, "Mfa-Password-1");
  await idp("AdminUpdateUserAttributes", {
    UserPoolId: mfaPool.poolId,
    Username: who,
    UserAttributes: [
      { Name: "phone_number", Value: "+14325550100" },
      { Name: "phone_number_verified", Value: "true" },
    ],
  });
  const page = await browser.context.newPage();
  const { verifier, challenge } = pkce();
  await page.goto(authorizeUrl(mfaPool, app, { state: "mfa", nonce: "mfa-n", challenge }));
  await page.getByLabel("Email").fill(who);
  await page.getByLabel("Password").fill("Mfa-Password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/login\?/);
  assert.equal(await page.title(), "Multi-factor authentication");
  assert.match(await page.locator("p.sub").innerText(), /\+\*+0100/);
  await screenshot(page, "mfa");
  const message = await latestMessage({ to: "+14325550100" });
  assert.match(message.code, /^\d{6}$/);
  await page.getByLabel("Code").fill(message.code);
  await Promise.all([page.waitForURL(`${app.callback}**`), page.getByRole("button", { name: "Sign in" }).click()]);
  const { status, body } = await exchange(mfaPool, app, new URL(page.url()).searchParams.get("code"), verifier);
  assert.equal(status, 200);
  assert.equal((await verifyJwt(mfaPool.poolId, body.id_token)).payload.email, who);
  await page.close();
});
