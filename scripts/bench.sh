#!/usr/bin/env bash
# `make bench`: installs what the benchmarks need, builds every executable in release mode (the
# figures are the product's, not a debug build's), and runs cnpg-bench, which prints the table and
# writes bench/results.json. Arguments are passed to cnpg-bench (`make bench ARGS="--only ha"`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
    echo "the benchmarks need root: the sandbox kubelet gives each pod its own namespaces" >&2
    exit 1
fi
./scripts/install-test-deps.sh >/dev/null
echo "building in release mode (the first release build takes 10 minutes or more)..." >&2
swift build -c release >/dev/null
bin=$(swift build -c release --show-bin-path)
CNPG_BIN_DIR="$bin" exec "$bin/cnpg-bench" "$@"
