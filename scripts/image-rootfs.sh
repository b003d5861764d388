#!/usr/bin/env bash
# Assembles the instance image's root filesystem in a folder, as images/postgresql/Containerfile
# builds it (there is no container engine here): Debian bookworm's minimal variant from Debian's
# archive, user postgres with CNPG's uid 26, PostgreSQL 15 without a default cluster, no setuid
# or setgid file. Idempotent: a finished root (its .complete marker) is reused.
#   usage: scripts/image-rootfs.sh DIR
set -euo pipefail
root=${1:?usage: scripts/image-rootfs.sh DIR}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
postgresql_major=15

if [ -f "$root/.complete" ]; then
    echo "image root ready: $root"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/image-rootfs.sh: debootstrap and chroot need root" >&2
    exit 1
fi
command -v debootstrap >/dev/null 2>&1 || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

rm -rf "$root"
mkdir -p "$root"
echo "debootstrap (minbase, bookworm) into $root"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
    tail -20 "$root.debootstrap.log" >&2
    exit 1
}

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
# Nothing starts services inside the folder.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
# Debian's base files give gid 26 to group tape: it becomes postgres (CNPG's fixed uid and gid 26).
if existing=$(in_root getent group 26); then
    in_root groupmod --new-name postgres "${existing%%:*}"
else
    in_root groupadd --system --gid 26 postgres
fi
in_root useradd --system --uid 26 --gid 26 --home-dir /var/lib/postgresql --shell /bin/bash postgres
mkdir -p "$root/etc/postgresql-common/createcluster.d"
echo "create_main_cluster = false" >"$root/etc/postgresql-common/createcluster.d/cnpg.conf"
# Debian's images take security and stable updates too.
cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} bookworm-security main
SOURCES
echo "installing postgresql-$postgresql_major in the image root"
in_root apt-get update -qq
in_root apt-get upgrade -y -qq >"$root.apt.log" 2>&1 || {
    tail -20 "$root.apt.log" >&2
    exit 1
}
in_root apt-get install -y -qq --no-install-recommends "postgresql-$postgresql_major" >>"$root.apt.log" 2>&1 || {
    tail -20 "$root.apt.log" >&2
    exit 1
}
in_root apt-get clean
rm -rf "$root/var/lib/apt/lists/"* "$root/usr/sbin/policy-rc.d"
# As the Containerfile: no file can raise privileges.
find "$root" -xdev -type f -perm /6000 -exec chmod a-s {} +
rm -f "$root.debootstrap.log" "$root.apt.log"
touch "$root/.complete"
echo "image root ready: $root ($(du -sh "$root" | cut -f1))"
