#!/usr/bin/env bash
# Regenerates src/protocol/generated/*.rs and models/*.json from the pinned botocore models.
# `tools/codegen.sh --check` fails when the committed files differ (CI runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
BOTOCORE_VERSION=1.44.5
venv=target/codegen-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import botocore,sys; sys.exit(botocore.__version__!='$BOTOCORE_VERSION')" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "botocore==$BOTOCORE_VERSION"
fi
pkg=$("$venv/bin/python" -c "import botocore,os; print(os.path.dirname(botocore.__file__))")
"$venv/bin/python" tools/codegen.py "$@" "$pkg"
