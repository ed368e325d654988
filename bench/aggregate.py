#!/usr/bin/env python3
"""Aggregate credbench outputs of several VM boots into bench/results.md.

    aggregate.py --meta META --out RESULTS.md [--profile PROFILE.out] BOOT.out...

Each BOOT.out holds one boot's "result KEY VALUE" lines (medians and ratios
measured interleaved in that boot).  A row's figure is the median of its
per-boot values, with the spread (min-max over boots).  Prints the table
and writes RESULTS.md; never fails because of a figure.
"""
import argparse
import re
import statistics
import sys


def ns(v):
    return "-" if v is None else f"{v:,.0f} ns"


def by(v):
    return "-" if v is None else f"{v:,.0f} B"


def rate(v):
    return "-" if v is None else f"{v / 1000:,.1f} k/s"


def plain(v):
    return "-" if v is None else f"{v:.2f}"


# (row, what, key, unit of the figure, target text, target test, raw
# columns (label, key, format)).  KEY is the ratio of the fastest loops,
# KEY_med the ratio of the medians (aggregate.py shows both); a raw column
# shows KEY's figure with KEY_med's (if any) in brackets.
ROWS = [
    ("1", "grant life / SCM_CREDENTIALS message", "r1_ratio_cred", "x",
     "<= 1.1", lambda v: v <= 1.1,
     [("grant", "r1_grant_ns", ns), ("cred", "r1_cred_ns", ns)]),
    ("1", "grant life / SCM_PIDFD message", "r1_ratio_pidfd", "x",
     "< 1.0", lambda v: v < 1.0,
     [("grant", "r1_grant_ns", ns), ("pidfd", "r1_pidfd_ns", ns)]),
    ("2", "acceptid(FULL) / setgroups+setresgid+setresuid, same change",
     "r2_ratio", "x", "<= 1.0 (goal 0.5)", lambda v: v <= 1.0,
     [("acceptid", "r2_accept_ns", ns), ("3 calls", "r2_setid_ns", ns)]),
    ("3", "slab bytes per queued grant, net of its message", "r3_net_B", "B",
     "<= 256", lambda v: v <= 256,
     [("msg+grant", "r3_grant_msg_B", by), ("plain msg", "r3_plain_msg_B", by)]),
    ("3b", "slab bytes per received, pending grant (message freed)", "r3b_net_B",
     "B", "-", None,
     [("grant", "r3b_grant_B", by), ("plain", "r3b_plain_B", by)]),
    ("4", "issue+accept at 100 000 pending grants / at 1", "r4_ratio_bound", "x",
     "<= 1.1", lambda v: v <= 1.1,
     [("at 100k", "r4_bound_ns", ns), ("at 1", "r4_one_ns", ns)]),
    ("4q", "issue+accept at 100 000 queued grants / at 1", "r4_ratio_queued", "x",
     "<= 1.1", lambda v: v <= 1.1,
     [("at 100k", "r4_queued_ns", ns), ("at 1", "r4_one_ns", ns)]),
    ("5", "scaling at 2 threads: grants / SCM_CREDENTIALS", "r5_ratio_2", "x",
     ">= 0.8", lambda v: v >= 0.8,
     [("grant", "r5_grant_scale_2", plain), ("cred", "r5_cred_scale_2", plain)]),
    ("5", "scaling at 4 threads: grants / SCM_CREDENTIALS", "r5_ratio_4", "x",
     ">= 0.8", lambda v: v >= 0.8,
     [("grant", "r5_grant_scale_4", plain), ("cred", "r5_cred_scale_4", plain)]),
]

SPLITS = [
    ("grant life: sendmsg with SCM_CREDGRANT", "r1_split_grant_send_ns"),
    ("grant life: recvmsg", "r1_split_grant_recv_ns"),
    ("grant life: acceptid(REJECT)", "r1_split_grant_end_ns"),
    ("SCM_CREDENTIALS: sendmsg", "r1_split_cred_send_ns"),
    ("SCM_CREDENTIALS: recvmsg", "r1_split_cred_recv_ns"),
    ("SCM_PIDFD: sendmsg", "r1_split_pidfd_send_ns"),
    ("SCM_PIDFD: recvmsg", "r1_split_pidfd_recv_ns"),
    ("SCM_PIDFD: close(pidfd)", "r1_split_pidfd_end_ns"),
    ("plain message: sendmsg", "r1_split_plain_send_ns"),
    ("plain message: recvmsg", "r1_split_plain_recv_ns"),
    ("row 2: acceptid(FULL), the whole change (fastest loop)", "r2_accept_ns"),
    ("row 2: acceptid(REJECT) of the same grants: lookup and fate only (fastest loop)",
     "r2_reject_ns"),
    ("row 2: setgroups + setresgid + setresuid (fastest loop)", "r2_setid_ns"),
    ("row 2: setgroups (4 groups)", "r2_split_setgroups_ns"),
    ("row 2: setresgid", "r2_split_setresgid_ns"),
    ("row 2: setresuid", "r2_split_setresuid_ns"),
]

# Kernel areas of a flat profile, first match wins: a rough guide to where
# the time goes, not an attribution (callers are not known).
AREAS = [
    ("credpass (grant, acceptid, AF_UNIX glue)", r"credgrant|^cg_|acceptid"),
    ("grant id table (rhashtable)", r"^rht_|rhashtable"),
    ("clock reads (ktime)", r"ktime|tsc|timekeeping"),
    ("slab and page allocators",
     r"slab|kmalloc|kfree|kmem_cache|kvmalloc|virt_to_folio|failslab|memcg|obj_cgroup|"
     r"alloc_pages|get_page_from_freelist|page_state|__nr_to_section|zonelist|"
     r"check_new_pages|folio|free_to_partial|rmqueue|watermark|free_unref|node_state|"
     r"percpu_counter|lsm_blob"),
    ("RCU", r"rcu|note_gp"),
    ("timers", r"timer"),
    ("credentials, ids, capabilities, LSM hooks",
     r"cred|groups|gid_cmp|sort|_uid|uid_|_gid|gid_|make_k|from_k|map_id|ucount|setres|"
     r"setgroups|set_user|set_dumpable|rlimit|nproc|security_|^cap_|capable|safesetid|"
     r"setid_policy|permitted|keyring|key_get|user_ns|^do_swap$|^do_cmp$"),
    ("pidfd, files, dentries, inodes",
     r"pidfd|fd_install|alloc_fd|close_fd|put_unused_fd|fput|dentry|inode|d_alloc|"
     r"d_instantiate|dput|dget|d_set_d_op|lockref|evict|iput|path_|mnt|filp|file|fsnotify|"
     r"write_access|init_rwsem|current_time|timestamp_truncate|stashed"),
    ("AF_UNIX, sockets, skbs, scm, copies",
     r"unix|skb|scm|sock|msghdr|datagram|iov|_iter|copy_|movs|memcpy|memset|memcmp|"
     r"put_cmsg|memdup|sk_filter"),
    ("system call entry, fd lookup",
     r"syscall|x64_sys_call|^_*sys_|import_ubuf|access_ok|fget|fdget|class_fd|"
     r"entry_|irqentry|get_user|put_user"),
    ("locks, refcounts, pids", r"spin|lock|refcount|siphash|pid|idr_|radix_tree|bh_enable"),
    ("scheduler, wakeups, work", r"sched|wake|work|switch|schedule"),
]

RATES = [("grants/s, best run", "r5_grant_%d_per_s"),
         ("SCM_CREDENTIALS/s, best run", "r5_cred_%d_per_s"),
         ("grants/s, median", "r5_grant_%d_med_per_s"),
         ("SCM_CREDENTIALS/s, median", "r5_cred_%d_med_per_s")]


def parse_boot(path):
    results, info = {}, {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) >= 3 and w[0] == "result":
                try:
                    results[w[1]] = float(w[2])
                except ValueError:
                    pass
            elif len(w) >= 2 and w[0] == "info":
                info[w[1]] = " ".join(w[2:])
    return results, info


def parse_profile(path):
    blocks, cur, name = [], None, None
    try:
        f = open(path)
    except OSError:
        return blocks
    with f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("profile ") and line.endswith(" begin"):
                name, cur = line.split()[1], []
            elif line.startswith("profile ") and line.endswith(" end"):
                if cur is not None:
                    blocks.append((name, cur))
                cur = None
            elif cur is not None:
                cur.append(line)
            elif line.startswith("profile "):
                blocks.append((line.split()[1], [line]))
    return blocks


def profile_md(name, lines, top=20):
    """Top symbols and kernel areas of one profile block."""
    head, syms = [], []
    for line in lines:
        m = re.match(r"\s*([0-9.]+)%\s+(\[[k.]\])\s+(\S+)", line)
        if m:
            syms.append((float(m.group(1)), m.group(2), m.group(3)))
        elif line.strip():
            head.append(line.strip())
    out = [f"### {name}", ""] + [f"{h}  " for h in head] + [""]
    if not syms:
        return out
    areas = {}
    for pct, where, sym in syms:
        area = "user space" if where == "[.]" else "other kernel"
        if where == "[k]":
            for label, rx in AREAS:
                if re.search(rx, sym):
                    area = label
                    break
        areas[area] = areas.get(area, 0) + pct
    out.append("| area (by symbol name) | share |")
    out.append("|---|---|")
    for area, pct in sorted(areas.items(), key=lambda a: -a[1]):
        if pct >= 0.1:
            out.append(f"| {area} | {pct:.1f} % |")
    out.append("")
    out.append(f"Top {min(top, len(syms))} symbols:")
    out.append("")
    out.append("```")
    out.extend(f"{pct:6.2f}%  {where} {sym}" for pct, where, sym in syms[:top])
    out.append("```")
    out.append("")
    return out


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None, None, None
    return statistics.median(vals), min(vals), max(vals)


def fmt(v, unit):
    if v is None:
        return "-"
    return f"{v:.0f}" if unit == "B" else f"{v:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meta", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--profile")
    ap.add_argument("boots", nargs="+")
    a = ap.parse_args()

    meta, loads = {}, []
    with open(a.meta) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition(" ")
            if k == "host_load":
                loads.append(v)
            else:
                meta[k] = v
    boots = [parse_boot(p) for p in a.boots]
    n = len(boots)

    def values(key):
        return [r.get(key) for r, _ in boots]

    # row 4's count of outstanding grants, as the boots ran it
    r4n = {info.get("r4_outstanding") for _, info in boots} - {None}
    if len(r4n) == 1:
        r4n = f"{int(r4n.pop()):,}".replace(",", " ")
        rows = [(r, w.replace("100 000", r4n), k, u, t, f,
                 [(lab.replace("100k", r4n), rk, rf) for lab, rk, rf in raws])
                for r, w, k, u, t, f, raws in ROWS]
    else:
        rows = ROWS

    table = ["| row | what | figure | min–max over boots | from medians | target | met "
             "| raw: fastest loop (median loop), median over boots |",
             "|---|---|---|---|---|---|---|---|"]
    short = []
    for row, what, key, unit, target, test, raws in rows:
        m, lo, hi = stats(values(key))
        if m is None:
            continue
        vals = [v for v in values(key) if v is not None]
        if test is None:
            met = ""
        elif all(test(v) for v in vals):
            met = "yes"
        elif not any(test(v) for v in vals):
            met = "no"
        else:
            met = "in spread"
        suffix = "x" if unit == "x" else " B"
        mm, mlo, mhi = stats(values(key + "_med"))
        med = "-" if mm is None else f"{fmt(mm, unit)}{suffix} [{fmt(mlo, unit)}–{fmt(mhi, unit)}]"

        def raw_one(lab, k, f):
            b = stats(values(k))[0]
            md = stats(values(k.replace("_ns", "_med_ns")))[0] if k.endswith("_ns") else None
            return f"{lab} {f(b)}" + (f" ({f(md)})" if md is not None else "")
        raw = ", ".join(raw_one(lab, k, f) for lab, k, f in raws)
        table.append(f"| {row} | {what} | {fmt(m, unit)}{suffix} | {fmt(lo, unit)}–{fmt(hi, unit)} "
                     f"| {med} | {target} | {met} | {raw} |")
        short.append(f"{row:3} {what[:56]:56} {fmt(m, unit):>6}{suffix:2} "
                     f"[{fmt(lo, unit)}–{fmt(hi, unit)}]  medians {med:20} target {target:17} {met:9}")
        short.append(f"{'':4}{raw}")

    splits = ["| call | median ns (median over boots) | min–max |", "|---|---|---|"]
    for what, key in SPLITS:
        m, lo, hi = stats(values(key))
        if m is not None:
            splits.append(f"| {what} | {m:,.0f} | {lo:,.0f}–{hi:,.0f} |")
    rates = ["| threads | " + " | ".join(lab for lab, _ in RATES) + " |",
             "|---|" + "---|" * len(RATES)]
    for t in (1, 2, 4):
        cells = [rate(stats(values(k % t))[0]) for _, k in RATES]
        if any(c != "-" for c in cells):
            rates.append(f"| {t} | " + " | ".join(cells) + " |")

    per_boot = ["| key | " + " | ".join(f"boot {i + 1}" for i in range(n)) + " |",
                "|---|" + "---|" * n]
    keys = []
    for r, _ in boots:
        for k in r:
            if k not in keys:
                keys.append(k)
    for k in keys:
        per_boot.append(f"| {k} | " + " | ".join(
            "-" if v is None else (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}")
            for v in values(k)) + " |")

    machine = []
    for i, (_, info) in enumerate(boots):
        machine.append(f"- boot {i + 1}: CPUs {info.get('cpus', '?')}, clocksource "
                       f"{info.get('clocksource', '?')}, audit_enabled {info.get('audit_enabled', '?')}, "
                       f"kernel {info.get('kernel', '?')}")

    md = []
    md.append("# credbench results")
    md.append("")
    md.append("Written by `make bench` (scripts/bench.sh, bench/aggregate.py); what each row "
              "measures is in [README.md](README.md). Every figure is a ratio (or difference) of "
              "two things measured interleaved in one boot, from the fastest of many loops of "
              "each (the host preempting the VM only adds time); \"from medians\" is the same "
              "ratio from the median loops. Each is the median over boots, with the spread "
              "(min–max) of the per-boot values.")
    md.append("")
    md.append(f"- date: {meta.get('date', '?')}")
    md.append(f"- kernel commit (last commit changing the kernel inputs): {meta.get('kernel_commit', '?')}; "
              f"inputs {meta.get('kernel_inputs', '?')}; HEAD {meta.get('head', '?')}")
    md.append(f"- boots: {n}; credbench arguments: {meta.get('args', '?')}")
    md.append(f"- {meta.get('vm', '?')}; {meta.get('qemu', '?')}")
    md.extend(f"- {v}" for v in loads)
    md.append("- checked in the guest:")
    md.extend("  " + m for m in machine)
    md.append("")
    md.append("## Rows")
    md.append("")
    md.extend(table)
    md.append("")
    sc = stats(values("r5_cred_scale_2"))[0]
    if sc is not None and sc < 1.5:
        note = (f"Row 5: SCM_CREDENTIALS itself scaled only {sc:.2f}x from 1 to 2 threads "
                "(ideal 2.0): the host did not give the VM two CPUs' worth of time, so the "
                "row says little about the kernel's scaling in this run.")
        md.append(note)
        md.append("")
        short.append(note)
    md.append("## Where the time goes, call by call")
    md.append("")
    md.append("Each call timed alone (a clock read around it, less what one clock read adds), "
              "median of 2000 calls in one boot; row 2's first three lines are the row's own "
              "fastest loops (batches of 2 calls).")
    md.append("")
    md.extend(splits)
    md.append("")
    md.append("Row 5's rates (median over boots of each boot's best run, and of its median run):")
    md.append("")
    md.extend(rates)
    md.append("")
    blocks = parse_profile(a.profile) if a.profile else []
    if blocks:
        md.append("## Profile (perf, CPU-clock samples in the guest)")
        md.append("")
        md.append("One boot after the measured ones (bench/guest-profile.sh): `perf record -e "
                  "cpu-clock` while credbench runs each workload; only the samples taken inside "
                  "the calls the row times count. Samples come once a tick (no high-resolution "
                  "timers in the test kernel), and under TCG they land where the vCPU notices the "
                  "interrupt: shares, not exact costs. The areas sum the symbols whose names "
                  "match (aggregate.py's AREAS), a rough guide.")
        md.append("")
        for name, lines in blocks:
            md.extend(profile_md(name, lines))
    md.append("## Per boot")
    md.append("")
    md.extend(per_boot)
    md.append("")
    with open(a.out, "w") as f:
        f.write("\n".join(md))

    print(f"credbench: {n} boot(s); median [min–max over boots]")
    for s in short:
        print(s)
    for m in machine:
        print(m.lstrip("- "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
