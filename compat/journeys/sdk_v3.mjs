// The API journeys through the JavaScript SDK v3 (@aws-sdk/client-cognito-identity-provider and
// @aws-sdk/client-cognito-identity): the same calls as api_journey.py.
// Usage: node sdk_v3.mjs <fixture-json> <results-file>
import * as idpSdk from "@aws-sdk/client-cognito-identity-provider";
import * as identSdk from "@aws-sdk/client-cognito-identity";
import {
  Journey, advanceClock, check, jwtPayload, mailboxCode, secretHash, totp, unique,
} from "./common.mjs";

const fx = JSON.parse(process.argv[2]);
const url = fx.url;
const REGION = "us-east-1";
const j = new Journey(process.argv[3]);
const cfg = {
  endpoint: url, region: REGION, maxAttempts: 1,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};
const idpClient = new idpSdk.CognitoIdentityProviderClient(cfg);
const identClient = new identSdk.CognitoIdentityClient(cfg);
const idp = (action, params) => idpClient.send(new idpSdk[`${action}Command`](params));
const ident = (action, params) => identClient.send(new identSdk[`${action}Command`](params));
const typedIdp = (code) => (e) => idpSdk[code] !== undefined && e instanceof idpSdk[code] && e.name === code;

const user = unique("compat-user");
const email = `${user}@example.com`;
let password = "Passw0rd!Compat";

const sh = (username = user) => {
  const [cid, secret] = j.need("client_id", "client_secret");
  return secretHash(username, cid, secret);
};

async function signIn(pw) {
  const cid = j.need("client_id");
  const r = await idp("InitiateAuth", {
    ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: user, PASSWORD: pw, SECRET_HASH: sh() },
  });
  check(r.AuthenticationResult, `no AuthenticationResult (${r.ChallengeName})`);
  return r.AuthenticationResult;
}

await j.step("setup.create_pool", async () => {
  const r = await idp("CreateUserPool", {
    PoolName: unique("compat"),
    Policies: { PasswordPolicy: { MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: false } },
    AutoVerifiedAttributes: ["email"],
    UsernameConfiguration: { CaseSensitive: false },
  });
  check(/^us-east-1_[0-9A-Za-z]{9}$/.test(r.UserPool.Id), `pool id ${r.UserPool.Id}`);
  check(r.UserPool.CreationDate instanceof Date && !isNaN(r.UserPool.CreationDate), "CreationDate not parsed as a date");
  j.put("setup.create_pool", "pool_id", r.UserPool.Id);
}, ["pool_id"]);

await j.step("setup.create_client", async () => {
  const r = await idp("CreateUserPoolClient", {
    UserPoolId: j.need("pool_id"), ClientName: "compat-app", GenerateSecret: true,
    ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    PreventUserExistenceErrors: "LEGACY",
  });
  const c = r.UserPoolClient;
  check(/^[a-z0-9]{26}$/.test(c.ClientId), `client id ${c.ClientId}`);
  check(c.ClientSecret, "no ClientSecret");
  j.put("setup.create_client", "client_id", c.ClientId);
  j.put("setup.create_client", "client_secret", c.ClientSecret);
}, ["client_id", "client_secret"]);

await j.step("setup.describe", async () => {
  const [pid, cid] = j.need("pool_id", "client_id");
  check((await idp("DescribeUserPool", { UserPoolId: pid })).UserPool.Id === pid, "pool id");
  const c = (await idp("DescribeUserPoolClient", { UserPoolId: pid, ClientId: cid })).UserPoolClient;
  check(c.ClientId === cid && c.UserPoolId === pid, "client ids");
});

await j.step("setup.list_pools", async () => {
  const pid = j.need("pool_id");
  const seen = new Set();
  for await (const page of idpSdk.paginateListUserPools({ client: idpClient, pageSize: 5 }, { MaxResults: 5 })) {
    for (const p of page.UserPools) seen.add(p.Id);
  }
  check(seen.has(pid), "new pool not listed");
});

await j.step("setup.admin_create_user", async () => {
  const pid = j.need("pool_id");
  const admin = unique("compat-admin");
  const r = await idp("AdminCreateUser", {
    UserPoolId: pid, Username: admin, MessageAction: "SUPPRESS", TemporaryPassword: "Temp0rary!Pass",
    UserAttributes: [{ Name: "email", Value: `${admin}@example.com` }, { Name: "email_verified", Value: "true" }],
  });
  check(r.User.UserStatus === "FORCE_CHANGE_PASSWORD", r.User.UserStatus);
  await idp("AdminSetUserPassword", { UserPoolId: pid, Username: admin, Password: password, Permanent: true });
  const g = await idp("AdminGetUser", { UserPoolId: pid, Username: admin });
  check(g.UserStatus === "CONFIRMED", `status ${g.UserStatus}`);
  check(g.UserCreateDate instanceof Date && !isNaN(g.UserCreateDate), "UserCreateDate not parsed as a date");
});

await j.step("j1.sign_up", async () => {
  const r = await idp("SignUp", {
    ClientId: j.need("client_id"), SecretHash: sh(), Username: user, Password: password,
    UserAttributes: [{ Name: "email", Value: email }, { Name: "given_name", Value: "Compat" }, { Name: "phone_number", Value: "+48123456789" }],
  });
  check(/^[0-9a-f-]{36}$/.test(r.UserSub), `UserSub ${r.UserSub}`);
  check(r.UserConfirmed === false, "UserConfirmed");
  check(r.CodeDeliveryDetails?.Destination?.includes("*") && r.CodeDeliveryDetails.DeliveryMedium === "EMAIL", "CodeDeliveryDetails");
  j.put("j1.sign_up", "signed_up", true);
}, ["signed_up"]);

await j.step("err.username_exists", async () => {
  const [cid] = j.need("client_id", "signed_up");
  await j.expectError("UsernameExistsException", () => idp("SignUp", {
    ClientId: cid, SecretHash: sh(), Username: user, Password: password, UserAttributes: [{ Name: "email", Value: email }],
  }), typedIdp("UsernameExistsException"));
});

await j.step("err.code_mismatch", async () => {
  const [pid, cid] = j.need("pool_id", "client_id", "signed_up");
  const code = await mailboxCode(url, pid, user);
  const wrong = String((Number(code) + 1) % 1000000).padStart(6, "0");
  await j.expectError("CodeMismatchException", () => idp("ConfirmSignUp", {
    ClientId: cid, SecretHash: sh(), Username: user, ConfirmationCode: wrong,
  }), typedIdp("CodeMismatchException"));
});

await j.step("err.invalid_password", async () => {
  const cid = j.need("client_id");
  const other = unique("compat-weak");
  await j.expectError("InvalidPasswordException", () => idp("SignUp", {
    ClientId: cid, SecretHash: sh(other), Username: other, Password: "alllowercase1",
    UserAttributes: [{ Name: "email", Value: `${other}@example.com` }],
  }), typedIdp("InvalidPasswordException"));
});

await j.step("j1.confirm", async () => {
  const [pid, cid] = j.need("pool_id", "client_id", "signed_up");
  const code = await mailboxCode(url, pid, user);
  await idp("ConfirmSignUp", { ClientId: cid, SecretHash: sh(), Username: user, ConfirmationCode: code });
  const g = await idp("AdminGetUser", { UserPoolId: pid, Username: user });
  check(g.UserStatus === "CONFIRMED", `status ${g.UserStatus}`);
  j.put("j1.confirm", "confirmed", true);
}, ["confirmed"]);

await j.step("j1.admin_sign_in", async () => {
  const [pid, cid] = j.need("pool_id", "client_id", "confirmed");
  const r = await idp("AdminInitiateAuth", {
    UserPoolId: pid, ClientId: cid, AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: user, PASSWORD: password, SECRET_HASH: sh() },
  });
  const a = r.AuthenticationResult;
  check(a?.ExpiresIn === 3600 && a.TokenType === "Bearer", "ExpiresIn/TokenType");
  check(a.IdToken && a.AccessToken && a.RefreshToken, "tokens missing");
});

await j.step("j1.sign_in_password", async () => {
  j.need("confirmed");
  const a = await signIn(password);
  check(a.RefreshToken, "no RefreshToken");
  j.put("j1.sign_in_password", "tokens", a);
}, ["tokens"]);

j.na("j1.sign_in_srp", "the JS SDK v3 has no SRP helper (amazon-cognito-identity-js has)");

await j.step("j1.token_claims", async () => {
  const [pid, cid, t] = j.need("pool_id", "client_id", "tokens");
  const id = jwtPayload(t.IdToken), acc = jwtPayload(t.AccessToken);
  check(id["cognito:username"] === user, `cognito:username ${id["cognito:username"]}`);
  check(id.aud === cid && id.token_use === "id", "id aud/token_use");
  check(id.iss === `${url}/${pid}`, `iss ${id.iss}`);
  check(id.email === email && id.email_verified === true, "email claims");
  check(acc.client_id === cid && acc.token_use === "access" && acc.username === user && !("aud" in acc), "access claims");
  check((acc.scope ?? "").includes("aws.cognito.signin.user.admin"), `scope ${acc.scope}`);
});

await j.step("j1.refresh", async () => {
  const [cid, t] = j.need("client_id", "tokens");
  const r = await idp("InitiateAuth", {
    ClientId: cid, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: t.RefreshToken, SECRET_HASH: sh() },
  });
  const a = r.AuthenticationResult;
  check(a?.AccessToken && a.IdToken, "tokens missing");
  check(jwtPayload(a.AccessToken).origin_jti === jwtPayload(t.AccessToken).origin_jti, "origin_jti changed on refresh");
});

await j.step("j2.get_user", async () => {
  const t = j.need("tokens");
  const r = await idp("GetUser", { AccessToken: t.AccessToken });
  check(r.Username === user, `Username ${r.Username}`);
  const attrs = Object.fromEntries(r.UserAttributes.map((a) => [a.Name, a.Value]));
  check(attrs.email === email && attrs.sub, "attributes");
});

await j.step("j2.update_user", async () => {
  const t = j.need("tokens");
  await idp("UpdateUserAttributes", { AccessToken: t.AccessToken, UserAttributes: [{ Name: "given_name", Value: "Renamed" }] });
  const r = await idp("GetUser", { AccessToken: t.AccessToken });
  const attrs = Object.fromEntries(r.UserAttributes.map((a) => [a.Name, a.Value]));
  check(attrs.given_name === "Renamed", `given_name ${attrs.given_name}`);
});

await j.step("j2.change_password", async () => {
  const t = j.need("tokens");
  const next = "Chang3d!Password";
  await idp("ChangePassword", { AccessToken: t.AccessToken, PreviousPassword: password, ProposedPassword: next });
  const old = password;
  password = next;
  j.put("j2.change_password", "tokens", await signIn(next));
  await j.expectError("NotAuthorizedException", () => signIn(old), typedIdp("NotAuthorizedException"));
});

await j.step("j2.forgot_password", async () => {
  const [pid, cid] = j.need("pool_id", "client_id", "confirmed");
  const r = await idp("ForgotPassword", { ClientId: cid, SecretHash: sh(), Username: user });
  check(r.CodeDeliveryDetails?.DeliveryMedium === "EMAIL", "CodeDeliveryDetails");
  const code = await mailboxCode(url, pid, user);
  const next = "F0rgotten!Reset";
  await idp("ConfirmForgotPassword", { ClientId: cid, SecretHash: sh(), Username: user, ConfirmationCode: code, Password: next });
  password = next;
  j.put("j2.forgot_password", "tokens", await signIn(next));
});

await j.step("err.not_authorized", async () => {
  j.need("confirmed");
  await j.expectError("NotAuthorizedException", () => signIn("Wr0ng!Password"), typedIdp("NotAuthorizedException"));
});

await j.step("err.user_not_found", async () => {
  const pid = j.need("pool_id");
  await j.expectError("UserNotFoundException", () => idp("AdminGetUser", { UserPoolId: pid, Username: unique("nobody") }),
    typedIdp("UserNotFoundException"));
});

await j.step("j2.global_sign_out", async () => {
  const t = j.need("tokens");
  await idp("GlobalSignOut", { AccessToken: t.AccessToken });
  j.put("j2.global_sign_out", "signed_out", t);
}, ["signed_out"]);

await j.step("j2.rejected_token", async () => {
  const [cid, t] = j.need("client_id", "signed_out");
  await j.expectError("NotAuthorizedException", () => idp("GetUser", { AccessToken: t.AccessToken }), typedIdp("NotAuthorizedException"));
  await j.expectError("NotAuthorizedException", () => idp("InitiateAuth", {
    ClientId: cid, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: t.RefreshToken, SECRET_HASH: sh() },
  }), typedIdp("NotAuthorizedException"));
});

for (const s of ["j3.verify_id", "j3.verify_access", "j3.reject_tampered"]) j.na(s, "the SDK does not verify tokens (aws-jwt-verify does)");

await j.step("fresh", async () => {
  j.need("confirmed");
  j.put("fresh", "fresh_tokens", await signIn(password));
}, ["fresh_tokens"]);

const logins = () => {
  const [pid, t] = j.need("pool_id", "fresh_tokens");
  return { [`cognito-idp.${REGION}.amazonaws.com/${pid}`]: t.IdToken };
};

await j.step("j6.setup", async () => {
  const [pid, cid] = j.need("pool_id", "client_id");
  const r = await ident("CreateIdentityPool", {
    IdentityPoolName: unique("compat").replace("-", "_"), AllowUnauthenticatedIdentities: false,
    CognitoIdentityProviders: [{ ProviderName: `cognito-idp.${REGION}.amazonaws.com/${pid}`, ClientId: cid }],
  });
  await ident("SetIdentityPoolRoles", {
    IdentityPoolId: r.IdentityPoolId,
    Roles: { authenticated: "arn:aws:iam::123456789012:role/compat-auth", unauthenticated: "arn:aws:iam::123456789012:role/compat-unauth" },
  });
  j.put("j6.setup", "identity_pool", r.IdentityPoolId);
}, ["identity_pool"]);

await j.step("j6.get_id", async () => {
  const ipid = j.need("identity_pool");
  const first = (await ident("GetId", { IdentityPoolId: ipid, Logins: logins() })).IdentityId;
  check(/^us-east-1:[0-9a-f-]{36}$/.test(first), `IdentityId ${first}`);
  const again = (await ident("GetId", { IdentityPoolId: ipid, Logins: logins() })).IdentityId;
  check(first === again, "a second GetId gave another IdentityId");
  j.put("j6.get_id", "identity_id", first);
}, ["identity_id"]);

await j.step("j6.credentials", async () => {
  const iid = j.need("identity_id");
  const r = await ident("GetCredentialsForIdentity", { IdentityId: iid, Logins: logins() });
  const c = r.Credentials;
  check(r.IdentityId === iid, "IdentityId");
  check(c.AccessKeyId && c.SecretKey && c.SessionToken, "credential members missing");
  check(c.Expiration instanceof Date && c.Expiration > new Date(), "Expiration not a future date");
});

await j.step("j2.mfa", async () => {
  const [pid, cid] = j.need("pool_id", "client_id", "confirmed");
  await idp("SetUserPoolMfaConfig", { UserPoolId: pid, MfaConfiguration: "OPTIONAL", SoftwareTokenMfaConfiguration: { Enabled: true } });
  const t = await signIn(password);
  const secret = (await idp("AssociateSoftwareToken", { AccessToken: t.AccessToken })).SecretCode;
  let offset = await advanceClock(url, 0);
  const v = await idp("VerifySoftwareToken", { AccessToken: t.AccessToken, UserCode: totp(secret, offset), FriendlyDeviceName: "compat" });
  check(v.Status === "SUCCESS", `Status ${v.Status}`);
  await idp("SetUserMFAPreference", { AccessToken: t.AccessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
  const r = await idp("InitiateAuth", {
    ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: user, PASSWORD: password, SECRET_HASH: sh() },
  });
  check(r.ChallengeName === "SOFTWARE_TOKEN_MFA", `ChallengeName ${r.ChallengeName}`);
  offset = await advanceClock(url, 30);
  const a = await idp("RespondToAuthChallenge", {
    ClientId: cid, ChallengeName: "SOFTWARE_TOKEN_MFA", Session: r.Session,
    ChallengeResponses: { USERNAME: user, SECRET_HASH: sh(), SOFTWARE_TOKEN_MFA_CODE: totp(secret, offset) },
  });
  check(a.AuthenticationResult?.AccessToken, "no tokens after MFA");
});

j.write();
