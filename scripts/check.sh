#!/bin/bash
# `make check` after the build: host unit tests, bounded fuzz runs, then
# every in-VM suite in one VM boot (KUnit runs during that boot), then one
# summary.  Called by the Makefile with SUITES (in-VM suite names),
# UNIT_BINS (host unit test binaries) and FUZZ_BINS (libFuzzer targets) in
# the environment; the upstream kselftests come from
# tests/upstream/suites.  Prints the subtotals of ours ("credpass") and of
# the upstream kselftests ("upstream"), then ends with exactly one line
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

# --- all in-VM suites, one boot ------------------------------------------------
for s in ${SUITES:-} credgrant-counters; do expect+=(--expect "$s"); done
echo "== VM: ${SUITES:-no suites} and $nup upstream kselftest programs (console log: $OUT/console.log)"
set +e
CREDPASS_VM_NOBUILD=1 VM_LOG=$OUT/console.log tests/vm/run -- run-suites | tee "$OUT/vm.tap"
vmrc=${PIPESTATUS[0]}
set -e
if [ "$vmrc" != 0 ]; then
	fails+=(--fail "VM run failed (tests/vm/run exit $vmrc), console log $OUT/console.log")
fi
# A kernel oops or warning is a failure even when every test passed.
while IFS= read -r line; do
	fails+=(--fail "kernel: $line")
done < <(tr -d '\r' <"$OUT/console.log" 2>/dev/null |
	grep -E 'Kernel panic|kernel BUG at|BUG: |Oops|WARNING: |general protection fault|UBSAN:|KASAN:|hung_task' |
	head -n 5 || true)

echo "== summary"
exec "$TAPSUM" --suites "$OUT/unit.tap" --suites "$OUT/fuzz.tap" --suites "$OUT/vm.tap" \
	--suites "$OUT/upstream-skipped.tap" --kunit "$OUT/console.log" \
	--group upstream=upstream/ --others credpass "${expect[@]}" "${fails[@]}"
