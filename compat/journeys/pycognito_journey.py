"""The user journeys through pycognito (SRP sign-in via its AWSSRP helper over boto3, token
verification against the pool's JWKS on every sign-in). Pool and client come from the harness's
fixture: pycognito has no pool administration.
Usage: pycognito_journey.py <fixture-json> <results-file>"""

import base64
import json
import sys

from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.exceptions import SoftwareTokenMFAChallengeException, TokenVerificationException

from common import ApiFailure, Journey, advance_clock, check, jwt_payload, mailbox_code, totp, unique

fx = json.loads(sys.argv[1])
url, p = fx["url"], fx["pools"]["pycognito"]
POOL, CID, SECRET = p["pool_id"], p["client_id"], p["client_secret"]
user = unique("compat-py")
email = f"{user}@example.com"
password = "Passw0rd!Compat"


def classify(e):
    if isinstance(e, ClientError):
        err = e.response.get("Error", {})
        return ApiFailure(err.get("Code", "?"), err.get("Message", ""), type(e).__name__ == err.get("Code"))
    return None


def cognito(name=user):
    return Cognito(POOL, CID, client_secret=SECRET, username=name,
                   boto3_client_kwargs={"endpoint_url": url, "aws_access_key_id": "test",
                                        "aws_secret_access_key": "test"})


j = Journey(sys.argv[2], classify)
u = cognito()


def sign_up():
    u.set_base_attributes(email=email, given_name="Compat", phone_number="+48123456789")
    r = u.register(user, password)
    check(r["UserConfirmed"] is False, "UserConfirmed")
    check("*" in r["CodeDeliveryDetails"]["Destination"], "masked destination")
    j.put("j1.sign_up", "signed_up", True)


def username_exists():
    j.need("signed_up")
    j.expect_error("UsernameExistsException", lambda: cognito().register(user, password))


def code_mismatch():
    j.need("signed_up")
    code = mailbox_code(url, POOL, user)
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    j.expect_error("CodeMismatchException", lambda: u.confirm_sign_up(wrong, username=user))


def invalid_password():
    other = unique("compat-weak")
    c = cognito(other)
    c.set_base_attributes(email=f"{other}@example.com")
    j.expect_error("InvalidPasswordException", lambda: c.register(other, "alllowercase1"))


def confirm():
    j.need("signed_up")
    u.confirm_sign_up(mailbox_code(url, POOL, user), username=user)
    j.put("j1.confirm", "confirmed", True)


def admin_sign_in():
    j.need("confirmed")
    c = cognito()
    c.admin_authenticate(password)  # ADMIN_NO_SRP_AUTH; tokens verified on receipt
    check(c.access_token and c.id_token and c.refresh_token, "tokens missing")


def sign_in_srp():
    j.need("confirmed")
    u.authenticate(password)  # USER_SRP_AUTH -> PASSWORD_VERIFIER -> tokens, verified on receipt
    check(u.refresh_token, "no refresh token")
    j.put("j1.sign_in_srp", "tokens", True)


def token_claims():
    j.need("tokens")
    idc, acc = jwt_payload(u.id_token), jwt_payload(u.access_token)
    check(idc.get("cognito:username") == user, f"cognito:username {idc.get('cognito:username')}")
    check(idc.get("aud") == CID and acc.get("client_id") == CID, "aud/client_id")
    check(u.id_claims and u.access_claims, "pycognito kept no verified claims")


def refresh():
    j.need("tokens")
    before = u.access_token
    u.renew_access_token()
    check(u.access_token and u.access_token != before, "no new access token")


def verify_id():
    j.need("tokens")
    u.verify_token(u.id_token, "id_token", "id")


def verify_access():
    j.need("tokens")
    u.verify_token(u.access_token, "access_token", "access")


def reject_tampered():
    j.need("tokens")
    head, body, sig = u.id_token.split(".")
    claims = jwt_payload(u.id_token)
    claims["cognito:username"] = "someone-else"
    forged = ".".join([head, base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="), sig])
    try:
        cognito().verify_token(forged, "id_token", "id")
    except TokenVerificationException:
        return
    raise AssertionError("a tampered token verified")


def get_user():
    j.need("tokens")
    obj = u.get_user()
    check(obj.username == user, f"username {obj.username}")
    check(obj.email == email, f"email {getattr(obj, 'email', None)}")


def update_user():
    j.need("tokens")
    u.update_profile({"given_name": "Renamed"})
    check(u.get_user().given_name == "Renamed", "given_name not updated")


def change_password():
    global password
    j.need("tokens")
    new = "Chang3d!Password"
    u.change_password(password, new)
    old, password = password, new
    u.authenticate(new)
    j.expect_error("NotAuthorizedException", lambda: cognito().authenticate(old))


def forgot_password():
    global password
    j.need("confirmed")
    c = cognito()
    c.initiate_forgot_password()
    new = "F0rgotten!Reset"
    c.confirm_forgot_password(mailbox_code(url, POOL, user), new)
    password = new
    u.authenticate(new)


def not_authorized():
    j.need("confirmed")
    j.expect_error("NotAuthorizedException", lambda: cognito().authenticate("Wr0ng!Password"))


def user_not_found():
    j.expect_error("UserNotFoundException", lambda: cognito(unique("nobody")).authenticate(password))


def global_sign_out():
    j.need("tokens")
    tokens = (u.access_token, u.refresh_token)
    u.logout()
    j.put("j2.global_sign_out", "signed_out", tokens)


def rejected_token():
    access, refresh_token = j.need("signed_out")
    c = cognito()
    c.access_token, c.refresh_token = access, refresh_token
    j.expect_error("NotAuthorizedException", lambda: c.get_user())
    j.expect_error("NotAuthorizedException", lambda: c.renew_access_token())


def mfa():
    j.need("confirmed")
    c = cognito()
    # pycognito has no pool administration: turn on optional TOTP MFA for the pool with its
    # boto3 client, as a user's setup script would (Cognito ignores user MFA settings while
    # the pool's MfaConfiguration is OFF).
    c.client.set_user_pool_mfa_config(UserPoolId=POOL, MfaConfiguration="OPTIONAL",
                                      SoftwareTokenMfaConfiguration={"Enabled": True})
    c.authenticate(password)
    secret = c.associate_software_token()
    offset = advance_clock(url, 0)
    check(c.verify_software_token(totp(secret, offset), "compat"), "VerifySoftwareToken not SUCCESS")
    c.set_user_mfa_preference(False, True, "SOFTWARE_TOKEN")
    d = cognito()
    try:
        d.authenticate(password)
        raise AssertionError("sign-in did not ask for the TOTP code")
    except SoftwareTokenMFAChallengeException:
        pass
    offset = advance_clock(url, 30)
    d.respond_to_software_token_mfa_challenge(totp(secret, offset))
    check(d.access_token, "no tokens after MFA")


j.step("j1.sign_up", sign_up, ["signed_up"])
j.step("err.username_exists", username_exists)
j.step("err.code_mismatch", code_mismatch)
j.step("err.invalid_password", invalid_password)
j.step("j1.confirm", confirm, ["confirmed"])
j.step("j1.admin_sign_in", admin_sign_in)
j.na("j1.sign_in_password", "pycognito signs in with SRP (or admin auth)")
j.step("j1.sign_in_srp", sign_in_srp, ["tokens"])
j.step("j1.token_claims", token_claims)
j.step("j1.refresh", refresh)
j.step("j3.verify_id", verify_id)
j.step("j3.verify_access", verify_access)
j.step("j3.reject_tampered", reject_tampered)
j.step("j2.get_user", get_user)
j.step("j2.update_user", update_user)
j.step("j2.change_password", change_password)
j.step("j2.forgot_password", forgot_password)
j.step("err.not_authorized", not_authorized)
j.step("err.user_not_found", user_not_found)
j.step("j2.global_sign_out", global_sign_out, ["signed_out"])
j.step("j2.rejected_token", rejected_token)
j.step("j2.mfa", mfa)
for s in ("setup.create_pool", "setup.create_client", "setup.describe", "setup.list_pools",
          "setup.admin_create_user"):
    j.na(s, "pycognito has no pool administration")
for s in ("j6.setup", "j6.get_id", "j6.credentials"):
    j.na(s, "pycognito has no identity-pool support")
j.write()
