#!/usr/bin/env bash
# Stops what `make demo` started (the operator, then the sandbox, which stops every pod) by PID,
# waits for them to exit, and removes .demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
demo=${CNPG_DEMO_DIR:-.demo}
for name in operator sandbox; do
    [ -f "$demo/$name.pid" ] || continue
    pid=$(cat "$demo/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
        echo "stopped $name (pid $pid)"
    fi
done
rm -rf "$demo"
