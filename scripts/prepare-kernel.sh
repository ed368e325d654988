#!/bin/bash
# Prepare the kernel source tree in $BUILD/kernel/src:
#
#  1. Unpack /usr/src/linux-source-6.12.tar.xz once into $BUILD/kernel/pristine
#     (again only if the tarball changes) and hard-link it to src/.
#  2. Overlay: every git-tracked file of the repo under the overlay roots
#     (include/ kernel/ net/ fs/ security/ arch/ init/) goes to the same path
#     in src/.  It must be a NEW file: upstream files change only through
#     patches.
#  3. Apply patches/series (one patch file name per line, '#' comments,
#     patch -p1).
#
# The desired content of every touched file is computed in a temporary
# directory first, then only files whose content differs are written into
# src/ (by rename, so the pristine hard links stay intact).  Files touched by
# the previous run but not by this one get their pristine content back (or
# are removed when upstream has no such file).  Unchanged files keep their
# mtime, so the kernel's make rebuilds only what really changed.
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
KDIR=$BUILD/kernel
PRISTINE=$KDIR/pristine
SRC=$KDIR/src
LIST=$KDIR/touched.list
OVERLAY_ROOTS=${OVERLAY_ROOTS:?set by the Makefile: run make kernel-prepare}

die() { echo "prepare-kernel: $*" >&2; exit 1; }

[ -f "$TARBALL" ] || die "$TARBALL not found (Debian package linux-source-6.12; run scripts/deps.sh)"
mkdir -p "$KDIR"

# --- 1. unpack ------------------------------------------------------------
stamp=$(stat -L -c '%n %s %Y' "$TARBALL")
if [ ! -d "$SRC" ] || [ ! -d "$PRISTINE" ] || [ "$(cat "$KDIR/tarball.stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "prepare-kernel: unpacking $TARBALL into $PRISTINE" >&2
	rm -rf "$PRISTINE" "$PRISTINE.tmp" "$SRC" "$LIST" "$KDIR/obj" "$KDIR/cfg"
	mkdir -p "$PRISTINE.tmp"
	tar -xJf "$TARBALL" -C "$PRISTINE.tmp" --strip-components=1
	[ -f "$PRISTINE.tmp/Makefile" ] || die "unexpected tarball layout in $TARBALL"
	mv "$PRISTINE.tmp" "$PRISTINE"
	cp -al "$PRISTINE" "$SRC"
	echo "$stamp" >"$KDIR/tarball.stamp"
fi

# --- 2./3. compute the desired content of every touched file --------------
TMP=$(mktemp -d "$KDIR/prepare.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
WANT=$TMP/want           # desired content, same relative paths
mkdir -p "$WANT"
: >"$TMP/paths"

cd "$REPO"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	git ls-files -z -- $OVERLAY_ROOTS | tr '\0' '\n' >"$TMP/overlay.all"
else
	# shellcheck disable=SC2086
	find $OVERLAY_ROOTS -type f 2>/dev/null | sort >"$TMP/overlay.all" || true
fi
while IFS= read -r f; do
	[ -n "$f" ] || continue
	[ -f "$f" ] || continue          # deleted in the work tree, not committed yet
	if [ -e "$PRISTINE/$f" ] || [ -L "$PRISTINE/$f" ]; then
		die "overlay file $f exists upstream; change upstream files with a patch in patches/ (listed in patches/series), not by overlay"
	fi
	mkdir -p "$WANT/$(dirname "$f")"
	cp "$f" "$WANT/$f"
	echo "$f" >>"$TMP/paths"
done <"$TMP/overlay.all"

SERIES=$REPO/patches/series
if [ -f "$SERIES" ]; then
	while IFS= read -r line || [ -n "$line" ]; do
		p=${line%%#*}
		p=$(echo "$p" | tr -d '[:space:]')
		[ -n "$p" ] || continue
		pf=$REPO/patches/$p
		[ -f "$pf" ] || die "patches/series names $p but patches/$p does not exist"
		# Files the patch touches (-p1): their pristine content goes
		# into the work area unless an earlier step already put it there.
		sed -n -e 's/^\(---\|+++\) \([^\t]*\).*/\2/p' "$pf" |
			grep -v '^/dev/null$' | sed 's,^[^/]*/,,' | sort -u |
		while IFS= read -r t; do
			case "$t" in ''|/*|*..*) continue ;; esac
			if [ ! -e "$WANT/$t" ] && [ -f "$PRISTINE/$t" ]; then
				mkdir -p "$WANT/$(dirname "$t")"
				cp "$PRISTINE/$t" "$WANT/$t"
			fi
			echo "$t" >>"$TMP/paths"
		done
		if ! patch -p1 -d "$WANT" --batch --forward --no-backup-if-mismatch \
			-r "$TMP/rejects" <"$pf" >"$TMP/patch.out" 2>&1; then
			cat "$TMP/patch.out" >&2
			die "patches/$p does not apply to linux-source-6.12 (plus overlay and earlier patches)"
		fi
	done <"$SERIES"
fi
sort -u "$TMP/paths" -o "$TMP/paths"

# --- sync into src/, touching only files whose content changes -----------
changed=0
install_file() {        # install_file FROM REL
	mkdir -p "$SRC/$(dirname "$2")"
	cp "$1" "$SRC/$2.credpass-new"
	mv -f "$SRC/$2.credpass-new" "$SRC/$2"
	changed=$((changed + 1))
	echo "prepare-kernel: updated $2" >&2
}
while IFS= read -r t; do
	if [ -f "$WANT/$t" ]; then
		cmp -s "$WANT/$t" "$SRC/$t" || install_file "$WANT/$t" "$t"
	elif [ -e "$SRC/$t" ]; then     # deleted by a patch
		rm -f "$SRC/$t"
		changed=$((changed + 1))
		echo "prepare-kernel: removed $t" >&2
	fi
done <"$TMP/paths"

if [ -f "$LIST" ]; then
	sort -u "$LIST" | comm -23 - "$TMP/paths" >"$TMP/stale"
	while IFS= read -r t; do
		if [ -f "$PRISTINE/$t" ]; then
			cmp -s "$PRISTINE/$t" "$SRC/$t" || install_file "$PRISTINE/$t" "$t"
		elif [ -e "$SRC/$t" ]; then
			rm -f "$SRC/$t"
			changed=$((changed + 1))
			echo "prepare-kernel: removed $t (no longer overlaid)" >&2
		fi
	done <"$TMP/stale"
fi
cp "$TMP/paths" "$LIST.new"
mv -f "$LIST.new" "$LIST"
echo "prepare-kernel: $(wc -l <"$LIST") overlay/patched files, $changed changed" >&2
