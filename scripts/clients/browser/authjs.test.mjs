// Auth.js (next-auth's core) with its Cognito provider, in an Express app (@auth/express), and
// headless Chromium signing in through the hosted login: the provider configured as Auth.js
// documents it (clientId, clientSecret, issuer = <emulator>/<poolId>; discovery does the rest).
// The app's own pages show the session Auth.js keeps after the OIDC callback.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ExpressAuth, getSession } from "@auth/express";
import Cognito from "@auth/express/providers/cognito";
import express from "express";
import { createUser, idp, launchBrowser, screenshot, url } from "./lib.mjs";

const email = "authjs-user@example.com";
const password = "AuthJs-Library-Pass-1";

let browser;
let server;
let base;
let pool;

before(async () => {
  const app = express();
  app.set("trust proxy", true);
  const listening = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  server = listening;
  base = `http://localhost:${server.address().port}`;

  const { UserPool } = await idp("CreateUserPool", {
    PoolName: `authjs-${Date.now()}`,
    UsernameAttributes: ["email"],
    AutoVerifiedAttributes: ["email"],
  });
  const { UserPoolClient } = await idp("CreateUserPoolClient", {
    UserPoolId: UserPool.Id,
    ClientName: "Auth.js app",
    GenerateSecret: true,
    AllowedOAuthFlows: ["code"],
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthScopes: ["openid", "email", "profile"],
    CallbackURLs: [`${base}/auth/callback/cognito`],
    SupportedIdentityProviders: ["COGNITO"],
  });
  pool = { poolId: UserPool.Id, clientId: UserPoolClient.ClientId };
  await createUser(pool.poolId, email, password);

  const authConfig = {
    trustHost: true,
    secret: "a-test-secret-for-auth-js-sessions-0123456789",
    providers: [
      Cognito({
        clientId: UserPoolClient.ClientId,
        clientSecret: UserPoolClient.ClientSecret,
        issuer: `${url}/${UserPool.Id}`,
      }),
    ],
  };
  app.use("/auth", ExpressAuth(authConfig));
  app.get("/", async (req, res) => {
    const session = await getSession(req, authConfig);
    res.type("html").send(
      `<!doctype html><title>Auth.js app</title><h1 id="who">${
        session?.user?.email ? `signed in as ${session.user.email}` : "signed out"
      }</h1>`,
    );
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

test("Auth.js Cognito provider: sign-in through the hosted login, session in the app", async () => {
  const page = await browser.context.newPage();
  await page.goto(`${base}/`);
  assert.equal(await page.locator("#who").innerText(), "signed out");
  await page.goto(`${base}/auth/signin`);
  await page.getByRole("button", { name: "Sign in with Cognito" }).click();
  await page.waitForURL((u) => u.pathname === "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.href.startsWith(base) && !u.pathname.startsWith("/auth/"));
  await page.goto(`${base}/`);
  assert.equal(await page.locator("#who").innerText(), `signed in as ${email}`);
  await screenshot(page, "authjs-signed-in");
  await page.close();
});
