#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs of this host as
# {"name": "gpu", "addresses": ["0", "1", ...]}. Without nvidia-smi or GPUs it prints an empty address list.
set -euo pipefail
addresses=""
if command -v nvidia-smi >/dev/null 2>&1; then
    addresses=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | tr -d ' ' | sed '/^$/d' | sed 's/.*/"&"/' | paste -sd, - || true)
fi
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
