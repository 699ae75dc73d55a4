"""The API journeys (admin setup, J1, J2, errors, J6) through boto3 or the AWS CLI: the same
calls, two clients. Usage: api_journey.py <boto3|awscli> <fixture-json> <results-file>."""

import json
import os
import re
import subprocess
import sys

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

from common import (
    ApiFailure,
    Journey,
    advance_clock,
    check,
    jwt_payload,
    mailbox_code,
    secret_hash,
    totp,
    unique,
)

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/compat-{}"


class Boto3Backend:
    name = "boto3"

    def __init__(self, url):
        cfg = Config(retries={"max_attempts": 1}, region_name=REGION)
        kw = dict(endpoint_url=url, region_name=REGION, config=cfg,
                  aws_access_key_id="test", aws_secret_access_key="test")
        self.clients = {s: boto3.client(s, **kw) for s in ("cognito-idp", "cognito-identity")}

    def call(self, service, action, params):
        client = self.clients[service]
        try:
            out = getattr(client, xform_name(action))(**params)
        except ClientError as e:
            err = e.response.get("Error", {})
            code = err.get("Code", "?")
            typed = type(e) is not ClientError and type(e).__name__ == code
            raise ApiFailure(code, err.get("Message", ""), typed) from None
        out.pop("ResponseMetadata", None)
        return out


class CliBackend:
    name = "awscli"

    def __init__(self, url):
        self.url = url
        self.env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                        AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="1", AWS_PAGER="",
                        AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        self.aws = os.path.join(os.path.dirname(sys.executable), "aws")

    def call(self, service, action, params):
        cmd = [self.aws, service, xform_name(action, "-"), "--cli-input-json", json.dumps(params),
               "--endpoint-url", self.url, "--output", "json"]
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=60)
        if p.returncode != 0:
            m = re.search(r"An error occurred \((\w+)\)[^:]*: (.*)", p.stderr)
            if m:
                raise ApiFailure(m.group(1), m.group(2).strip(), True)
            raise ApiFailure("CliError", p.stderr.strip()[-300:], False)
        return json.loads(p.stdout) if p.stdout.strip() else {}


def run(backend, fx, out):
    url = fx["url"]
    j = Journey(out, lambda e: None)
    idp = lambda action, **p: backend.call("cognito-idp", action, p)  # noqa: E731
    ident = lambda action, **p: backend.call("cognito-identity", action, p)  # noqa: E731
    user, password = unique("compat-user"), "Passw0rd!Compat"
    email = f"{user}@example.com"

    def sh(username=None):
        cid, secret = j.need("client_id", "client_secret")
        return secret_hash(username or user, cid, secret)

    def sign_in(pw):
        pool, cid = j.need("pool_id", "client_id")
        r = idp("InitiateAuth", ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": user, "PASSWORD": pw, "SECRET_HASH": sh()})
        check("AuthenticationResult" in r, f"no AuthenticationResult: {sorted(r)}")
        return r["AuthenticationResult"]

    def create_pool():
        r = idp("CreateUserPool", PoolName=unique("compat"),
                Policies={"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": True,
                                             "RequireLowercase": True, "RequireNumbers": True,
                                             "RequireSymbols": False}},
                AutoVerifiedAttributes=["email"],
                UsernameConfiguration={"CaseSensitive": False})
        pid = r["UserPool"]["Id"]
        check(re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", pid), f"pool id {pid}")
        j.put("setup.create_pool", "pool_id", pid)

    def create_client():
        pid = j.need("pool_id")
        r = idp("CreateUserPoolClient", UserPoolId=pid, ClientName="compat-app", GenerateSecret=True,
                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                   "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                PreventUserExistenceErrors="LEGACY")
        c = r["UserPoolClient"]
        check(re.fullmatch(r"[a-z0-9]{26}", c["ClientId"]), f"client id {c['ClientId']}")
        check(c.get("ClientSecret"), "no ClientSecret")
        j.put("setup.create_client", "client_id", c["ClientId"])
        j.put("setup.create_client", "client_secret", c["ClientSecret"])

    def describe():
        pid, cid = j.need("pool_id", "client_id")
        check(idp("DescribeUserPool", UserPoolId=pid)["UserPool"]["Id"] == pid, "pool id")
        c = idp("DescribeUserPoolClient", UserPoolId=pid, ClientId=cid)["UserPoolClient"]
        check(c["ClientId"] == cid and c["UserPoolId"] == pid, "client ids")

    def list_pools():
        pid = j.need("pool_id")
        token, seen = None, set()
        for _ in range(1000):
            kw = {"MaxResults": 5}
            if token:
                kw["NextToken"] = token
            r = idp("ListUserPools", **kw)
            seen.update(p["Id"] for p in r["UserPools"])
            token = r.get("NextToken")
            if not token:
                break
        check(pid in seen, "new pool not listed")

    def admin_create_user():
        pid = j.need("pool_id")
        admin_user = unique("compat-admin")
        r = idp("AdminCreateUser", UserPoolId=pid, Username=admin_user, MessageAction="SUPPRESS",
                TemporaryPassword="Temp0rary!Pass",
                UserAttributes=[{"Name": "email", "Value": f"{admin_user}@example.com"},
                                {"Name": "email_verified", "Value": "true"}])
        check(r["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD", r["User"]["UserStatus"])
        idp("AdminSetUserPassword", UserPoolId=pid, Username=admin_user, Password=password,
            Permanent=True)
        g = idp("AdminGetUser", UserPoolId=pid, Username=admin_user)
        check(g["UserStatus"] == "CONFIRMED", f"status {g['UserStatus']}")
        check(g["Username"] == admin_user, "username")

    def sign_up():
        cid = j.need("client_id")
        r = idp("SignUp", ClientId=cid, SecretHash=sh(), Username=user, Password=password,
                UserAttributes=[{"Name": "email", "Value": email},
                                {"Name": "given_name", "Value": "Compat"},
                                {"Name": "phone_number", "Value": "+48123456789"}])
        check(re.fullmatch(r"[0-9a-f-]{36}", r["UserSub"]), f"UserSub {r['UserSub']}")
        check(r["UserConfirmed"] is False, "UserConfirmed")
        d = r.get("CodeDeliveryDetails", {})
        check("*" in d.get("Destination", "") and d.get("DeliveryMedium") == "EMAIL",
              f"CodeDeliveryDetails {d}")
        j.put("j1.sign_up", "signed_up", True)

    def username_exists():
        cid, _ = j.need("client_id", "signed_up")
        j.expect_error("UsernameExistsException", lambda: idp(
            "SignUp", ClientId=cid, SecretHash=sh(), Username=user, Password=password,
            UserAttributes=[{"Name": "email", "Value": email}]))

    def code_mismatch():
        pid, cid, _ = j.need("pool_id", "client_id", "signed_up")
        code = mailbox_code(url, pid, user)
        wrong = str((int(code) + 1) % 1_000_000).zfill(6)
        j.expect_error("CodeMismatchException", lambda: idp(
            "ConfirmSignUp", ClientId=cid, SecretHash=sh(), Username=user, ConfirmationCode=wrong))

    def invalid_password():
        cid = j.need("client_id")
        other = unique("compat-weak")
        j.expect_error("InvalidPasswordException", lambda: idp(
            "SignUp", ClientId=cid, SecretHash=sh(other), Username=other, Password="alllowercase1",
            UserAttributes=[{"Name": "email", "Value": f"{other}@example.com"}]))

    def confirm():
        pid, cid, _ = j.need("pool_id", "client_id", "signed_up")
        code = mailbox_code(url, pid, user)
        idp("ConfirmSignUp", ClientId=cid, SecretHash=sh(), Username=user, ConfirmationCode=code)
        g = idp("AdminGetUser", UserPoolId=pid, Username=user)
        check(g["UserStatus"] == "CONFIRMED", f"status {g['UserStatus']}")
        j.put("j1.confirm", "confirmed", True)

    def admin_sign_in():
        pid, cid, _ = j.need("pool_id", "client_id", "confirmed")
        r = idp("AdminInitiateAuth", UserPoolId=pid, ClientId=cid,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": user, "PASSWORD": password, "SECRET_HASH": sh()})
        a = r["AuthenticationResult"]
        check(a["ExpiresIn"] == 3600 and a["TokenType"] == "Bearer", f"{a['ExpiresIn']} {a['TokenType']}")
        check(a.get("IdToken") and a.get("AccessToken") and a.get("RefreshToken"), "tokens missing")

    def sign_in_password():
        j.need("confirmed")
        a = sign_in(password)
        check(a.get("RefreshToken"), "no RefreshToken")
        j.put("j1.sign_in_password", "tokens", a)

    def token_claims():
        pid, cid, t = j.need("pool_id", "client_id", "tokens")
        idc, acc = jwt_payload(t["IdToken"]), jwt_payload(t["AccessToken"])
        check(idc.get("cognito:username") == user, f"cognito:username {idc.get('cognito:username')}")
        check(idc.get("aud") == cid and idc.get("token_use") == "id", "id aud/token_use")
        check(idc.get("iss") == f"{url}/{pid}", f"iss {idc.get('iss')}")
        check(idc.get("email") == email and idc.get("email_verified") is True, "email claims")
        check(acc.get("client_id") == cid and acc.get("token_use") == "access", "access claims")
        check(acc.get("username") == user and "aud" not in acc, "access username/aud")
        check("aws.cognito.signin.user.admin" in acc.get("scope", ""), f"scope {acc.get('scope')}")

    def refresh():
        cid, t = j.need("client_id", "tokens")
        r = idp("InitiateAuth", ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": t["RefreshToken"], "SECRET_HASH": sh()})
        a = r["AuthenticationResult"]
        check(a.get("AccessToken") and a.get("IdToken"), "tokens missing")
        check(jwt_payload(a["AccessToken"])["origin_jti"] == jwt_payload(t["AccessToken"])["origin_jti"],
              "origin_jti changed on refresh")

    def get_user():
        t = j.need("tokens")
        r = idp("GetUser", AccessToken=t["AccessToken"])
        check(r["Username"] == user, f"Username {r['Username']}")
        attrs = {a["Name"]: a["Value"] for a in r["UserAttributes"]}
        check(attrs.get("email") == email and attrs.get("sub"), f"attributes {sorted(attrs)}")

    def update_user():
        t = j.need("tokens")
        idp("UpdateUserAttributes", AccessToken=t["AccessToken"],
            UserAttributes=[{"Name": "given_name", "Value": "Renamed"}])
        attrs = {a["Name"]: a["Value"] for a in idp("GetUser", AccessToken=t["AccessToken"])["UserAttributes"]}
        check(attrs.get("given_name") == "Renamed", f"given_name {attrs.get('given_name')}")

    def change_password():
        nonlocal password
        t = j.need("tokens")
        new = "Chang3d!Password"
        idp("ChangePassword", AccessToken=t["AccessToken"], PreviousPassword=password,
            ProposedPassword=new)
        old, password = password, new
        j.put("j2.change_password", "tokens", sign_in(new))
        j.expect_error("NotAuthorizedException", lambda: sign_in(old))

    def forgot_password():
        nonlocal password
        pid, cid, _ = j.need("pool_id", "client_id", "confirmed")
        r = idp("ForgotPassword", ClientId=cid, SecretHash=sh(), Username=user)
        check(r.get("CodeDeliveryDetails", {}).get("DeliveryMedium") == "EMAIL", f"{r}")
        code = mailbox_code(url, pid, user)
        new = "F0rgotten!Reset"
        idp("ConfirmForgotPassword", ClientId=cid, SecretHash=sh(), Username=user,
            ConfirmationCode=code, Password=new)
        password = new
        j.put("j2.forgot_password", "tokens", sign_in(new))

    def global_sign_out():
        t = j.need("tokens")
        idp("GlobalSignOut", AccessToken=t["AccessToken"])
        j.put("j2.global_sign_out", "signed_out", t)

    def rejected_token():
        cid, t = j.need("client_id", "signed_out")
        j.expect_error("NotAuthorizedException", lambda: idp("GetUser", AccessToken=t["AccessToken"]))
        j.expect_error("NotAuthorizedException", lambda: idp(
            "InitiateAuth", ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": t["RefreshToken"], "SECRET_HASH": sh()}))

    def mfa():
        pid, cid, _ = j.need("pool_id", "client_id", "confirmed")
        idp("SetUserPoolMfaConfig", UserPoolId=pid, MfaConfiguration="OPTIONAL",
            SoftwareTokenMfaConfiguration={"Enabled": True})
        t = sign_in(password)
        secret = idp("AssociateSoftwareToken", AccessToken=t["AccessToken"])["SecretCode"]
        offset = advance_clock(url, 0)
        v = idp("VerifySoftwareToken", AccessToken=t["AccessToken"], UserCode=totp(secret, offset),
                FriendlyDeviceName="compat")
        check(v["Status"] == "SUCCESS", f"Status {v['Status']}")
        idp("SetUserMFAPreference", AccessToken=t["AccessToken"],
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
        r = idp("InitiateAuth", ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": user, "PASSWORD": password, "SECRET_HASH": sh()})
        check(r.get("ChallengeName") == "SOFTWARE_TOKEN_MFA", f"ChallengeName {r.get('ChallengeName')}")
        offset = advance_clock(url, 30)  # a fresh time step: a used code is refused
        a = idp("RespondToAuthChallenge", ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=r["Session"],
                ChallengeResponses={"USERNAME": user, "SECRET_HASH": sh(),
                                    "SOFTWARE_TOKEN_MFA_CODE": totp(secret, offset)})
        check(a["AuthenticationResult"].get("AccessToken"), "no tokens after MFA")

    def not_authorized():
        j.need("confirmed")
        j.expect_error("NotAuthorizedException", lambda: sign_in("Wr0ng!Password"))

    def user_not_found():
        pid = j.need("pool_id")
        j.expect_error("UserNotFoundException",
                       lambda: idp("AdminGetUser", UserPoolId=pid, Username=unique("nobody")))

    def j6_setup():
        pid, cid = j.need("pool_id", "client_id")
        r = ident("CreateIdentityPool", IdentityPoolName=unique("compat").replace("-", "_"),
                  AllowUnauthenticatedIdentities=False,
                  CognitoIdentityProviders=[{"ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{pid}",
                                             "ClientId": cid}])
        ipid = r["IdentityPoolId"]
        ident("SetIdentityPoolRoles", IdentityPoolId=ipid,
              Roles={"authenticated": ROLE.format("auth"), "unauthenticated": ROLE.format("unauth")})
        j.put("j6.setup", "identity_pool", ipid)

    def logins():
        pid, t = j.need("pool_id", "fresh_tokens")
        return {f"cognito-idp.{REGION}.amazonaws.com/{pid}": t["IdToken"]}

    def get_id():
        ipid = j.need("identity_pool")
        first = ident("GetId", IdentityPoolId=ipid, Logins=logins())["IdentityId"]
        check(re.fullmatch(r"us-east-1:[0-9a-f-]{36}", first), f"IdentityId {first}")
        again = ident("GetId", IdentityPoolId=ipid, Logins=logins())["IdentityId"]
        check(first == again, "a second GetId gave another IdentityId")
        j.put("j6.get_id", "identity_id", first)

    def credentials():
        iid = j.need("identity_id")
        r = ident("GetCredentialsForIdentity", IdentityId=iid, Logins=logins())
        c = r["Credentials"]
        check(r["IdentityId"] == iid, "IdentityId")
        for k in ("AccessKeyId", "SecretKey", "SessionToken", "Expiration"):
            check(c.get(k), f"Credentials.{k} missing")

    def fresh_sign_in():
        j.need("confirmed")
        j.put("fresh", "fresh_tokens", sign_in(password))

    j.step("setup.create_pool", create_pool, ["pool_id"])
    j.step("setup.create_client", create_client, ["client_id", "client_secret"])
    j.step("setup.describe", describe)
    j.step("setup.list_pools", list_pools)
    j.step("setup.admin_create_user", admin_create_user)
    j.step("j1.sign_up", sign_up, ["signed_up"])
    j.step("err.username_exists", username_exists)
    j.step("err.code_mismatch", code_mismatch)
    j.step("err.invalid_password", invalid_password)
    j.step("j1.confirm", confirm, ["confirmed"])
    j.step("j1.admin_sign_in", admin_sign_in)
    j.step("j1.sign_in_password", sign_in_password, ["tokens"])
    j.na("j1.sign_in_srp", f"{backend.name} has no SRP helper (pycognito wraps boto3 for that)")
    j.step("j1.token_claims", token_claims)
    j.step("j1.refresh", refresh)
    j.step("j2.get_user", get_user)
    j.step("j2.update_user", update_user)
    j.step("j2.change_password", change_password)
    j.step("j2.forgot_password", forgot_password)
    j.step("err.not_authorized", not_authorized)
    j.step("err.user_not_found", user_not_found)
    j.step("j2.global_sign_out", global_sign_out, ["signed_out"])
    j.step("j2.rejected_token", rejected_token)
    for s in ("j3.verify_id", "j3.verify_access", "j3.reject_tampered"):
        j.na(s, f"{backend.name} does not verify tokens")
    j.step("fresh", fresh_sign_in, ["fresh_tokens"])
    j.step("j6.setup", j6_setup, ["identity_pool"])
    j.step("j6.get_id", get_id, ["identity_id"])
    j.step("j6.credentials", credentials)
    j.step("j2.mfa", mfa)
    j.write()


if __name__ == "__main__":
    which, fixture, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    backend = {"boto3": Boto3Backend, "awscli": CliBackend}[which](fixture["url"])
    run(backend, fixture, out)
