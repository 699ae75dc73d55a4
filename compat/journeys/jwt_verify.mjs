// Token verification through aws-jwt-verify, the way an API behind the emulator does it.
// CognitoJwtVerifier derives the issuer from the pool id in AWS's form
// (https://cognito-idp.<region>.amazonaws.com/<poolId>); the emulator's default issuer is its own
// URL, so the user's choice is aws-jwt-verify's generic JwtRsaVerifier with the issuer and the
// pool's JWKS URI, checking token_use and client_id as CognitoJwtVerifier would.
// Its built-in JWKS fetcher speaks HTTPS only (ERR_INVALID_PROTOCOL for http://), so, as a user
// of a plain-HTTP emulator must, the journey gives SimpleJwksCache a fetcher over global fetch.
// Tokens come from a USER_PASSWORD_AUTH sign-in made with the JS SDK (not this column's client).
// Usage: node jwt_verify.mjs <fixture-json> <results-file>
import { JwtRsaVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import { JwtInvalidSignatureError } from "aws-jwt-verify/error";
import * as idpSdk from "@aws-sdk/client-cognito-identity-provider";
import { Journey, check, unique } from "./common.mjs";

const fx = JSON.parse(process.argv[2]);
const url = fx.url;
const { pool_id: POOL, public_client_id: CID } = fx.pools["jwt-verify"];
const j = new Journey(process.argv[3]);
const issuer = `${url}/${POOL}`;
const jwksUri = `${issuer}/.well-known/jwks.json`;
const idp = new idpSdk.CognitoIdentityProviderClient({
  endpoint: url, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: "test", secretAccessKey: "test" },
});

await j.step("sign_in", async () => {
  const user = unique("compat-jwt");
  const password = "Passw0rd!Compat";
  await idp.send(new idpSdk.AdminCreateUserCommand({
    UserPoolId: POOL, Username: user, MessageAction: "SUPPRESS", TemporaryPassword: "Temp0rary!Pass",
    UserAttributes: [{ Name: "email", Value: `${user}@example.com` }, { Name: "email_verified", Value: "true" }],
  }));
  await idp.send(new idpSdk.AdminSetUserPasswordCommand({ UserPoolId: POOL, Username: user, Password: password, Permanent: true }));
  const r = await idp.send(new idpSdk.InitiateAuthCommand({
    ClientId: CID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: user, PASSWORD: password },
  }));
  check(r.AuthenticationResult, "no tokens");
  j.put("sign_in", "tokens", r.AuthenticationResult);
}, ["tokens"]);

const jwksCache = new SimpleJwksCache({
  fetcher: { fetch: async (uri) => (await fetch(uri)).arrayBuffer() },
});
const idVerifier = JwtRsaVerifier.create({
  issuer, audience: CID, jwksUri,
  customJwtCheck: ({ payload }) => {
    if (payload.token_use !== "id") throw new Error(`token_use ${payload.token_use}`);
  },
}, { jwksCache });
const accessVerifier = JwtRsaVerifier.create({
  issuer, audience: null, jwksUri,
  customJwtCheck: ({ payload }) => {
    if (payload.token_use !== "access") throw new Error(`token_use ${payload.token_use}`);
    if (payload.client_id !== CID) throw new Error(`client_id ${payload.client_id}`);
  },
}, { jwksCache });

await j.step("j3.verify_id", async () => {
  const t = j.need("tokens");
  const p = await idVerifier.verify(t.IdToken);
  check(p.aud === CID && p["cognito:username"], "claims");
});

await j.step("j3.verify_access", async () => {
  const t = j.need("tokens");
  const p = await accessVerifier.verify(t.AccessToken);
  check(p.scope?.includes("aws.cognito.signin.user.admin"), `scope ${p.scope}`);
});

await j.step("j3.reject_tampered", async () => {
  const t = j.need("tokens");
  const [h, b, s] = t.IdToken.split(".");
  const claims = JSON.parse(Buffer.from(b, "base64url").toString());
  claims["cognito:username"] = "someone-else";
  const forged = [h, Buffer.from(JSON.stringify(claims)).toString("base64url"), s].join(".");
  let err;
  try {
    await idVerifier.verify(forged);
  } catch (e) {
    err = e;
  }
  check(err instanceof JwtInvalidSignatureError, `tampered token: ${err ? `${err.constructor.name}: ${err.message}` : "verified"}`);
  // An ID token is not accepted where an access token is expected.
  let wrongUse;
  try {
    await accessVerifier.verify(t.IdToken);
  } catch (e) {
    wrongUse = e;
  }
  check(wrongUse, "an ID token passed the access-token verifier");
});

const covered = new Set(["j3.verify_id", "j3.verify_access", "j3.reject_tampered", "sign_in"]);
for (const sec of ["setup.create_pool", "setup.create_client", "setup.describe", "setup.list_pools", "setup.admin_create_user",
  "j1.sign_up", "j1.confirm", "j1.admin_sign_in", "j1.sign_in_password", "j1.sign_in_srp", "j1.token_claims", "j1.refresh",
  "j2.get_user", "j2.update_user", "j2.change_password", "j2.forgot_password", "j2.global_sign_out", "j2.rejected_token", "j2.mfa",
  "err.not_authorized", "err.user_not_found", "err.username_exists", "err.code_mismatch", "err.invalid_password",
  "j6.setup", "j6.get_id", "j6.credentials"]) {
  if (!covered.has(sec)) j.na(sec, "aws-jwt-verify only verifies tokens");
}
j.write();
