#!/usr/bin/env python3
"""Builds a wheel that carries the cognito-emu binary, so `pip install cognito-emu-*.whl` puts
`cognito-emu` on the venv's PATH with no Rust toolchain. A wheel is a zip with metadata; the
binary goes into `<name>.data/scripts/`, which installers copy to the environment's bin/.

    wheel.py BINARY VERSION PLATFORM_TAG OUT_DIR
"""

from __future__ import annotations

import base64
import hashlib
import sys
import zipfile
from pathlib import Path

NAME = "cognito_emu"

INIT = '''"""The cognito-emu binary installed with this package (a local Amazon Cognito emulator)."""

import os
import shutil
import sysconfig


def binary() -> str:
    """The path of the installed cognito-emu executable."""
    candidate = os.path.join(sysconfig.get_path("scripts"), "cognito-emu")
    if os.path.isfile(candidate):
        return candidate
    found = shutil.which("cognito-emu")
    if found:
        return found
    raise FileNotFoundError("cognito-emu is not installed in this environment")
'''

MAIN = '''"""`python -m cognito_emu [ARGS]` runs the emulator (same arguments as the binary)."""

import os
import sys

from . import binary

if __name__ == "__main__":
    path = binary()
    os.execv(path, [path, *sys.argv[1:]])
'''


def record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def main() -> None:
    binary, version, platform, out_dir = sys.argv[1:5]
    dist_info = f"{NAME}-{version}.dist-info"
    data_dir = f"{NAME}-{version}.data"
    metadata = "\n".join(
        [
            "Metadata-Version: 2.1",
            "Name: cognito-emu",
            f"Version: {version}",
            "Summary: A local, offline Amazon Cognito emulator (the cognito-emu binary)",
            "License: MIT OR Apache-2.0",
            "Requires-Python: >=3.8",
            "",
            "Run `cognito-emu` (or `python -m cognito_emu`); see the project's README.",
            "",
        ]
    )
    wheel = "\n".join(
        [
            "Wheel-Version: 1.0",
            "Generator: cognito-emu packaging/python/wheel.py",
            "Root-Is-Purelib: false",
            f"Tag: py3-none-{platform}",
            "",
        ]
    )
    files: list[tuple[str, bytes, int]] = [
        (f"{NAME}/__init__.py", INIT.encode(), 0o644),
        (f"{NAME}/__main__.py", MAIN.encode(), 0o644),
        (f"{data_dir}/scripts/cognito-emu", Path(binary).read_bytes(), 0o755),
        (f"{dist_info}/METADATA", metadata.encode(), 0o644),
        (f"{dist_info}/WHEEL", wheel.encode(), 0o644),
    ]
    record = [record_line(p, d) for p, d, _ in files] + [f"{dist_info}/RECORD,,"]
    files.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode(), 0o644))

    out = Path(out_dir) / f"{NAME}-{version}-py3-none-{platform}.whl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path, data, mode in files:
            info = zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16  # a regular file with these bits
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    print(out)


if __name__ == "__main__":
    main()
