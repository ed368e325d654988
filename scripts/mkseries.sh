#!/bin/bash
# make series: one self-contained `git format-patch` series against Linux
# 6.12, for review or for sending: first our new kernel files (the overlay),
# then the hook patches of patches/series with their own messages.  Checked
# by applying it with `git am` to the pristine files it touches.
#
#   BUILD=/abs/build scripts/mkseries.sh OUTDIR
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
BUILD=${BUILD:-$REPO/build}
OUT=${1:?usage: mkseries.sh OUTDIR}
PRISTINE=$BUILD/kernel/pristine
OVERLAY_ROOTS=${OVERLAY_ROOTS:?set by the Makefile: run make series}

[ -d "$PRISTINE" ] || { echo "mkseries: $PRISTINE missing: run make kernel-prepare" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$tmp" init -q
git -C "$tmp" config user.name "$(git config user.name || echo credpass)"
git -C "$tmp" config user.email "$(git config user.email || echo dev@credpass.invalid)"

# The pristine version of every upstream file the hooks touch.
mapfile -t patches < <(grep -v -e '^#' -e '^[[:space:]]*$' patches/series)
for p in "${patches[@]}"; do
	sed -n 's|^+++ b/||p' "patches/$p"
done | sort -u | while read -r f; do
	mkdir -p "$tmp/$(dirname "$f")"
	cp "$PRISTINE/$f" "$tmp/$f"
done
git -C "$tmp" add -A
git -C "$tmp" commit -q -m "Linux 6.12 (the files this series touches)"
base=$(git -C "$tmp" rev-parse HEAD)

# 1: our new files, as they are in this repo.
# shellcheck disable=SC2086
git ls-files -- $OVERLAY_ROOTS | while read -r f; do
	mkdir -p "$tmp/$(dirname "$f")"
	cp "$f" "$tmp/$f"
done
git -C "$tmp" add -A
git -C "$tmp" commit -q -s -F - <<'EOF'
credpass: credential grants over AF_UNIX, and acceptid(2)

A process asks the kernel to issue a credential grant (become uid X, gid
Y, these groups; or an audit-only on-behalf-of context) with an
SCM_CREDGRANT control message; the kernel checks that the sender may
issue it and queues a single-use, time-limited grant to a receiver that
opted in with SO_PASSCREDGRANT. The receiver gets an inert description
and applies it only with acceptid(2), in one commit_creds().

New files only: the UAPI header, the grant objects and their lifetime
(kernel/credpass/grant.c), acceptid(2) (kernel/credpass/acceptid.c), the
AF_UNIX glue (net/unix/credgrant.c), the KUnit suite and Kconfig. Nothing
is built until the following patches wire it in.
EOF

# 2..: the hook patches, with their own messages and sign-offs.
for p in "${patches[@]}"; do
	git -C "$tmp" am -q "$REPO/patches/$p" ||
		{ echo "mkseries: patches/$p does not apply" >&2; exit 1; }
done

rm -rf "$OUT"
mkdir -p "$OUT"
git -C "$tmp" format-patch -q --cover-letter -o "$OUT" "$base..HEAD"
sed -i 's/\*\*\* SUBJECT HERE \*\*\*/credpass: kernel-issued credential grants over AF_UNIX/; s/\*\*\* BLURB HERE \*\*\*/See 0001 for what credpass is; the patches after it hook it into\nthe socket layer, exec, exit, the syscall tables, the LSM framework,\nucounts and seccomp./' "$OUT"/0000-cover-letter.patch
n=$(find "$OUT" -name '0*.patch' ! -name '0000-*' | wc -l)
echo "mkseries: $n patches and a cover letter in $OUT"
