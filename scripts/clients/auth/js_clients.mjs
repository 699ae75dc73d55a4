// amazon-cognito-identity-js (SRP sign-in, wrong password, refresh) and aws-jwt-verify
// against the emulator, with the JWKS fetched over HTTP.
import { readFileSync } from "node:fs";
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} from "amazon-cognito-identity-js";
import { JwtRsaVerifier } from "aws-jwt-verify";

const [url, fixturePath] = process.argv.slice(2);
const fx = JSON.parse(readFileSync(fixturePath, "utf8"));

function check(cond, what) {
  if (!cond) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
  console.log(`ok - ${what}`);
}

const pool = new CognitoUserPool({ UserPoolId: fx.poolId, ClientId: fx.clientId, endpoint: url });

function signIn(username, password) {
  const user = new CognitoUser({ Username: username, Pool: pool });
  return new Promise((resolve, reject) => {
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: (session) => resolve({ user, session }),
      onFailure: reject,
      newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED")),
    });
  });
}

const { user, session } = await signIn(fx.username, fx.password);
check(session.isValid(), "amazon-cognito-identity-js authenticateUser (SRP) with the right password");

let failure;
try {
  await signIn(fx.username, "Wrong0rd!");
} catch (e) {
  failure = e;
}
check(failure && failure.code === "NotAuthorizedException", "amazon-cognito-identity-js with a wrong password -> NotAuthorizedException");

const refreshed = await new Promise((resolve, reject) =>
  user.refreshSession(session.getRefreshToken(), (err, s) => (err ? reject(err) : resolve(s))),
);
check(refreshed.isValid(), "amazon-cognito-identity-js refreshSession");
check(
  refreshed.getAccessToken().decodePayload().origin_jti === session.getAccessToken().decodePayload().origin_jti,
  "refresh keeps origin_jti",
);

const issuer = `${url}/${fx.poolId}`;
const jwksUri = `${issuer}/.well-known/jwks.json`;
const idVerifier = JwtRsaVerifier.create({ issuer, audience: fx.clientId, jwksUri });
const accessVerifier = JwtRsaVerifier.create({
  issuer,
  audience: null,
  jwksUri,
  customJwtCheck: ({ payload }) => {
    if (payload.token_use !== "access") throw new Error("not an access token");
    if (payload.client_id !== fx.clientId) throw new Error("wrong client_id");
  },
});
// aws-jwt-verify's own fetcher speaks only https: fetch the JWKS over http and hand it over.
const jwks = await (await fetch(jwksUri)).json();
idVerifier.cacheJwks(jwks);
accessVerifier.cacheJwks(jwks);
const idPayload = await idVerifier.verify(refreshed.getIdToken().getJwtToken());
check(idPayload.token_use === "id" && idPayload["cognito:username"], "aws-jwt-verify verifies the ID token (issuer, audience, exp, signature via JWKS)");
const accessPayload = await accessVerifier.verify(refreshed.getAccessToken().getJwtToken());
check(accessPayload.username === idPayload["cognito:username"], "aws-jwt-verify verifies the access token (client_id, token_use)");
let refused = false;
try {
  await accessVerifier.verify(refreshed.getIdToken().getJwtToken());
} catch {
  refused = true;
}
check(refused, "aws-jwt-verify refuses an ID token where an access token is expected");
