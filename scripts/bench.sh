#!/bin/bash
# make bench: boot the test kernel BOOTS times running credbench, then once
# under perf (PROFILE=1), and write the table to bench/results.md.
#
# Environment: BOOTS (3), PROFILE (1; 0: no perf boot), BENCH_ARGS
# (credbench's arguments, e.g. "--quick" or "1 2"), BENCH_OUT (results
# file, default bench/results.md), BUILD (build/), VM_MEM (1G: row 4
# queues 100 000 grants), and tests/vm/run's VM_* variables.
# Outputs of each boot: build/bench/boot-N.out and console-N.log.
# Exit status: 0, or 1 if a boot failed (never because of a figure).
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
BOOTS=${BOOTS:-3}
PROFILE=${PROFILE:-1}
BENCH_ARGS=${BENCH_ARGS:-}
OUT=${BENCH_OUT:-$REPO/bench/results.md}
DIR=$BUILD/bench
export VM_MEM=${VM_MEM:-1G}
export VM_TIMEOUT=${VM_TIMEOUT:-3600}
export CREDPASS_VM_NOBUILD=1 BUILD

case "$BOOTS" in ''|*[!0-9]*|0) echo "bench: BOOTS must be a positive number" >&2; exit 2 ;; esac
mkdir -p "$DIR"
rm -f "$DIR"/boot-*.out "$DIR"/console-*.log "$DIR"/profile.out "$DIR"/profile-console.log

# What was measured: the commit, and the last commit that changed the
# kernel (overlay files, hook patches, config fragments).
KROOTS="include kernel net fs security arch init patches config"
head=$(git -C "$REPO" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# shellcheck disable=SC2086
kcommit=$(git -C "$REPO" log -1 --format='%h %cs %s' -- $KROOTS 2>/dev/null || echo unknown)
# shellcheck disable=SC2086
kdirty=$(git -C "$REPO" status --porcelain -- $KROOTS 2>/dev/null | head -n 1)
{
	echo "date $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "head $head"
	echo "kernel_commit $kcommit"
	echo "kernel_inputs ${kdirty:+uncommitted changes}${kdirty:-clean}"
	echo "qemu $(qemu-system-x86_64 --version | head -n 1)"
	echo "vm ${QEMU_ACCEL:-tcg}, ${VM_SMP:-2} vCPUs, $VM_MEM; host $(nproc) CPUs, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "args ${BENCH_ARGS:-(all rows)}"
} >"$DIR/meta"

failed=0
for i in $(seq 1 "$BOOTS"); do
	echo "== bench: boot $i of $BOOTS (credbench $BENCH_ARGS; log $DIR/console-$i.log)"
	t0=$(date +%s)
	l0=$(cut -d' ' -f1 /proc/loadavg)
	rc=0
	# shellcheck disable=SC2086
	VM_LOG=$DIR/console-$i.log "$REPO/tests/vm/run" -- credbench $BENCH_ARGS \
		>"$DIR/boot-$i.out" || rc=$?
	echo "   boot $i: exit $rc, $(( $(date +%s) - t0 )) s"
	echo "host_load boot $i: $(( $(date +%s) - t0 )) s, host load average $l0 before, $(cut -d' ' -f1 /proc/loadavg) after" >>"$DIR/meta"
	if [ "$rc" != 0 ]; then
		echo "bench: boot $i failed (exit $rc): $DIR/boot-$i.out, $DIR/console-$i.log" >&2
		tail -n 5 "$DIR/boot-$i.out" >&2 || true
		failed=1
		mv "$DIR/boot-$i.out" "$DIR/failed-$i.out"
	fi
done

if [ "$PROFILE" = 1 ] && [ "$failed" = 0 ]; then
	PERF=$(command -v perf || true)
	if [ -z "$PERF" ]; then
		echo "bench: no perf on the host (Debian linux-perf): no profile" >&2
	else
		echo "== bench: profile boot (perf record -e cpu-clock; log $DIR/profile-console.log)"
		t0=$(date +%s)
		rc=0
		VM_LOG=$DIR/profile-console.log "$REPO/tests/vm/run" \
			--add "$PERF:/usr/bin/perf" \
			--add "$REPO/bench/guest-profile.sh:/usr/local/bin/credbench-profile" \
			-- credbench-profile >"$DIR/profile.out" || rc=$?
		echo "   profile boot: exit $rc, $(( $(date +%s) - t0 )) s"
		if [ "$rc" != 0 ]; then
			echo "bench: the profile boot failed (exit $rc): $DIR/profile.out" >&2
			failed=1
		fi
	fi
fi

ls "$DIR"/boot-*.out >/dev/null 2>&1 || { echo "bench: no boot completed" >&2; exit 1; }
python3 "$REPO/bench/aggregate.py" --meta "$DIR/meta" --out "$OUT" \
	${PROFILE:+--profile "$DIR/profile.out"} "$DIR"/boot-*.out
echo "bench: wrote ${OUT#"$REPO"/}"
exit "$failed"
