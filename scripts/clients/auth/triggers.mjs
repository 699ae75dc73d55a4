// The team's own trigger code, run by the emulator's node and python runners from the handler
// files in triggers/ (see auth.sh's --lambda flags), driven by amazon-cognito-identity-js:
//   - CUSTOM_AUTH with SRP (Amplify's CUSTOM_WITH_SRP): the library's SRP_A, its
//     PASSWORD_VERIFIER answer, then the custom challenge; a wrong password fails;
//   - PreTokenGeneration V2_0 claims and scopes, verified with aws-jwt-verify over the JWKS.
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";
import { JwtRsaVerifier } from "aws-jwt-verify";

const [url] = process.argv.slice(2);

function check(cond, what) {
  if (!cond) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
  console.log(`ok - ${what}`);
}

async function api(action, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(body),
  });
  const out = await res.json();
  if (res.status !== 200) throw new Error(`${action}: ${JSON.stringify(out)}`);
  return out;
}

const fn = (name) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const { UserPool } = await api("CreateUserPool", {
  PoolName: "triggers-js",
  LambdaConfig: {
    DefineAuthChallenge: fn("defineAuthChallenge"),
    CreateAuthChallenge: fn("createAuthChallenge"),
    VerifyAuthChallengeResponse: fn("verifyAuthChallenge"),
    PreTokenGenerationConfig: { LambdaVersion: "V2_0", LambdaArn: fn("preTokenV2") },
  },
});
const { UserPoolClient } = await api("CreateUserPoolClient", {
  UserPoolId: UserPool.Id,
  ClientName: "spa",
  ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
});
const username = "casey";
const password = "Corr3ct-Horse!";
await api("AdminCreateUser", {
  UserPoolId: UserPool.Id,
  Username: username,
  MessageAction: "SUPPRESS",
  UserAttributes: [{ Name: "email", Value: "casey@example.com" }],
});
await api("AdminSetUserPassword", { UserPoolId: UserPool.Id, Username: username, Password: password, Permanent: true });

const pool = new CognitoUserPool({ UserPoolId: UserPool.Id, ClientId: UserPoolClient.ClientId, endpoint: url });

/** authenticateUser with CUSTOM_AUTH and a password; answers the custom challenge. */
function signIn(pw, answer) {
  const user = new CognitoUser({ Username: username, Pool: pool });
  user.setAuthenticationFlowType("CUSTOM_AUTH");
  return new Promise((resolve, reject) => {
    let question;
    const callbacks = {
      onSuccess: (session) => resolve({ session, question }),
      onFailure: reject,
      customChallenge: (params) => {
        question = params.question;
        user.sendCustomChallengeAnswer(answer, callbacks);
      },
    };
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: pw }), callbacks);
  });
}

let wrong;
try {
  await signIn("Wr0ng-Horse!", "42");
} catch (e) {
  wrong = e;
}
check(wrong?.code === "NotAuthorizedException", "CUSTOM_AUTH with SRP: a wrong password fails before any custom challenge");

let wrongAnswer;
try {
  await signIn(password, "41");
} catch (e) {
  wrongAnswer = e;
}
check(wrongAnswer?.code === "NotAuthorizedException", "CUSTOM_AUTH with SRP: the right password and a wrong answer fail");

const { session, question } = await signIn(password, "42");
check(question === "What is 6 x 7?", "CUSTOM_AUTH with SRP: the password, then the custom challenge from the Node handler");

const issuer = `${url}/${UserPool.Id}`;
const jwks = await (await fetch(`${issuer}/.well-known/jwks.json`)).json();
const idVerifier = JwtRsaVerifier.create({ issuer, audience: UserPoolClient.ClientId, jwksUri: `${issuer}/.well-known/jwks.json` });
const accessVerifier = JwtRsaVerifier.create({
  issuer,
  audience: null,
  jwksUri: `${issuer}/.well-known/jwks.json`,
  customJwtCheck: ({ payload }) => {
    if (payload.token_use !== "access" || payload.client_id !== UserPoolClient.ClientId) throw new Error("not our access token");
  },
});
idVerifier.cacheJwks(jwks);
accessVerifier.cacheJwks(jwks);
const id = await idVerifier.verify(session.getIdToken().getJwtToken());
check(id.tier === "gold", "PreTokenGeneration V2: the ID token carries the handler's claim (aws-jwt-verify)");
const access = await accessVerifier.verify(session.getAccessToken().getJwtToken());
check(access.tier === "gold" && access.tenant === "acme", "PreTokenGeneration V2: the access token carries the handler's claims");
check(access.scope.split(" ").includes("orders/read"), "PreTokenGeneration V2: the scope added by the handler");

const user = new CognitoUser({ Username: username, Pool: pool });
const refreshed = await new Promise((resolve, reject) =>
  user.refreshSession(session.getRefreshToken(), (err, s) => (err ? reject(err) : resolve(s))),
);
const again = await accessVerifier.verify(refreshed.getAccessToken().getJwtToken());
check(again.tenant === "acme", "PreTokenGeneration V2 runs on refresh too");

const log = await (await fetch(`${url}/_dev/triggers`)).json();
const sources = log.invocations.map((i) => i.trigger_source);
check(
  sources.includes("DefineAuthChallenge_Authentication") && sources.includes("TokenGeneration_RefreshTokens"),
  "GET /_dev/triggers lists the invocations",
);
