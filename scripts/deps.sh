#!/bin/bash
# Check that every Debian package credpass needs is installed; install the
# missing ones (root only).  Cheap when nothing is missing: one dpkg-query.
#
# CREDPASS_EXTRA_DEPS="pkg ..." adds packages to the list (used to test this
# script's missing-package path).
set -eu

PACKAGES="
	linux-source-6.12
	build-essential make gcc libc6-dev patch
	flex bison bc libelf-dev libssl-dev dwarves kmod
	cpio xz-utils rsync pkg-config python3
	busybox-static bash-static qemu-system-x86 ccache auditd
	libcap-dev libcap-ng-dev liburcu-dev libcmocka-dev
	clang libclang-rt-14-dev
	groff-base man-db
	coreutils diffutils findutils sed grep git
"
PACKAGES="$PACKAGES ${CREDPASS_EXTRA_DEPS:-}"

missing_packages() {
	# dpkg-query prints one line per known package; unknown names go to
	# stderr and count as missing.
	local installed
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $PACKAGES 2>/dev/null |
		awk '$2 ~ /^.i/ { sub(/:.*/, "", $1); print $1 }' || true)
	local p
	for p in $PACKAGES; do
		case " $(echo $installed) " in
		*" $p "*) ;;
		*) echo "$p" ;;
		esac
	done
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: dpkg-query not found: credpass builds on Debian 12 (bookworm)" >&2
	exit 1
fi

missing=$(missing_packages | tr '\n' ' ')
missing=${missing% }
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing Debian packages: $missing" >&2
	echo "deps.sh: not root, cannot install them; run as root or:" >&2
	echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends $missing" >&2
	exit 1
fi

echo "deps.sh: installing missing packages: $missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update </dev/null >&2
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing </dev/null >&2

still=$(missing_packages | tr '\n' ' ')
if [ -n "${still% }" ]; then
	echo "deps.sh: still missing after apt-get install: $still" >&2
	exit 1
fi
