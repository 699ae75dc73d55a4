"""Per-flow server-side latency: drives SRP handshakes, password logins and refreshes against a
running emulator (started with --log-level info) and prints client-side timings; the server-side
time per request is in the emulator's request log lines ("... InitiateAuth 200  1.23ms").
Usage: bench.py URL [N]"""
import statistics
import sys
import time

import boto3
from pycognito.aws_srp import AWSSRP

url = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
idp = boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1")
pool_id = idp.create_user_pool(PoolName="bench")["UserPool"]["Id"]
client_id = idp.create_user_pool_client(
    UserPoolId=pool_id,
    ClientName="bench",
    ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"],
)["UserPoolClient"]["ClientId"]
idp.admin_create_user(UserPoolId=pool_id, Username="bench", MessageAction="SUPPRESS")
idp.admin_set_user_password(UserPoolId=pool_id, Username="bench", Password="Passw0rd!", Permanent=True)
srp = AWSSRP("bench", "Passw0rd!", pool_id, client_id, client=idp)
rt = srp.authenticate_user()["AuthenticationResult"]["RefreshToken"]  # warms the key cache


def timed(f):
    t = time.perf_counter()
    f()
    return (time.perf_counter() - t) * 1000


def srp_login():
    AWSSRP("bench", "Passw0rd!", pool_id, client_id, client=idp).authenticate_user()


def password_login():
    idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=client_id, AuthParameters={"USERNAME": "bench", "PASSWORD": "Passw0rd!"})


def refresh():
    idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=client_id, AuthParameters={"REFRESH_TOKEN": rt})


for name, f in [("srp (2 calls)", srp_login), ("password", password_login), ("refresh", refresh)]:
    ts = [timed(f) for _ in range(n)]
    print(f"{name}: median {statistics.median(ts):.2f} ms, p90 {sorted(ts)[int(n * 0.9)]:.2f} ms (client-side, incl. client SRP math)")
