#!/usr/bin/env bash
# The security scanners of `make lint`, offline (checkov in a network namespace of its own when
# run as root, and never downloading its guidelines):
#   hadolint on every Containerfile (scanners/hadolint.yaml: any finding fails);
#   checkov on the Containerfiles, on `helm template` of the chart and on
#   `cnpg-operator generate manifests` for every sample, skipping only scanners/checkov-skips.txt.
# With --containerfile F or --manifest F (repeatable) it scans only those files: the tests use
# that to prove a weakened file fails. Exit status 1 when anything fails.
#   env: CNPG_BIN_DIR (cnpg-operator), CNPG_SAMPLES_DIR (default ../shared/samples)
set -euo pipefail
containerfiles=()
manifests=()
while [ $# -gt 0 ]; do
    case "$1" in
        --containerfile) containerfiles+=("$(realpath "${2:?--containerfile needs a file}")"); shift 2 ;;
        --manifest) manifests+=("$(realpath "${2:?--manifest needs a file}")"); shift 2 ;;
        *) echo "security-scan: unknown argument $1 (expected --containerfile FILE or --manifest FILE)" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/.."
project=$PWD
tools=$(./scripts/install-scanners.sh)
skips_file=$project/scanners/checkov-skips.txt
scan_project=false
[ ${#containerfiles[@]} -eq 0 ] && [ ${#manifests[@]} -eq 0 ] && scan_project=true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

skips_for() { # the comma-separated checks skipped for a scope (and, for manifests:NAME, for all manifests)
    awk -v scope="$1" -v general="${1%%:*}" '!/^#/ && NF >= 2 && ($1 == scope || ($1 == general && scope ~ /^manifests:/)) { print $2 }' "$skips_file" |
        sort -u | paste -sd, -
}

checkov() { # checkov FRAMEWORK SCOPE FILE-OR-DIR
    local framework=$1 scope=$2 target=$3 skips isolate=()
    skips=$(skips_for "$scope")
    if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then isolate=(unshare -n); fi
    local arguments=(--skip-download --quiet --compact --framework "$framework" --output cli)
    [ -n "$skips" ] && arguments+=(--skip-check "$skips")
    if [ -d "$target" ]; then arguments+=(-d "$target"); else arguments+=(-f "$target"); fi
    if ! output=$(BC_SKIP_MAPPING=TRUE "${isolate[@]}" "$tools/checkov" "${arguments[@]}" 2>&1); then
        echo "checkov ($scope): FAILED"
        echo "$output" | sed 's/^/    /'
        failed=1
    else
        local counts
        counts=$(echo "$output" | grep -m1 -o 'Passed checks: [0-9]*, Failed checks: [0-9]*' || echo 'nothing to check')
        echo "checkov ($scope): $counts${skips:+ (not run: $skips)}"
    fi
}

if $scan_project; then
    containerfiles=("$project"/images/*/Containerfile)
fi

for file in "${containerfiles[@]}"; do
    if output=$("$tools/hadolint" --no-color --config "$project/scanners/hadolint.yaml" "$file" 2>&1); then
        echo "hadolint ${file#"$project"/}: no finding"
    else
        echo "hadolint ${file#"$project"/}: FAILED"
        echo "$output" | sed 's/^/    /'
        failed=1
    fi
done
# checkov knows Containerfiles only by Docker's names.
if [ ${#containerfiles[@]} -gt 0 ]; then
    mkdir "$work/containerfiles"
    for file in "${containerfiles[@]}"; do
        cp "$file" "$work/containerfiles/$(basename "$(dirname "$file")")-$(basename "$file").Dockerfile"
    done
    checkov dockerfile containerfile "$work/containerfiles"
fi

if $scan_project; then
    helm template cnpg "$project/charts/cloudnative-pg" --namespace cnpg-system >"$work/chart.yaml"
    checkov kubernetes chart "$work/chart.yaml"
    operator="${CNPG_BIN_DIR:-$(swift build --show-bin-path)}/cnpg-operator"
    samples=${CNPG_SAMPLES_DIR:-$project/../shared/samples}
    mkdir "$work/manifests"
    for sample in "$samples"/*.yaml; do
        grep -q '^kind: Cluster' "$sample" || continue
        "$operator" generate manifests --file "$sample" --namespace cnpg-scan >"$work/manifests/$(basename "$sample")"
    done
    for file in "$work"/manifests/*.yaml; do manifests+=("$file"); done
fi
for file in "${manifests[@]}"; do
    checkov kubernetes "manifests:$(basename "$file" .yaml)" "$file"
done

if [ $failed -ne 0 ]; then
    echo "security scan: FAILED (fix the finding, or add a justified skip to scanners/checkov-skips.txt and docs/images.md)"
    exit 1
fi
echo "security scan: passed"
