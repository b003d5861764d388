#!/usr/bin/env bash
# Runs `swift test` with the arguments given, keeping its output in .build/test-output.log.
# When the run fails, every recorded issue (with its ↳ detail lines) is repeated at the end:
# the tests run in parallel, so a failure can sit hundreds of lines above the last one, and
# a log shown only by its head and tail would otherwise hide it.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build
log=.build/test-output.log
"${SWIFT:-swift}" test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if (( status != 0 )); then
    echo
    echo "=== issues recorded in this run (from $log) ==="
    awk '
        /recorded an issue|Test run with|caught signal|Fatal error/ { print; detail = 12; next }
        detail > 0 && /^ *↳/ { print; detail--; next }
        { detail = 0 }
    ' "$log" | cut -c1-600 | head -n 300
fi
exit "$status"
