#!/usr/bin/env bash
# The GPU checks of issue 20, as one prepared run on a lent GPU machine:
#   1. --nproc 2 on a machine with fewer GPUs: the clear error (NCCL needs a GPU per rank);
#   2. the CUDA-marked tests (tests/test_cuda.py);
#   3. the throughput tables a GPU changes (benchmarks/throughput.py --device cuda);
#   4. a profile of the STDE step at d = 10^6 (benchmarks/step_profile.py);
#   5. rate: Poisson two-body at d = 10^6 with sparse STDE (problems/poisson_twobody.yaml),
#      seconds per step over 40 eager steps (and compiled too with STDE_COMPILE=1);
#   6. stde: the same trained for STDE_STEPS steps (default: what fits STDE_SECONDS at the
#      measured rate), Adam at the file's rate decayed linearly to 0.
# SECTIONS="tests rate" runs only those (names: nproc tests throughput profile rate stde).
# STDE_EXTRA adds overrides. Its default sets the output scale pinnsolve plans for this
# problem at d = 10^6 (840, models/scale.py::residual_scale: the planner's probe, run on the
# CPU, 64 s), which the file's explicit phases switch off; without it the network's output
# must grow to ~840 at Adam's pace (stop 30: L2RE 0.72 after 600 steps at lr 1e-2).
# Usage, in the repository root on the GPU machine (its python3 has torch with CUDA):
#   OUT=/some/folder bash benchmarks/gpu_check.sh
# A .whl folder of wheels missing there (meshio) is installed first when present.
set -u
OUT=${OUT:-/tmp/gpu_check}
STDE_SECONDS=${STDE_SECONDS:-120}
STDE_DIM=${STDE_DIM:-1000000}
STDE_STEPS=${STDE_STEPS:-}
[ "$STDE_DIM" = 1000000 ] && planned=model.output_scale=840 || planned=   # 840: d = 10^6 only
STDE_EXTRA=${STDE_EXTRA-$planned}
DEVICE=${DEVICE:-cuda}
SECTIONS=${SECTIONS:-nproc tests throughput profile rate stde}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
PY=${PY:-python3}
t0=$(date +%s)
say() { echo "== $* (+$(( $(date +%s) - t0 )) s)"; }

if [ -d .whl ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site \
    .whl/*.whl && export PYTHONPATH=$PYTHONPATH:/tmp/site
fi

say environment
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  $PY -c "import sys, torch; print(sys.version.split()[0], 'torch', torch.__version__,
'cuda', torch.version.cuda, torch.cuda.get_device_name(0))"
  echo "cpus: $(nproc)"; } 2>&1 | tee "$OUT/env.txt"
run() { [[ " $SECTIONS " == *" $1 "* ]]; }

if run nproc; then
  say "--nproc 2 on $( $PY -c 'import torch; print(torch.cuda.device_count())' ) GPU(s)"
  timeout 40 $PY -m pinnsolve solve problems/poisson2d.yaml --nproc 2 --device cuda \
    --out /tmp/nproc2 2>&1 | tail -8 | tee "$OUT/nproc.txt"
fi

if run tests; then
  say "CUDA tests"
  timeout 170 $PY -m pytest -q -o addopts="" -p no:cacheprovider -m cuda tests/test_cuda.py \
    --durations=5 2>&1 | tee "$OUT/tests.txt" | tail -30
fi

if run throughput; then
  say "throughput tables"
  timeout 120 $PY benchmarks/throughput.py --device cuda --reps 5 \
    --out "$OUT/throughput_gpu.md" 2>&1 | tail -40
fi

STDE="problems/poisson_twobody.yaml x.dim=$STDE_DIM training.device=$DEVICE
      training.checkpoint_every=1000000 $STDE_EXTRA"
if run profile; then
  say "profile of the STDE step, d = $STDE_DIM"
  timeout 90 $PY benchmarks/step_profile.py $STDE --rows 20 2>&1 | grep -v "^USDT\|^STAGE" \
    | tee "$OUT/profile.txt" | head -30
fi

# Seconds per step of 40 steps (eager; compiled too with STDE_COMPILE=1).
rate() {
  timeout 150 $PY -m pinnsolve solve $STDE training.phases.0.steps=40 training.log_every=10 \
    training.eval_every=40 "$@" --out /tmp/stde_time --fresh -q 2>&1 | tail -3 >&2
  $PY -c "
import json
rows = [json.loads(l) for l in open('/tmp/stde_time/metrics.jsonl')]
a, b = rows[1], rows[-1]        # steady rate: the first 10 steps hold the warm-up
print((b['elapsed_s'] - a['elapsed_s']) / (b['step'] - a['step']))" 2>/dev/null || echo 1e9
}
mode=false
if run rate || { run stde && [ -z "$STDE_STEPS" ]; }; then
  say "STDE d = $STDE_DIM: timing 40 steps"
  eager=$(rate training.compile=false); compiled=1e9
  [ "${STDE_COMPILE:-0}" = 1 ] && compiled=$(rate training.compile=true)
  echo "s/step eager $eager compiled $compiled" | tee "$OUT/stde_rates.txt"
  read -r per mode < <($PY -c "e, c = $eager, $compiled; print(min(e, c), 'true' if c < e else 'false')")
  [ -z "$STDE_STEPS" ] && STDE_STEPS=$($PY -c "print(max(100, int($STDE_SECONDS / $per) // 100 * 100))")
fi

if run stde; then
  steps=$STDE_STEPS
  say "STDE d = $STDE_DIM: $steps steps, compile=$mode"
  nvidia-smi --query-gpu=memory.used --format=csv,noheader -lms 500 > "$OUT/gpu_memory.txt" &
  smi=$!
  timeout ${STDE_TIMEOUT:-$(( STDE_SECONDS + 100 ))} $PY -m pinnsolve solve $STDE training.compile=$mode \
    training.phases.0.steps=$steps training.log_every=$(( steps / 10 )) \
    training.eval_every=$(( steps / 5 )) --out /tmp/stde --fresh -q 2>&1 | tail -8
  kill $smi 2>/dev/null
  echo "GPU memory used at most: $(sort -n "$OUT/gpu_memory.txt" | tail -1)"
  cp /tmp/stde/metrics.json "$OUT/stde_metrics.json" 2>/dev/null
  cp /tmp/stde/metrics.jsonl "$OUT/stde_metrics.jsonl" 2>/dev/null
  $PY - <<'EOF' 2>&1 | tee "$OUT/stde.txt"
import json
try:
    m = json.load(open("/tmp/stde/metrics.json"))
    print("steps", m["steps"], "train_time_s", round(m["train_time_s"], 1),
          "l2re", m.get("errors", {}).get("u", {}).get("l2re"), "device", m["device"])
except OSError:
    print("no metrics.json: the run did not finish")
for l in open("/tmp/stde/metrics.jsonl"):
    r = json.loads(l)
    print(r["step"], round(r["elapsed_s"], 1), r.get("error"), r["losses"])
EOF
fi
say done
