"""The user lifecycle (issue 3) and journey J6 through boto3, codes read from the dev mailbox.

SECRET_HASH is computed here as AWS documents it (Base64(HMAC-SHA256(client secret,
username + client id))), independently of the emulator's code.
"""
import base64
import hashlib
import hmac
import json
import sys
import urllib.parse
import urllib.request

import boto3

url = sys.argv[1]
region = "us-east-1"
idp = boto3.client("cognito-idp", endpoint_url=url, region_name=region)
identity = boto3.client("cognito-identity", endpoint_url=url, region_name=region)
PASSWORD = "Passw0rd!"
NEW_PASSWORD = "N3w-Passw0rd!"


def check(cond, what):
    if not cond:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok - {what}")


def secret_hash(username):
    mac = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def mailbox_code(username, kind):
    query = urllib.parse.urlencode({"pool": pool_id, "username": username, "kind": kind})
    with urllib.request.urlopen(f"{url}/_dev/mailbox/latest?{query}") as r:
        return json.load(r)["code"]


def expect_error(exc_class, call, what):
    try:
        call()
    except exc_class as e:
        code = e.response["Error"]["Code"]
        check(code == exc_class.__name__, f"{what} -> client.exceptions.{code}")
        return
    except Exception as e:  # noqa: BLE001 - any other outcome is the failure being reported
        raise SystemExit(f"FAILED: {what}: expected {exc_class.__name__}, got {type(e).__name__}: {e}")
    raise SystemExit(f"FAILED: {what}: expected {exc_class.__name__}, the call succeeded")


pool_id = idp.create_user_pool(
    PoolName="boto3-users",
    AutoVerifiedAttributes=["email"],
    Schema=[
        {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
        {"Name": "given_name", "AttributeDataType": "String", "Required": True, "Mutable": True},
    ],
)["UserPool"]["Id"]
client = idp.create_user_pool_client(
    UserPoolId=pool_id,
    ClientName="api",
    GenerateSecret=True,
    ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
)["UserPoolClient"]
client_id, client_secret = client["ClientId"], client["ClientSecret"]
attrs = [
    {"Name": "email", "Value": "ada@example.com"},
    {"Name": "given_name", "Value": "Ada"},
    {"Name": "phone_number", "Value": "+48123456789"},
]

# J1: sign-up with SECRET_HASH, the code from the mailbox, sign-in as the API layer does.
out = idp.sign_up(ClientId=client_id, SecretHash=secret_hash("ada"), Username="ada", Password=PASSWORD, UserAttributes=attrs)
check(out["UserConfirmed"] is False and len(out["UserSub"]) == 36, "SignUp with SECRET_HASH -> UserSub, unconfirmed")
check(out["CodeDeliveryDetails"] == {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}, "CodeDeliveryDetails with the masked email")
ex = idp.exceptions
expect_error(ex.UsernameExistsException, lambda: idp.sign_up(ClientId=client_id, SecretHash=secret_hash("ada"), Username="ada", Password=PASSWORD, UserAttributes=attrs), "SignUp of an existing username")
expect_error(ex.InvalidPasswordException, lambda: idp.sign_up(ClientId=client_id, SecretHash=secret_hash("weak"), Username="weak", Password="password", UserAttributes=attrs), "SignUp with a weak password")
expect_error(ex.InvalidParameterException, lambda: idp.sign_up(ClientId=client_id, SecretHash=secret_hash("nogiven"), Username="nogiven", Password=PASSWORD, UserAttributes=attrs[:1]), "SignUp without a required attribute")
expect_error(ex.NotAuthorizedException, lambda: idp.sign_up(ClientId=client_id, Username="nohash", Password=PASSWORD, UserAttributes=attrs), "SignUp without SECRET_HASH")
expect_error(ex.NotAuthorizedException, lambda: idp.sign_up(ClientId=client_id, SecretHash=secret_hash("other"), Username="nohash", Password=PASSWORD, UserAttributes=attrs), "SignUp with a wrong SECRET_HASH")

code = mailbox_code("ada", "sign_up")
wrong = "111111" if code == "000000" else "000000"
expect_error(ex.CodeMismatchException, lambda: idp.confirm_sign_up(ClientId=client_id, SecretHash=secret_hash("ada"), Username="ada", ConfirmationCode=wrong), "ConfirmSignUp with a wrong code")
idp.confirm_sign_up(ClientId=client_id, SecretHash=secret_hash("ada"), Username="ada", ConfirmationCode=code)
check(idp.admin_get_user(UserPoolId=pool_id, Username="ada")["UserStatus"] == "CONFIRMED", "ConfirmSignUp with the mailbox code -> CONFIRMED")


def admin_sign_in(username, password):
    return idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password, "SECRET_HASH": secret_hash(username)},
    )["AuthenticationResult"]


tokens = admin_sign_in("ada", PASSWORD)
check(tokens["ExpiresIn"] == 3600 and tokens["TokenType"] == "Bearer" and "RefreshToken" in tokens, "AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH with SECRET_HASH -> tokens")
payload = tokens["IdToken"].split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
check(claims["cognito:username"] == "ada" and claims["email"] == "ada@example.com", "the ID token's cognito:username and email")
me = idp.get_user(AccessToken=tokens["AccessToken"])
me_attrs = {a["Name"]: a["Value"] for a in me["UserAttributes"]}
check(me["Username"] == "ada" and me_attrs["email_verified"] == "true" and me_attrs["given_name"] == "Ada", "GetUser with the access token")
expect_error(ex.NotAuthorizedException, lambda: admin_sign_in("ada", "Wrong-Passw0rd!"), "AdminInitiateAuth with a wrong password")
expect_error(ex.UserNotFoundException, lambda: admin_sign_in("nobody", PASSWORD), "AdminInitiateAuth of an unknown user")
expect_error(ex.UserNotFoundException, lambda: idp.admin_get_user(UserPoolId=pool_id, Username="nobody"), "AdminGetUser of an unknown user")

# Forgot password with the mailbox code, then the new password signs in.
out = idp.forgot_password(ClientId=client_id, SecretHash=secret_hash("ada"), Username="ada")
check(out["CodeDeliveryDetails"]["Destination"] == "a***@e***", "ForgotPassword -> code to the masked email")
code = mailbox_code("ada", "forgot_password")
wrong = "111111" if code == "000000" else "000000"
expect_error(ex.CodeMismatchException, lambda: idp.confirm_forgot_password(ClientId=client_id, SecretHash=secret_hash("ada"), Username="ada", ConfirmationCode=wrong, Password=NEW_PASSWORD), "ConfirmForgotPassword with a wrong code")
expect_error(ex.InvalidPasswordException, lambda: idp.confirm_forgot_password(ClientId=client_id, SecretHash=secret_hash("ada"), Username="ada", ConfirmationCode=code, Password="weak"), "ConfirmForgotPassword with a weak password")
idp.confirm_forgot_password(ClientId=client_id, SecretHash=secret_hash("ada"), Username="ada", ConfirmationCode=code, Password=NEW_PASSWORD)
expect_error(ex.NotAuthorizedException, lambda: admin_sign_in("ada", PASSWORD), "the old password after the reset")
tokens = admin_sign_in("ada", NEW_PASSWORD)
check("IdToken" in tokens, "ConfirmForgotPassword with the mailbox code; sign-in with the new password")

# J6: the user pool as an identity pool provider -> identity -> temporary AWS credentials.
provider = f"cognito-idp.{region}.amazonaws.com/{pool_id}"
ipool = identity.create_identity_pool(
    IdentityPoolName="boto3_users",
    AllowUnauthenticatedIdentities=False,
    CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client_id, "ServerSideTokenCheck": False}],
)
identity_pool_id = ipool["IdentityPoolId"]
check(ipool["CognitoIdentityProviders"][0]["ProviderName"] == provider, "CreateIdentityPool with the user pool as provider")
identity.set_identity_pool_roles(
    IdentityPoolId=identity_pool_id,
    Roles={"authenticated": "arn:aws:iam::000000000000:role/auth", "unauthenticated": "arn:aws:iam::000000000000:role/unauth"},
)
logins = {provider: tokens["IdToken"]}
identity_id = identity.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
check(identity_id.startswith(f"{region}:"), "GetId with the ID token -> IdentityId")
check(identity.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"] == identity_id, "GetId again -> the same identity")
creds = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
check(creds["AccessKeyId"].startswith("ASIA") and len(creds["SecretKey"]) == 40 and creds["SessionToken"], "GetCredentialsForIdentity -> AccessKeyId, SecretKey, SessionToken")
check(hasattr(creds["Expiration"], "timestamp"), "Expiration parses as a timestamp")
session = boto3.Session(
    aws_access_key_id=creds["AccessKeyId"],
    aws_secret_access_key=creds["SecretKey"],
    aws_session_token=creds["SessionToken"],
    region_name=region,
)
check(session.get_credentials().token == creds["SessionToken"], "a boto3 Session built from the credentials")
expect_error(
    identity.exceptions.NotAuthorizedException,
    lambda: identity.get_id(IdentityPoolId=identity_pool_id, Logins={provider: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}),
    "GetId with a forged token",
)
print("boto3 users: all checks passed")
