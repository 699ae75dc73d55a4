// The user journeys through amazon-cognito-identity-js (SRP by default, USER_PASSWORD_AUTH,
// refreshSession, TOTP MFA through its totpRequired callback). It has no client-secret support,
// so it uses the fixture pool's public client.
// Usage: node identity_js.mjs <fixture-json> <results-file>
import pkg from "amazon-cognito-identity-js";
import * as idpSdk from "@aws-sdk/client-cognito-identity-provider";
import { Journey, advanceClock, check, jwtPayload, mailboxCode, totp, unique } from "./common.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool, CognitoUserSession } = pkg;
const fx = JSON.parse(process.argv[2]);
const url = fx.url;
const { pool_id: POOL, public_client_id: CID } = fx.pools["identity-js"];
const j = new Journey(process.argv[3]);
const pool = new CognitoUserPool({ UserPoolId: POOL, ClientId: CID, endpoint: url });
const user = unique("compat-js");
const email = `${user}@example.com`;
let password = "Passw0rd!Compat";

const cb = (resolve, reject) => (err, res) => (err ? reject(err) : resolve(res));
const attr = (Name, Value) => new CognitoUserAttribute({ Name, Value });
const cognitoUser = (name = user) => new CognitoUser({ Username: name, Pool: pool });

// authenticateUser as an app writes it; resolves with the session or the MFA challenge name.
function signIn(u, pw, flow) {
  if (flow) u.setAuthenticationFlowType(flow);
  return new Promise((resolve, reject) =>
    u.authenticateUser(new AuthenticationDetails({ Username: u.getUsername(), Password: pw }), {
      onSuccess: (session) => resolve(session),
      onFailure: reject,
      newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED")),
      mfaRequired: () => resolve("SMS_MFA"),
      totpRequired: () => resolve("SOFTWARE_TOKEN_MFA"),
      mfaSetup: () => resolve("MFA_SETUP"),
    }),
  );
}

const u = cognitoUser();

await j.step("j1.sign_up", async () => {
  const r = await new Promise((res, rej) =>
    pool.signUp(user, password, [attr("email", email), attr("given_name", "Compat"), attr("phone_number", "+48123456789")], null, cb(res, rej)));
  check(/^[0-9a-f-]{36}$/.test(r.userSub), `userSub ${r.userSub}`);
  check(r.userConfirmed === false, "userConfirmed");
  check(r.codeDeliveryDetails?.Destination?.includes("*"), "masked destination");
  j.put("j1.sign_up", "signed_up", true);
}, ["signed_up"]);

await j.step("err.username_exists", async () => {
  j.need("signed_up");
  await j.expectError("UsernameExistsException", () => new Promise((res, rej) =>
    pool.signUp(user, password, [attr("email", email)], null, cb(res, rej))));
});

await j.step("err.code_mismatch", async () => {
  j.need("signed_up");
  const code = await mailboxCode(url, POOL, user);
  const wrong = String((Number(code) + 1) % 1000000).padStart(6, "0");
  await j.expectError("CodeMismatchException", () => new Promise((res, rej) => u.confirmRegistration(wrong, true, cb(res, rej))));
});

await j.step("err.invalid_password", async () => {
  const other = unique("compat-weak");
  await j.expectError("InvalidPasswordException", () => new Promise((res, rej) =>
    pool.signUp(other, "alllowercase1", [attr("email", `${other}@example.com`)], null, cb(res, rej))));
});

await j.step("j1.confirm", async () => {
  j.need("signed_up");
  const code = await mailboxCode(url, POOL, user);
  const r = await new Promise((res, rej) => u.confirmRegistration(code, true, cb(res, rej)));
  check(r === "SUCCESS", `confirmRegistration answered ${r}`);
  j.put("j1.confirm", "confirmed", true);
}, ["confirmed"]);

j.na("j1.admin_sign_in", "amazon-cognito-identity-js has no admin API");

await j.step("j1.sign_in_password", async () => {
  j.need("confirmed");
  const s = await signIn(cognitoUser(), password, "USER_PASSWORD_AUTH");
  check(s instanceof CognitoUserSession && s.isValid(), "no valid session");
});

await j.step("j1.sign_in_srp", async () => {
  j.need("confirmed");
  const s = await signIn(u, password);
  check(s instanceof CognitoUserSession && s.isValid(), "no valid session");
  j.put("j1.sign_in_srp", "session", s);
}, ["session"]);

await j.step("j1.token_claims", async () => {
  const s = j.need("session");
  const id = s.getIdToken().payload, acc = s.getAccessToken().payload;
  check(id["cognito:username"] === user && id.aud === CID && id.token_use === "id", "id token claims");
  check(id.iss === `${url}/${POOL}`, `iss ${id.iss}`);
  check(acc.client_id === CID && acc.token_use === "access" && acc.username === user, "access token claims");
  check(jwtPayload(s.getIdToken().getJwtToken()).sub === id.sub, "payload decoding");
});

await j.step("j1.refresh", async () => {
  const s = j.need("session");
  const fresh = await new Promise((res, rej) => u.refreshSession(s.getRefreshToken(), cb(res, rej)));
  check(fresh.isValid() && fresh.getAccessToken().getJwtToken(), "no valid session after refresh");
  check(fresh.getRefreshToken().getToken() === s.getRefreshToken().getToken(), "refresh token changed without rotation");
});

await j.step("j2.get_user", async () => {
  j.need("session");
  const attrs = await new Promise((res, rej) => u.getUserAttributes(cb(res, rej)));
  const m = Object.fromEntries(attrs.map((a) => [a.getName(), a.getValue()]));
  check(m.email === email && m.sub, "attributes");
});

await j.step("j2.update_user", async () => {
  j.need("session");
  await new Promise((res, rej) => u.updateAttributes([attr("given_name", "Renamed")], cb(res, rej)));
  const attrs = await new Promise((res, rej) => u.getUserAttributes(cb(res, rej)));
  check(attrs.find((a) => a.getName() === "given_name")?.getValue() === "Renamed", "given_name not updated");
});

await j.step("j2.change_password", async () => {
  j.need("session");
  const next = "Chang3d!Password";
  const r = await new Promise((res, rej) => u.changePassword(password, next, cb(res, rej)));
  check(r === "SUCCESS", `changePassword answered ${r}`);
  const old = password;
  password = next;
  j.put("j2.change_password", "session", await signIn(u, next));
  await j.expectError("NotAuthorizedException", () => signIn(cognitoUser(), old));
});

await j.step("j2.forgot_password", async () => {
  j.need("confirmed");
  const f = cognitoUser();
  await new Promise((res, rej) => f.forgotPassword({ onSuccess: res, onFailure: rej, inputVerificationCode: res }));
  const code = await mailboxCode(url, POOL, user);
  const next = "F0rgotten!Reset";
  await new Promise((res, rej) => f.confirmPassword(code, next, { onSuccess: res, onFailure: rej }));
  password = next;
  j.put("j2.forgot_password", "session", await signIn(u, next));
});

await j.step("err.not_authorized", async () => {
  j.need("confirmed");
  await j.expectError("NotAuthorizedException", () => signIn(cognitoUser(), "Wr0ng!Password"));
});

await j.step("err.user_not_found", async () => {
  await j.expectError("UserNotFoundException", () => signIn(cognitoUser(unique("nobody")), password));
});

await j.step("j2.global_sign_out", async () => {
  const s = j.need("session");
  await new Promise((res, rej) => u.globalSignOut({ onSuccess: res, onFailure: rej }));
  j.put("j2.global_sign_out", "signed_out", s);
}, ["signed_out"]);

await j.step("j2.rejected_token", async () => {
  const s = j.need("signed_out");
  const stale = cognitoUser();
  stale.setSignInUserSession(s);
  await j.expectError("NotAuthorizedException", () => new Promise((res, rej) => stale.getUserAttributes(cb(res, rej))));
  await j.expectError("NotAuthorizedException", () => new Promise((res, rej) => stale.refreshSession(s.getRefreshToken(), cb(res, rej))));
});

await j.step("j2.mfa", async () => {
  j.need("confirmed");
  // Pool setting (an administrator's job, done with the SDK): TOTP allowed.
  const admin = new idpSdk.CognitoIdentityProviderClient({
    endpoint: url, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  await admin.send(new idpSdk.SetUserPoolMfaConfigCommand({
    UserPoolId: POOL, MfaConfiguration: "OPTIONAL", SoftwareTokenMfaConfiguration: { Enabled: true },
  }));
  const m = cognitoUser();
  const s = await signIn(m, password);
  check(s instanceof CognitoUserSession, `sign-in gave ${s}`);
  const secret = await new Promise((res, rej) => m.associateSoftwareToken({ associateSecretCode: res, onFailure: rej }));
  let offset = await advanceClock(url, 0);
  await new Promise((res, rej) => m.verifySoftwareToken(totp(secret, offset), "compat", { onSuccess: res, onFailure: rej }));
  await new Promise((res, rej) => m.setUserMfaPreference(null, { PreferredMfa: true, Enabled: true }, cb(res, rej)));
  const n = cognitoUser();
  const challenge = await signIn(n, password);
  check(challenge === "SOFTWARE_TOKEN_MFA", `sign-in gave ${challenge}, not the totpRequired callback`);
  offset = await advanceClock(url, 30);
  const done = await new Promise((res, rej) =>
    n.sendMFACode(totp(secret, offset), { onSuccess: res, onFailure: rej }, "SOFTWARE_TOKEN_MFA"));
  check(done instanceof CognitoUserSession && done.isValid(), "no session after the TOTP code");
});

for (const s of ["setup.create_pool", "setup.create_client", "setup.describe", "setup.list_pools", "setup.admin_create_user"]) {
  j.na(s, "amazon-cognito-identity-js has no admin API");
}
for (const s of ["j3.verify_id", "j3.verify_access", "j3.reject_tampered"]) j.na(s, "it decodes tokens without verifying them");
for (const s of ["j6.setup", "j6.get_id", "j6.credentials"]) j.na(s, "identity pools are the JS SDK's client-cognito-identity");
j.write();
