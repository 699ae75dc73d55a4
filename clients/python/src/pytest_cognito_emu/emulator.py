"""Starting and talking to a cognito-emu process (no pytest here: usable from any harness)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Optional

_URL = re.compile(r"http://[0-9.]+:[0-9]+")


def find_binary() -> str:
    """The cognito-emu binary: $COGNITO_EMU_BIN, then the `cognito-emu` wheel installed in this
    environment, then `cognito-emu` on PATH, then a cargo build in the current directory or its
    parents (target/release, target/debug)."""
    explicit = os.environ.get("COGNITO_EMU_BIN")
    if explicit:
        return explicit
    try:
        import cognito_emu  # the wheel that carries the binary (packaging/build.sh)

        return cognito_emu.binary()
    except (ImportError, FileNotFoundError):
        pass
    on_path = shutil.which("cognito-emu")
    if on_path:
        return on_path
    target = os.environ.get("CARGO_TARGET_DIR")
    here = Path.cwd()
    for base in [here, *here.parents]:
        for profile in ("release", "debug"):
            candidate = Path(target or base / "target") / profile / "cognito-emu"
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    raise FileNotFoundError(
        "cognito-emu not found: pip install the cognito-emu wheel, set COGNITO_EMU_BIN, put it "
        "on PATH, or build it with `cargo build --release`"
    )


class Mailbox:
    """The dev mailbox: every code and message the emulator sent."""

    def __init__(self, emu: "CognitoEmu") -> None:
        self._emu = emu

    def messages(self, **filters: str) -> list[dict[str, Any]]:
        """Messages oldest first; filters: to, pool, username, kind."""
        return self._emu._get("/_dev/mailbox", filters)["messages"]

    def latest(self, **filters: str) -> Optional[dict[str, Any]]:
        """The newest message matching the filters, or None."""
        try:
            return self._emu._get("/_dev/mailbox/latest", filters)
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def code_for(self, **filters: str) -> str:
        """The code in the newest matching message (AssertionError when there is none)."""
        message = self.latest(**filters)
        assert message is not None and message.get("code"), f"no code sent matching {filters}"
        return message["code"]

    def clear(self) -> None:
        self._emu._request("DELETE", "/_dev/mailbox")


class CognitoEmu:
    """A running emulator: `endpoint`, ready boto3 clients, the mailbox, the clock."""

    def __init__(
        self,
        binary: Optional[str] = None,
        seed: Optional[str] = None,
        extra_args: tuple[str, ...] = (),
        region: str = "us-east-1",
    ) -> None:
        self.region = region
        self._dir = tempfile.mkdtemp(prefix="cognito-emu-")
        args = [binary or find_binary(), "--port", "0", "--db", os.path.join(self._dir, "db.sqlite")]
        if seed:
            args += ["--seed", str(seed)]
        args += list(extra_args)
        self._stdout = open(os.path.join(self._dir, "stdout.log"), "w+")
        self._stderr = open(os.path.join(self._dir, "stderr.log"), "w+")
        self.process = subprocess.Popen(args, stdout=self._stdout, stderr=self._stderr)
        self.endpoint = self._wait_for_url()
        self.mailbox = Mailbox(self)

    def _wait_for_url(self, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._stdout.seek(0)
            found = _URL.search(self._stdout.read())
            if found:
                return found.group(0)
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self._stderr.seek(0)
        self.stop()
        raise RuntimeError(f"cognito-emu did not start: {self._stderr.read()[-2000:]}")

    # -- HTTP helpers -------------------------------------------------------------------
    def _request(self, method: str, path: str, query=None, body=None) -> Any:
        url = self.endpoint + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read().decode()
        return json.loads(text) if text else None

    def _get(self, path: str, query=None) -> Any:
        return self._request("GET", path, query)

    # -- what tests use -----------------------------------------------------------------
    def client(self, service: str = "cognito-idp", **kwargs: Any):
        """A boto3 client for `cognito-idp` or `cognito-identity` pointed at the emulator
        (dummy credentials: the emulator does not check signatures)."""
        import boto3

        kwargs.setdefault("region_name", self.region)
        kwargs.setdefault("aws_access_key_id", "test")
        kwargs.setdefault("aws_secret_access_key", "test")
        return boto3.client(service, endpoint_url=self.endpoint, **kwargs)

    def advance_clock(self, seconds: int) -> int:
        """Moves the emulator's clock forward; answers the total offset in seconds."""
        return self._request("POST", "/_dev/clock/advance", body={"seconds": seconds})[
            "offset_seconds"
        ]

    def reset(self, pool: Optional[str] = None) -> None:
        """Deletes everything (or one user pool) and re-applies the seed."""
        self._request("POST", "/_dev/reset", {"pool": pool} if pool else None)

    def triggers(self, trigger: Optional[str] = None) -> list[dict[str, Any]]:
        """The Lambda trigger invocations, oldest first."""
        return self._get("/_dev/triggers", {"trigger": trigger} if trigger else None)[
            "invocations"
        ]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stdout.close()
        self._stderr.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> "CognitoEmu":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
