#!/usr/bin/env bash
# jobs/submit.sh [spark-submit options...] -- <command> [--flags]: the pipeline on a cluster through spark-submit.
# Builds the uber-jar (mvn -Puber package: the project and DJL/PyTorch, Spark itself provided) when missing.
# Example (YARN, GPU nodes):
#   SPARK_MASTER=yarn jobs/submit.sh --num-executors 8 -- pipeline \
#       --questions hdfs:///pope/llava_pope_test.jsonl --images /shared/coco/val2014 \
#       --model /shared/models/llava-1.5-7b-hf --out hdfs:///sinkscope/run1 --configs baseline,var
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UBER="$(ls "$ROOT"/target/sinkscope*-uber.jar 2>/dev/null | head -n1 || true)"
if [[ -z "$UBER" ]]; then
    (cd "$ROOT" && { mvn -q -o -Puber -DskipTests package || mvn -q -Puber -DskipTests package; }) >&2
    UBER="$(ls "$ROOT"/target/sinkscope*-uber.jar | head -n1)"
fi
SUBMIT_OPTS=()
while [[ $# -gt 0 && "$1" != "--" ]]; do SUBMIT_OPTS+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
OPENS="$(sed -n 's:.*<jvm.opens>\(.*\)</jvm.opens>.*:\1:p' "$ROOT/pom.xml")"
exec "${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit" \
    --master "${SPARK_MASTER:-yarn}" \
    --deploy-mode client \
    --properties-file "$ROOT/conf/gpu-cluster.properties" \
    --files "$ROOT/conf/gpu-discovery.sh" \
    --conf spark.executor.resource.gpu.discoveryScript=./gpu-discovery.sh \
    --conf "spark.driver.extraJavaOptions=$OPENS -Dai.djl.offline=true" \
    --conf "spark.executor.extraJavaOptions=$OPENS -Dai.djl.offline=true" \
    "${SUBMIT_OPTS[@]}" \
    --class sinkscope.cli.Main \
    "$UBER" "$@"
