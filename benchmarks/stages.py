"""Multi-stage refinement table: solve each problem file (with ``training.stages``) and
record the L2 relative error and train time after every stage into docs/stages_table.md.

Run (one thread, through ``heavy`` on the shared machine):
  heavy .venv/bin/python benchmarks/stages.py --threads 1 \
      --doc docs/stages_heat.md benchmarks/stages/heat1d_small.yaml \
      benchmarks/recipes/heat1d_stages.yaml
"""
from __future__ import annotations

import argparse
import datetime
import platform
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pinnsolve  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "runs" / "stages"))
    ap.add_argument("--doc", default=str(ROOT / "docs" / "stages_table.md"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for f in map(Path, args.files):
        run = pinnsolve.solve(f, out=Path(args.out) / f.stem, fresh=True,
                              training__threads=args.threads)
        clock = 0.0
        for s in run.metrics["stages"]:
            clock += s["train_time_s"]
            scale = (f"ε {s['eps']:.2e}, ε_r {s['eps_r']:.2e}, f_d {s['f_d']:.3g}, "
                     f"κ {s['kappa']:.3g}" if s["stage"] > 1 else "-")
            rows.append((f.stem, str(s["stage"]), f"{s['error']:.3e}",
                         f"{s['train_time_s']:.1f}", f"{clock:.1f}", str(s["steps"]), scale))
            print(rows[-1], flush=True)
    header = ("| problem file | stage | L2 rel. error after the stage | stage time (s) | "
              "cumulative (s) | steps | scale |\n|---|---|---|---|---|---|---|\n")
    table = header + "".join("| " + " | ".join(r) + " |\n" for r in rows)
    files = " ".join(str(Path(f).resolve().relative_to(ROOT)) if Path(f).resolve()
                     .is_relative_to(ROOT) else f for f in args.files)
    doc = Path(args.doc).resolve()
    doc = doc.relative_to(ROOT) if doc.is_relative_to(ROOT) else doc
    note = (f"Measured {datetime.date.today()} on {platform.machine()}, {args.threads} torch "
            f"thread(s) (run through `heavy` on a shared 2-core machine: times are upper "
            f"bounds), torch {torch.__version__}.\nReproduce: `heavy .venv/bin/python "
            f"benchmarks/stages.py --threads {args.threads} --doc {doc} {files}`.\n\n")
    Path(args.doc).write_text(note + table)


if __name__ == "__main__":
    main()
