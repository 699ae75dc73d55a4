// The dev console (/_dev/) in headless Chromium, without a line of page JavaScript: open the
// home page, follow a pool to its users, create a user through the form (an attribute holding
// markup stays text), find it with the search, run an action, decode one of its tokens, move
// the clock, and see a form posted from a foreign page refused. Screenshots: console-*.png.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { idp, launchBrowser, screenshot, url } from "./lib.mjs";

let browser;
let poolId;
let poolName;
let clientId;
const username = "grace";
const email = "grace.hopper@example.com";
const password = "Correct-Horse-1";
const markup = "<script>window.__pwned = 1</script>Grace";

before(async () => {
  poolName = `console-${Date.now()}`;
  const { UserPool } = await idp("CreateUserPool", { PoolName: poolName, AutoVerifiedAttributes: ["email"] });
  poolId = UserPool.Id;
  const { UserPoolClient } = await idp("CreateUserPoolClient", {
    UserPoolId: poolId,
    ClientName: "console test app",
    ExplicitAuthFlows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  });
  clientId = UserPoolClient.ClientId;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

test("console: pools, create a user, search, actions, token decoder, clock", async () => {
  const page = await browser.context.newPage();
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  // Home: the pool is listed; the page is not framable.
  const home = await page.goto(`${url}/_dev/`);
  assert.equal(home.status(), 200);
  assert.equal(home.headers()["x-frame-options"], "DENY");
  assert.match(await page.title(), /User pools/);
  await page.getByRole("link", { name: poolName }).waitFor();
  await screenshot(page, "console-home");

  // The pool: settings, JWKS and discovery links that answer, the CLI line.
  await page.getByRole("link", { name: poolName }).click();
  await page.waitForURL(`**/_dev/pools/${poolId}`);
  const jwksHref = await page.getByRole("link", { name: "JWKS" }).getAttribute("href");
  const jwks = await (await fetch(new URL(jwksHref, url))).json();
  assert.equal(jwks.keys.length, 2);
  const discoveryHref = await page.getByRole("link", { name: "OpenID discovery" }).getAttribute("href");
  const discovery = await (await fetch(new URL(discoveryHref, url))).json();
  assert.equal(discovery.issuer, `${url}/${poolId}`);
  const cli = await page.locator("#cli").innerText();
  assert.ok(cli.includes(`--user-pool-id ${poolId} --endpoint-url ${url}`), cli);
  assert.ok(cli.includes("AWS_DEFAULT_REGION="), cli);
  assert.ok((await page.locator("body").innerText()).includes("console test app"));
  await screenshot(page, "console-pool");

  // Users: create one through the form, with a permanent password and an attribute of markup.
  await page.getByRole("link", { name: /^Users \(/ }).click();
  await page.waitForURL(`**/_dev/pools/${poolId}/users`);
  const create = page.locator("form[method=post]").filter({ has: page.locator("input[name=email]") });
  await create.locator("input[name=username]").fill(username);
  await create.locator("input[name=email]").fill(email);
  await create.locator("input[name=password]").fill(password);
  await create.locator("textarea[name=attributes]").fill(`name=${markup}\nfamily_name=Hopper`);
  await screenshot(page, "console-create-form");
  await Promise.all([page.waitForURL(/done=created/), create.getByRole("button", { name: "Create user" }).click()]);
  assert.equal(await page.locator("[role=status]").innerText(), "User created.");
  assert.equal(await page.locator("#status").innerText(), "CONFIRMED");
  const attributes = await page.locator("#attributes").innerText();
  assert.ok(attributes.includes(markup), `the markup shows as text: ${attributes}`);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "the attribute's script did not run");
  await screenshot(page, "console-user");

  // The API sees the same user.
  const got = await idp("AdminGetUser", { UserPoolId: poolId, Username: username });
  assert.equal(got.UserStatus, "CONFIRMED");
  assert.ok(got.UserAttributes.some((a) => a.Name === "name" && a.Value === markup));

  // A refused password shows the AWS error on the page.
  const setPassword = page.locator("form[method=post]").filter({ has: page.getByRole("button", { name: "Set password" }) });
  await setPassword.locator("input[name=password]").fill("short");
  await setPassword.getByRole("button", { name: "Set password" }).click();
  await page.locator("[role=alert]").waitFor();
  assert.match(await page.locator("[role=alert]").innerText(), /^InvalidPasswordException: /);
  await screenshot(page, "console-error");

  // Search by email prefix from the users page.
  await page.goto(`${url}/_dev/pools/${poolId}/users`);
  await page.locator("input[name=q]").fill("grace.h");
  await page.locator("select[name=by]").selectOption("email");
  await Promise.all([page.waitForURL(/q=grace\.h/), page.getByRole("button", { name: "Search" }).click()]);
  const rows = page.locator("#users tbody tr");
  assert.equal(await rows.count(), 1);
  assert.ok((await rows.first().innerText()).includes(email));
  await screenshot(page, "console-search");
  await page.locator("input[name=q]").fill("nobody@");
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator("#no-users").waitFor();

  // Decode one of the user's tokens: signature, issuer, expiry, and the API's verdict.
  const auth = await idp("AdminInitiateAuth", {
    UserPoolId: poolId,
    ClientId: clientId,
    AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  await page.getByRole("link", { name: "Token decoder" }).click();
  await page.locator("textarea[name=token]").fill(auth.AuthenticationResult.IdToken);
  await page.getByRole("button", { name: "Decode and verify" }).click();
  const checks = await page.locator("#checks").innerText();
  assert.ok(checks.includes(`made with pool ${poolId}'s ID-token key`), checks);
  assert.ok(checks.includes("as this emulator issues it here"), checks);
  assert.ok(checks.includes("accepted as an ID token"), checks);
  assert.ok(!checks.includes("✗"), checks);
  const claims = await page.locator("#claims").innerText();
  assert.ok(claims.includes(`"cognito:username": "${username}"`), claims);
  await screenshot(page, "console-token");

  // Sign out everywhere from the user's page: the access token is refused afterwards.
  await page.goto(`${url}/_dev/pools/${poolId}/user?username=${username}`);
  await Promise.all([page.waitForURL(/done=sign-out/), page.getByRole("button", { name: "Sign out everywhere" }).click()]);
  await page.getByRole("link", { name: "Token decoder" }).click();
  await page.locator("textarea[name=token]").fill(auth.AuthenticationResult.AccessToken);
  await page.getByRole("button", { name: "Decode and verify" }).click();
  assert.ok((await page.locator("#checks").innerText()).includes("Access Token has been revoked"));
  await screenshot(page, "console-token-revoked");

  // The clock: +1 hour, then back to real time (the other browser tests use this emulator).
  await page.goto(`${url}/_dev/`);
  const before = await page.locator("#emulated-time").innerText();
  await Promise.all([page.waitForURL(/done=clock/), page.getByRole("button", { name: "+1 hour" }).click()]);
  const later = await page.locator("#emulated-time").innerText();
  assert.notEqual(later, before);
  assert.ok((await page.locator("body").innerText()).includes("3600 s ahead of real time"));
  await page.locator("#clock").scrollIntoViewIfNeeded();
  await screenshot(page, "console-clock");
  await Promise.all([page.waitForURL(/done=real-time/), page.getByRole("button", { name: "Back to real time" }).click()]);

  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test("console: a form posted from a foreign page is refused", async () => {
  const page = await browser.context.newPage();
  // An opaque-origin page (Origin: null) with a form aimed at the console.
  await page.setContent(
    `<form method="post" action="${url}/_dev/pools/${poolId}/user/disable">` +
      `<input name="username" value="${username}"><button>Win a prize</button></form>`,
  );
  const [response] = await Promise.all([page.waitForNavigation(), page.getByRole("button").click()]);
  assert.equal(response.status(), 403);
  assert.match(await page.locator("body").innerText(), /AccessDeniedException/);
  await screenshot(page, "console-refused");
  const got = await idp("AdminGetUser", { UserPoolId: poolId, Username: username });
  assert.equal(got.Enabled, true, "the user is still enabled");
  await page.close();
});
