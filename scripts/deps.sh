#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package that rxlane's build, tests, demo and
# benchmarks need. Idempotent: when everything is present it only asks
# dpkg and returns in well under a second.
set -euo pipefail

PKGS=(
	build-essential pkgconf make gcc clang llvm
	libbpf-dev bpftool libxdp-dev xdp-tools libelf-dev zlib1g-dev
	libmnl-dev libjansson-dev libcyaml-dev scdoc jq
	linux-headers-amd64 linux-image-amd64 linux-source-6.1
	qemu-system-x86 busybox-static
	iproute2 ethtool kmod cpio xz-utils sparse
	iputils-ping netcat-openbsd procps util-linux python3 python3-jsonschema
	gnuplot-nox nftables
	# cli_limits.sh stops the CLI inside detach (the REPLACE race)
	gdb
	# rxlane-cni's tests (cni_podman.sh): podman 4.3 with the CNI backend,
	# the reference plugins (bridge, host-local), a runtime; cni_plugin.sh
	# builds a foreign XDP program with clang
	podman runc containernetworking-plugins
	# cni_containerd.sh: ctr run --cni with a containerd of its own
	containerd
	# make debug-kernel: building a kernel from linux-source-6.1
	bc flex bison libssl-dev dwarves
)

# One dpkg-query for all: a package it does not know is not printed.
installed=" $(dpkg-query -W -f='${Package}=${db:Status-Status} ' "${PKGS[@]}" 2>/dev/null || true) "
missing=()
for p in "${PKGS[@]}"; do
	case "$installed" in
	*" $p=installed "*) ;;
	*) missing+=("$p") ;;
	esac
done

[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine's first apt-get can meet a mirror mid-sync or the dpkg
# lock of a boot-time job: try three times before giving up.
for try in 1 2 3; do
	if $SUDO apt-get update -qq &&
	   $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
		exit 0
	fi
	echo "deps: apt-get failed (try $try of 3)" >&2
	sleep $((try * 10))
done
echo "deps: could not install ${missing[*]}" >&2
exit 1
