#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by every scripts/bench-*.sh: bench_host_facts prints the facts
# that decide what a figure means on this host, to print beside each table
# (Documentation/performance.rst keeps results per kind of host). Whether
# the kernel returns through the SRSO "safe RET" thunk
# (spec_rstack_overflow) makes every helper call dearer and changes which
# design wins, so no figure is quoted without it.

bench_host_facts()
{
	local v

	echo "host: $(hostname); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); nproc $(nproc); kernel $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg)"
	for v in spec_rstack_overflow retbleed spectre_v2; do
		echo "host vulnerabilities/$v: $(cat /sys/devices/system/cpu/vulnerabilities/$v 2>/dev/null || echo '(absent)')"
	done
}

# bench_need NAME TOOL... (for every script's tool check): exits with "NAME: needs TOOL" for the first
# TOOL not on PATH.
bench_need()
{
	local name=$1 t

	shift
	for t in "$@"; do
		command -v "$t" >/dev/null ||
			{ echo "$name: needs $t" >&2; exit 1; }
	done
}
