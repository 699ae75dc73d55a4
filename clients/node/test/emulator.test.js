// node:test against the built binary (COGNITO_EMU_BIN); run by scripts/clients/auth.sh.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startCognitoEmu } from "../index.js";
import setup, { teardown } from "../global-setup.js";

let emu;
before(async () => (emu = await startCognitoEmu()));
after(async () => emu.stop());

async function api(action, body) {
  const res = await fetch(emu.endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}` },
    body: JSON.stringify(body),
  });
  const out = await res.json();
  if (!res.ok) throw Object.assign(new Error(out.message), { type: out.__type });
  return out;
}

test("sign-up code from the mailbox, the clock, reset", async () => {
  const { UserPool } = await api("CreateUserPool", { PoolName: "app", AutoVerifiedAttributes: ["email"] });
  const { UserPoolClient } = await api("CreateUserPoolClient", { UserPoolId: UserPool.Id, ClientName: "web" });
  await api("SignUp", {
    ClientId: UserPoolClient.ClientId, Username: "ann", Password: "Passw0rd!",
    UserAttributes: [{ Name: "email", Value: "ann@example.com" }],
  });
  const code = await emu.mailbox.codeFor({ to: "ann@example.com" });
  assert.match(code, /^\d{6}$/);
  assert.equal(await emu.mailbox.latest({ to: "nobody@example.com" }), null);
  assert.equal(await emu.advanceClock(25 * 3600), 25 * 3600);
  await assert.rejects(
    api("ConfirmSignUp", { ClientId: UserPoolClient.ClientId, Username: "ann", ConfirmationCode: code }),
    (e) => e.type === "ExpiredCodeException",
  );
  await emu.reset();
  const { UserPools } = await api("ListUserPools", { MaxResults: 60 });
  assert.deepEqual(UserPools, []);
  assert.deepEqual(await emu.mailbox.messages(), []);
});

test("the global setup starts one emulator and hands its endpoint over", async () => {
  const provided = {};
  const stop = await setup({ provide: (k, v) => (provided[k] = v) });
  assert.equal(provided.cognitoEmuEndpoint, process.env.COGNITO_EMU_ENDPOINT);
  const res = await fetch(new URL("/_dev/mailbox", process.env.COGNITO_EMU_ENDPOINT));
  assert.equal(res.status, 200);
  await stop();
  await teardown();
});
