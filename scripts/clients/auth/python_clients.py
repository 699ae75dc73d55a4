"""pycognito's SRP client and PyJWT against the emulator. Writes a fixture for the JS stage."""
import json
import sys
import time
import urllib.request

import boto3
import jwt
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

url, fixture_path = sys.argv[1], sys.argv[2]
idp = boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1")
PASSWORD = "Passw0rd!"


def check(cond, what):
    if not cond:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok - {what}")


pool_id = idp.create_user_pool(PoolName="clients")["UserPool"]["Id"]
client_id = idp.create_user_pool_client(
    UserPoolId=pool_id,
    ClientName="spa",
    ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"],
)["UserPoolClient"]["ClientId"]
secret_client = idp.create_user_pool_client(
    UserPoolId=pool_id,
    ClientName="api",
    GenerateSecret=True,
    ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
)["UserPoolClient"]
for name in ("alice", "bob"):
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=name,
        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)

# pycognito SRP: right password, then wrong password, then a client with a secret.
tokens = AWSSRP("alice", PASSWORD, pool_id, client_id, client=idp).authenticate_user()["AuthenticationResult"]
check("AccessToken" in tokens and "IdToken" in tokens and "RefreshToken" in tokens, "pycognito SRP sign-in with the right password")
try:
    AWSSRP("alice", "Wrong0rd!", pool_id, client_id, client=idp).authenticate_user()
    check(False, "pycognito SRP with a wrong password fails")
except ClientError as e:
    check(e.response["Error"]["Code"] == "NotAuthorizedException", "pycognito SRP with a wrong password -> NotAuthorizedException")
secret_tokens = AWSSRP(
    "bob", PASSWORD, pool_id, secret_client["ClientId"], client=idp, client_secret=secret_client["ClientSecret"]
).authenticate_user()["AuthenticationResult"]
check("IdToken" in secret_tokens, "pycognito SRP sign-in through a client with a secret (SECRET_HASH)")

# PyJWT with the JWKS fetched over HTTP through the discovery document (what JwtBearer does).
issuer = f"{url}/{pool_id}"
with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration") as r:
    discovery = json.load(r)
check(discovery["issuer"] == issuer, "discovery issuer is the emulator's URL")
jwks = jwt.PyJWKClient(discovery["jwks_uri"])
id_token, access_token = tokens["IdToken"], tokens["AccessToken"]
id_claims = jwt.decode(
    id_token,
    jwks.get_signing_key_from_jwt(id_token).key,
    algorithms=["RS256"],
    audience=client_id,
    issuer=issuer,
    options={"require": ["exp", "iat", "iss", "aud", "sub"]},
)
check(id_claims["token_use"] == "id" and id_claims["cognito:username"] == "alice", "PyJWT verifies the ID token (issuer, audience, exp, signature)")
check(id_claims["email_verified"] is True, "email_verified is a JSON boolean")
access_claims = jwt.decode(
    access_token,
    jwks.get_signing_key_from_jwt(access_token).key,
    algorithms=["RS256"],
    issuer=issuer,
    options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
)
check(
    access_claims["token_use"] == "access" and access_claims["client_id"] == client_id and "aud" not in access_claims,
    "PyJWT verifies the access token (client_id + token_use, no aud)",
)
check(jwt.get_unverified_header(id_token)["kid"] != jwt.get_unverified_header(access_token)["kid"], "ID and access tokens use different keys")
try:
    jwt.decode(id_token, jwks.get_signing_key_from_jwt(id_token).key, algorithms=["RS256"], audience="someone-else", issuer=issuer)
    check(False, "a wrong audience is refused")
except jwt.InvalidAudienceError:
    check(True, "PyJWT refuses the ID token for another audience")

check(idp.get_user(AccessToken=access_token)["Username"] == "alice", "GetUser with the access token")
idp.global_sign_out(AccessToken=access_token)
try:
    idp.get_user(AccessToken=access_token)
    check(False, "a revoked access token is refused")
except ClientError as e:
    check(
        e.response["Error"]["Code"] == "NotAuthorizedException" and e.response["Error"]["Message"] == "Access Token has been revoked",
        "after GlobalSignOut GetUser refuses the access token: NotAuthorizedException 'Access Token has been revoked'",
    )
try:
    idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    check(False, "refresh after GlobalSignOut fails")
except ClientError as e:
    check(e.response["Error"]["Code"] == "NotAuthorizedException", "refresh after GlobalSignOut -> NotAuthorizedException")

with open(fixture_path, "w") as f:
    json.dump({"poolId": pool_id, "clientId": client_id, "username": "bob", "password": PASSWORD}, f)
