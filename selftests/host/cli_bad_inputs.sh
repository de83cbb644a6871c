#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A table of bad inputs to the rxlane CLI. Each row: the exit status it
# must give, a text its message must contain (the offending word, quoted),
# and the arguments. Every row is run twice: in text (message on stderr)
# and under -j (stderr is one JSON error with the same exit status and
# message). After every row the whole configuration (attachments,
# containers, rules, VTEPs, VNIs) must be exactly what it was.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init bad
NS=rxl-bad-$RXL_ID
rxl_veth_ns "$NS"

cli() { rxl_in "$NS" "$@" >/dev/null || rxl_fail "setup: rxlane $*"; }
cli attach v0
cli vtep add 10.0.0.2
cli vni add 100
cli container add web ip 10.200.0.2 default drop
cli container add db ip 10.200.0.3 ip fd00::3
cli fw add web allow proto tcp dport 80
cli fw add web drop from 10.1.0.0/16 comment blocked


LONG=cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc
NAME32=nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn
# exit | text the message must contain | arguments
TABLE="
2|'frobnicate'|frobnicate
2|ambiguous command 'v'|v
2|unknown option '--bogus'|--bogus status
2|'bogus'|container bogus
2|missing container command|container
2|ambiguous container command 's'|container s web
1|bad address '10.0.0.256'|vtep add 10.0.0.256
1|bad address 'fe80:::1'|vtep add fe80:::1
1|VTEP 10.0.0.2 exists|vtep add 10.0.0.2
1|bad tunnel type 'gre'|vtep add 10.0.0.9 type gre
1|bad tunnel type 'foo'|vtep add 10.0.0.9 type vxlan,foo
2|'port 4790' needs one UDP tunnel type|vtep add 10.0.0.9 port 4790
2|'port 5000' needs one UDP tunnel type|vtep add 10.0.0.9 type nvgre port 5000
1|bad port '70000'|vtep add 10.0.0.9 type vxlan port 70000
1|bad port '0'|vtep add 10.0.0.9 type vxlan port 0
2|unknown keyword 'colour'|vtep add 10.0.0.9 colour red
1|no VTEP 10.0.0.7|vtep del 10.0.0.7
1|bad VNI '16777216'|vni add 16777216
1|bad VNI '-1'|vni add -1
1|bad VNI 'abc'|vni add abc
1|vxlan VNI 100 exists|vni add 100
1|no vxlan VNI 101|vni del 101
1|no nvgre VNI 100|vni del 100 type nvgre
1|bad tunnel type 'gre'|vni add 5 type gre
2|unexpected 'colour'|vni add 5 colour red
1|container 'web' exists|container add web ip 10.200.0.9
1|address '10.200.0.2' belongs to container 'web'|container add x ip 10.200.0.2
1|address 'fd00::3' belongs to container 'db'|container add x ip fd00::3
1|bad address '10.200.0.300'|container add x ip 10.200.0.300
1|bad container name 'bad/name'|container add bad/name ip 10.200.0.9
1|bad container name '$NAME32'|container add $NAME32 ip 10.200.0.9
2|container 'x' needs an address|container add x
2|'ip' needs a value|container add x ip
1|bad default policy 'maybe'|container add x ip 10.200.0.9 default maybe
1|no device 'nosuchdev0'|container add x ip 10.200.0.9 dev nosuchdev0
1|address '10.200.0.9' given twice|container add x ip 10.200.0.9 ip 10.200.0.9
2|unknown keyword 'colour'|container add x ip 10.200.0.9 colour red
1|no container 'ghost'|container del ghost
2|'default' given twice|container add x ip 10.200.0.9 default drop default allow
2|'egress-default' given twice|container add x ip 10.200.0.9 egress-default drop egress-default allow
2|'dev' given twice|container add x ip 10.200.0.9 dev v0 dev v1
2|'mac' given twice|container add x ip 10.200.0.9 mac 02:00:00:00:00:01 mac 02:00:00:00:00:02
2|'vni' given twice|container add x ip 10.200.0.9 vni 100 vni 100
2|'hw' given twice|container add x ip 10.200.0.9 hw nic v1 hw
2|'default' given twice|container set web default drop default allow
2|'egress-default' given twice|container set web egress-default drop egress-default allow
2|'vni' given twice|container set web vni 100 vni none
2|'mac' given twice|container set db mac 02:00:00:00:00:01 mac none
2|'egress-default' needs a value|container set web egress-default
2|'mac' needs a value|container set web default drop mac
2|unknown keyword 'dev'|container set web dev
2|unknown keyword 'bogus'|container set web bogus
1|no container 'ghost'|container show ghost
1|bad default policy 'maybe'|container set web default maybe
1|bad egress-default policy 'maybe'|container add x ip 10.200.0.9 egress-default maybe
1|bad egress-default policy 'maybe'|container set web egress-default maybe
1|no container 'ghost'|fw add ghost allow
2|'dport' needs a value|fw add web allow dport
1|bad prefix '10.0.0.0/33'|fw add web allow from 10.0.0.0/33
1|bad prefix '10.0.0.1/24': address bits set past /24|fw add web allow from 10.0.0.1/24
1|bad prefix '10.0.0.0/2x'|fw add web allow from 10.0.0.0/2x
1|bad prefix '10.0.0.0/'|fw add web allow from 10.0.0.0/
1|bad prefix 'fd00::/129'|fw add web allow from fd00::/129
1|bad prefix '1.2.3'|fw add web allow from 1.2.3
1|bad port range '65536'|fw add web allow proto tcp dport 65536
1|bad port range '90-80'|fw add web allow proto tcp dport 90-80
1|bad port range '8a'|fw add web allow proto tcp dport 8a
1|bad port range '-5'|fw add web allow proto tcp dport -5
1|bad port range '5-'|fw add web allow proto tcp dport 5-
1|bad protocol 'sctp'|fw add web allow proto sctp
2|second action 'drop'|fw add web allow drop
2|'proto' given twice|fw add web allow proto tcp proto udp
2|unknown rule keyword 'colour'|fw add web allow colour red
2|a rule needs 'allow' or 'drop'|fw add web proto tcp
1|bad priority '4294967296'|fw add web allow prio 4294967296
1|bad priority '-1'|fw add web allow prio -1
1|icmp has no ports: no 'dport 53'|fw add web allow proto icmp dport 53
1|rule duplicates handle 1 of container 'web'|fw add web allow proto tcp dport 80
1|rule duplicates handle 2 of container 'web'|fw add web drop from 10.1.0.0/16 comment other
1|comment 'a\"b' has a quote|fw add web allow comment a\"b
1|comment '$LONG' is longer than 63|fw add web allow comment $LONG
1|container 'web' has no rule with handle 99|fw del web handle 99
1|bad handle 'x'|fw del web handle x
2|usage: fw del NAME handle H|fw del web 1
1|no container 'ghost'|fw flush ghost
1|no container 'ghost'|fw list ghost
1|no container 'ghost'|stats ghost
1|no timeout is named 'establishd'|ct timeout establishd 5
1|bad timeout '0' (1-|ct timeout udp 0
1|bad timeout '5s' (1-|ct timeout udp 5s
1|bad interval '0'|stats watch 0
1|bad interval 'x'|stats watch x
2|unexpected 'count'|stats web count 5
1|no device 'nosuchdev0'|attach nosuchdev0
1|bad mode 'turbo'|attach v1 mode turbo
2|'redirect' given twice|attach v1 redirect redirect
2|'redirect' given twice|attach v1 redirect mode native redirect
2|unknown keyword 'bogus'|attach v1 bogus
2|unknown keyword 'redirct'|attach v1 mode generic redirct
2|'mode' given twice|attach v1 mode native mode generic
2|'mode' needs a value|attach v1 redirect mode
1|no device 'nosuchdev0'|status nosuchdev0
2|unexpected 'v1'|status v0 v1
1|rxlane is already attached to v0|attach v0
1|no XDP program on v1|detach v1
1|no device 'nosuchdev0'|detach nosuchdev0
1|/nonexistent.json|policy check /nonexistent.json
2|unknown policy command 'frob'|policy frob x
2|usage: policy check|policy check
1|bad port range ' 81'|fw add web allow proto tcp dport %SP%81
1|bad port range '+81'|fw add web allow proto tcp dport +81
1|bad priority ' 7'|fw add web allow prio %SP%7
1|bad priority '0x7'|fw add web allow prio 0x7
1|bad VNI ' 5'|vni add %SP%5
1|bad VNI '+5'|vni add +5
1|bad interval ' 1'|stats watch %SP%1
1|bad handle ' 1'|fw del web handle %SP%1
2|'watch' needs a value|stats watch
2|'watch' needs a value|stats web watch
2|'count' needs a value|stats watch 1 count
2|option '--pin-dir' needs a value|--pin-dir
2|option '-P' needs a value|-P
1|pin directory 'relative' is not an absolute path|-P relative container add x ip 10.200.0.9
1|pin directory 'relative' is not an absolute path|--pin-dir relative attach v1
1|bad max-rules '0'|attach v1 max-rules 0
1|bad max-rules '1048577'|attach v1 max-rules 1048577
1|bad max-rules '1e3'|attach v1 max-rules 1e3
2|'max-rules' needs a value|attach v1 max-rules
2|'max-rules' given twice|attach v1 max-rules 5 max-rules 6
1|hold max-rules 8192, not 5|attach v1 max-rules 5
"

rxl_refusals "$NS" <<< "$TABLE"
n=$RXL_N
[ "$n" -ge 50 ] || rxl_fail "only $n rows"
rxl_ok "$n bad inputs: message, exit status, JSON error, state unchanged"

# Refusals leave nothing behind: no directory in the cwd for a relative
# pin directory, nothing in bpffs for an attach that refuses a pinned map.
CWD=$(mktemp -d /tmp/rxl-bad-cwd.XXXXXX)
trap 'rm -rf "$CWD"; rxl_cleanup' EXIT
(cd "$CWD" && rxl_in "$NS" -P rel attach v1 2>/dev/null) &&
	rxl_fail "-P rel accepted"
(cd "$CWD" && RXLANE_PIN_DIR=rel rxl_in "$NS" container add x \
	ip 10.200.0.9 2>/dev/null) && rxl_fail "RXLANE_PIN_DIR=rel accepted"
[ -z "$(ls -A "$CWD")" ] || rxl_fail "a relative pin directory made $(ls -A "$CWD")"
ALT=$RXL_BPFFS/alt
mkdir -p -m 0700 "$ALT/tc/globals"
bpftool map create "$ALT/tc/globals/rxl_config" type array key 4 value 16 \
	entries 1 name rxl_config || rxl_fail "bpftool map create"
BEFORE=$(find "$RXL_BPFFS" | sort)
for args in "attach v1" "attach v1 max-rules 100" "-n attach v1"; do
	err=$(RXLANE_PIN_DIR=$RXL_BPFFS/fresh TC_BPF_MNT=$ALT \
		rxl_in "$NS" $args 2>&1)
	[ $? -eq 1 ] || rxl_fail "$args over a foreign rxl_config: not refused"
	case "$err" in
	*"$ALT/tc/globals/rxl_config is not this rxlane's rxl_config"*) ;;
	*) rxl_fail "$args over a foreign rxl_config: '$err'" ;;
	esac
	[ "$(find "$RXL_BPFFS" | sort)" = "$BEFORE" ] ||
		rxl_fail "refused '$args' changed bpffs: $(find "$RXL_BPFFS" | sort | diff <(echo "$BEFORE") -)"
done
rm -r "$ALT"
BEFORE=$(find "$RXL_BPFFS" | sort)
rxl_in "$NS" attach v1 max-rules 5 2>/dev/null && rxl_fail "max-rules 5 over 8192"
[ "$(find "$RXL_BPFFS" | sort)" = "$BEFORE" ] ||
	rxl_fail "refused 'attach v1 max-rules 5' changed bpffs"
rxl_ok "refused attach and relative pin directories leave nothing behind"

# Unique prefixes, as cli.rst promises; an alias ("ls" for "list") does not
# make a prefix ambiguous.
for pair in "c l|container list" "c ls|container list" "fw l web|fw list web" \
	    "vt l|vtep list" "vn l|vni list"; do
	short=${pair%%|*} long=${pair#*|}
	want=$(rxl_in "$NS" -j $long) || rxl_fail "rxlane $long failed"
	got=$(rxl_in "$NS" -j $short 2>&1) || rxl_fail "rxlane $short: $got"
	[ "$got" = "$want" ] || rxl_fail "rxlane $short is not rxlane $long"
done
rxl_ok "unique prefixes and aliases resolve as cli.rst says"

# A full map: the VTEP list has RXL_MAX_VTEPS (16) slots.
for i in $(seq 3 17); do
	cli vtep add 10.9.0.$i
done
FULL=$(rxl_state "$NS")
err=$(rxl_in "$NS" vtep add 10.9.0.99 2>&1)
[ $? -eq 1 ] || rxl_fail "17th VTEP accepted"
case "$err" in
*"VTEP 10.9.0.99: all 16 VTEP slots are in use"*) ;;
*) rxl_fail "full VTEP list: '$err'" ;;
esac
[ "$(rxl_state "$NS")" = "$FULL" ] || rxl_fail "a refused VTEP changed the configuration"
rxl_ok "full VTEP list refused, naming the address"

# A dry run changes nothing and says what it would do.
out=$(rxl_in "$NS" -n fw add web allow proto udp dport 53) ||
	rxl_fail "dry run failed"
[ "$out" = "handle 3" ] || rxl_fail "dry run printed '$out'"
rxl_in "$NS" -n container add x ip 10.200.0.9 || rxl_fail "dry run add"
rxl_in "$NS" -n container del web || rxl_fail "dry run del"
rxl_in "$NS" -n fw flush web || rxl_fail "dry run flush"
[ "$(rxl_state "$NS")" = "$FULL" ] || rxl_fail "a dry run changed the configuration"
rxl_ok "dry runs change nothing"

echo "PASS: bad inputs refused with their word named, nothing changed"
exit 0
