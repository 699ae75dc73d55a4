"""pytest fixtures for cognito-emu: a fresh local Amazon Cognito for your tests.

    def test_sign_up(cognito_emu):
        idp = cognito_emu.client("cognito-idp")
        ...
        code = cognito_emu.mailbox.code_for(to="ann@example.com")

See README.md next to this package.
"""

from .emulator import CognitoEmu, Mailbox, find_binary

__all__ = ["CognitoEmu", "Mailbox", "find_binary"]
