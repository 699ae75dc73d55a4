#!/usr/bin/env bash
# One-command installs for people without a Rust toolchain: packs the release binary of this
# machine's target into
#   $OUT/cognito_emu-<version>-py3-none-manylinux_<glibc>_<arch>.whl   (pip install it)
#   $OUT/cognito-emu-<version>.tgz                                     (npm install it)
# Usage: packaging/build.sh [BINARY]   (default: cargo build --release, then its binary)
# OUT defaults to $CARGO_TARGET_DIR/dist (target/dist). Linux only; on another target the same
# script packs that target's binary once the platform tags below are extended for it.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
out="${OUT:-$target/dist}"
binary="${1:-}"
if [ -z "$binary" ]; then
  cargo build --release --quiet --bin cognito-emu
  binary="$target/release/cognito-emu"
fi
[ -x "$binary" ] || { echo "no executable at $binary" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
arch=$(uname -m)
case "$arch" in
  x86_64) npm_cpu=x64 ;;
  aarch64) npm_cpu=arm64 ;;
  *) echo "unsupported architecture $arch" >&2; exit 1 ;;
esac
# The newest glibc symbol version the binary links against decides the manylinux tag.
if command -v objdump >/dev/null; then
  glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9]*\.[0-9]*' | sed 's/GLIBC_//' |
    sort -t. -k1,1n -k2,2n | tail -n1)
else
  glibc=$(ldd --version | head -n1 | grep -o '[0-9]*\.[0-9]*$')
fi
platform="manylinux_${glibc/./_}_${arch}"

wheel=$(python3 packaging/python/wheel.py "$binary" "$version" "$platform" "$out")

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin"
cp packaging/npm/index.js packaging/npm/index.d.ts packaging/npm/README.md "$stage/"
cp "$binary" "$stage/bin/cognito-emu"
chmod 755 "$stage/bin/cognito-emu"
cat >"$stage/package.json" <<JSON
{
  "name": "cognito-emu",
  "version": "$version",
  "description": "A local, offline Amazon Cognito emulator (the cognito-emu binary for $npm_cpu Linux)",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "index.js",
  "types": "index.d.ts",
  "bin": { "cognito-emu": "bin/cognito-emu" },
  "os": ["linux"],
  "cpu": ["$npm_cpu"],
  "files": ["bin/", "index.js", "index.d.ts", "README.md"]
}
JSON
tarball=$(cd "$stage" && npm pack --silent --pack-destination "$out" | tail -n1)
echo "$wheel"
echo "$out/$tarball"
