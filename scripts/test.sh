#!/usr/bin/env bash
# Everything CI checks (`.ci/run` runs exactly this): generated code current, formatting, clippy,
# then every test — unit tests, the CLI test and the conformance suite — and the client stages
# in scripts/clients/ (each installs its own dependencies). Ends with one summary line
# ("tests: N passed, M failed"); exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
log_dir="${CARGO_TARGET_DIR:-target}/test-logs"
mkdir -p "$log_dir"

stage() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

stage "generated code is current (tools/codegen.sh --check)"
tools/codegen.sh --check

stage "formatting (cargo fmt --check)"
cargo fmt --all -- --check

stage "lints (cargo clippy -D warnings)"
cargo clippy --all-targets --workspace -- -D warnings

if [ -x scripts/lint-docker.sh ]; then
  stage "Docker files (scripts/lint-docker.sh)"
  scripts/lint-docker.sh
fi

stage "tests (cargo test --workspace)"
status=0
cargo test --workspace --all-targets --no-fail-fast 2>&1 | tee "$log_dir/cargo-test.log" || status=$?

# Client stages: scripts/clients/NAME.sh in name order, from the repository root. Each installs
# what it needs (venv, npm, ...) and exits non-zero on failure. Skipped when cargo test failed.
failed_clients=()
shopt -s nullglob
if [ "$status" -eq 0 ]; then
  for client in scripts/clients/*.sh; do
    stage "client tests ($client)"
    bash "$client" || failed_clients+=("$client")
  done
fi

results=$(grep -E '^test result: ' "$log_dir/cargo-test.log" || true)
passed=$(grep -Eo '[0-9]+ passed' <<<"$results" | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' <<<"$results" | awk '{s+=$1} END {print s+0}')
printf '\n==> done in %ss\n' "$((SECONDS - started))"
if [ "${#failed_clients[@]}" -gt 0 ]; then
  echo "client stages failed: ${failed_clients[*]}"
fi
echo "tests: $passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "${#failed_clients[@]}" -gt 0 ]; then
  exit 1
fi
