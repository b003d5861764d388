#!/usr/bin/env bash
# make image-test: the instance image's layout proven without a container engine. Assembles the
# image root (scripts/image-rootfs.sh), builds the instance manager with --static-swift-stdlib as
# the Containerfiles do, and runs the e2e test that starts a Cluster whose PostgreSQL containers
# run on that root, read-only, as uid 26 (Tests/OperatorTests/ImageRootTests.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
root=$PWD/.build-image/postgresql
./scripts/image-rootfs.sh "$root"
echo "building instance-manager with --static-swift-stdlib (.build-static)"
$SWIFT build --static-swift-stdlib --product instance-manager --scratch-path .build-static 2>&1 | grep -E "error|Compiling|Build" | tail -3
manager="$($SWIFT build --static-swift-stdlib --scratch-path .build-static --show-bin-path)/instance-manager"
$SWIFT build --build-tests 2>&1 | grep -E "error|Build" | tail -3
CNPG_IMAGE_ROOT=$root CNPG_IMAGE_MANAGER=$manager CNPG_BIN_DIR="$($SWIFT build --show-bin-path)" \
    $SWIFT test --skip-build --filter instanceImageRoot 2>&1 | grep -v '^\[' | tee .build/image-test.log
grep -q '✔ Test run with 1 test' .build/image-test.log
