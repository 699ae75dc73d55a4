#!/usr/bin/env bash
# The full side-by-side benchmark: builds cognito-emu and the bench (release), installs the
# pinned peers into bench/.peers (moto's server mode from PyPI, cognito-local from npm; the
# Rust peers fakecloud and cognitox with `cargo install` only when BENCH_RUST_PEERS=1),
# runs the same phases against each on a loopback port (the bench starts every server
# itself and stops it by PID), and merges the results into bench/results/results.{md,json}.
#
# Knobs (environment):
#   BENCH_DURATION=10         seconds per phase and concurrency (use >= 10 for the record)
#   BENCH_SCALE=1000,100000   pool sizes for the scale runs
#   BENCH_SCALE_1M=1          also preload cognito-emu to 1,000,000 users (slow)
#   BENCH_SCALE_BUDGET=600    most seconds of preload per size and target
#   BENCH_PEER_BUDGET=240     the same for the peers (they report how far they got)
#   BENCH_RUST_PEERS=1        also install (cached) and run fakecloud and cognitox
#   BENCH_ONLY="cognito-emu moto"  run only these targets
#   BENCH_OUT=bench/results   where results go
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PEERS=$ROOT/bench/.peers
OUT=${BENCH_OUT:-$ROOT/bench/results}
DURATION=${BENCH_DURATION:-10}
SCALE=${BENCH_SCALE:-1000,100000}
SCALE_BUDGET=${BENCH_SCALE_BUDGET:-600}
PEER_BUDGET=${BENCH_PEER_BUDGET:-240}
ONLY=${BENCH_ONLY:-cognito-emu moto cognito-local fakecloud cognitox}

MOTO_VERSION=5.2.5
COGNITO_LOCAL_VERSION=5.3.0
FAKECLOUD_VERSION=${FAKECLOUD_VERSION:-0.51.0}
COGNITOX_VERSION=${COGNITOX_VERSION:-0.1.2}

PORT_EMU=19229
PORT_MOTO=19230
PORT_CL=19231
PORT_FC=19232
PORT_CX=19233

mkdir -p "$PEERS" "$OUT"
wanted() { [[ " $ONLY " == *" $1 "* ]]; }

install_moto() {
  if [[ -x $PEERS/venv/bin/moto_server ]] &&
     [[ $("$PEERS/venv/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null) == "$MOTO_VERSION" ]]; then
    return
  fi
  echo "== installing moto $MOTO_VERSION (server mode) into $PEERS/venv"
  python3 -m venv "$PEERS/venv"
  "$PEERS/venv/bin/pip" install -q "moto[server,cognitoidp]==$MOTO_VERSION"
}

install_cognito_local() {
  local pkg=$PEERS/node/node_modules/cognito-local/package.json
  if [[ -f $pkg ]] && grep -q "\"version\": \"$COGNITO_LOCAL_VERSION\"" "$pkg"; then
    return
  fi
  echo "== installing cognito-local $COGNITO_LOCAL_VERSION into $PEERS/node"
  mkdir -p "$PEERS/node"
  npm install --no-audit --no-fund --prefix "$PEERS/node" "cognito-local@$COGNITO_LOCAL_VERSION"
}

# cargo install is slow (minutes each on 2 cores); the result is cached in $PEERS/cargo.
install_rust_peer() {
  local crate=$1 version=$2
  if [[ -x $PEERS/cargo/bin/$crate ]]; then
    return
  fi
  echo "== cargo install $crate ${version:-(latest)} into $PEERS/cargo"
  cargo install --locked --root "$PEERS/cargo" ${version:+--version "$version"} "$crate"
}

echo "== building cognito-emu and the bench (release)"
cargo build --release -p cognito-emu -p bench
BENCH=$ROOT/target/release/bench
EMU=$ROOT/target/release/cognito-emu

results=()
run_target() {
  local label=$1 version=$2 port=$3 cmd=$4
  shift 4
  echo "== $label ($version) on 127.0.0.1:$port"
  : > "$PEERS/$label.log"
  if "$BENCH" --label "$label" --version-string "$version" \
      --target "http://127.0.0.1:$port" --spawn "$cmd" --server-log "$PEERS/$label.log" \
      --duration "$DURATION" --json "$OUT/$label.json" "$@" > "$PEERS/$label.bench.md"; then
    results+=("$OUT/$label.json")
  else
    echo "!! the run against $label failed (see $PEERS/$label.log)"
    [[ -f $OUT/$label.json ]] && results+=("$OUT/$label.json")
  fi
}

if wanted cognito-emu; then
  rm -rf "$PEERS/data/emu" && mkdir -p "$PEERS/data/emu"
  extra=()
  [[ ${BENCH_SCALE_1M:-0} == 1 ]] && extra+=(--scale-1m)
  run_target cognito-emu "$("$EMU" --version | awk '{print $2}') ($(git rev-parse --short HEAD))" "$PORT_EMU" \
    "$EMU --port $PORT_EMU --db $PEERS/data/emu/cognito-emu.db" \
    --micro --restart --scale "$SCALE" --scale-budget "$SCALE_BUDGET" "${extra[@]}"
fi

if wanted moto; then
  install_moto
  # In memory: nothing to restart on.
  run_target moto "$MOTO_VERSION" "$PORT_MOTO" \
    "$PEERS/venv/bin/moto_server -H 127.0.0.1 -p $PORT_MOTO" \
    --scale "$SCALE" --scale-budget "$PEER_BUDGET"
fi

if wanted cognito-local; then
  install_cognito_local
  rm -rf "$PEERS/data/cl" && mkdir -p "$PEERS/data/cl"
  # It keeps its data in ./.cognito under the working directory.
  run_target cognito-local "$COGNITO_LOCAL_VERSION" "$PORT_CL" \
    "bash -c 'cd $PEERS/data/cl && HOST=127.0.0.1 PORT=$PORT_CL exec node $PEERS/node/node_modules/cognito-local/lib/bin/start.js'" \
    --restart --scale "$SCALE" --scale-budget "$PEER_BUDGET"
fi

if [[ ${BENCH_RUST_PEERS:-0} == 1 ]]; then
  if wanted fakecloud; then
    install_rust_peer fakecloud "$FAKECLOUD_VERSION"
    run_target fakecloud "$("$PEERS/cargo/bin/fakecloud" --version 2>/dev/null | head -1)" "$PORT_FC" \
      "${FAKECLOUD_CMD:-$PEERS/cargo/bin/fakecloud --addr 127.0.0.1:$PORT_FC}" \
      --scale "$SCALE" --scale-budget "$PEER_BUDGET"
  fi
  if wanted cognitox; then
    install_rust_peer cognitox "$COGNITOX_VERSION"
    run_target cognitox "$("$PEERS/cargo/bin/cognitox" --version 2>/dev/null | head -1)" "$PORT_CX" \
      "${COGNITOX_CMD:-$PEERS/cargo/bin/cognitox --port $PORT_CX}" \
      --scale "$SCALE" --scale-budget "$PEER_BUDGET"
  fi
fi

echo "== merging ${#results[@]} result(s)"
"$BENCH" --merge "${results[@]}" --json "$OUT/results.json" --md "$OUT/results.md"
