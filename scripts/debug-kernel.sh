#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make debug-kernel: build a guest kernel with KASAN, lockdep, kmemleak,
# refcount tracking and fault injection from Debian's linux-source-6.1 (the
# same version as linux-headers-amd64), in a cache outside the tree.
# One build directory per source version; a changed config fragment or
# script reconfigures it and kbuild rebuilds only what the change touches.
# Prints the build directory (usable as KDIR) last.
#
# Cache: $RXLANE_CACHE (default ~/.cache/rxlane)/debug-kernel/
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${RXLANE_CACHE:-$HOME/.cache/rxlane}/debug-kernel
TARBALL=/usr/src/linux-source-6.1.tar.xz
FRAGMENT=$TOP/scripts/debug-kernel.config
JOBS=${JOBS:-$(nproc)}

[ -r "$TARBALL" ] || { echo "debug-kernel: $TARBALL missing (scripts/deps.sh)" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$(cat "$FRAGMENT" "$0" <(echo "$srcver") | sha256sum | cut -c1-12)
SRC=$CACHE/src-$srcver
OBJ=$CACHE/build-$srcver
mkdir -p "$CACHE"

if [ "$(cat "$OBJ/.rxlane-done" 2>/dev/null)" = "$key" ]; then
	echo "debug-kernel: up to date ($srcver, config $key)" >&2
	echo "$OBJ"
	exit 0
fi

if [ ! -f "$SRC/.rxlane-extracted" ]; then
	echo "debug-kernel: extracting linux-source $srcver" >&2
	rm -rf "$SRC" && mkdir -p "$SRC"
	tar -xJf "$TARBALL" -C "$SRC" --strip-components=1
	touch "$SRC/.rxlane-extracted"
fi

mkdir -p "$OBJ"
rm -f "$OBJ/.rxlane-done"
make -s -C "$SRC" O="$OBJ" allnoconfig >/dev/null
"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" \
	"$SRC/kernel/configs/kvm_guest.config" "$FRAGMENT" >/dev/null
make -s -C "$SRC" O="$OBJ" olddefconfig >/dev/null

# Every option the fragment asks for must have survived olddefconfig.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" "$OBJ/.config" ||
		{ echo "debug-kernel: config did not take: $line" >&2; missing=1; } ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		grep -q "^$opt=" "$OBJ/.config" &&
			{ echo "debug-kernel: config did not take: $line" >&2; missing=1; } ;;
	esac
done < "$FRAGMENT"
[ $missing -eq 0 ] || exit 1

echo "debug-kernel: building in $OBJ with $JOBS jobs (about 10 min on 2 idle cores)" >&2
start=$SECONDS
make -s -C "$SRC" O="$OBJ" -j"$JOBS" all
make -s -C "$SRC" O="$OBJ" INSTALL_MOD_PATH="$OBJ/modinst" modules_install >/dev/null
echo "debug-kernel: built in $((SECONDS - start)) s" >&2
echo "$key" > "$OBJ/.rxlane-done"
ln -sfn "$OBJ" "$CACHE/current"
echo "$OBJ"
