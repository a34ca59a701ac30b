#!/usr/bin/env bash
# jobs/compare-hf.sh [--rounds 3] [bench-forward shape flags: --hidden --heads --kv-heads --layers --intermediate --vocab
# --image-tokens --text-tokens --runs --decode-steps --threads]: SinkScope's bench-forward and transformers' eager LLaMA
# (jobs/hf_forward.py) on the same decoder shape, in the same run, under both allocators (glibc with jobs/sinkscope's
# tunables, and tcmalloc preloaded when installed), the two sides alternating within each of --rounds rounds. Prints
# each side's medians and the ratios HF / SinkScope (above 1: SinkScope faster) for prefill, capture (every hidden state
# and attention map kept) and generate (prefill + decode steps), per allocator; HF under plain glibc (as a PyTorch user
# runs it) beside them. Needs a Python with torch and transformers: SINKSCOPE_HF_PYTHON, else python3; without one
# it says so and exits 0. A benchmark for a person at a quiet machine: never run by the tests or CI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${SINKSCOPE_HF_PYTHON:-python3}"
if ! "$PY" -c "import torch, transformers" 2>/dev/null; then
    echo "compare-hf: skipped: $PY cannot import torch and transformers (set SINKSCOPE_HF_PYTHON to a Python that can)"
    exit 0
fi
ROUNDS=3
ARGS=()
while [[ $# -gt 0 ]]; do
    if [[ "$1" == --rounds ]]; then ROUNDS="$2"; shift 2; else ARGS+=("$1"); shift; fi
done
# the same defaults on both sides: bench-forward's LLaVA shape, 5 runs, 16 decode steps, 2 threads
declare -A SHAPE=([hidden]=1024 [heads]=16 [kv-heads]=16 [layers]=8 [intermediate]=2816 [vocab]=32000 [image-tokens]=576
    [text-tokens]=40 [runs]=5 [decode-steps]=16 [threads]=2)
for ((i = 0; i < ${#ARGS[@]}; i += 2)); do
    key="${ARGS[i]#--}"
    [[ -n "${SHAPE[$key]+x}" ]] || { echo "compare-hf: unknown flag ${ARGS[i]}" >&2; exit 2; }
    SHAPE[$key]="${ARGS[i + 1]}"
done
FLAGS=()
for key in "${!SHAPE[@]}"; do FLAGS+=("--$key" "${SHAPE[$key]}"); done
# SINKSCOPE_TCMALLOC: a libtcmalloc_minimal.so.4 of one's own (e.g. unpacked from the .deb), else the system's
TCMALLOC="${SINKSCOPE_TCMALLOC:-}"
[[ -n "$TCMALLOC" ]] || for lib in /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4 /usr/lib64/libtcmalloc_minimal.so.4; do
    [[ -f "$lib" ]] && { TCMALLOC="$lib"; break; }
done
ALLOCATORS=(glibc)
[[ -n "$TCMALLOC" ]] && ALLOCATORS+=(tcmalloc) || echo "compare-hf: no libtcmalloc_minimal.so.4: glibc only"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
for ((r = 1; r <= ROUNDS; r++)); do
    for alloc in "${ALLOCATORS[@]}"; do
        preload=""
        [[ "$alloc" == tcmalloc ]] && preload="$TCMALLOC"
        hf() { env LD_PRELOAD="$preload" "$PY" "$ROOT/jobs/hf_forward.py" "${FLAGS[@]}" >>"$OUT/hf-$alloc.txt"; }
        ss() {
            # a caller's LD_PRELOAD wins in jobs/sinkscope: tcmalloc from the same file as HF's
            env LD_PRELOAD="$preload" SINKSCOPE_MALLOC="$alloc" "$ROOT/jobs/sinkscope" bench-forward "${FLAGS[@]}" 2>/dev/null |
                grep -E '^(prefill_ms|capture_overhead|generate_ms): ' >>"$OUT/ss-$alloc.txt"
        }
        if ((r % 2)); then hf; ss; else ss; hf; fi
        echo "compare-hf: round $r $alloc done" >&2
    done
done
# HF as a PyTorch user runs it: plain glibc, no tunables
for ((r = 1; r <= ROUNDS; r++)); do
    env -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ -u MALLOC_TOP_PAD_ -u MALLOC_ARENA_MAX LD_PRELOAD= \
        "$PY" "$ROOT/jobs/hf_forward.py" "${FLAGS[@]}" >>"$OUT/hf-plain.txt"
done
"$PY" - "$OUT" "${ALLOCATORS[@]}" <<'PY'
import statistics, sys
out, allocs = sys.argv[1], sys.argv[2:]
def read(path):
    d = {}
    for line in open(path):
        if ": " in line and not line.startswith("hf:"):
            k, v = line.split(": ")
            d.setdefault(k.strip(), []).append(float(v))
    return {k: statistics.median(v) for k, v in d.items()}
plain = read(f"{out}/hf-plain.txt")
print("HF as a PyTorch user runs it (plain glibc): prefill %.0f ms, capture %.0f ms, generate %.0f ms"
      % (plain["hf_prefill_ms"], plain["hf_capture_ms"], plain["hf_generate_ms"]))
for a in allocs:
    hf, ss = read(f"{out}/hf-{a}.txt"), read(f"{out}/ss-{a}.txt")
    ss_capture = ss["prefill_ms"] * ss["capture_overhead"]
    print(f"{a}: HF prefill {hf['hf_prefill_ms']:.0f} ms, capture {hf['hf_capture_ms']:.0f} ms, generate {hf['hf_generate_ms']:.0f} ms; "
          f"SinkScope prefill {ss['prefill_ms']:.0f} ms, capture {ss_capture:.0f} ms, generate {ss['generate_ms']:.0f} ms")
    print(f"hf_over_sinkscope_prefill_{a}: {hf['hf_prefill_ms'] / ss['prefill_ms']:.3f}")
    print(f"hf_over_sinkscope_capture_{a}: {hf['hf_capture_ms'] / ss_capture:.3f}")
    print(f"hf_over_sinkscope_generate_{a}: {hf['hf_generate_ms'] / ss['generate_ms']:.3f}")
    print(f"hf_plain_over_sinkscope_generate_{a}: {plain['hf_generate_ms'] / ss['generate_ms']:.3f}")
PY
