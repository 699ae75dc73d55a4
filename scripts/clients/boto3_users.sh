#!/usr/bin/env bash
# The user lifecycle and journey J6 through boto3 (the AWS SDK for Python), unmodified, against
# a running emulator (scripts/clients/users/boto3_users.py):
#   - J1 with a SECRET_HASH client: SignUp -> code from the dev mailbox -> ConfirmSignUp ->
#     AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH -> GetUser -> ForgotPassword -> code ->
#     ConfirmForgotPassword -> sign-in with the new password
#   - botocore's modelled exception classes (client.exceptions.UsernameExistsException, ...)
#   - J6: identity pool with the user pool as provider -> GetId -> GetCredentialsForIdentity
#   - the pytest plugin in clients/python (fixtures starting the built binary, reset between
#     tests, mailbox and clock helpers), installed into the same venv and run by pytest
# Installs its own dependencies (a venv under target/ with the pinned boto3).
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"

cargo build --release --quiet --bin cognito-emu
venv="$target/clients-venv-users"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/clients/users/requirements.txt
"$venv/bin/pip" install --quiet --disable-pip-version-check ./clients/python

log="$target/clients-users-emulator.log"
"$target/release/cognito-emu" --port 0 --in-memory --log-level warn >"$log.out" 2>"$log" &
emu=$!
trap 'kill "$emu" 2>/dev/null || true' EXIT
url=""
for _ in $(seq 1 100); do
  url=$(grep -Eo 'http://[0-9.]+:[0-9]+' "$log.out" | head -n1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "emulator did not start"; cat "$log"; exit 1; }

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
"$venv/bin/python" scripts/clients/users/boto3_users.py "$url"
bin="$target/release/cognito-emu"
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
COGNITO_EMU_BIN="$bin" "$venv/bin/python" -m pytest -q -p no:cacheprovider clients/python/tests
echo "boto3 users clients: ok"
