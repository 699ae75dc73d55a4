"""The plugin used the way a user's suite uses it: fixtures, boto3, the mailbox, the clock,
reset between tests. Run by scripts/clients/boto3_users.sh against the built binary."""

import pytest


def make_pool(emu):
    idp = emu.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="app", AutoVerifiedAttributes=["email"])["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    return idp, pool["Id"], client["ClientId"]


def test_sign_up_confirm_and_sign_in(cognito_emu):
    idp, pool_id, client_id = make_pool(cognito_emu)
    idp.sign_up(
        ClientId=client_id,
        Username="ann",
        Password="Passw0rd!",
        UserAttributes=[{"Name": "email", "Value": "ann@example.com"}],
    )
    code = cognito_emu.mailbox.code_for(to="ann@example.com")
    idp.confirm_sign_up(ClientId=client_id, Username="ann", ConfirmationCode=code)
    tokens = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann", "PASSWORD": "Passw0rd!"},
    )["AuthenticationResult"]
    assert tokens["TokenType"] == "Bearer"


def test_each_test_starts_clean(cognito_emu):
    # The pool made by the test above is gone.
    idp = cognito_emu.client("cognito-idp")
    assert idp.list_user_pools(MaxResults=60)["UserPools"] == []
    assert cognito_emu.mailbox.messages() == []


def test_the_clock_expires_codes(cognito_emu):
    idp, pool_id, client_id = make_pool(cognito_emu)
    idp.sign_up(
        ClientId=client_id,
        Username="bo",
        Password="Passw0rd!",
        UserAttributes=[{"Name": "email", "Value": "bo@example.com"}],
    )
    code = cognito_emu.mailbox.code_for(to="bo@example.com", kind="sign_up")
    cognito_emu.advance_clock(25 * 3600)
    with pytest.raises(idp.exceptions.ExpiredCodeException):
        idp.confirm_sign_up(ClientId=client_id, Username="bo", ConfirmationCode=code)


def test_reset_of_one_pool(cognito_emu):
    idp, pool_id, _ = make_pool(cognito_emu)
    _, other, _ = make_pool(cognito_emu)
    cognito_emu.reset(pool=pool_id)
    left = [p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]]
    assert left == [other]


def test_session_fixture_is_the_same_emulator(cognito_emu, cognito_emu_session):
    assert cognito_emu is cognito_emu_session
    assert cognito_emu.endpoint.startswith("http://127.0.0.1:")
