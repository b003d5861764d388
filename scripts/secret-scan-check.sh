#!/usr/bin/env bash
# After `make test`: every sandbox the tests started was scanned for secret values in its logs,
# events and CNPG objects when it stopped (Tests/Support/SecretScan.swift); any finding fails the run.
set -euo pipefail
dir=${1:?usage: secret-scan-check.sh DIRECTORY}
shopt -s nullglob
findings=("$dir"/finding-*.txt)
if (( ${#findings[@]} > 0 )); then
    echo "secret values found in logs, events or statuses:" >&2
    cat "${findings[@]}" >&2
    exit 1
fi
echo "secret scan: no secret value in any sandbox's logs, events or statuses"
