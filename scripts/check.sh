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
#
# With both groups, the host group runs beside the guest (its TAP goes to
# build/check/host.tap and is printed when the guest is done): most vm
# tests wait on their guest more than they compute, and the two groups
# share nothing. CHECK_SERIAL=1 runs them one after the other.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/check
mkdir -p "$OUT"
cd "$TOP" || exit 1

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(host vm)
for g in "${groups[@]}"; do
	case "$g" in
	host | vm) ;;
	*) echo "check: unknown group '$g'" >&2; exit 2 ;;
	esac
done

. "$TOP/scripts/tap-tally.sh"
tally_init

# Passes TAP through and adds '# time: GROUP TEST N s' after each test's
# result line: its wall time from its '# selftests: GROUP: TEST' header.
tap_times()
{
	local line name="" t0=$SECONDS

	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"# selftests: "*)
			name=${line#\# selftests: }
			t0=$SECONDS
			;;
		"ok "[0-9]*" selftests: "* | "not ok "[0-9]*" selftests: "*)
			[ -n "$name" ] &&
				echo "# time: ${name%%:*} ${name#*: } $((SECONDS - t0)) s"
			name=""
			;;
		esac
	done
}

host_pid=
run_host()
{
	make -s -C selftests/host run_tests 2>&1 | tap_times >"$OUT/host.tap"
}
if [ "${CHECK_SERIAL:-0}" != 1 ] && [ ${#groups[@]} -gt 1 ] &&
   [[ " ${groups[*]} " == *" host "* ]] && [[ " ${groups[*]} " == *" vm "* ]]; then
	echo "== host group: running beside the vm group, its output follows it"
	run_host &
	host_pid=$!
fi

for g in "${groups[@]}"; do
	case "$g" in
	host)
		[ -n "$host_pid" ] && continue
		echo "== host group"
		run_host
		cat "$OUT/host.tap"
		tally check host "$OUT/host.tap"
		;;
	vm)
		echo "== vm group (one guest boot)"
		scripts/vm-run --timeout 5000 --log "$OUT/vm-console.log" -- \
			make -s -C selftests/vm run_tests 2>&1 | tap_times |
			tee "$OUT/vm.tap"
		rc=${PIPESTATUS[0]}
		tally check vm "$OUT/vm.tap"
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
		exit 2	# refused above
		;;
	esac
done

if [ -n "$host_pid" ]; then
	wait "$host_pid"
	echo "== host group (ran beside the vm group)"
	cat "$OUT/host.tap"
	tally check host "$OUT/host.tap"
fi

# The slowest tests (runner.sh's "# time:" lines): where the time went.
times=$(for g in "${groups[@]}"; do cat "$OUT/$g.tap" 2>/dev/null; done |
	sed -n 's/^# time: \([^ ]*\) \([^ ]*\) \([0-9]*\) s$/\3 \1\/\2/p')
if [ -n "$times" ]; then
	echo "== slowest tests (wall seconds; total $(echo "$times" |
		awk '{ s += $1 } END { print s }') s)"
	echo "$times" | sort -rn | head -n 8 | awk '{ printf "  %5d %s\n", $1, $2 }'
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "== failures"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
