// SPDX-License-Identifier: GPL-2.0
/*
 * credbench: the kernel side of credpass measured in the test VM.
 *
 *   credbench [--quick] [ROW...]          ROW: 1 2 3 4 5 (default: all)
 *   credbench profile KIND SECONDS        one workload, for perf record
 *
 * Every row compares two things measured interleaved in this one boot (A
 * and B alternate in rounds), so that the ratio holds even when absolute
 * times drift between boots.  Each figure comes twice: from the fastest
 * loop of A and of B (the host preempting the VM's vCPU threads only ever
 * adds time, so the fastest loop is the least disturbed one) and from the
 * medians of the loops.  The rows are defined in
 * bench/README.md.  Output, one record a line on stdout:
 *
 *   info KEY VALUE...        the machine as seen from inside the guest
 *   round ROW ...            one round's figures, for the log
 *   result KEY VALUE         this boot's medians and ratios
 *
 * scripts/bench.sh boots the VM several times and bench/aggregate.py makes
 * the table of bench/results.md from the result lines.  A setup failure
 * (a call that must succeed fails) exits 1; no figure ever does.
 *
 * Profile mode runs one workload for SECONDS under perf record and, with
 * CREDBENCH_WINDOWS=FILE, writes there when the calls a row times ran.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/credpass.h>
#include <linux/netlink.h>
#include <linux/securebits.h>

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD	76
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD	0x04
#endif

#define NG_MAX		16		/* groups in any grant sent here */
#define TTL_LONG_MS	3600000		/* net.unix.credgrant_ttl_max_ms's limit */
#define ROW2_UID	1000		/* the identity row 2 changes to */
#define ROW2_GID	1000

static const uint32_t row2_groups[] = { 1000, 1001, 1002, 1003 };
#define ROW2_NG		(sizeof(row2_groups) / sizeof(row2_groups[0]))

/* Sizes and repetitions; --quick divides them for a smoke run. */
static struct {
	int r1_rounds;		/* row 1: rounds of 4 loops */
	long loop_ns;		/* target time of one timed loop */
	int r2_rounds;		/* row 2: rounds of the three variants */
	int r3_n;		/* row 3: messages per fill */
	int r3_rounds;
	int r4_n;		/* row 4: outstanding grants */
	int r4_rounds;
	int r4_sub;		/* loops per phase, each by a reference loop */
	int r5_rounds;
	long r5_ms;		/* row 5: one throughput run */
	int split_n;		/* per-call timings for the splits */
} cfg = {
	.r1_rounds = 61, .loop_ns = 20000000, .r2_rounds = 61,
.r3_n = 10000, .r3_rounds = 7, .r4_n = 100000,
	.r4_rounds = 7, .r4_sub = 5, .r5_rounds = 15, .r5_ms = 300,
	.split_n = 2000,
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "credbench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * What one clock read adds to an interval timed by two of them; taken off
 * the short intervals (single calls, row 2's batches).  Set by setup().
 */
static double clock_ns;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of n values (sorts a copy). */
static double median(const double *v, int n)
{
	double *c, m;

	if (n <= 0)
		return 0;
	c = malloc(sizeof(*c) * n);
	if (!c)
		die("out of memory");
	memcpy(c, v, sizeof(*c) * n);
	qsort(c, n, sizeof(*c), cmp_double);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

/* The smallest of n values: the loop the host disturbed least. */
static double best(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

/* The largest: the run the host disturbed least, for rates. */
static double most(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static void result(const char *key, double v)
{
	printf("result %s %.6g\n", key, v);
	fflush(stdout);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("write %s: %s", path, strerror(errno));
	close(fd);
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* "Slab:" of /proc/meminfo, in bytes. */
static long slab_bytes(void)
{
	char buf[8192], *p;

	if (read_file("/proc/meminfo", buf, sizeof(buf)))
		die("/proc/meminfo: %s", strerror(errno));
	p = strstr(buf, "\nSlab:");
	if (!p)
		die("/proc/meminfo has no Slab line");
	return strtol(p + 6, NULL, 10) * 1024;
}

/* A counter of /proc/net/credgrant. */
static long cg_counter(const char *name)
{
	char buf[1024], *p;
	size_t len = strlen(name);

	if (read_file("/proc/net/credgrant", buf, sizeof(buf)))
		die("/proc/net/credgrant: %s", strerror(errno));
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, len) && p[len] == ' ')
			return strtol(p + len + 1, NULL, 10);
	die("/proc/net/credgrant has no %s", name);
}

/* ---- profile windows ---- */

/*
 * Profile mode: the CLOCK_MONOTONIC intervals in which the timed calls
 * ran, written to $CREDBENCH_WINDOWS at the end ("START END" in ns a
 * line); perf record -k CLOCK_MONOTONIC stamps its samples on the same
 * clock, and bench/guest-profile.sh keeps the samples inside them.
 */
#define WINDOWS_MAX	200000
static uint64_t (*windows)[2];
static int nwindows;

static void window(uint64_t t0, uint64_t t1)
{
	if (windows && nwindows < WINDOWS_MAX) {
		windows[nwindows][0] = t0;
		windows[nwindows][1] = t1;
		nwindows++;
	}
}

static void windows_write(void)
{
	const char *path = getenv("CREDBENCH_WINDOWS");
	FILE *f;
	int i;

	if (!path || !windows)
		return;
	f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	for (i = 0; i < nwindows; i++)
		fprintf(f, "%llu %llu\n", (unsigned long long)windows[i][0],
			(unsigned long long)windows[i][1]);
	if (fclose(f))
		die("%s: %s", path, strerror(errno));
}

/* ---- messages ---- */

/* A datagram socket pair: s sends, r receives with its options set. */
struct chan {
	int s, r;
};

static void set_int(int fd, int opt, int val)
{
	if (setsockopt(fd, SOL_SOCKET, opt, &val, sizeof(val)))
		die("setsockopt %d: %s", opt, strerror(errno));
}

enum kind { K_GRANT, K_CRED, K_PIDFD, K_PLAIN, NKINDS };
static const char *const kind_name[NKINDS] = { "grant", "cred", "pidfd", "plain" };

static void chan_open(struct chan *c, enum kind k)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		die("socketpair: %s", strerror(errno));
	c->s = sv[0];
	c->r = sv[1];
	if (k == K_GRANT)
		set_int(c->r, SO_PASSCREDGRANT, 1);
	else if (k == K_CRED)
		set_int(c->r, SO_PASSCRED, 1);
	else if (k == K_PIDFD)
		set_int(c->r, SO_PASSPIDFD, 1);
}

static void chan_close(struct chan *c)
{
	close(c->s);
	close(c->r);
	c->s = c->r = -1;
}

/* A prepared message: one byte and at most one control message. */
struct sender {
	struct msghdr msg;
	struct iovec iov;
	char byte;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct credgrant_req) + 4 * NG_MAX)];
	} ctl;
};

static void sender_init(struct sender *sd)
{
	memset(sd, 0, sizeof(*sd));
	sd->byte = 'x';
	sd->iov.iov_base = &sd->byte;
	sd->iov.iov_len = 1;
	sd->msg.msg_iov = &sd->iov;
	sd->msg.msg_iovlen = 1;
}

static void sender_cmsg(struct sender *sd, int type, const void *data, size_t len)
{
	struct cmsghdr *c;

	sd->msg.msg_control = sd->ctl.buf;
	sd->msg.msg_controllen = CMSG_SPACE(len);
	c = CMSG_FIRSTHDR(&sd->msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
}

static void sender_grant(struct sender *sd, uint32_t kind, uint32_t uid,
			 uint32_t gid, uint32_t ttl_ms, const uint32_t *groups,
			 uint32_t ngroups)
{
	struct {
		struct credgrant_req req;
		uint32_t groups[NG_MAX];
	} r;
	size_t len = sizeof(r.req) + 4 * ngroups;

	if (ngroups > NG_MAX)
		die("too many groups");
	memset(&r, 0, sizeof(r));
	r.req.size = len;
	r.req.kind = kind;
	r.req.uid = (kind & CREDGRANT_UID) ? uid : 0;
	r.req.gid = (kind & CREDGRANT_GID) ? gid : 0;
	r.req.ttl_ms = ttl_ms;
	r.req.ngroups = ngroups;
	memcpy(r.groups, groups, 4 * ngroups);
	sender_init(sd);
	sender_cmsg(sd, SCM_CREDGRANT, &r, len);
}

/* The caller's own supplementary groups, for "become me" grants. */
static uint32_t own_groups[NG_MAX], own_ngroups;

static void own_groups_read(void)
{
	gid_t g[NG_MAX];
	int n = getgroups(NG_MAX, g), i;

	if (n < 0)
		die("getgroups: %s (more than %d groups?)", strerror(errno), NG_MAX);
	for (i = 0; i < n; i++)
		own_groups[i] = g[i];
	own_ngroups = n;
}

/* FULL "become me": the sender's own euid, egid and group list. */
static void sender_grant_self(struct sender *sd, uint32_t ttl_ms)
{
	sender_grant(sd, CREDGRANT_FULL, CREDGRANT_SELF, CREDGRANT_SELF, ttl_ms,
		     own_groups, own_ngroups);
}

static void sender_for(struct sender *sd, enum kind k)
{
	struct ucred uc = { .pid = getpid(), .uid = getuid(), .gid = getgid() };

	switch (k) {
	case K_GRANT:
		sender_grant_self(sd, 0);
		break;
	case K_CRED:
		sender_init(sd);
		sender_cmsg(sd, SCM_CREDENTIALS, &uc, sizeof(uc));
		break;
	default:	/* SCM_PIDFD cannot be sent: the receiver's option adds it */
		sender_init(sd);
		break;
	}
}

static void send_one(int fd, struct sender *sd, int flags)
{
	ssize_t n = sendmsg(fd, &sd->msg, flags);

	if (n != 1)
		die("sendmsg: %s", n < 0 ? strerror(errno) : "short");
}

struct receiver {
	struct msghdr msg;
	struct iovec iov;
	char byte;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct credgrant) + 4 * NG_MAX) +
			 CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
	} ctl;
};

static void receiver_init(struct receiver *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->iov.iov_base = &rc->byte;
	rc->iov.iov_len = 1;
	rc->msg.msg_iov = &rc->iov;
	rc->msg.msg_iovlen = 1;
}

static void recv_one(int fd, struct receiver *rc, int flags)
{
	ssize_t n;

	rc->msg.msg_control = rc->ctl.buf;
	rc->msg.msg_controllen = sizeof(rc->ctl.buf);
	n = recvmsg(fd, &rc->msg, flags);
	if (n != 1)
		die("recvmsg: %s", n < 0 ? strerror(errno) : "short");
	if (rc->msg.msg_flags & MSG_CTRUNC)
		die("recvmsg: MSG_CTRUNC");
}

static void *recv_cmsg(struct receiver *rc, int type)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(&rc->msg); c; c = CMSG_NXTHDR(&rc->msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == type)
			return CMSG_DATA(c);
	die("recvmsg: no control message of type %d", type);
}

static long acceptid(int fd, const struct credgrant *g, unsigned int flags)
{
	return syscall(__NR_acceptid, fd, g, (size_t)g->size, flags);
}

/*
 * One message's life, the unit of rows 1, 4 and 5: send, receive, and end
 * what was received (a grant rejected, or with ACCEPTID_FULL-style flags
 * 0 accepted; a pidfd closed).
 */
struct life {
	enum kind k;
	struct chan ch;
	struct sender sd;
	struct receiver rc;
	unsigned int accept_flags;	/* grants: ACCEPTID_REJECT or 0 */
};

static void life_init(struct life *l, enum kind k)
{
	memset(l, 0, sizeof(*l));
	l->k = k;
	chan_open(&l->ch, k);
	sender_for(&l->sd, k);
	receiver_init(&l->rc);
	l->accept_flags = ACCEPTID_REJECT;
}

static void life_fini(struct life *l)
{
	chan_close(&l->ch);
}

static inline void life_once(struct life *l)
{
	send_one(l->ch.s, &l->sd, 0);
	recv_one(l->ch.r, &l->rc, 0);
	switch (l->k) {
	case K_GRANT: {
		struct credgrant *g = recv_cmsg(&l->rc, SCM_CREDGRANT);

		if (acceptid(l->ch.r, g, l->accept_flags))
			die("acceptid(0x%x): %s", l->accept_flags, strerror(errno));
		break;
	}
	case K_CRED:
		recv_cmsg(&l->rc, SCM_CREDENTIALS);
		break;
	case K_PIDFD:
		close(*(int *)recv_cmsg(&l->rc, SCM_PIDFD));
		break;
	default:
		break;
	}
}

/* ns per life over n lives. */
static double life_loop(struct life *l, long n)
{
	uint64_t t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		life_once(l);
	return (double)(now_ns() - t0) / n;
}

/* Iterations for one timed loop of about cfg.loop_ns (undisturbed). */
static long calibrate(struct life *l)
{
	double per, v[5];
	int i;

	life_loop(l, 20);
	for (i = 0; i < 5; i++)
		v[i] = life_loop(l, 50);
	per = best(v, 5);
	return per > 0 && cfg.loop_ns / per > 50 ? (long)(cfg.loop_ns / per) : 50;
}

/* ---- row 1: a grant's life against SCM_CREDENTIALS and SCM_PIDFD ---- */

/* Per-call medians of one kind's life: send, receive, end. */
static void split_life(enum kind k)
{
	int n = cfg.split_n, i;
	double *ph[3];
	struct life l;
	char key[64];
	static const char *const phase[3] = { "send", "recv", "end" };

	life_init(&l, k);
	for (i = 0; i < 3; i++) {
		ph[i] = calloc(n, sizeof(double));
		if (!ph[i])
			die("out of memory");
	}
	life_loop(&l, 20);
	for (i = 0; i < n; i++) {
		uint64_t t0, t1, t2, t3;

		t0 = now_ns();
		send_one(l.ch.s, &l.sd, 0);
		t1 = now_ns();
		recv_one(l.ch.r, &l.rc, 0);
		t2 = now_ns();
		if (k == K_GRANT) {
			if (acceptid(l.ch.r, recv_cmsg(&l.rc, SCM_CREDGRANT),
				     ACCEPTID_REJECT))
				die("acceptid: %s", strerror(errno));
		} else if (k == K_PIDFD) {
			close(*(int *)recv_cmsg(&l.rc, SCM_PIDFD));
		}
		t3 = now_ns();
		ph[0][i] = t1 - t0 - clock_ns;
		ph[1][i] = t2 - t1 - clock_ns;
		ph[2][i] = t3 - t2 - clock_ns;
	}
	for (i = 0; i < 3; i++) {
		if (i < 2 || k == K_GRANT || k == K_PIDFD) {
			snprintf(key, sizeof(key), "r1_split_%s_%s_ns",
				 kind_name[k], phase[i]);
			result(key, median(ph[i], n));
		}
		free(ph[i]);
	}
	life_fini(&l);
}

static void row1(void)
{
	int R = cfg.r1_rounds, r, j;
	struct life l[NKINDS];
	double *t[NKINDS], med[NKINDS], bst[NKINDS];
	long n;

	for (j = 0; j < NKINDS; j++) {
		life_init(&l[j], j);
		t[j] = calloc(R, sizeof(double));
		if (!t[j])
			die("out of memory");
	}
	n = calibrate(&l[K_GRANT]);
	printf("info r1_loop_iterations %ld\n", n);
	for (r = 0; r < R; r++) {
		/* A different kind first in every round, forward and back. */
		for (j = 0; j < NKINDS; j++) {
			int k = (r % 2 ? NKINDS - 1 - j : j + r) % NKINDS;

			t[k][r] = life_loop(&l[k], n);
		}
		printf("round 1 %d grant %.0f cred %.0f pidfd %.0f plain %.0f\n", r,
		       t[K_GRANT][r], t[K_CRED][r], t[K_PIDFD][r], t[K_PLAIN][r]);
	}
	for (j = 0; j < NKINDS; j++) {
		char key[32];

		med[j] = median(t[j], R);
		bst[j] = best(t[j], R);
		snprintf(key, sizeof(key), "r1_%s_ns", kind_name[j]);
		result(key, bst[j]);
		snprintf(key, sizeof(key), "r1_%s_med_ns", kind_name[j]);
		result(key, med[j]);
		life_fini(&l[j]);
		free(t[j]);
	}
	result("r1_ratio_cred", bst[K_GRANT] / bst[K_CRED]);
	result("r1_ratio_pidfd", bst[K_GRANT] / bst[K_PIDFD]);
	result("r1_ratio_cred_med", med[K_GRANT] / med[K_CRED]);
	result("r1_ratio_pidfd_med", med[K_GRANT] / med[K_PIDFD]);
	for (j = 0; j < NKINDS; j++)
		split_life(j);
}

/* ---- row 2: acceptid(FULL) against setgroups + setresgid + setresuid ---- */

/*
 * A thread of this process that keeps CAP_SETUID and CAP_SETGID across
 * uid changes (SECBIT_NO_SETUID_FIXUP) switches back and forth between two
 * whole identities: uid, gid 1000 with groups 1000-1003 and uid, gid 1001
 * with groups 1001-1004.  Every change sets all of them, by acceptid(FULL)
 * of a grant it issued itself, or by the three calls.  set*id and acceptid
 * change the calling thread only (raw system calls, not glibc's wrappers
 * that signal every thread), so the main thread stays root.
 */
enum r2var { R2_ACCEPT, R2_SETID, R2_REJECT, R2_NVARS };
static const char *const r2_name[R2_NVARS] = { "accept", "setid", "reject" };

/*
 * Changes per timed batch: even (back where it began), and at most 3
 * grants pending at once, so that the id table (rhashtable, 4 buckets at
 * least, grown past 75 % full) is never resized in this row: batches of 32
 * made it grow and shrink every batch, its shrink work queued from
 * acceptid.  Row 4 is the row for many outstanding grants.
 */
#define R2_BATCH	2

struct r2 {
	struct chan ch;
	struct sender sd[2];	/* FULL grants of identity 0 and 1 */
	struct receiver rc[R2_BATCH];
	gid_t groups[2][ROW2_NG];
	int cur;		/* the thread's identity now */
};

static uint32_t r2_id(int i)
{
	return ROW2_UID + i;
}

static void r2_init(struct r2 *r)
{
	uint32_t g[ROW2_NG];
	unsigned int i, k;

	chan_open(&r->ch, K_GRANT);
	for (i = 0; i < 2; i++) {
		for (k = 0; k < ROW2_NG; k++)
			g[k] = r->groups[i][k] = row2_groups[k] + i;
		sender_grant(&r->sd[i], CREDGRANT_FULL, r2_id(i), r2_id(i), 0, g,
			     ROW2_NG);
	}
	for (i = 0; i < R2_BATCH; i++)
		receiver_init(&r->rc[i]);
}

static long r2_setid(struct r2 *r, int to)
{
	long err;

	err = syscall(SYS_setgroups, ROW2_NG, r->groups[to]);
	err |= syscall(SYS_setresgid, r2_id(to), r2_id(to), r2_id(to));
	err |= syscall(SYS_setresuid, r2_id(to), r2_id(to), r2_id(to));
	return err;
}

static void r2_check(struct r2 *r)
{
	gid_t have[NG_MAX];
	int n = getgroups(NG_MAX, have);
	uint32_t id = r2_id(r->cur);

	if (getuid() != id || geteuid() != id || getgid() != id ||
	    getegid() != id || n != (int)ROW2_NG || have[0] != r->groups[r->cur][0])
		die("row 2: the thread is not identity %d", r->cur);
}

/*
 * One batch of R2_BATCH changes, each to the other identity (or, for
 * R2_REJECT, grants for it rejected); only the changes are timed (and, in
 * profile mode, sampled).  Grants are issued and received before the clock
 * starts; they wait pending on the socket, each found by its id.
 */
static double r2_batch(struct r2 *r, enum r2var v)
{
	struct credgrant *g[R2_BATCH];
	int i, n = R2_BATCH;
	uint64_t t0, t1;
	long err = 0;

	if (v != R2_SETID) {
		for (i = 0; i < n; i++) {
			send_one(r->ch.s, &r->sd[(r->cur + i + 1) % 2], 0);
			recv_one(r->ch.r, &r->rc[i], 0);
			g[i] = recv_cmsg(&r->rc[i], SCM_CREDGRANT);
		}
	}
	t0 = now_ns();
	switch (v) {
	case R2_ACCEPT:
		for (i = 0; i < n; i++)
			err |= acceptid(r->ch.r, g[i], 0);
		break;
	case R2_SETID:
		for (i = 0; i < n; i++)
			err |= r2_setid(r, (r->cur + i + 1) % 2);
		break;
	default:
		for (i = 0; i < n; i++)
			err |= acceptid(r->ch.r, g[i], ACCEPTID_REJECT);
		break;
	}
	t1 = now_ns();
	window(t0, t1);
	if (err)
		die("row 2 %s: %s", r2_name[v], strerror(errno));
	r2_check(r);
	return (t1 - t0 - clock_ns) / n;
}

/* Keep CAP_SETUID/CAP_SETGID across uid changes, then become identity 0. */
static void r2_enter(struct r2 *r)
{
	if (syscall(SYS_prctl, PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0))
		die("row 2: PR_SET_SECUREBITS: %s", strerror(errno));
	r->cur = 0;
	if (r2_setid(r, 0))
		die("row 2: to identity 0: %s", strerror(errno));
	r2_check(r);
}

static void *row2_thread(void *arg)
{
	int R = cfg.r2_rounds, n, rd, j, b, i;
	double *t[R2_NVARS], med[R2_NVARS], bst[R2_NVARS], *call[3], per;
	struct r2 *r = arg;

	r2_enter(r);
	/* Batches for about cfg.loop_ns of timed changes a loop. */
	per = r2_batch(r, R2_ACCEPT);
	for (i = 0; i < 50; i++) {
		double v = r2_batch(r, R2_ACCEPT);

		if (v < per)
			per = v;
	}
	per *= R2_BATCH;
	n = per > 0 && cfg.loop_ns / per > 64 ? (int)(cfg.loop_ns / per) : 64;
	printf("info r2_batches_per_loop %d\n", n);
	for (j = 0; j < R2_NVARS; j++)
		t[j] = calloc(R, sizeof(double));
	for (rd = 0; rd < R; rd++) {
		for (j = 0; j < R2_NVARS; j++) {
			enum r2var v = (rd % 2 ? R2_NVARS - 1 - j : j + rd) % R2_NVARS;
			double sum = 0;

			for (b = 0; b < n; b++)
				sum += r2_batch(r, v);
			t[v][rd] = sum / n;
		}
		printf("round 2 %d accept %.0f setid %.0f reject %.0f\n", rd,
		       t[R2_ACCEPT][rd], t[R2_SETID][rd], t[R2_REJECT][rd]);
	}
	for (j = 0; j < R2_NVARS; j++) {
		med[j] = median(t[j], R);
		bst[j] = best(t[j], R);
		free(t[j]);
	}
	result("r2_accept_ns", bst[R2_ACCEPT]);
	result("r2_setid_ns", bst[R2_SETID]);
	result("r2_reject_ns", bst[R2_REJECT]);
	result("r2_accept_med_ns", med[R2_ACCEPT]);
	result("r2_setid_med_ns", med[R2_SETID]);
	result("r2_reject_med_ns", med[R2_REJECT]);
	result("r2_ratio", bst[R2_ACCEPT] / bst[R2_SETID]);
	result("r2_ratio_med", med[R2_ACCEPT] / med[R2_SETID]);

	/* The three calls one by one (a clock read between them). */
	n = cfg.split_n;
	for (j = 0; j < 3; j++)
		call[j] = calloc(n, sizeof(double));
	for (i = 0; i < n; i++) {
		int to = !r->cur;
		uint32_t id = r2_id(to);
		uint64_t t0, t1, t2, t3;
		long err;

		t0 = now_ns();
		err = syscall(SYS_setgroups, ROW2_NG, r->groups[to]);
		t1 = now_ns();
		err |= syscall(SYS_setresgid, id, id, id);
		t2 = now_ns();
		err |= syscall(SYS_setresuid, id, id, id);
		t3 = now_ns();
		if (err)
			die("row 2 split: %s", strerror(errno));
		r->cur = to;
		call[0][i] = t1 - t0 - clock_ns;
		call[1][i] = t2 - t1 - clock_ns;
		call[2][i] = t3 - t2 - clock_ns;
	}
	r2_check(r);
	result("r2_split_setgroups_ns", median(call[0], n));
	result("r2_split_setresgid_ns", median(call[1], n));
	result("r2_split_setresuid_ns", median(call[2], n));
	for (j = 0; j < 3; j++)
		free(call[j]);
	return NULL;
}

static void row2(void)
{
	static struct r2 r;
	pthread_t th;

	r2_init(&r);
	if (pthread_create(&th, NULL, row2_thread, &r) || pthread_join(th, NULL))
		die("row 2: pthread_create failed");
	if (getuid() != 0 || getgid() != 0)
		die("row 2: the main thread's ids changed");
	chan_close(&r.ch);
}

/* Profile mode: row 2's batches of one variant for @seconds. */
struct r2_profile {
	struct r2 r;
	enum r2var v;
	double seconds;
	long count;
};

static void *r2_profile_thread(void *arg)
{
	struct r2_profile *p = arg;
	uint64_t end = now_ns() + (uint64_t)(p->seconds * 1e9);

	r2_enter(&p->r);
	while (now_ns() < end) {
		r2_batch(&p->r, p->v);
		p->count += R2_BATCH;
	}
	return NULL;
}

static long r2_profile(enum r2var v, double seconds)
{
	static struct r2_profile p;
	pthread_t th;

	p.v = v;
	p.seconds = seconds;
	r2_init(&p.r);
	if (pthread_create(&th, NULL, r2_profile_thread, &p) || pthread_join(th, NULL))
		die("row 2: pthread_create failed");
	chan_close(&p.r.ch);
	return p.count;
}

/* ---- row 3: slab bytes per outstanding grant ---- */

/* Wait for the slab figure to settle (RCU frees of the previous fill). */
static long slab_settle(void)
{
	long prev = slab_bytes(), cur;
	int i;

	for (i = 0; i < 20; i++) {
		usleep(100000);
		cur = slab_bytes();
		if (labs(cur - prev) <= 8192)
			return cur;
		prev = cur;
	}
	return prev;
}

static void r3_fill(enum kind k, int n, double *queued, double *bound)
{
	struct sender sd;
	struct receiver rc;
	struct chan ch;
	long s0, s1, s2;
	int i;

	chan_open(&ch, k == K_GRANT ? K_GRANT : K_PLAIN);
	set_int(ch.s, SO_SNDBUFFORCE, 1 << 29);
	if (k == K_GRANT)
		sender_grant_self(&sd, TTL_LONG_MS);
	else
		sender_for(&sd, K_PLAIN);
	receiver_init(&rc);
	s0 = slab_settle();
	for (i = 0; i < n; i++)
		send_one(ch.s, &sd, MSG_DONTWAIT);
	s1 = slab_settle();
	for (i = 0; i < n; i++)
		recv_one(ch.r, &rc, MSG_DONTWAIT);
	s2 = slab_settle();
	chan_close(&ch);
	*queued = (double)(s1 - s0) / n;
	*bound = (double)(s2 - s0) / n;
}

static void row3(void)
{
	int R = cfg.r3_rounds, N = cfg.r3_n, r, v;
	double *q[2], *b[2], gq, pq, gb, pb;

	for (v = 0; v < 2; v++) {
		q[v] = calloc(R, sizeof(double));
		b[v] = calloc(R, sizeof(double));
	}
	for (r = 0; r < R; r++) {
		for (v = 0; v < 2; v++) {
			int w = (r + v) % 2;	/* 0: grants, 1: plain */

			r3_fill(w ? K_PLAIN : K_GRANT, N, &q[w][r], &b[w][r]);
		}
		printf("round 3 %d grant_queued %.1f plain_queued %.1f grant_bound %.1f plain_bound %.1f\n",
		       r, q[0][r], q[1][r], b[0][r], b[1][r]);
	}
	gq = median(q[0], R);
	pq = median(q[1], R);
	gb = median(b[0], R);
	pb = median(b[1], R);
	result("r3_grant_msg_B", gq);
	result("r3_plain_msg_B", pq);
	result("r3_net_B", gq - pq);
	result("r3b_grant_B", gb);
	result("r3b_plain_B", pb);
	result("r3b_net_B", gb - pb);
	for (v = 0; v < 2; v++) {
		free(q[v]);
		free(b[v]);
	}
}

/* ---- row 4: issue + accept with 100 000 grants outstanding ---- */

/*
 * The holder: another process with its own socket pair, on command
 * (one byte on @cmd, answered with one byte on @ack):
 * 'q' queue N grants unread, 'b' read them all (each then pending, in the
 * id table, bound to the holder), 'c' close the pair (drops them all),
 * 'x' exit.
 */
static void __attribute__((noreturn)) holder(int n, int cmd, int ack)
{
	struct sender sd;
	struct receiver rc;
	struct chan ch = { -1, -1 };
	char c;
	int i;

	sender_grant_self(&sd, TTL_LONG_MS);
	receiver_init(&rc);
	while (read(cmd, &c, 1) == 1) {
		switch (c) {
		case 'q':
			chan_open(&ch, K_GRANT);
			set_int(ch.s, SO_SNDBUFFORCE, 1 << 30);
			for (i = 0; i < n; i++)
				send_one(ch.s, &sd, MSG_DONTWAIT);
			break;
		case 'b':
			for (i = 0; i < n; i++)
				recv_one(ch.r, &rc, MSG_DONTWAIT);
			break;
		case 'c':
			chan_close(&ch);
			break;
		}
		if (write(ack, &c, 1) != 1)
			die("holder: write: %s", strerror(errno));
		if (c == 'x')
			_exit(0);
	}
	_exit(1);
}

static void holder_cmd(int cmd, int ack, char c)
{
	char a;

	if (write(cmd, &c, 1) != 1 || read(ack, &a, 1) != 1 || a != c)
		die("row 4: the holder failed at '%c'", c);
}

/*
 * One phase of row 4: cfg.r4_sub loops of issue + accept, each next to a
 * loop of SCM_CREDENTIALS messages, which no grant touches.  The phases
 * are seconds apart (filling takes that long) and the host's speed drifts
 * meanwhile; the grant loop's time relative to its neighbour's does not.
 */
struct r4_loops {
	struct life grant, cred;
	long ng, nc;
};

#define R4_SUB_MAX	16

static void r4_measure(struct r4_loops *lp, double *g, double *c)
{
	int i;

	for (i = 0; i < cfg.r4_sub; i++) {
		if (i % 2) {
			c[i] = life_loop(&lp->cred, lp->nc);
			g[i] = life_loop(&lp->grant, lp->ng);
		} else {
			g[i] = life_loop(&lp->grant, lp->ng);
			c[i] = life_loop(&lp->cred, lp->nc);
		}
	}
}

static void row4(void)
{
	int R = cfg.r4_rounds, N = cfg.r4_n, S = cfg.r4_sub, r, cmd[2], ack[2];
	static const char *const phase[3] = { "one", "queued", "bound" };
	double *g[3], *c[3], *rel[3], bg[3], bc[3], mrel[3], mg[3];
	struct r4_loops lp;
	int k, i, status;
	long base;
	pid_t pid;

	if (S > R4_SUB_MAX)
		S = cfg.r4_sub = R4_SUB_MAX;
	if (pipe(cmd) || pipe(ack))
		die("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		close(cmd[1]);
		close(ack[0]);
		holder(N, cmd[0], ack[1]);
	}
	close(cmd[0]);
	close(ack[1]);

	life_init(&lp.grant, K_GRANT);
	lp.grant.accept_flags = 0;	/* issue + accept (FULL, own ids) */
	life_init(&lp.cred, K_CRED);
	lp.ng = calibrate(&lp.grant);
	lp.nc = calibrate(&lp.cred);
	for (k = 0; k < 3; k++) {
		g[k] = calloc(R * S, sizeof(double));
		c[k] = calloc(R * S, sizeof(double));
		rel[k] = calloc(R * S, sizeof(double));
	}
	printf("info r4_outstanding %d\n", N);
	base = cg_counter("outstanding");
	for (r = 0; r < R; r++) {
		long out_q, out_b;

		if (r % 2 == 0)
			r4_measure(&lp, g[0] + r * S, c[0] + r * S);
		holder_cmd(cmd[1], ack[0], 'q');
		usleep(200000);
		out_q = cg_counter("outstanding") - base;
		r4_measure(&lp, g[1] + r * S, c[1] + r * S);
		holder_cmd(cmd[1], ack[0], 'b');
		usleep(500000);		/* the id table's deferred resize */
		out_b = cg_counter("outstanding") - base;
		r4_measure(&lp, g[2] + r * S, c[2] + r * S);
		holder_cmd(cmd[1], ack[0], 'c');
		while (cg_counter("outstanding") > base)
			usleep(50000);
		slab_settle();
		if (r % 2)
			r4_measure(&lp, g[0] + r * S, c[0] + r * S);
		printf("round 4 %d one %.0f/%.0f queued %.0f/%.0f (%ld outstanding) bound %.0f/%.0f (%ld outstanding)\n",
		       r, best(g[0] + r * S, S), best(c[0] + r * S, S),
		       best(g[1] + r * S, S), best(c[1] + r * S, S), out_q,
		       best(g[2] + r * S, S), best(c[2] + r * S, S), out_b);
		if (out_q < N || out_b < N)
			die("row 4: fewer than %d grants outstanding", N);
	}
	holder_cmd(cmd[1], ack[0], 'x');
	waitpid(pid, &status, 0);
	for (k = 0; k < 3; k++) {
		char key[32];

		for (i = 0; i < R * S; i++)
			rel[k][i] = g[k][i] / c[k][i];
		bg[k] = best(g[k], R * S);
		bc[k] = best(c[k], R * S);
		mg[k] = median(g[k], R * S);
		mrel[k] = median(rel[k], R * S);
		snprintf(key, sizeof(key), "r4_%s_ns", phase[k]);
		result(key, bg[k]);
		snprintf(key, sizeof(key), "r4_%s_cred_ns", phase[k]);
		result(key, bc[k]);
		snprintf(key, sizeof(key), "r4_%s_med_ns", phase[k]);
		result(key, mg[k]);
		free(g[k]);
		free(c[k]);
		free(rel[k]);
	}
	result("r4_ratio_queued", (bg[1] / bc[1]) / (bg[0] / bc[0]));
	result("r4_ratio_bound", (bg[2] / bc[2]) / (bg[0] / bc[0]));
	result("r4_ratio_queued_med", mrel[1] / mrel[0]);
	result("r4_ratio_bound_med", mrel[2] / mrel[0]);
	life_fini(&lp.grant);
	life_fini(&lp.cred);
}

/* ---- row 5: throughput with 1, 2 and 4 threads ---- */

static atomic_int r5_stop;
static pthread_barrier_t r5_start;

struct r5_worker {
	pthread_t th;
	struct life l;
	long ops;
};

static void *r5_run(void *arg)
{
	struct r5_worker *w = arg;
	long ops = 0;

	pthread_barrier_wait(&r5_start);
	while (!atomic_load_explicit(&r5_stop, memory_order_relaxed)) {
		life_once(&w->l);
		ops++;
	}
	w->ops = ops;
	return NULL;
}

/* Lives per second with @nt threads, each on its own socket pair. */
static double r5_rate(enum kind k, int nt)
{
	struct r5_worker w[4];
	uint64_t t0, t1;
	long ops = 0;
	int i;

	atomic_store(&r5_stop, 0);
	pthread_barrier_init(&r5_start, NULL, nt + 1);
	for (i = 0; i < nt; i++) {
		life_init(&w[i].l, k);
		if (pthread_create(&w[i].th, NULL, r5_run, &w[i]))
			die("pthread_create failed");
	}
	pthread_barrier_wait(&r5_start);
	t0 = now_ns();
	usleep(cfg.r5_ms * 1000);
	atomic_store(&r5_stop, 1);
	for (i = 0; i < nt; i++)
		pthread_join(w[i].th, NULL);
	t1 = now_ns();
	for (i = 0; i < nt; i++) {
		ops += w[i].ops;
		life_fini(&w[i].l);
	}
	pthread_barrier_destroy(&r5_start);
	return ops * 1e9 / (t1 - t0);
}

static void row5(void)
{
	static const int threads[3] = { 1, 2, 4 };
	int R = cfg.r5_rounds, r, j;
	double *rate[2][3], m[2][3], b[2][3];
	char key[48];

	for (j = 0; j < 6; j++)
		rate[j / 3][j % 3] = calloc(R, sizeof(double));
	for (r = 0; r < R; r++) {
		for (j = 0; j < 6; j++) {
			int x = (j + r) % 6;	/* rotate the order */
			int k = x / 3, t = x % 3;

			rate[k][t][r] = r5_rate(k ? K_CRED : K_GRANT, threads[t]);
		}
		printf("round 5 %d grant/s %.0f %.0f %.0f cred/s %.0f %.0f %.0f\n", r,
		       rate[0][0][r], rate[0][1][r], rate[0][2][r],
		       rate[1][0][r], rate[1][1][r], rate[1][2][r]);
	}
	for (j = 0; j < 6; j++) {
		m[j / 3][j % 3] = median(rate[j / 3][j % 3], R);
		b[j / 3][j % 3] = most(rate[j / 3][j % 3], R);
	}
	for (j = 0; j < 3; j++) {
		snprintf(key, sizeof(key), "r5_grant_%d_per_s", threads[j]);
		result(key, b[0][j]);
		snprintf(key, sizeof(key), "r5_cred_%d_per_s", threads[j]);
		result(key, b[1][j]);
		snprintf(key, sizeof(key), "r5_grant_%d_med_per_s", threads[j]);
		result(key, m[0][j]);
		snprintf(key, sizeof(key), "r5_cred_%d_med_per_s", threads[j]);
		result(key, m[1][j]);
	}
	for (j = 1; j < 3; j++) {
		double sg = b[0][j] / b[0][0], sc = b[1][j] / b[1][0];
		double mg = m[0][j] / m[0][0], mc = m[1][j] / m[1][0];

		snprintf(key, sizeof(key), "r5_grant_scale_%d", threads[j]);
		result(key, sg);
		snprintf(key, sizeof(key), "r5_cred_scale_%d", threads[j]);
		result(key, sc);
		snprintf(key, sizeof(key), "r5_ratio_%d", threads[j]);
		result(key, sg / sc);
		snprintf(key, sizeof(key), "r5_ratio_%d_med", threads[j]);
		result(key, mg / mc);
	}
	for (j = 0; j < 6; j++)
		free(rate[j / 3][j % 3]);
}

/* ---- the machine ---- */

/* audit_enabled through AUDIT_GET; -1 if it cannot be asked. */
static int audit_state(void)
{
	struct {
		struct nlmsghdr nh;
		struct audit_status st;
	} req, *resp;
	char buf[8192];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	ssize_t n;
	int ret = -1;

	if (fd < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(0);
	req.nh.nlmsg_type = AUDIT_GET;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		goto out;
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		resp = (void *)buf;
		if (resp->nh.nlmsg_type == AUDIT_GET) {
			ret = resp->st.enabled;
			break;
		}
		if (resp->nh.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(&resp->nh);

			if (e->error)
				break;
		}
	}
out:
	close(fd);
	return ret;
}

static void machine(void)
{
	char buf[256];
	struct utsname u;

	uname(&u);
	printf("info kernel %s %s\n", u.release, u.version);
	if (read_file("/sys/devices/system/cpu/online", buf, sizeof(buf)))
		strcpy(buf, "?\n");
	printf("info cpus %ld online %s", sysconf(_SC_NPROCESSORS_ONLN), buf);
	if (read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		      buf, sizeof(buf)))
		strcpy(buf, "?\n");
	printf("info clocksource %s", buf);
	printf("info audit_enabled %d\n", audit_state());
	printf("info uid %d gid %d ngroups %d\n", getuid(), getgid(), getgroups(0, NULL));
	printf("info clock_read_ns %.0f\n", clock_ns);
	fflush(stdout);
}

/* Limits the rows need: room for 100 000 grants and long ttls. */
static void setup(void)
{
	double d[1001];
	char buf[64];
	int i;

	if (getuid() != 0)
		die("run as root (the VM's init does)");
	if (access("/proc/net/credgrant", R_OK))
		die("no /proc/net/credgrant: not a credpass kernel");
	snprintf(buf, sizeof(buf), "%d\n", 4 * cfg.r4_n + 100000);
	write_file("/proc/sys/user/max_credgrants", buf);
	snprintf(buf, sizeof(buf), "%d\n", TTL_LONG_MS);
	write_file("/proc/sys/net/unix/credgrant_ttl_max_ms", buf);
	own_groups_read();
	for (i = 0; i < 1001; i++) {
		uint64_t t0 = now_ns();

		d[i] = now_ns() - t0;
	}
	clock_ns = median(d, 1001);
}

/* ---- profile mode ---- */

static void profile(const char *kind, double seconds)
{
	uint64_t end = now_ns() + (uint64_t)(seconds * 1e9);
	long count = 0;
	int j;

	setup();
	windows = calloc(WINDOWS_MAX, sizeof(*windows));
	if (!windows)
		die("out of memory");
	for (j = 0; j < NKINDS; j++)
		if (!strcmp(kind, kind_name[j]))
			break;
	if (j < NKINDS) {
		struct life l;

		uint64_t t0;

		life_init(&l, j);
		t0 = now_ns();
		while (now_ns() < end) {
			life_loop(&l, 100);
			count += 100;
		}
		window(t0, now_ns());
		life_fini(&l);
	} else if (!strcmp(kind, "accept")) {
		count = r2_profile(R2_ACCEPT, seconds);
	} else if (!strcmp(kind, "setid")) {
		count = r2_profile(R2_SETID, seconds);
	} else {
		die("profile: unknown kind %s (grant cred pidfd plain accept setid)", kind);
	}
	windows_write();
	printf("profile %s %ld operations in %.1f s\n", kind, count, seconds);
}

int main(int argc, char **argv)
{
	static const char *const all[] = { "1", "2", "3", "4", "5" };
	const char *const *rows = all;
	int nrows = 5, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "profile")) {
		if (argc != 4)
			die("usage: credbench profile KIND SECONDS");
		profile(argv[2], atof(argv[3]));
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--quick")) {
		cfg.r1_rounds = 5;
		cfg.loop_ns /= 4;
		cfg.r2_rounds = 5;
		cfg.r3_n = 2000;
		cfg.r3_rounds = 2;
		cfg.r4_n = 5000;
		cfg.r4_rounds = 2;
		cfg.r4_sub = 3;
		cfg.r5_rounds = 2;
		cfg.r5_ms = 100;
		cfg.split_n = 200;
		argv++;
		argc--;
	}
	if (argc > 1) {
		rows = (const char *const *)argv + 1;
		nrows = argc - 1;
	}
	setup();
	machine();
	for (i = 0; i < nrows; i++) {
		uint64_t t0 = now_ns();

		if (!strcmp(rows[i], "1"))
			row1();
		else if (!strcmp(rows[i], "2"))
			row2();
		else if (!strcmp(rows[i], "3"))
			row3();
		else if (!strcmp(rows[i], "4"))
			row4();
		else if (!strcmp(rows[i], "5"))
			row5();
		else
			die("unknown row %s (1 2 3 4 5)", rows[i]);
		printf("info row_%s_seconds %.1f\n", rows[i], (now_ns() - t0) / 1e9);
	}
	printf("info issued %ld outstanding %ld\n", cg_counter("issued"),
	       cg_counter("outstanding"));
	return 0;
}
