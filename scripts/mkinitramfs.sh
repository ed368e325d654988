#!/bin/bash
# Write the gen_init_cpio(1)-style file list of the test VM's base
# initramfs to LIST (only if its content changes, so make rebuilds the
# archive only when needed).
#
#   mkinitramfs.sh LIST SUITE_BINARY... -- TOOL_BINARY... \
#           [-- UPSTREAM_SUITES_FILE UPSTREAM_ROOT REL_PATH...]
#
# Layout in the guest:
#   /init                          tests/vm/init
#   /bin, /sbin, /usr/...          busybox-static and its applet links
#   /usr/lib/credpass/tests/NAME   in-VM test suites (run by run-suites)
#   /usr/lib/credpass/bin/NAME     guest tools (credpass-exit, run-suites,
#                                  demos); on PATH
#   /usr/lib/credpass/upstream/suites    tests/upstream/suites
#   /usr/lib/credpass/upstream/REL_PATH  UPSTREAM_ROOT/REL_PATH: the upstream
#                                  kselftest programs and helpers, with their
#                                  modes; symlinks and directories stay so;
#                                  a dynamically linked one brings the
#                                  shared libraries ldd lists, at their paths
#   /bin/bash                      bash-static (upstream scripts use #!/bin/bash)
#   /sbin/auditd, auditctl, ausearch  Debian's auditd package, with the
#                                  shared libraries ldd lists (the audit
#                                  suite's auditd case)
#   /etc/credpass/audit/           its auditd.conf and rules file
#                                  (tests/vm/audit/), an empty plugins.d;
#                                  /var/log/audit, /var/run -> /run
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

BASH_STATIC=${BASH_STATIC:-/bin/bash-static}
[ -x "$BASH_STATIC" ] || { echo "mkinitramfs: $BASH_STATIC not found (bash-static)" >&2; exit 1; }

TRUE=/usr/bin/true
AUDIT_PROGS="/sbin/auditd /sbin/auditctl /sbin/ausearch"
LIBGCC_S=/lib/x86_64-linux-gnu/libgcc_s.so.1
for p in $AUDIT_PROGS; do
	[ -x "$p" ] || { echo "mkinitramfs: $p not found (Debian package auditd)" >&2; exit 1; }
done
[ -f "$LIBGCC_S" ] || { echo "mkinitramfs: $LIBGCC_S not found (libgcc-s1)" >&2; exit 1; }
abs() { case "$1" in /*) echo "$1" ;; *) echo "$REPO/$1" ;; esac; }

declare -A dirs=() libs=()
mkdirs() {	# the parents of guest path $1
	local d=${1%/*} acc= p
	IFS=/ read -ra parts <<<"${d#/}"
	for p in "${parts[@]}"; do
		acc=$acc/$p
		[ -n "${dirs[$acc]:-}" ] || { dirs[$acc]=1; echo "dir $acc 755 0 0"; }
	done
}
add_libs() {	# the shared libraries of a dynamically linked program, once
	local lib
	for lib in $(LC_ALL=C ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
		[ -f "$lib" ] && [ -z "${libs[$lib]:-}" ] || continue
		libs[$lib]=1
		mkdirs "$lib"
		echo "file $lib $(readlink -f "$lib") 755 0 0"
	done
}
for p in /bin /sbin /usr /usr/bin /usr/sbin /usr/lib /usr/local /usr/local/bin \
	/usr/lib/credpass /usr/lib/credpass/bin /usr/lib/credpass/tests \
	/etc /etc/credpass /proc /sys /dev /run /var /mnt /root /tmp; do
	dirs[$p]=1
done

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
	echo "file /bin/bash $BASH_STATIC 755 0 0"
	"$BUSYBOX" --list-full | sort | while read -r a; do
		case "$a" in bin/busybox|bin/true) ;; *) echo "slink /$a /bin/busybox 777 0 0" ;; esac
	done
	# coreutils' true, which exits 0 whatever its argv[0] (busybox's says
	# "applet not found"): exec/non-regular execs a symlink to it
	echo "file /bin/true $(readlink -f $TRUE) 755 0 0"
	add_libs $TRUE
	for p in $AUDIT_PROGS; do
		echo "file $p $(readlink -f "$p") 755 0 0"
		add_libs "$p"
	done
	# glibc loads it for pthread_cancel(), which auditd calls at exit
	# (without it auditd aborts); ldd does not list it
	echo "file $LIBGCC_S $(readlink -f $LIBGCC_S) 755 0 0"
	for d in /etc/credpass/audit /etc/credpass/audit/plugins.d /var/log; do
		dirs[$d]=1
		echo "dir $d 755 0 0"
	done
	dirs[/var/log/audit]=1
	echo "dir /var/log/audit 700 0 0"
	echo "slink /var/run /run 777 0 0"
	echo "file /etc/credpass/audit/auditd.conf $REPO/tests/vm/audit/auditd.conf 640 0 0"
	echo "file /etc/credpass/audit/credpass.rules $REPO/tests/vm/audit/credpass.rules 640 0 0"
	echo "file /init $REPO/tests/vm/init 755 0 0"
	echo "file /etc/passwd $REPO/tests/vm/passwd 644 0 0"
	echo "file /etc/group $REPO/tests/vm/group 644 0 0"
	echo "file /usr/lib/credpass/bin/run-suites $REPO/tests/vm/run-suites 755 0 0"
	section=0
	while [ $# -gt 0 ]; do
		f=$1
		shift
		if [ "$f" = -- ]; then section=$((section + 1)); continue; fi
		case $section in
		0) echo "file /usr/lib/credpass/tests/${f##*/} $(abs "$f") 755 0 0" ;;
		1) echo "file /usr/lib/credpass/bin/${f##*/} $(abs "$f") 755 0 0" ;;
		*) break ;;
		esac
	done
	if [ "$section" = 2 ]; then
		[ $# -ge 1 ] || { echo "mkinitramfs: -- needs UPSTREAM_SUITES_FILE UPSTREAM_ROOT" >&2; exit 1; }
		up=/usr/lib/credpass/upstream
		echo "dir $up 755 0 0"
		echo "file $up/suites $(abs "$f") 644 0 0"
		root=$1
		shift
		dirs[$up]=1
		for rel in "$@"; do
			host=$(abs "$root/$rel")
			mkdirs "$up/$rel"
			if [ -L "$host" ]; then
				echo "slink $up/$rel $(readlink "$host") 777 0 0"
			elif [ -d "$host" ]; then
				dirs[$up/$rel]=1
				echo "dir $up/$rel $(stat -c %a "$host") 0 0"
			else
				echo "file $up/$rel $host $(stat -c %a "$host") 0 0"
				add_libs "$host"
			fi
		done
	fi
} >"$LIST.new"

if cmp -s "$LIST.new" "$LIST"; then
	rm -f "$LIST.new"
else
	mv -f "$LIST.new" "$LIST"
fi
