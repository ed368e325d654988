#!/bin/bash
# Generate the test kernel's .config: `make tinyconfig` (x86_64), then every
# config/*.config fragment merged in sorted order, then olddefconfig.  Fails
# if a value a fragment asks for did not make it into the result.
#
# The config is generated in $BUILD/kernel/cfg and copied to the build
# directory $BUILD/kernel/obj only when it differs, so an unchanged config
# never makes the kernel rebuild.
#
# KVARIANT=debug: the debug kernel.  The same fragments, then every
# config/debug/*.config, generated in $BUILD/kernel-debug/cfg for the build
# directory $BUILD/kernel-debug/obj (the source tree is the same).
# KVARIANT=nocredpass (make series-check): the same fragments, then
# config/nocredpass/*.config (CONFIG_CREDPASS=n), in $BUILD/kernel-nocredpass.
# KVARIANT=pristine (make series-check): the same, built from the unpatched
# tree $BUILD/kernel/pristine, in $BUILD/kernel-pristine.
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
SRC=$BUILD/kernel/src
case "${KVARIANT:-}" in
"") KDIR=$BUILD/kernel; EXTRA= ;;
debug) KDIR=$BUILD/kernel-debug; EXTRA=config/debug/*.config ;;
nocredpass) KDIR=$BUILD/kernel-nocredpass; EXTRA=config/nocredpass/*.config ;;
pristine)
	KDIR=$BUILD/kernel-pristine; EXTRA=config/nocredpass/*.config
	SRC=$BUILD/kernel/pristine ;;
*) echo "config-kernel: unknown KVARIANT '$KVARIANT' (none, debug, nocredpass or pristine)" >&2; exit 1 ;;
esac
CFG=$KDIR/cfg
OBJ=$KDIR/obj

die() { echo "config-kernel: $*" >&2; exit 1; }
[ -f "$SRC/Makefile" ] || die "$SRC not prepared (scripts/prepare-kernel.sh)"

FRAGMENTS=$(cd "$REPO" && LC_ALL=C ls config/*.config 2>/dev/null) || die "no config/*.config fragment"
if [ -n "$EXTRA" ]; then
	# shellcheck disable=SC2086
	FRAGMENTS="$FRAGMENTS $(cd "$REPO" && LC_ALL=C ls $EXTRA 2>/dev/null)" ||
		die "no $EXTRA fragment"
fi
mkdir -p "$CFG" "$OBJ"
kmake() { make -s -C "$SRC" O="$CFG" ARCH=x86_64 "$@"; }

kmake tinyconfig >"$CFG/log" 2>&1 || { cat "$CFG/log" >&2; die "make tinyconfig failed"; }
frag_paths=
for f in $FRAGMENTS; do frag_paths="$frag_paths $REPO/$f"; done
# shellcheck disable=SC2086
(cd "$CFG" && "$SRC/scripts/kconfig/merge_config.sh" -m -Q -O "$CFG" "$CFG/.config" $frag_paths) \
	>>"$CFG/log" 2>&1 || { cat "$CFG/log" >&2; die "merge_config.sh failed"; }
kmake olddefconfig >>"$CFG/log" 2>&1 || { cat "$CFG/log" >&2; die "make olddefconfig failed"; }

# Last assignment of each symbol over all fragments, in merge order.
# shellcheck disable=SC2086
awk '
	/^CONFIG_[A-Za-z0-9_]+=/ { i = index($0, "="); v[substr($0, 1, i - 1)] = substr($0, i + 1); src[substr($0, 1, i - 1)] = FILENAME; next }
	/^# CONFIG_[A-Za-z0-9_]+ is not set/ { v[$2] = "n"; src[$2] = FILENAME }
	END { for (s in v) print s, v[s], src[s] }
' $frag_paths | sort >"$CFG/requested"
bad=0
while read -r sym want from; do
	got=$(grep -E "^$sym=|^# $sym is not set" "$CFG/.config" | head -n1 || true)
	case "$got" in
	"# $sym is not set"|"") got=n ;;
	*) got=${got#*=} ;;
	esac
	if [ "$got" != "$want" ]; then
		echo "config-kernel: ${from#"$REPO"/} asks for $sym=$want but the result has $sym=$got (missing dependency or unknown symbol?)" >&2
		bad=1
	fi
done <"$CFG/requested"
[ "$bad" = 0 ] || die "requested config values not satisfied"

if ! cmp -s "$CFG/.config" "$OBJ/.config"; then
	cp "$CFG/.config" "$OBJ/.config.new"
	mv -f "$OBJ/.config.new" "$OBJ/.config"
	echo "config-kernel: kernel config updated" >&2
fi
