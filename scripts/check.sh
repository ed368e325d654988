#!/bin/bash
# `make check` after the build: host unit tests, bounded fuzz runs, then two
# VM boots, then one summary.  The plain test kernel runs our in-VM suites
# and the upstream kselftests; the debug kernel (KASAN, UBSAN, lockdep, ...)
# runs our suites again (named debug/...) and then asks kmemleak.  KUnit
# runs at both boots.  A report of the kernel's checkers on either console
# fails the suite "console" / "debug/console".  Each boot's console log and
# results stay in build/check/plain/ and build/check/debug/.  Called by the
# Makefile with SUITES (in-VM suite names), UNIT_BINS (host unit test
# binaries) and FUZZ_BINS (libFuzzer targets) in the environment; the
# upstream kselftests come from tests/upstream/suites.  Prints the
# subtotals of ours ("credpass"), of the upstream kselftests ("upstream")
# and of the debug kernel ("debug"), then ends with exactly one line
# "N passed, N failed[, N skipped]" and exits non-zero on any failure.
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
B=build
OUT=$B/check
TAPSUM=$B/tools/tapsum
rm -rf "$OUT"
mkdir -p "$OUT"
expect=()
fails=()

# --- host unit tests (cmocka, TAP output) -----------------------------------
: >"$OUT/unit.tap"
for bin in ${UNIT_BINS:-}; do
	name=unit/${bin##*/}
	expect+=(--expect "$name")
	echo "== $name"
	{
		echo "# credpass-suite: $name"
		rc=0
		CMOCKA_MESSAGE_OUTPUT=TAP \
		ASAN_OPTIONS=abort_on_error=0:detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			"$bin" 2>&1 || rc=$?
		echo "# credpass-suite-exit: $name $rc"
	} | tee -a "$OUT/unit.tap"
done

# --- fuzz targets: a bounded libFuzzer run each, from the committed seeds ---------
# New inputs go to a scratch copy of the corpus, never into the repo.
FUZZ_RUNS=${FUZZ_RUNS:-1000000}
: >"$OUT/fuzz.tap"
for bin in ${FUZZ_BINS:-}; do
	name=fuzz/${bin##*/}
	seeds=tests/fuzz/${bin##*/}.corpus
	expect+=(--expect "$name")
	echo "== $name ($FUZZ_RUNS runs, seed corpus $seeds)"
	rm -rf "$OUT/$name.corpus"
	mkdir -p "$OUT/$name.corpus"
	rc=0
	"$bin" -runs="$FUZZ_RUNS" -seed=1 -max_total_time=120 -print_final_stats=1 \
		"$OUT/$name.corpus" "$seeds" >"$OUT/$name.log" 2>&1 || rc=$?
	done_line=$(grep -E '^Done [0-9]+ runs' "$OUT/$name.log" | tail -n 1 || true)
	{
		echo "# credpass-suite: $name"
		echo "1..1"
		if [ "$rc" = 0 ] && [ -n "$done_line" ]; then
			echo "ok 1 ${bin##*/}: $done_line"
		else
			tail -n 30 "$OUT/$name.log" | sed 's/^/# /'
			echo "not ok 1 ${bin##*/}: libFuzzer exit $rc (log $OUT/$name.log)"
		fi
		echo "# credpass-suite-exit: $name 0"
	} | tee -a "$OUT/fuzz.tap"
done

# --- upstream kselftests: the ones run, the ones left out -----------------------
# "skip DIR PROGRAM REASON" entries count as one skipped case each.
UPSTREAM_LIST=tests/upstream/suites
: >"$OUT/upstream-skipped.tap"
nup=0
while read -r kind dir prog rest; do
	case "$kind" in
	run)
		nup=$((nup + 1))
		expect+=(--expect "upstream/$dir/$prog")
		;;
	skip)
		echo "upstream/$dir/$prog: not run: $rest"
		{
			echo "# credpass-suite: upstream/$dir/$prog"
			echo "1..1"
			echo "ok 1 $prog # SKIP not run by make check: $rest"
			echo "# credpass-suite-exit: upstream/$dir/$prog 0"
		} >>"$OUT/upstream-skipped.tap"
		;;
	esac
done < <(grep -v '^[[:space:]]*#' "$UPSTREAM_LIST")

# --- the kernel console: any report of the kernel's own checkers fails ----------
# console_suite NAME LOG: a suite NAME with one failure per report line
# (at most 10, then one for the rest), or one passing case.  kmemleak's
# "suspected memory leaks" line is left to the kmemleak suite, which names
# the objects.
REPORTS='Kernel panic|kernel BUG at|BUG: |Oops|WARNING: |general protection fault|UBSAN:|KASAN:|hung_task|possible circular locking|possible recursive locking|inconsistent lock state|ODEBUG:|list_(add|del) corruption'
console_suite() {
	local name=$1 log=$2 lines n i=0
	lines=$(tr -d '\r' <"$log" 2>/dev/null | grep -E "$REPORTS" || true)
	n=$(printf '%s' "$lines" | grep -c . || true)
	echo "# credpass-suite: $name"
	if [ "$n" = 0 ]; then
		echo "1..1"
		echo "ok 1 no BUG, WARNING, KASAN, UBSAN, lockdep or ODEBUG report on the console"
	else
		echo "1..$(( n > 10 ? 11 : n ))"
		while IFS= read -r line; do
			i=$((i + 1))
			[ "$i" -le 10 ] || break
			echo "not ok $i kernel: $line"
		done <<<"$lines"
		[ "$n" -le 10 ] || echo "not ok 11 kernel: $((n - 10)) more report lines in $log"
	fi
	echo "# credpass-suite-exit: $name 0"
}

# vm_pass LABEL SUITE_PREFIX [VM env...] -- [run-suites args...]: one boot,
# its console log and results kept in $OUT/LABEL/.
vm_pass() {
	local label=$1 pfx=$2 dir=$OUT/$1 rc machine
	shift 2
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	mkdir -p "$dir"
	for s in ${SUITES:-} credgrant-counters; do expect+=(--expect "$pfx$s"); done
	set +e
	env "${envs[@]}" CREDPASS_VM_NOBUILD=1 VM_LOG="$dir/console.log" \
		tests/vm/run -- run-suites "$@" | tee "$dir/vm.tap"
	rc=${PIPESTATUS[0]}
	set -e
	machine=$(tr -d '\r' <"$dir/console.log" 2>/dev/null | sed -n 's/^credpass-vm: machine: //p' | head -n 1)
	echo "== $label kernel: ${machine:-no machine line on the console}"
	if [ "$rc" != 0 ]; then
		fails+=(--fail "$label VM run failed (tests/vm/run exit $rc), console log $dir/console.log")
	fi
	console_suite "${pfx}console" "$dir/console.log" >"$dir/console.tap"
	suites+=(--suites "$dir/vm.tap" --suites "$dir/console.tap")
	kunit+=(--kunit "${pfx}kunit=$dir/console.log")
}
suites=(--suites "$OUT/unit.tap" --suites "$OUT/fuzz.tap")
kunit=()

# --- the plain kernel: our suites, then the upstream kselftests, one boot -----
echo "== VM (plain kernel): ${SUITES:-no suites} and $nup upstream kselftest programs (console log: $OUT/plain/console.log)"
vm_pass plain "" -- --timeout 600
suites+=(--suites "$OUT/upstream-skipped.tap")

# --- the debug kernel: our suites again, then kmemleak ---------------------------
if [ "${DEBUG_KERNEL:-1}" = 1 ]; then
	echo "== VM (debug kernel: KASAN, UBSAN, lockdep, ...): ${SUITES:-no suites} (console log: $OUT/debug/console.log)"
	expect+=(--expect debug/kmemleak)
	vm_pass debug debug/ VM_KERNEL="$B/kernel-debug/obj/arch/x86/boot/bzImage" VM_MEM=1G VM_TIMEOUT=2700 \
		-- --prefix debug/ --no-upstream --kmemleak --timeout 900
else
	echo "== debug kernel pass not run (DEBUG_KERNEL=0)"
fi

echo "== summary"
exec "$TAPSUM" "${suites[@]}" "${kunit[@]}" \
	--group upstream=upstream/ --group debug=debug/ --others credpass "${expect[@]}" "${fails[@]}"
