#!/bin/sh
# credbench-profile: make bench's profile boot, run as root in the guest.
#
# For each workload, perf record samples the CPU clock (TCG has no PMU)
# while credbench runs it; only the samples taken while the calls that the
# row times were running count (credbench writes those intervals, perf
# stamps its samples with the same CLOCK_MONOTONIC).  Printed: the share of
# those samples of every symbol, between "profile KIND begin" and "... end".
#   grant   a grant's life: sendmsg SCM_CREDGRANT, recvmsg, acceptid REJECT
#   cred    an SCM_CREDENTIALS message's: sendmsg, recvmsg
#   pidfd   an SCM_PIDFD message's: sendmsg, recvmsg, close
#   accept  row 2: acceptid(FULL) switching between two identities
#   setid   row 2: setgroups + setresgid + setresuid doing the same
# The test kernel has no high-resolution timers: samples come at most once
# a tick (HZ=250), whatever -F asks.
set -eu
SECONDS_EACH=${CREDBENCH_PROFILE_SECONDS:-15}
FREQ=${CREDBENCH_PROFILE_FREQ:-1000}
# Each sample is slow under TCG: without this the kernel lowers the sample
# rate further ("perf: interrupt took too long").  The rate first: the
# kernel refuses to set it once the check is off.
echo "$FREQ" >/proc/sys/kernel/perf_event_max_sample_rate
echo 0 >/proc/sys/kernel/perf_cpu_time_max_percent
cd /tmp
for kind in grant cred pidfd accept setid; do
	rm -f "$kind.data" "$kind.win"
	secs=$SECONDS_EACH
	# row 2's calls fill a third of its time: twice as long
	case $kind in accept|setid) secs=$((SECONDS_EACH * 2)) ;; esac
	CREDBENCH_WINDOWS=/tmp/$kind.win \
		perf record -q -N -B -k CLOCK_MONOTONIC -e cpu-clock -F "$FREQ" \
		-o "/tmp/$kind.data" -- credbench profile "$kind" "$secs" \
		>"/tmp/$kind.log" 2>&1 ||
		{ echo "profile $kind failed"; cat "/tmp/$kind.log"; exit 1; }
	echo "profile $kind begin"
	grep '^profile' "/tmp/$kind.log" || true
	# "SEC.NSEC: IP SYM (DSO)" per sample, in time order; windows in order
	perf script -i "/tmp/$kind.data" --ns -F time,ip,sym,dso 2>/dev/null |
		awk -v winfile="/tmp/$kind.win" '
		BEGIN {
			n = 0
			while ((getline line < winfile) > 0) {
				split(line, a, " ")
				ws[n] = a[1]; we[n] = a[2]; n++
			}
			w = 0; tot = 0; all = 0
		}
		{
			t = $1; sub(/:$/, "", t); split(t, p, ".")
			ns = p[1] * 1000000000 + p[2]
			all++
			while (w < n && we[w] < ns) w++
			if (w >= n || ns < ws[w]) next
			sym = $3; dso = $NF
			key = (dso ~ /kernel/ ? "[k] " : "[.] ") sym
			c[key]++; tot++
		}
		END {
			printf "samples: %d in the timed calls (of %d)\n", tot, all
			for (k in c) printf "%6.2f%%  %s\n", 100 * c[k] / tot, k | "sort -rn"
		}'
	echo "profile $kind end"
	rm -f "/tmp/$kind.data" "/tmp/$kind.win"
done
