#!/usr/bin/env bash
# Sign-in and tokens checked by independent clients against a running emulator:
#   - pycognito's AWSSRP (Python SRP client): right password -> tokens, wrong -> NotAuthorizedException
#   - amazon-cognito-identity-js (what Amplify and .NET's CognitoAuthentication do):
#     authenticateUser over SRP, wrong password, refreshSession
#   - PyJWT and aws-jwt-verify verifying the tokens with the JWKS fetched over HTTP, with
#     ASP.NET JwtBearer-style rules (issuer, audience / client_id + token_use, exp, signature)
#   - SAML sign-in (saml_idp.py): a signxml-signed IdP served over MetadataURL, the AuthnRequest
#     inflated by zlib, InResponseTo answered, code -> tokens with the identities claim
#   - remembered devices: pycognito's device verifier and DEVICE_SRP_AUTH, boto3's device
#     calls, amazon-cognito-identity-js's ConfirmDevice / remembered sign-in without MFA
#   - trigger handler files (scripts/clients/auth/triggers/) run by the emulator's node and
#     python runners: CUSTOM_AUTH with SRP and PreTokenGeneration V2 through
#     amazon-cognito-identity-js, the claims checked with aws-jwt-verify
#   - the Node test helper in clients/node (startCognitoEmu, global setup) under node:test
#   - AWS Amplify JS v6 with userPoolEndpoint / identityPoolEndpoint: sign-up to TOTP and
#     USER_AUTH e-mail codes, identity-pool credentials through fetchAuthSession
# Installs its own dependencies (a venv under target/, npm in scripts/clients/auth/).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target="${CARGO_TARGET_DIR:-target}"

cargo build --release --quiet --bin cognito-emu
venv="$target/clients-venv-auth"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/clients/auth/requirements.txt
(cd scripts/clients/auth && npm install --silent --no-audit --no-fund >/dev/null)

log="$target/clients-auth-emulator.log"
handlers="$root/scripts/clients/auth/triggers"
"$target/release/cognito-emu" --port 0 --in-memory --log-level warn \
  --lambda "defineAuthChallenge=node:$handlers/define-auth-challenge.mjs" \
  --lambda "createAuthChallenge=node:$handlers/create-auth-challenge.cjs#handler" \
  --lambda "verifyAuthChallenge=python:$handlers/verify_auth_challenge.py#lambda_handler" \
  --lambda "preTokenV2=node:$handlers/pre-token-generation-v2.mjs" \
  >"$log.out" 2>"$log" &
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
fixture="$target/clients-auth-fixture.json"
"$venv/bin/python" scripts/clients/auth/python_clients.py "$url" "$fixture"
node scripts/clients/auth/js_clients.mjs "$url" "$fixture"
devices_fixture="$target/clients-devices-fixture.json"
"$venv/bin/python" scripts/clients/auth/devices.py "$url" "$devices_fixture"
node scripts/clients/auth/devices.mjs "$url" "$devices_fixture"
node scripts/clients/auth/triggers.mjs "$url"
node scripts/clients/auth/amplify.mjs "$url"
"$venv/bin/python" scripts/clients/auth/saml_idp.py "$url"
# The Node test helper (clients/node) against the same binary, under node:test.
bin="$target/release/cognito-emu"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
COGNITO_EMU_BIN="$bin" node --test clients/node/test/
echo "auth clients: ok"
