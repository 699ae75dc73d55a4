// AWS Amplify JS v6 (aws-amplify, the most used Cognito client) pointed at the emulator with
// its own endpoint settings — Auth.Cognito.userPoolEndpoint and identityPoolEndpoint — and
// nothing else changed: signUp -> confirmSignUp (code from the dev mailbox) -> signIn (SRP,
// Amplify's default) -> getCurrentUser -> fetchAuthSession (tokens, and identityId +
// credentials from an identity pool) -> fetchUserAttributes / updateUserAttributes ->
// updatePassword -> signOut({global: true}) -> resetPassword / confirmResetPassword -> TOTP
// setup and sign-in -> USER_AUTH with a passwordless e-mail code -> passwordless signUp,
// confirmSignUp and autoSignIn (journey J8 step 2). Errors surface under
// Amplify's own names.
import { Amplify } from "aws-amplify";
import { createHmac } from "node:crypto";
import { autoSignIn, setUpTOTP, verifyTOTPSetup, updateMFAPreference, confirmSignIn, signUp, confirmSignUp, signIn, getCurrentUser, fetchAuthSession, fetchUserAttributes, updateUserAttributes, updatePassword, resetPassword, confirmResetPassword, signOut } from "aws-amplify/auth";

const [url] = process.argv.slice(2);
function check(cond, what) { if (!cond) { console.error(`FAILED: ${what}`); process.exit(1); } console.log(`ok - ${what}`); }
async function api(service, action, body) {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `${service}.${action}` }, body: JSON.stringify(body) });
  const out = await res.json(); if (res.status !== 200) throw new Error(`${action}: ${JSON.stringify(out)}`); return out;
}
const idp = (a, b) => api("AWSCognitoIdentityProviderService", a, b);
const { UserPool } = await idp("CreateUserPool", { PoolName: "amplify", AutoVerifiedAttributes: ["email"], UsernameAttributes: ["email"] });
await idp("SetUserPoolMfaConfig", { UserPoolId: UserPool.Id, MfaConfiguration: "OPTIONAL", SoftwareTokenMfaConfiguration: { Enabled: true } });
const { UserPoolClient } = await idp("CreateUserPoolClient", { UserPoolId: UserPool.Id, ClientName: "spa", ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] });
const { IdentityPoolId } = await api("AWSCognitoIdentityService", "CreateIdentityPool", {
  IdentityPoolName: "amplify", AllowUnauthenticatedIdentities: true,
  CognitoIdentityProviders: [{ ProviderName: `cognito-idp.us-east-1.amazonaws.com/${UserPool.Id}`, ClientId: UserPoolClient.ClientId }],
});
await api("AWSCognitoIdentityService", "SetIdentityPoolRoles", { IdentityPoolId, Roles: { authenticated: "arn:aws:iam::123456789012:role/authed", unauthenticated: "arn:aws:iam::123456789012:role/guest" } });
Amplify.configure({ Auth: { Cognito: { userPoolId: UserPool.Id, userPoolClientId: UserPoolClient.ClientId, identityPoolId: IdentityPoolId, userPoolEndpoint: url, identityPoolEndpoint: url } } });
const email = "amy@example.com";
const up = await signUp({ username: email, password: "Passw0rd!", options: { userAttributes: { email } } });
check(up.nextStep.signUpStep === "CONFIRM_SIGN_UP", "signUp asks for the code");
const code = (await (await fetch(`${url}/_dev/mailbox/latest?to=${email}`)).json()).code;
const conf = await confirmSignUp({ username: email, confirmationCode: code });
check(conf.isSignUpComplete, "confirmSignUp");
const si = await signIn({ username: email, password: "Passw0rd!" });
check(si.isSignedIn, "signIn (SRP)");
const me = await getCurrentUser();
check(me.signInDetails.loginId === email, "getCurrentUser");
const session = await fetchAuthSession();
check(session.tokens?.idToken?.payload?.email === email, "fetchAuthSession tokens");
check(session.identityId && session.credentials?.accessKeyId, `fetchAuthSession credentials ${session.identityId}`);
const attrs = await fetchUserAttributes();
check(attrs.email === email, "fetchUserAttributes");
await updateUserAttributes({ userAttributes: { name: "Amy" } });
check((await fetchUserAttributes()).name === "Amy", "updateUserAttributes");
await updatePassword({ oldPassword: "Passw0rd!", newPassword: "N3wPassw0rd!" });
await signOut({ global: true });
let err; try { await signIn({ username: email, password: "Passw0rd!" }); } catch (e) { err = e; }
check(err?.name === "NotAuthorizedException", `old password refused: ${err?.name}`);
const rp = await resetPassword({ username: email });
check(rp.nextStep.resetPasswordStep === "CONFIRM_RESET_PASSWORD_WITH_CODE", "resetPassword");
const rc = (await (await fetch(`${url}/_dev/mailbox/latest?to=${email}&kind=forgot_password`)).json()).code;
await confirmResetPassword({ username: email, confirmationCode: rc, newPassword: "Th1rdPassw0rd!" });
const again = await signIn({ username: email, password: "Th1rdPassw0rd!" });
check(again.isSignedIn, "signIn after confirmResetPassword");
// TOTP: setUpTOTP -> verifyTOTPSetup -> updateMFAPreference, then sign-in asks for a code.
function totp(secret, step = Math.floor(Date.now() / 30000)) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac("sha1", key).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}
const details = await setUpTOTP();
const secret = details.sharedSecret;
check(details.getSetupUri("cognito-emu").href.startsWith("otpauth://totp/"), "setUpTOTP");
await verifyTOTPSetup({ code: totp(secret) });
await updateMFAPreference({ totp: "PREFERRED" });
await signOut();
const mfa = await signIn({ username: email, password: "Th1rdPassw0rd!" });
check(mfa.nextStep.signInStep === "CONFIRM_SIGN_IN_WITH_TOTP_CODE", `TOTP asked for: ${mfa.nextStep.signInStep}`);
const done = await confirmSignIn({ challengeResponse: totp(secret, Math.floor(Date.now() / 30000) + 1) });
check(done.isSignedIn, "confirmSignIn with the TOTP code");
await signOut();

// Choice-based sign-in (USER_AUTH): a passwordless e-mail code.
const { UserPool: P2 } = await idp("CreateUserPool", {
  PoolName: "amplify-user-auth", UsernameAttributes: ["email"], AutoVerifiedAttributes: ["email"], UserPoolTier: "ESSENTIALS",
  Policies: { SignInPolicy: { AllowedFirstAuthFactors: ["PASSWORD", "EMAIL_OTP"] } },
});
const { UserPoolClient: C2 } = await idp("CreateUserPoolClient", { UserPoolId: P2.Id, ClientName: "spa", ExplicitAuthFlows: ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] });
await idp("AdminCreateUser", { UserPoolId: P2.Id, Username: "otp@example.com", MessageAction: "SUPPRESS", UserAttributes: [{ Name: "email", Value: "otp@example.com" }, { Name: "email_verified", Value: "true" }] });
await idp("AdminSetUserPassword", { UserPoolId: P2.Id, Username: "otp@example.com", Password: "Passw0rd!", Permanent: true });
Amplify.configure({ Auth: { Cognito: { userPoolId: P2.Id, userPoolClientId: C2.ClientId, userPoolEndpoint: url } } });
const otp = await signIn({ username: "otp@example.com", options: { authFlowType: "USER_AUTH", preferredChallenge: "EMAIL_OTP" } });
check(otp.nextStep.signInStep === "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", `USER_AUTH asks for the e-mail code: ${otp.nextStep.signInStep}`);
const otpCode = (await (await fetch(`${url}/_dev/mailbox/latest?to=otp@example.com&kind=otp`)).json()).code;
const otpDone = await confirmSignIn({ challengeResponse: otpCode });
check(otpDone.isSignedIn, "USER_AUTH: signed in with the e-mail code");
await signOut();

// Passwordless sign-up (J8 step 2): no password, the code confirms, autoSignIn follows with the
// Session ConfirmSignUp returned, no second code.
const newcomer = "newcomer@example.com";
const pwless = await signUp({ username: newcomer, options: { userAttributes: { email: newcomer }, autoSignIn: { authFlowType: "USER_AUTH" } } });
check(pwless.nextStep.signUpStep === "CONFIRM_SIGN_UP", "passwordless signUp asks for the code");
const pwlessCode = (await (await fetch(`${url}/_dev/mailbox/latest?to=${newcomer}`)).json()).code;
const pwlessConf = await confirmSignUp({ username: newcomer, confirmationCode: pwlessCode });
check(pwlessConf.nextStep.signUpStep === "COMPLETE_AUTO_SIGN_IN", `confirmSignUp offers auto sign-in: ${pwlessConf.nextStep.signUpStep}`);
const auto = await autoSignIn();
check(auto.isSignedIn, `autoSignIn after the passwordless sign-up: ${JSON.stringify(auto.nextStep)}`);
check((await getCurrentUser()).username !== undefined, "the new user is signed in");
await signOut();
