#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the kselftest groups and sum them up.
#
# usage: scripts/check.sh [host] [vm]     (default: both)
#
# host runs directly (root, namespaces made by each test); vm boots one
# guest for the whole group with scripts/vm-run, whose kernel-log verdict
# counts as one more test. The last line is "N passed, N failed, N skipped";
# the exit status is 1 when anything failed.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/check
mkdir -p "$OUT"
cd "$TOP" || exit 1

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(host vm)

passed=0 failed=0 skipped=0
failures=()

# tally GROUP TAPFILE: count one kselftest run's results.
tally() {
	local group=$1 tap=$2 plan ok notok skip
	plan=$(grep -m1 -E '^1\.\.[0-9]+$' "$tap" | cut -d. -f3)
	ok=$(grep -cE '^ok [0-9]+ ' "$tap" | tr -d ' ')
	skip=$(grep -E '^ok [0-9]+ ' "$tap" | grep -c '# SKIP' | tr -d ' ')
	notok=$(grep -cE '^not ok [0-9]+ ' "$tap" | tr -d ' ')
	passed=$((passed + ok - skip))
	skipped=$((skipped + skip))
	failed=$((failed + notok))
	while read -r line; do
		failures+=("$line")
	done < <(grep -E '^not ok [0-9]+ ' "$tap")
	if [ -z "$plan" ]; then
		failed=$((failed + 1))
		failures+=("$group: no TAP plan: the group did not run")
	elif [ $((ok + notok)) -lt "$plan" ]; then
		failed=$((failed + plan - ok - notok))
		failures+=("$group: $((plan - ok - notok)) of $plan tests never reported")
	fi
}

for g in "${groups[@]}"; do
	case "$g" in
	host)
		echo "== host group"
		make -s -C selftests/host run_tests 2>&1 | tee "$OUT/host.tap"
		tally host "$OUT/host.tap"
		;;
	vm)
		echo "== vm group (one guest boot)"
		scripts/vm-run --log "$OUT/vm-console.log" -- \
			make -s -C selftests/vm run_tests 2>&1 | tee "$OUT/vm.tap"
		rc=${PIPESTATUS[0]}
		tally vm "$OUT/vm.tap"
		if [ "$rc" -eq 0 ] && ! grep -q '^vm-run: kernel log:' "$OUT/vm.tap"; then
			passed=$((passed + 1))
			echo "ok vm: guest kernel log clean"
		else
			failed=$((failed + 1))
			failures+=("vm: guest kernel log or run failed (vm-run exit $rc; see $OUT/vm-console.log)")
			echo "not ok vm: guest kernel log or run failed (exit $rc)"
		fi
		;;
	*)
		echo "check: unknown group '$g'" >&2
		exit 2
		;;
	esac
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "== failures"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
