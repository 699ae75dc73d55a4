#!/usr/bin/env bash
# The hosted UI and OAuth endpoints driven by real clients against a running emulator:
#   - headless Debian Chromium through playwright-core: authorization code + PKCE via the login
#     page (ID token signature checked against the JWKS), the session cookie and /logout,
#     sign-up and forgot-password with codes from the dev mailbox, the wrong-password message,
#     the dev mailbox page; screenshots of every page in target/screenshots/
#   - passkeys: a CDP virtual authenticator on a http://localhost page registers a passkey
#     (Start/CompleteWebAuthnRegistration) and signs in with USER_AUTH's WEB_AUTHN challenge;
#     a tampered assertion is refused; then the hosted login's "Sign in with passkey" on
#     http://localhost:<port> with the same authenticator, through to the app's callback
#   - Amplify JS v6 bundled for the page (esbuild): associateWebAuthnCredential, then signIn
#     with preferredChallenge WEB_AUTHN completes with the passkey alone (journey J8 step 4)
#   - oidc-client-ts (AWS's React quick start, via react-oidc-context) in a SPA page of its own
#     origin: signinRedirect through the hosted login, signinRedirectCallback, signinSilent with
#     the refresh token, signoutRedirect through /logout (Cognito's parameters as extraQueryParams)
#   - Auth.js (next-auth's core) with its Cognito provider in an Express app (@auth/express):
#     sign-in through the hosted login, the session the app then sees
#   - openid-client (a certified OIDC relying-party library): discovery from the authority,
#     code flow with PKCE, client_secret_basic, ID token validation, userinfo
#   - the dev console (/_dev/): pool page, create a user through the form, search, an action,
#     the token decoder, the clock, and a form posted from a foreign page refused
#     (screenshots target/screenshots/console-*.png)
# Installs its own dependencies: Debian's chromium (apt) when /usr/bin/chromium is missing, and
# `npm ci` in scripts/clients/browser/ (playwright-core drives the system Chromium; it never
# downloads a browser).
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq chromium </dev/null >/dev/null
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
(cd scripts/clients/browser && npm ci --silent --no-audit --no-fund </dev/null >/dev/null)

cargo build --release --quiet --bin cognito-emu

log="$target/clients-browser-emulator.log"
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

export EMU_URL="$url"
case "$target" in
  /*) export SCREENSHOT_DIR="$target/screenshots" ;;
  *) export SCREENSHOT_DIR="$PWD/$target/screenshots" ;;
esac
rm -rf "$SCREENSHOT_DIR"
cd scripts/clients/browser
node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs
echo "browser clients: ok (screenshots in $SCREENSHOT_DIR)"
