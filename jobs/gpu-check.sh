#!/usr/bin/env bash
# jobs/gpu-check.sh: the GPU check for a node with an NVIDIA GPU (docs/gpu.md). Builds, then on $GPU_CHECK_DEVICE
# (default cuda:0) runs, each step with a time limit, the whole under 8 minutes:
#   1. doctor              engine, libtorch flavor, CUDA and why not, devices, dtypes, the gpu-cluster profile, model fit
#   2. golden fp32         LlavaGoldenTest + VarEndToEndGoldenTest on the GPU in fp32, the manifests' tolerances
#   3. golden fp16         GoldenFp16Test on the GPU: last logits within 0.25, final hidden state within 0.05 + 0.02|x|,
#                          greedy tokens equal (CPU fp16 is within 0.02 and 0.004 of them)
#   4. pipeline            jobs/sinkscope pipeline on the embedded default (bundled model, synthetic POPE; the first 64
#                          questions, 4 configs), --device on the GPU
#   5. bench-forward --var prefill vs GEMM, capture and VAR overhead on the GPU (fp16, the GPU default)
# and prints one table. When doctor finds the device unusable (no CUDA build, no driver, no device) steps 2-5 are not
# run and say why (GPU_CHECK_FORCE=1 runs them anyway: each then fails at its start with the cause). Exit 0 only when
# every step passed. The engine is whatever jobs/sinkscope and Maven's tests load: export PYTORCH_LIBRARY_PATH (a CUDA
# libtorch 2.7.1 folder; PYTORCH_VERSION/PYTORCH_FLAVOR default to 2.7.1/cu128) or SINKSCOPE_TORCH=download first.
# Logs: runs/gpu-check/<step>.log. Nothing here has been run on a GPU yet.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEVICE="${GPU_CHECK_DEVICE:-cuda:0}"
OUT="$ROOT/runs/gpu-check"
mkdir -p "$OUT"
START=$(date +%s)
BUDGET=470 # seconds for everything, build included (< 8 minutes)
ROWS=()
FAILED=0

remaining() { echo $((BUDGET - ($(date +%s) - START))); }
row() { ROWS+=("$(printf '%-18s %-8s %6s  %s' "$1" "$2" "$3" "$4")"); [[ "$2" == PASS ]] || FAILED=1; }

# the engine for Maven's forked test JVM: the same rules as jobs/sinkscope
MVN_ENGINE=()
if [[ -n "${PYTORCH_LIBRARY_PATH:-}" ]]; then
    export PYTORCH_VERSION="${PYTORCH_VERSION:-2.7.1}"
    [[ -f "$PYTORCH_LIBRARY_PATH/libtorch_cuda.so" ]] && export PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cu128}" || export PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cpu}"
elif [[ "${SINKSCOPE_TORCH:-}" == download ]]; then
    export PYTORCH_VERSION="${PYTORCH_VERSION:-2.7.1}" PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cu128}" OPT_OUT_TRACKING=true
    MVN_ENGINE=(-Ddjl.offline=false -Pgpu)
fi

# a step: name, seconds allowed, command...; its output goes to runs/gpu-check/<name>.log
run_step() {
    local name="$1" limit="$2"
    shift 2
    local left
    left=$(remaining)
    (( limit > left )) && limit=$left
    if (( limit < 10 )); then
        echo "gpu-check: $name: NOT RUN, the 8-minute budget is spent" >&2
        return 125
    fi
    echo "gpu-check: $name (up to ${limit}s) ..." >&2
    local t0=$(date +%s)
    timeout --kill-after=10 "$limit" "$@" >"$OUT/$name.log" 2>&1
    local rc=$?
    STEP_SECONDS=$(($(date +%s) - t0))
    STEP_NOTE=""
    if (( rc == 124 || rc == 137 )); then
        STEP_NOTE="timed out after ${limit}s; "
        echo "[gpu-check: timed out after ${limit}s]" >>"$OUT/$name.log"
    fi
    return $rc
}

# 0. build (offline from ~/.m2 when it can, else online), the tests compiled too
if run_step build 240 bash -c 'mvn -B -q -o -DskipTests package test-compile || mvn -B -q -DskipTests package test-compile'; then
    row build PASS "$STEP_SECONDS" "target/sinkscope.jar"
else
    row build FAIL "$STEP_SECONDS" "${STEP_NOTE}see $OUT/build.log"
fi

# 1. doctor on the device, with the gpu-cluster profile
REASON=""
if run_step doctor 90 jobs/sinkscope doctor --device "$DEVICE" --profile gpu-cluster; then
    row doctor PASS "$STEP_SECONDS" "$(grep -m1 '^engine:' "$OUT/doctor.log" | cut -c9-) ; $(grep -A3 '^dtypes on' "$OUT/doctor.log" | grep -E 'works|FAILS' | awk '{printf "%s %s; ", $1, $2}')"
else
    REASON="$(grep -m1 '^problem: ' "$OUT/doctor.log" | sed 's/^problem: //')"
    [[ "$REASON" == "the engine does not load"* ]] && REASON="$(grep -m1 '^engine: ' "$OUT/doctor.log" | sed 's/^engine: //')"
    [[ -z "$REASON" ]] && REASON="doctor failed, see $OUT/doctor.log"
    row doctor FAIL "${STEP_SECONDS:-0}" "$REASON"
fi
GPU_OK=1
[[ -n "$REASON" ]] && GPU_OK=0
if (( ! GPU_OK )) && [[ "${GPU_CHECK_FORCE:-0}" != 1 ]]; then
    row "golden fp32" "NOT RUN" 0 "$DEVICE unusable (see doctor)"
    row "golden fp16" "NOT RUN" 0 "$DEVICE unusable (see doctor)"
    row pipeline "NOT RUN" 0 "$DEVICE unusable (see doctor)"
    row bench-forward "NOT RUN" 0 "$DEVICE unusable (see doctor)"
else
    # 2 + 3. the golden tests on the device, one Maven run; a row per test class from its surefire report
    run_step golden 240 mvn -B -q -o test -Dtest='LlavaGoldenTest,VarEndToEndGoldenTest,GoldenFp16Test' -Dsurefire.failIfNoSpecifiedTests=false \
        -Dsinkscope.golden.device="$DEVICE" "${MVN_ENGINE[@]}"
    GOLDEN_RC=$?
    report() { # class -> "tests=N failures=F errors=E" or empty
        local f
        f="$(ls target/surefire-reports/TEST-*."$1".xml 2>/dev/null | head -n1)"
        [[ -n "$f" && "$f" -nt "$OUT/doctor.log" ]] && grep -o -m1 'tests="[0-9]*" errors="[0-9]*" skipped="[0-9]*" failures="[0-9]*"' "$f" | tr -d '"'
    }
    verdict() { # report line -> PASS/FAIL
        [[ -n "$1" && "$1" =~ errors=0\ skipped=0\ failures=0 ]] && echo PASS || echo FAIL
    }
    FIRST_ERR="$(grep -m1 -E 'DeviceException|AssertionFailedError|Exception:' "$OUT/golden.log" | cut -c1-200)"
    R1="$(report LlavaGoldenTest)"; R2="$(report VarEndToEndGoldenTest)"; R3="$(report GoldenFp16Test)"
    V12=PASS; [[ "$(verdict "$R1")" == PASS && "$(verdict "$R2")" == PASS ]] || V12=FAIL
    row "golden fp32" "$V12" "$STEP_SECONDS" "${STEP_NOTE}LlavaGoldenTest ${R1:-no report}; VarEndToEndGoldenTest ${R2:-no report}${FIRST_ERR:+; first error: $FIRST_ERR}"
    FP16="$(grep -E 'fp16 on' "$OUT/golden.log" | sed -E 's/.*last logits max \|diff\| ([0-9.]+), final hidden max \(\|diff\| - rtol\|x\|\) ([-0-9.]+)/\1\/\2/' | paste -sd' ' -)"
    row "golden fp16" "$(verdict "$R3")" "$STEP_SECONDS" "GoldenFp16Test ${R3:-no report}; logits/hidden error per sample: ${FP16:-none printed}"
    (( GOLDEN_RC == 124 || GOLDEN_RC == 137 )) && ROWS+=("                   (the golden tests timed out)")

    # 4. the pipeline on the embedded default, on the device
    if run_step pipeline 200 jobs/sinkscope pipeline --device "$DEVICE" --master 'local[1]' --limit 64 --batch-size 4 --out "$OUT/pipeline-out"; then
        row pipeline PASS "$STEP_SECONDS" "$(grep -m1 '^extract:.*inputs' "$OUT/pipeline.log"); $(grep -m1 '^evaluate:.*runs' "$OUT/pipeline.log"); $(grep -m1 -E '^baseline +all' "$OUT/pipeline.log" | tr -s ' ')"
    else
        row pipeline FAIL "$STEP_SECONDS" "$STEP_NOTE$( (grep -m1 '^sinkscope pipeline:' "$OUT/pipeline.log" || grep -m1 'Exception' "$OUT/pipeline.log") | cut -c1-220)"
    fi

    # 5. bench-forward --var on the device
    if run_step bench-forward 150 jobs/sinkscope bench-forward --var --device "$DEVICE" --runs 7; then
        row bench-forward PASS "$STEP_SECONDS" "$(grep -E '^(gemm_gflops|prefill_ms|forward_vs_gemm|capture_overhead|var_overhead|var_generate_ms):' "$OUT/bench-forward.log" | paste -sd' ' -)"
    else
        row bench-forward FAIL "$STEP_SECONDS" "$STEP_NOTE$(grep -m1 -E 'Exception|sinkscope bench-forward:' "$OUT/bench-forward.log" | cut -c1-220)"
    fi
fi

TOTAL=$(($(date +%s) - START))
echo
echo "gpu-check on $DEVICE, $(hostname), $(date -u +%Y-%m-%dT%H:%M:%SZ), ${TOTAL}s (budget ${BUDGET}s)"
printf '%-18s %-8s %6s  %s\n' step status seconds detail
for r in "${ROWS[@]}"; do echo "$r"; done
if (( FAILED )); then
    echo "gpu-check: NOT all passed; logs under $OUT"
    exit 1
fi
echo "gpu-check: all passed"
