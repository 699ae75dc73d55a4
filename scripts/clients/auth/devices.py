"""Remembered devices (J9) with clients we did not write: pycognito computes the device's SRP
verifier (generate_hash_device) and answers DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER itself;
boto3 makes the device calls. Writes a fixture for devices.mjs (amazon-cognito-identity-js)."""
import base64
import json
import sys
import urllib.parse
import urllib.request

import boto3
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP, SMSMFAChallengeException, generate_hash_device

url, fixture_path = sys.argv[1], sys.argv[2]
idp = boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1")
PASSWORD = "Passw0rd!"


def check(cond, what):
    if not cond:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok - {what}")


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def latest_code(phone):
    query = urllib.parse.urlencode({"to": phone})
    with urllib.request.urlopen(f"{url}/_dev/mailbox/latest?{query}") as r:
        return json.load(r)["code"]


pool_id = idp.create_user_pool(
    PoolName="devices",
    DeviceConfiguration={"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True},
    SmsConfiguration={"SnsCallerArn": "arn:aws:iam::000000000000:role/sns", "ExternalId": "x"},
)["UserPool"]["Id"]
idp.set_user_pool_mfa_config(
    UserPoolId=pool_id,
    MfaConfiguration="ON",
    SmsMfaConfiguration={"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::000000000000:role/sns", "ExternalId": "x"}},
)
client_id = idp.create_user_pool_client(
    UserPoolId=pool_id,
    ClientName="spa",
    ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
)["UserPoolClient"]["ClientId"]
phones = {"carol": "+15555550101", "dan": "+15555550102"}
for name, phone in phones.items():
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=name,
        UserAttributes=[{"Name": "phone_number", "Value": phone}, {"Name": "phone_number_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)

# First sign-in: SRP, then SMS MFA; the tokens hand out a new device.
try:
    AWSSRP("carol", PASSWORD, pool_id, client_id, client=idp).authenticate_user()
    check(False, "MFA is asked for on a new device")
except SMSMFAChallengeException as e:
    challenge = e.get_tokens()
check(challenge["ChallengeName"] == "SMS_MFA", "pycognito SRP sign-in on a new device -> SMS_MFA")
tokens = idp.respond_to_auth_challenge(
    ClientId=client_id,
    ChallengeName="SMS_MFA",
    Session=challenge["Session"],
    ChallengeResponses={"USERNAME": "carol", "SMS_MFA_CODE": latest_code(phones["carol"])},
)
meta = tokens["AuthenticationResult"]["NewDeviceMetadata"]
check(meta["DeviceKey"].startswith("us-east-1_") and meta["DeviceGroupKey"], "the sign-in returns NewDeviceMetadata")
access = tokens["AuthenticationResult"]["AccessToken"]
check(claims(access)["device_key"] == meta["DeviceKey"], "the access token carries device_key")

# ConfirmDevice with pycognito's verifier; this pool remembers only when the user says so.
device_password, verifier_config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
confirmed = idp.confirm_device(
    AccessToken=access, DeviceKey=meta["DeviceKey"], DeviceSecretVerifierConfig=verifier_config, DeviceName="carol-laptop"
)
check(confirmed["UserConfirmationNecessary"] is True, "ConfirmDevice -> UserConfirmationNecessary (DeviceOnlyRememberedOnUserPrompt)")
idp.update_device_status(AccessToken=access, DeviceKey=meta["DeviceKey"], DeviceRememberedStatus="remembered")
device = idp.get_device(AccessToken=access, DeviceKey=meta["DeviceKey"])["Device"]
attrs = {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}
check(
    attrs["dev:device_remembered_status"] == "remembered" and attrs["device_name"] == "carol-laptop",
    "GetDevice: remembered, with its name",
)

# Second sign-in from the remembered device: pycognito answers the device challenges; no MFA.
srp = AWSSRP(
    "carol",
    PASSWORD,
    pool_id,
    client_id,
    client=idp,
    device_key=meta["DeviceKey"],
    device_group_key=meta["DeviceGroupKey"],
    device_password=device_password,
)
again = srp.authenticate_user()["AuthenticationResult"]
check("NewDeviceMetadata" not in again, "no new device for a remembered one")
check(claims(again["AccessToken"])["device_key"] == meta["DeviceKey"], "DEVICE_SRP_AUTH (pycognito) skips MFA; the token names the device")

# A wrong device password is refused.
try:
    AWSSRP(
        "carol", PASSWORD, pool_id, client_id, client=idp,
        device_key=meta["DeviceKey"], device_group_key=meta["DeviceGroupKey"], device_password="wrong",
    ).authenticate_user()
    check(False, "a wrong device password fails")
except ClientError as e:
    check(e.response["Error"]["Code"] == "NotAuthorizedException", "a wrong device password -> NotAuthorizedException")

# The admin calls (boto3).
listed = idp.admin_list_devices(UserPoolId=pool_id, Username="carol", Limit=10)["Devices"]
check([d["DeviceKey"] for d in listed] == [meta["DeviceKey"]], "AdminListDevices lists the confirmed device")
idp.admin_update_device_status(UserPoolId=pool_id, Username="carol", DeviceKey=meta["DeviceKey"], DeviceRememberedStatus="not_remembered")
status = {
    a["Name"]: a["Value"]
    for a in idp.admin_get_device(UserPoolId=pool_id, Username="carol", DeviceKey=meta["DeviceKey"])["Device"]["DeviceAttributes"]
}
check(status["dev:device_remembered_status"] == "not_remembered", "AdminUpdateDeviceStatus / AdminGetDevice")
idp.admin_user_global_sign_out(UserPoolId=pool_id, Username="carol")
check(len(idp.admin_list_devices(UserPoolId=pool_id, Username="carol")["Devices"]) == 1, "GlobalSignOut leaves devices")
idp.admin_forget_device(UserPoolId=pool_id, Username="carol", DeviceKey=meta["DeviceKey"])
try:
    idp.admin_get_device(UserPoolId=pool_id, Username="carol", DeviceKey=meta["DeviceKey"])
    check(False, "a forgotten device is gone")
except ClientError as e:
    check(e.response["Error"]["Code"] == "ResourceNotFoundException", "AdminForgetDevice -> AdminGetDevice ResourceNotFoundException")

with open(fixture_path, "w") as f:
    json.dump({"poolId": pool_id, "clientId": client_id, "username": "dan", "password": PASSWORD, "phone": phones["dan"]}, f)
