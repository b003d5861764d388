#!/usr/bin/env bash
# Installs what the tests need, idempotently: run as often as you like.
# Today: kubernetes-validate (PyPI) to check generated manifests.
set -euo pipefail

scripts_dir=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
export PATH="$scripts_dir:$PATH"

if ! command -v kubernetes-validate >/dev/null 2>&1; then
    echo "installing kubernetes-validate (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check kubernetes-validate
fi
kubernetes-validate --version >/dev/null
echo "test dependencies ready: kubernetes-validate $(kubernetes-validate --version)"
