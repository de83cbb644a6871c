#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane-cni's whole test (cni_plugin.sh: VERSION, ADD, CHECK, DEL in
# every form, 70 malformed configs and environments, 20 parallel ADDs and
# DELs) again, with the plugin built with AddressSanitizer, LeakSanitizer
# and UBSan (build/san/rxlane-cni, made by 'make selftests'). A leak at
# exit or undefined behaviour changes the plugin's exit status, which
# cni_plugin.sh checks on every call, and leaves a report in the log
# directory, which must stay empty.
set -u
. "$(dirname "$0")/lib.sh"

SAN=$RXL_TOP/build/san/rxlane-cni
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
[ -x "$SAN" ] || rxl_fail "$SAN not built ('make selftests' builds it)"
LOGD=$(mktemp -d /tmp/rxl-cnisan.XXXXXX)
trap 'rm -rf "$LOGD"' EXIT
export ASAN_OPTIONS=detect_leaks=1:exitcode=99:log_path=$LOGD/asan
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98:log_path=$LOGD/ubsan
RXL_CNI_BIN=$SAN "$(dirname "$0")/cni_plugin.sh" ||
	rxl_fail "cni_plugin.sh with the sanitized plugin failed"
if [ -n "$(ls -A "$LOGD")" ]; then
	head -n 60 "$LOGD"/*
	rxl_fail "sanitizer reports from rxlane-cni"
fi
rxl_ok "rxlane-cni through cni_plugin.sh: no leak, no undefined behaviour"
