"""Accuracy table: solve every problem in problems/ with its own settings and record L2RE,
wall time and steps into docs/accuracy.md.

Run: .venv/bin/python benchmarks/accuracy.py [--threads 2] [--only burgers,heat1d]
One problem at a time, torch threads pinned; nothing else should run on the machine.
The best-recipe rows (docs/accuracy_toolkit.md) come from the recipe files:
  heavy .venv/bin/python benchmarks/accuracy.py --threads 1 --dir benchmarks/recipes \
      --doc docs/accuracy_recipes.md
"""
from __future__ import annotations

import argparse
import datetime
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pinnsolve  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="")
    ap.add_argument("--out", default=str(ROOT / "runs" / "bench"))
    ap.add_argument("--doc", default=str(ROOT / "docs" / "accuracy.md"))
    ap.add_argument("--dir", default=str(ROOT / "problems"), help="folder of problem files")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    names = [n for n in args.only.split(",") if n]
    files = sorted(Path(args.dir).glob("*.yaml"))
    if names:  # in the order given
        files = [f for n in names for f in files if f.stem == n]
    rows = []
    for f in files:
        if names and f.stem not in names:
            continue
        t0 = time.perf_counter()
        run = pinnsolve.solve(f, out=Path(args.out) / f.stem, fresh=True,
                              training__threads=args.threads)
        wall = time.perf_counter() - t0
        m = run.metrics
        errs = m.get("errors", {})
        l2 = ", ".join(f"{k} {v['l2re']:.2e}" for k, v in errs.items()) or "-"
        unknowns = ", ".join(f"{k} = {v:.5g}" for k, v in m.get("unknowns", {}).items())
        rows.append((f.stem, l2, f"{m['train_time_s']:.1f}", f"{wall:.1f}", str(m["steps"]),
                     unknowns or ""))
        print(rows[-1], flush=True)
    header = ("| problem | L2 rel. error | train time (s) | wall time (s) | steps | unknowns |\n"
              "|---|---|---|---|---|---|\n")
    table = header + "".join("| " + " | ".join(r) + " |\n" for r in rows)
    rel = Path(args.dir).resolve().relative_to(ROOT) if Path(args.dir).resolve().is_relative_to(ROOT) \
        else Path(args.dir)
    doc_rel = Path(args.doc).resolve()
    doc_rel = doc_rel.relative_to(ROOT) if doc_rel.is_relative_to(ROOT) else doc_rel
    dir_arg = "" if str(rel) == "problems" else f" --dir {rel} --doc {doc_rel}"
    stamp = (f"Measured {datetime.date.today()} on {platform.processor() or platform.machine()}, "
             f"{args.threads} torch threads, torch {torch.__version__}, each problem's own settings "
             f"from {rel}/*.yaml.\nReproduce: `.venv/bin/python benchmarks/accuracy.py "
             f"--threads {args.threads}{dir_arg}`.\n\n")
    doc = Path(args.doc)
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text("# Accuracy of the bundled problems\n\n" + stamp + table)
    print(table)


if __name__ == "__main__":
    main()
