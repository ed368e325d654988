#!/bin/bash
# Write the gen_init_cpio(1)-style file list of the test VM's base
# initramfs to LIST (only if its content changes, so make rebuilds the
# archive only when needed).
#
#   mkinitramfs.sh LIST SUITE_BINARY... -- TOOL_BINARY...
#
# Layout in the guest:
#   /init                          tests/vm/init
#   /bin, /sbin, /usr/...          busybox-static and its applet links
#   /usr/lib/credpass/tests/NAME   in-VM test suites (run by run-suites)
#   /usr/lib/credpass/bin/NAME     guest tools (credpass-exit, run-suites,
#                                  demos); on PATH
#   /usr/local/bin                 default place for tests/vm/run --add
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
LIST=$1
shift
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || { echo "mkinitramfs: $BUSYBOX not found (busybox-static)" >&2; exit 1; }
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	echo "mkinitramfs: $BUSYBOX is not static (install busybox-static)" >&2
	exit 1
fi

abs() { case "$1" in /*) echo "$1" ;; *) echo "$REPO/$1" ;; esac; }

{
	for d in /bin /sbin /usr /usr/bin /usr/sbin /usr/lib /usr/local /usr/local/bin \
		/usr/lib/credpass /usr/lib/credpass/bin /usr/lib/credpass/tests \
		/etc /etc/credpass /proc /sys /dev /run /var /mnt; do
		echo "dir $d 755 0 0"
	done
	echo "dir /root 700 0 0"
	echo "dir /tmp 1777 0 0"
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "nod /dev/null 666 0 0 c 1 3"
	echo "file /bin/busybox $BUSYBOX 755 0 0"
	"$BUSYBOX" --list-full | sort | while read -r a; do
		[ "$a" = bin/busybox ] || echo "slink /$a /bin/busybox 777 0 0"
	done
	echo "file /init $REPO/tests/vm/init 755 0 0"
	echo "file /etc/passwd $REPO/tests/vm/passwd 644 0 0"
	echo "file /etc/group $REPO/tests/vm/group 644 0 0"
	echo "file /usr/lib/credpass/bin/run-suites $REPO/tests/vm/run-suites 755 0 0"
	in_tools=0
	for f in "$@"; do
		if [ "$f" = -- ]; then in_tools=1; continue; fi
		if [ "$in_tools" = 0 ]; then
			echo "file /usr/lib/credpass/tests/${f##*/} $(abs "$f") 755 0 0"
		else
			echo "file /usr/lib/credpass/bin/${f##*/} $(abs "$f") 755 0 0"
		fi
	done
} >"$LIST.new"

if cmp -s "$LIST.new" "$LIST"; then
	rm -f "$LIST.new"
else
	mv -f "$LIST.new" "$LIST"
fi
