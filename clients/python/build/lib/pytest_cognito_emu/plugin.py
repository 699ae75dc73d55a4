"""The pytest plugin: `cognito_emu` (one emulator for the session, reset before each test
that uses it) and `cognito_emu_session` (the same emulator, never reset).

Options: `--cognito-emu-bin PATH` (or $COGNITO_EMU_BIN), `--cognito-emu-seed FILE`,
`--cognito-emu-arg ARG` (repeatable, e.g. `--cognito-emu-arg=--fixed-code=123456`).
"""

from __future__ import annotations

import pytest

from .emulator import CognitoEmu


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cognito-emu")
    group.addoption("--cognito-emu-bin", default=None, help="the cognito-emu binary")
    group.addoption("--cognito-emu-seed", default=None, help="a seed file (--seed)")
    group.addoption(
        "--cognito-emu-arg",
        action="append",
        default=[],
        help="an extra argument for cognito-emu (repeatable)",
    )


@pytest.fixture(scope="session")
def cognito_emu_session(request: pytest.FixtureRequest):
    """One emulator for the whole test session (fresh database, free port)."""
    opt = request.config.getoption
    emu = CognitoEmu(
        binary=opt("--cognito-emu-bin"),
        seed=opt("--cognito-emu-seed"),
        extra_args=tuple(opt("--cognito-emu-arg")),
    )
    yield emu
    emu.stop()


@pytest.fixture
def cognito_emu(cognito_emu_session: CognitoEmu) -> CognitoEmu:
    """The session's emulator, reset to its seeded state before the test."""
    cognito_emu_session.reset()
    return cognito_emu_session
