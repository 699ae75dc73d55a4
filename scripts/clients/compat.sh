#!/usr/bin/env bash
# Client compatibility matrix (compat/): builds the emulator, installs the pinned Python clients
# (boto3, AWS CLI, pycognito) into compat/.venv and the JS clients (SDK v3, amazon-cognito-identity-js,
# aws-jwt-verify) into compat/node_modules, reinstalling only when the pins change, then runs
# compat/run.py: the same journeys through every client, the conformance suite mapped into the
# Rust column, every recorded response checked against the service models, COMPATIBILITY.md
# regenerated. Fails on a failing cell, a shape violation, or a stale COMPATIBILITY.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "compat: building the emulator (release)"
cargo build --release --quiet -p cognito-emu --bin cognito-emu

venv=compat/.venv
want=$(sha256sum compat/requirements.txt | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.installed" 2>/dev/null)" != "$want" ]; then
  echo "compat: installing Python clients (compat/requirements.txt)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r compat/requirements.txt
  echo "$want" >"$venv/.installed"
fi

want=$(sha256sum compat/package-lock.json | cut -d' ' -f1)
if [ ! -d compat/node_modules ] || [ "$(cat compat/node_modules/.installed 2>/dev/null)" != "$want" ]; then
  echo "compat: installing JS clients (npm ci)"
  (cd compat && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >compat/node_modules/.installed
fi

exec "$venv/bin/python" compat/run.py "$@"
