#!/usr/bin/env bash
# One-command installs, checked from clean installs (issue #22 part 3): packaging/build.sh packs
# the release binary as a Python wheel and an npm package; then
#   - a fresh venv `pip install`s the wheel (offline, no other package), runs `cognito-emu` from
#     the venv's bin/ and `python -m cognito_emu`, and the pytest plugin (clients/python) finds
#     the wheel's binary by itself and runs a test against it;
#   - a fresh Node project `npm install`s the tarball, runs `npx cognito-emu`, and the Node
#     helper (clients/node) finds the package's binary by itself and starts it.
# Each started emulator answers a real API call (CreateUserPool, ListUserPools).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac

cargo build --release --quiet --bin cognito-emu
mapfile -t built < <(OUT="$target/dist" packaging/build.sh "$target/release/cognito-emu")
wheel=${built[0]}
tarball=${built[1]}
echo "built: $(basename "$wheel"), $(basename "$tarball")"

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts "$@" (an emulator on port 0) and sets $url to where it listens.
start() {
  local log="$work/emu-$RANDOM.log"
  "$@" --port 0 --in-memory --log-level warn >"$log" 2>&1 &
  pids+=($!)
  url=""
  for _ in $(seq 1 100); do
    url=$(grep -Eo 'http://[0-9.]+:[0-9]+' "$log" | head -n1 || true)
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "emulator did not start: $*"; cat "$log"; exit 1
}

# A signed-looking admin call and an answer checked for the pool it created.
api_round_trip() {
  local auth='AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00'
  local hdr=(-H 'content-type: application/x-amz-json-1.1' -H "authorization: $auth")
  curl -fsS "${hdr[@]}" -H 'x-amz-target: AWSCognitoIdentityProviderService.CreateUserPool' \
    -d '{"PoolName":"installed"}' "$1/" >/dev/null
  curl -fsS "${hdr[@]}" -H 'x-amz-target: AWSCognitoIdentityProviderService.ListUserPools' \
    -d '{"MaxResults":10}' "$1/" | grep -q '"Name":"installed"'
}

# --- Python: a clean venv, the wheel alone (no index), then the pytest plugin on top.
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$wheel"
"$work/venv/bin/cognito-emu" --version
start "$work/venv/bin/cognito-emu"
api_round_trip "$url"
start "$work/venv/bin/python" -m cognito_emu
api_round_trip "$url"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$root/clients/python"
mkdir -p "$work/pytests"
cat >"$work/pytests/test_installed.py" <<'PY'
import json
import urllib.request


def test_the_wheel_binary_serves(cognito_emu):
    req = urllib.request.Request(
        cognito_emu.endpoint + "/",
        data=json.dumps({"MaxResults": 5}).encode(),
        headers={
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": "AWSCognitoIdentityProviderService.ListUserPools",
        },
    )
    with urllib.request.urlopen(req) as resp:
        assert "UserPools" in json.load(resp)
    assert cognito_emu.mailbox.messages() == []
PY
(cd "$work/pytests" && env -u COGNITO_EMU_BIN PATH=/usr/bin:/bin \
  "$work/venv/bin/python" -m pytest -q -p no:cacheprovider test_installed.py)

# --- Node: a clean project, the tarball, npx, and the helper finding the package's binary.
mkdir -p "$work/node"
cd "$work/node"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "$tarball"
npx --no-install cognito-emu --version
start "$work/node/node_modules/.bin/cognito-emu"
api_round_trip "$url"
cp -r "$root/clients/node" "$work/node-helper"
cat >check.mjs <<'JS'
import { binaryPath } from "cognito-emu";
import { findBinary, startCognitoEmu } from "../node-helper/index.js";
if (findBinary() !== binaryPath) throw new Error(`helper found ${findBinary()}, not ${binaryPath}`);
const emu = await startCognitoEmu();
try {
  const r = await fetch(emu.endpoint + "/", {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AWSCognitoIdentityProviderService.ListUserPools",
    },
    body: JSON.stringify({ MaxResults: 5 }),
  });
  if (!r.ok || !("UserPools" in (await r.json()))) throw new Error("ListUserPools failed");
} finally {
  await emu.stop();
}
console.log("node helper started", binaryPath);
JS
env -u COGNITO_EMU_BIN -u CARGO_TARGET_DIR node check.mjs
echo "one-command installs: ok"
