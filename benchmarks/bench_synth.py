"""Benchmark: generate a synthetic city of 1,000,000 subjects (target: < 3 min, < 6 GB peak).

Run ``python benchmarks/bench_synth.py [--subjects N] [--seed S] [--keep DIR]``. Prints the wall
time of each stage, the total, the peak resident memory of the process (``ru_maxrss``), and the
rows and size of every file. The city goes to a temporary directory unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

from credit_scoring.synth import generate_city


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()} on {platform.machine()}, {args.subjects:,} subjects")
    with tempfile.TemporaryDirectory(prefix="bench_synth_") as tmp:
        out_dir = args.keep or Path(tmp)
        began = last = time.perf_counter()

        def progress(stage: str, fraction: float) -> None:
            nonlocal last
            now = time.perf_counter()
            print(f"  {fraction:5.0%}  {stage:<34} {now - last:6.1f} s")
            last = now

        city = generate_city(out_dir, n_subjects=args.subjects, seed=args.seed, progress=progress)
        wall = time.perf_counter() - began
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux
        _print_files(city.files, city.row_counts, city.truth)
        print(f"planted bad rows (to be rejected): {city.expected_rejects:,}")
        print(f"wall time {wall:.1f} s, peak memory {peak_gb:.2f} GB")
    return 0


def _print_files(files: dict[str, Path], rows: dict[str, int], truth: Path) -> None:
    total_rows = total_bytes = 0
    print(f"{'file':<20} {'rows':>12} {'MB':>9}")
    for name, path in files.items():
        size = path.stat().st_size
        total_rows += rows[name]
        total_bytes += size
        print(f"{path.name:<20} {rows[name]:>12,} {size / 1e6:>9.1f}")
    print(f"{'total':<20} {total_rows:>12,} {total_bytes / 1e6:>9.1f}")
    print(f"{'truth/' + truth.name:<20} {'':>12} {truth.stat().st_size / 1e6:>9.1f}")


if __name__ == "__main__":
    sys.exit(main())
