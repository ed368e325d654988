#!/bin/bash
# make series-check: what a maintainer checks before taking the series.
#
#  1. checkpatch --strict on every patch of `make series` (build/series);
#     the only warning allowed is the new-files patch's "does MAINTAINERS
#     need updating?" (we have no maintainer address to put there).
#  2. The test kernel's configuration with CONFIG_CREDPASS=n builds and
#     links (every hook is an empty inline), and nothing of credpass is in
#     it: no credgrant/credpass symbol in System.map.
#  3. Nothing for those who do not use it: with CONFIG_CREDPASS=n the
#     structs the series touches have the size they have in pristine 6.12
#     with the same configuration (pahole on objects built with -g).
#
# Prints one line per check and "series-check: N passed, N failed"; exits
# non-zero on any failure.  Called by the Makefile after `make series`.
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
B=$REPO/build
SRC=$B/kernel/src
SERIES=$B/series
NPROC=$(nproc)
pass=0
fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }

# --- 1. checkpatch ---------------------------------------------------------
for p in "$SERIES"/0*.patch; do
	case "$p" in */0000-cover-letter.patch) continue ;; esac
	out=$("$SRC/scripts/checkpatch.pl" --strict --no-tree --no-signoff -q "$p" 2>&1 || true)
	# The new files' patch: "added, moved or deleted file(s), does
	# MAINTAINERS need updating?" and nothing else.
	rest=$(printf '%s\n' "$out" | grep -E '^(ERROR|WARNING|CHECK):' |
		grep -v 'does MAINTAINERS need updating' || true)
	if [ -z "$rest" ]; then
		ok "checkpatch --strict ${p##*/}"
	else
		printf '%s\n' "$out"
		notok "checkpatch --strict ${p##*/}"
	fi
done

# --- 2. CONFIG_CREDPASS=n builds and links ----------------------------------
build_variant() {
	local v=$1 dir=$B/kernel-$1 src=$2
	shift 2
	BUILD=$B KVARIANT=$v scripts/config-kernel.sh
	make -s -C "$src" O="$dir/obj" ARCH=x86_64 -j"$NPROC" "$@" >"$dir/build.log" 2>&1
}

NOCP=$B/kernel-nocredpass/obj
if build_variant nocredpass "$SRC" bzImage; then
	if grep -q '^CONFIG_CREDPASS=y' "$NOCP/.config"; then
		notok "CONFIG_CREDPASS=n build: the config still has CONFIG_CREDPASS=y"
	else
		ok "CONFIG_CREDPASS=n: the test kernel's configuration builds and links"
	fi
	syms=$(grep -i -E 'credgrant|credpass' "$NOCP/System.map" || true)
	if [ -z "$syms" ]; then
		ok "CONFIG_CREDPASS=n: no credgrant/credpass symbol in System.map"
	else
		printf '%s\n' "$syms"
		notok "CONFIG_CREDPASS=n: credpass symbols in System.map"
	fi
else
	tail -n 30 "$B/kernel-nocredpass/build.log"
	notok "CONFIG_CREDPASS=n: build failed ($B/kernel-nocredpass/build.log)"
fi

# --- 3. struct sizes: patched with CONFIG_CREDPASS=n == pristine -------------
# object -> the structs the series adds fields to, as pahole names them
OBJS="net/unix/af_unix.o kernel/fork.o fs/exec.o"
STRUCTS="unix_sock unix_skb_parms scm_cookie task_struct signal_struct linux_binprm"
sizes() {
	local obj=$1 s
	for s in $STRUCTS; do
		pahole -C "$s" "$obj" 2>/dev/null | sed -n 's|^\s*/\* size: \([0-9]*\),.*|'"$s"' \1|p' | head -n 1
	done
}
have_sizes=1
for v in pristine nocredpass; do
	if [ "$v" = pristine ]; then src=$B/kernel/pristine; else src=$SRC; fi
	# shellcheck disable=SC2086
	if ! build_variant "$v" "$src" KCFLAGS=-g $OBJS; then
		tail -n 30 "$B/kernel-$v/build.log"
		notok "struct sizes: building $OBJS -g in the $v tree failed"
		have_sizes=0
		continue
	fi
	: >"$B/kernel-$v/sizes"
	for o in $OBJS; do sizes "$B/kernel-$v/obj/$o" >>"$B/kernel-$v/sizes"; done
	sort -u -o "$B/kernel-$v/sizes" "$B/kernel-$v/sizes"
done
if [ "$have_sizes" = 1 ]; then
	for s in $STRUCTS; do
		a=$(awk -v s="$s" '$1 == s { print $2 }' "$B/kernel-pristine/sizes")
		b=$(awk -v s="$s" '$1 == s { print $2 }' "$B/kernel-nocredpass/sizes")
		if [ -n "$a" ] && [ "$a" = "$b" ]; then
			ok "CONFIG_CREDPASS=n: sizeof(struct $s) = $b bytes, as in pristine 6.12"
		else
			notok "CONFIG_CREDPASS=n: sizeof(struct $s) = ${b:-?} bytes, pristine 6.12 ${a:-?}"
		fi
	done
fi

echo "series-check: $pass passed, $fail failed"
[ "$fail" = 0 ]
