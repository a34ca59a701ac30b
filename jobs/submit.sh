#!/usr/bin/env bash
# jobs/submit.sh [spark-submit options...] -- <command> [--flags]: the pipeline on a cluster through spark-submit, with
# conf/gpu-cluster.properties (one GPU per executor and task).
#
# The engine on the executors, SINKSCOPE_TORCH (see docs/gpu.md):
#   path      (the default when PYTORCH_LIBRARY_PATH is set) offline: every node has a CUDA build of libtorch 2.7.1 in
#             $PYTORCH_LIBRARY_PATH (e.g. a torch==2.7.1+cu128 wheel's torch/lib); PYTORCH_VERSION (2.7.1) and
#             PYTORCH_FLAVOR (cu128) go with it. Uber-jar without CPU natives (mvn -Puber,gpu).
#   download  online: DJL downloads libtorch 2.7.1 $PYTORCH_FLAVOR (default cu128) once per node into ENGINE_CACHE_DIR
#             (if set, else ~/.djl.ai). Uber-jar without CPU natives.
#   cpu       (the default otherwise) the CPU libtorch inside the uber-jar (mvn -Puber): CPU executors only; a task
#             that Spark gives a GPU then stops at its executor's start with "CUDA not available: ...".
# Builds the uber-jar it needs when missing. Run `jobs/sinkscope doctor` (or this script with -- doctor) on a node first.
# Example (YARN, GPU nodes with PyTorch 2.7.1+cu128 installed at the same path):
#   PYTORCH_LIBRARY_PATH=/opt/venv/lib/python3.12/site-packages/torch/lib SPARK_MASTER=yarn jobs/submit.sh --num-executors 8 -- \
#       pipeline --questions hdfs:///pope/llava_pope_test.jsonl --images /shared/coco/val2014 \
#       --model /shared/models/llava-1.5-7b-hf --out hdfs:///sinkscope/run1 --configs baseline,var
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${SINKSCOPE_TORCH:-}"
if [[ -z "$MODE" ]]; then
    MODE=$([[ -n "${PYTORCH_LIBRARY_PATH:-}" ]] && echo path || echo cpu)
fi
case "$MODE" in
    path)
        [[ -n "${PYTORCH_LIBRARY_PATH:-}" ]] || { echo "submit.sh: SINKSCOPE_TORCH=path needs PYTORCH_LIBRARY_PATH (the folder of libtorch.so on every node)" >&2; exit 2; }
        NAME=sinkscope-uber-gpu PROFILES=uber,gpu OFFLINE=true ;;
    download) NAME=sinkscope-uber-gpu PROFILES=uber,gpu OFFLINE=false ;;
    cpu) NAME=sinkscope-uber PROFILES=uber OFFLINE=true ;;
    *) echo "submit.sh: SINKSCOPE_TORCH must be path, download or cpu, got '$MODE'" >&2; exit 2 ;;
esac
UBER="$ROOT/target/$NAME.jar"
if [[ ! -f "$UBER" ]]; then
    (cd "$ROOT" && { mvn -q -o -P"$PROFILES" -DskipTests package || mvn -q -P"$PROFILES" -DskipTests package; }) >&2
fi
SUBMIT_OPTS=()
while [[ $# -gt 0 && "$1" != "--" ]]; do SUBMIT_OPTS+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
OPENS="$(sed -n 's:.*<jvm.opens>\(.*\)</jvm.opens>.*:\1:p' "$ROOT/pom.xml")"
ENGINE=()
if [[ "$MODE" != cpu ]]; then
    # the driver loads the engine too (doctor, small steps): same settings as the executors
    export PYTORCH_VERSION="${PYTORCH_VERSION:-2.7.1}" PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cu128}" OPT_OUT_TRACKING=true
    ENGINE+=(--conf "spark.executorEnv.PYTORCH_VERSION=$PYTORCH_VERSION" --conf "spark.executorEnv.PYTORCH_FLAVOR=$PYTORCH_FLAVOR")
    [[ "$MODE" == path ]] && ENGINE+=(--conf "spark.executorEnv.PYTORCH_LIBRARY_PATH=$PYTORCH_LIBRARY_PATH")
    [[ -n "${PYTORCH_LIBRARY_EXCLUSION:-}" ]] && ENGINE+=(--conf "spark.executorEnv.PYTORCH_LIBRARY_EXCLUSION=$PYTORCH_LIBRARY_EXCLUSION")
    [[ -n "${ENGINE_CACHE_DIR:-}" ]] && ENGINE+=(--conf "spark.executorEnv.ENGINE_CACHE_DIR=$ENGINE_CACHE_DIR")
fi
echo "submit.sh: engine $MODE ($NAME.jar, ai.djl.offline=$OFFLINE${PYTORCH_LIBRARY_PATH:+, PYTORCH_LIBRARY_PATH=$PYTORCH_LIBRARY_PATH})" >&2
exec "${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit" \
    --master "${SPARK_MASTER:-yarn}" \
    --deploy-mode client \
    --properties-file "$ROOT/conf/gpu-cluster.properties" \
    --files "$ROOT/conf/gpu-discovery.sh" \
    --conf spark.executor.resource.gpu.discoveryScript=./gpu-discovery.sh \
    --conf "spark.driver.extraJavaOptions=$OPENS -Dai.djl.offline=$OFFLINE" \
    --conf "spark.executor.extraJavaOptions=$OPENS -Dai.djl.offline=$OFFLINE" \
    ${ENGINE[@]+"${ENGINE[@]}"} \
    ${SUBMIT_OPTS[@]+"${SUBMIT_OPTS[@]}"} \
    --class sinkscope.cli.Main \
    "$UBER" "$@"
