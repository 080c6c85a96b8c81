#!/usr/bin/python3
"""Pairing benchmark: nomd's assignment (daemon/assign.c) against SciPy's
linear_sum_assignment on the same random score matrices, in the same run.
Prints a Markdown table; `make bench` appends it to docs/benchmarks.md.

    /usr/bin/python3 bench/pairing.py BUILD_DIR [SIZES...]   (default 200 2000)
"""
import os
import platform
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

build = sys.argv[1] if len(sys.argv) > 1 else "build"
sizes = [int(a) for a in sys.argv[2:]] or [200, 2000]
rng = np.random.default_rng(20261125)
rows = []
for n in sizes:
    # Scores as nomd makes them: small integers, many ties.
    score = rng.integers(-20, 80, size=(n, n), dtype=np.int32)
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(struct.pack("<ii", n, n))
        f.write(score.astype("<i4").tobytes())
        path = f.name
    ours = []
    for _ in range(3):
        out = subprocess.run([os.path.join(build, "bench", "assign_bench"), path], capture_output=True, text=True,
                             check=True).stdout.split()
        ours.append((int(out[0]), int(out[1]), float(out[2])))
    os.unlink(path)
    theirs = []
    for _ in range(3):
        t0 = time.perf_counter()
        r, c = linear_sum_assignment(score, maximize=True)
        theirs.append((len(r), int(score[r, c].sum()), time.perf_counter() - t0))
    best_ours = min(o[2] for o in ours)
    best_theirs = min(t[2] for t in theirs)
    same = ours[0][1] == theirs[0][1]
    rows.append((n, best_ours, best_theirs, best_ours / best_theirs if best_theirs else float("nan"), same))

print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}; "
      f"SciPy {__import__('scipy').__version__}; best of 3 runs each.\n")
print("| n x n | nomd assign (s) | SciPy linear_sum_assignment (s) | ratio nomd/SciPy | same total |")
print("|---|---|---|---|---|")
for n, a, b, ratio, same in rows:
    print(f"| {n} x {n} | {a:.4f} | {b:.4f} | {ratio:.2f} | {'yes' if same else 'NO'} |")
