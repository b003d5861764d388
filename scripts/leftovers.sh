#!/usr/bin/env bash
# What the tests leave behind: temporary directories /tmp/cnpg-*, mounts under them (the sandbox's
# tmpfs volumes) and processes running from them (command line or working directory). `snapshot FILE` records what exists before the tests;
# `check FILE` lists what appeared since and fails if anything did. With
# CNPG_KEEP_TEST_DIRECTORY=1 directories are kept on purpose and only processes are checked.
set -euo pipefail

list() {
    for dir in /tmp/cnpg-*; do [[ -e $dir ]] && echo "dir $dir"; done
    awk '$5 ~ "^/tmp/cnpg-" { print "mount " $5 }' /proc/self/mountinfo
    for proc in /proc/[0-9]*; do
        local pid=${proc#/proc/} cmdline cwd
        # This script itself runs from the repository, which may live under /tmp/cnpg-* (the
        # clean-test benchmark's clone).
        [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
        cmdline=$(tr '\0' ' ' < "$proc/cmdline" 2>/dev/null) || continue
        cwd=$(readlink "$proc/cwd" 2>/dev/null) || cwd=""
        if [[ $cmdline == */tmp/cnpg-* || $cwd == /tmp/cnpg-* ]]; then
            echo "process $pid ${cmdline:0:160}"
        fi
    done
}

case "${1:-}" in
snapshot)
    list > "$2"
    ;;
check)
    now=$(mktemp)
    trap 'rm -f "$now"' EXIT
    list > "$now"
    if [[ ${CNPG_KEEP_TEST_DIRECTORY:-} == 1 ]]; then sed -i '/^dir /d' "$now"; fi
    left=$(grep -vxF -f "$2" "$now" || true)
    if [[ -n $left ]]; then
        echo "the tests left these behind:" >&2
        echo "$left" >&2
        exit 1
    fi
    echo "nothing left behind: no new /tmp/cnpg-* directory, no mount or process under one"
    ;;
*)
    echo "usage: $0 snapshot FILE | check FILE" >&2
    exit 2
    ;;
esac
