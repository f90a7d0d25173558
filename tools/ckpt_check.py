#!/usr/bin/env python3
"""Offline checks of a run folder for tools/kill-anywhere.sh (layout: src/SharpDiffusion/Training/CheckpointFile.cs).

  ckpt_check.py verify RUN_DIR STEPS      every checkpoint's SHA-256 trailer holds, `latest` names a complete checkpoint,
                                          log.csv holds steps 1..STEPS exactly once each
  ckpt_check.py same-state A.ckpt B.ckpt  the parts after the metadata header (model, EMA, optimizer, RNG) are byte-equal
  ckpt_check.py same-log RUN_A RUN_B      log.csv step and loss columns are identical (elapsed/throughput columns differ)

Prints one line; exit 0 when the check holds, 1 otherwise.
"""
import hashlib
import os
import struct
import sys

MAGIC = b"SDCKPT01"


def checksum_ok(path):
    data = open(path, "rb").read()
    return len(data) > len(MAGIC) + 36 and data.startswith(MAGIC) and hashlib.sha256(data[:-32]).digest() == data[-32:]


def state_bytes(path):
    """Everything after magic + int32 length + metadata JSON (which holds elapsed time, so differs between runs), minus the hash."""
    data = open(path, "rb").read()
    (length,) = struct.unpack_from("<i", data, len(MAGIC))
    return data[len(MAGIC) + 4 + length:-32]


def log_rows(run):
    rows = []
    with open(os.path.join(run, "log.csv")) as f:
        next(f)
        for line in f:
            fields = line.strip().split(",")
            rows.append((int(fields[0]), fields[1]))
    return rows


def verify(run, steps):
    ckpt_dir = os.path.join(run, "checkpoints")
    names = sorted(n for n in os.listdir(ckpt_dir) if n.startswith("step-") and n.endswith(".ckpt"))
    bad = [n for n in names if not checksum_ok(os.path.join(ckpt_dir, n))]
    if bad:
        return f"damaged checkpoints: {bad}"
    latest = open(os.path.join(ckpt_dir, "latest")).read().strip()
    if latest not in names:
        return f"latest names {latest!r}, not a complete checkpoint"
    logged = [s for s, _ in log_rows(run)]
    if logged != list(range(1, steps + 1)):
        dup = sorted({s for s in logged if logged.count(s) > 1})
        missing = sorted(set(range(1, steps + 1)) - set(logged))
        return f"log.csv steps wrong: duplicated {dup}, missing {missing}"
    # ddpm train removes temp files of killed processes when it starts (RunDirectory.DeleteLeftoverTempFiles).
    temps = [n for n in os.listdir(ckpt_dir) if n.endswith(".tmp")]
    if temps:
        return f"stale temp files left: {temps}"
    return None, f"{len(names)} checkpoints ok, latest={latest}, log 1..{steps}, no temp files"


def main():
    cmd = sys.argv[1]
    if cmd == "verify":
        result = verify(sys.argv[2], int(sys.argv[3]))
    elif cmd == "same-state":
        a, b = state_bytes(sys.argv[2]), state_bytes(sys.argv[3])
        result = (None, f"state bytes equal ({len(a)} bytes)") if a == b else f"state bytes differ ({len(a)} vs {len(b)} bytes)"
    elif cmd == "same-log":
        result = (None, "log steps and losses equal") if log_rows(sys.argv[2]) == log_rows(sys.argv[3]) else "log losses differ"
    else:
        sys.exit(f"unknown check {cmd}")
    if isinstance(result, tuple):
        print(result[1])
        sys.exit(0)
    print(result)
    sys.exit(1)


if __name__ == "__main__":
    main()
