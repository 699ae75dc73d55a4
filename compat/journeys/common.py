"""What every Python journey shares: the step runner, error classification, the dev mailbox,
SECRET_HASH, TOTP and JWT payload decoding. A journey prints nothing but its results file."""

import base64
import hashlib
import hmac
import json
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

# Statuses a cell can have (compat/run.py renders them).
PASS, FAIL, NOT_IMPLEMENTED, BLOCKED, NA = "pass", "fail", "not-implemented", "blocked", "n/a"


class ApiFailure(Exception):
    """An AWS error as a client surfaced it: its code, message and whether the client raised
    its own typed exception for it."""

    def __init__(self, code, message, typed=True):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.typed = code, message, typed


class Blocked(Exception):
    """A step cannot run because an earlier one did not produce what it needs."""


class Check(Exception):
    """The call worked but the answer is not what Cognito gives."""


def check(cond, what):
    if not cond:
        raise Check(what)


class Journey:
    """Runs steps in order, recording one result per step; a later step that needs a value an
    earlier one failed to produce is recorded as blocked, naming that step."""

    def __init__(self, out_path, classify):
        self.out_path = out_path
        self.classify = classify  # exception -> ApiFailure | None
        self.results = {}
        self.state = {}
        self.provider = {}  # state key -> step id that sets it

    def need(self, *keys):
        vals = []
        for k in keys:
            if k not in self.state:
                src = self.provider.get(k, "?")
                r = self.results.get(src, {})
                why = r.get("status", "not run")
                if r.get("detail"):
                    why += ": " + r["detail"]
                raise Blocked(f"needs {src} ({why})")
            vals.append(self.state[k])
        return vals if len(vals) != 1 else vals[0]

    def put(self, step, key, value):
        self.state[key] = value
        self.provider[key] = step

    def na(self, step, why):
        self.results[step] = {"status": NA, "detail": why}

    def step(self, step_id, fn, provides=()):
        for k in provides:
            self.provider.setdefault(k, step_id)
        try:
            fn()
            res = {"status": PASS, "detail": ""}
        except Blocked as e:
            res = {"status": BLOCKED, "detail": str(e)}
        except Check as e:
            res = {"status": FAIL, "detail": f"wrong answer: {e}"}
        except Exception as e:  # noqa: BLE001 - any client failure is a cell result
            f = e if isinstance(e, ApiFailure) else self.classify(e)
            if f is not None and f.code == "NotImplementedException":
                res = {"status": NOT_IMPLEMENTED, "detail": f.message}
            elif f is not None:
                res = {"status": FAIL, "detail": f"{f.code}: {f.message}"}
            else:
                res = {"status": FAIL, "detail": f"{type(e).__name__}: {e}"}
        res["detail"] = " ".join(res["detail"].split())[:300]
        self.results[step_id] = res

    def expect_error(self, code, fn, typed_check=None):
        """Runs fn, which must fail with `code` surfaced as the client's own error type."""
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            f = e if isinstance(e, ApiFailure) else self.classify(e)
            if f is None:
                raise
            if f.code == "NotImplementedException":
                raise f
            check(f.code == code, f"expected {code}, got {f.code}: {f.message}")
            check(f.typed, f"{code} not raised as the client's typed exception")
            if typed_check is not None:
                check(typed_check(e), f"{code} not raised as the client's typed exception")
            return f
        raise Check(f"expected {code}, the call succeeded")

    def write(self):
        with open(self.out_path, "w") as f:
            json.dump(self.results, f, indent=1, sort_keys=True)


def secret_hash(username, client_id, client_secret):
    mac = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def http_json(url, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def mailbox_code(url, pool_id, username):
    """The newest code the dev mailbox holds for the user."""
    q = urllib.parse.urlencode({"pool": pool_id, "username": username})
    try:
        msg = http_json(f"{url}/_dev/mailbox/latest?{q}")
    except urllib.error.HTTPError as e:
        raise Check(f"no mailbox message for {username} (HTTP {e.code})") from None
    code = msg.get("code")
    check(isinstance(code, str) and len(code) == 6 and code.isdigit(), f"mailbox code {code!r}")
    return code


def advance_clock(url, seconds):
    """Moves the emulator's clock; answers the total offset in seconds."""
    return http_json(f"{url}/_dev/clock/advance", "POST", {"seconds": seconds})["offset_seconds"]


def totp(secret_b32, offset_seconds=0):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8), casefold=True)
    counter = int((time.time() + offset_seconds) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    return str((struct.unpack(">I", mac[o : o + 4])[0] & 0x7FFFFFFF) % 1_000_000).zfill(6)


def jwt_payload(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def load_fixture():
    return json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}

