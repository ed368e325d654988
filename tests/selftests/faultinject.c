// SPDX-License-Identifier: GPL-2.0
/*
 * faultinject (issue 10): every slab allocation on the issue (sendmsg
 * with SCM_CREDGRANT), receive (recvmsg) and accept (acceptid) paths fails
 * once, cleanly.
 *
 * failslab, driven per thread through /proc/thread-self/fail-nth: for
 * n = 1, 2, 3, ... write n, make the call, read fail-nth back.  0 means the
 * n-th allocation of the call was failed; a non-zero value means the call
 * made fewer than n allocations, and the loop ends there, with the call
 * having succeeded.  So an allocation added to these paths later is
 * covered without editing this file.  debugfs sets failslab up
 * (ignore-gfp-wait=N so that GFP_KERNEL allocations can fail,
 * task-filter=Y and probability 0 so that nothing else fails,
 * verbose 0); fail-nth overrides the filter for the thread that wrote it.
 *
 * After every step: the call either succeeded or failed with an errno
 * from the path's allowed set, and only when a fault was injected; the
 * caller's ids are unchanged unless an acceptid succeeded; what the call
 * did or did not do shows in the counters (a refused send changes none;
 * a grant is described, dropped or rejected, never lost), they balance,
 * and once the sockets and processes are gone nothing is outstanding.
 * kmemleak (debug kernel) sees any object a failure path leaks.
 *
 * Needs CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB, CONFIG_DEBUG_FS and
 * CONFIG_FAULT_INJECTION_DEBUG_FS (config/faultinject.config); without
 * them every test SKIPs and says which is missing.
 *
 * CREDPASS_BREAK=fi-errno|fi-ids|fi-counters|fi-consumed breaks one check
 * on purpose (the suite must then fail).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "credgrant_util.h"
#include "cg_stress.h"

#define FAILSLAB	"/sys/kernel/debug/failslab"
#define DEBUGFS		"/sys/kernel/debug"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
/* No path makes nearly this many allocations: the loop's bound. */
#define FI_MAX_N	400
/* Outstanding is back to its value before a step within this (ms). */
#define FI_SETTLE_MS	10000

static const int issue_errnos[] = { ENOMEM, ENOBUFS, 0 };
static const int recv_errnos[] = { ENOMEM, 0 };
/* acceptid: allocation failures (ENOMEM), alloc_uid/ucounts (EAGAIN) */
static const int accept_errnos[] = { ENOMEM, EAGAIN, 0 };

static const char *errnos_str(const int *l)
{
	static char buf[128];
	int n = 0;

	buf[0] = '\0';
	for (; *l; l++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "/" : "",
			      strerrorname_np(*l));
	return buf;
}

/* ------------------------------------------------------------------ */
/* failslab and fail-nth                                                */

struct failslab_saved {
	bool mounted;			/* we mounted debugfs */
	int n;
	char name[8][24];
	char old[8][32];
};

static const char *const fs_knobs[][2] = {
	{ "ignore-gfp-wait", "N" },
	{ "cache-filter", "N" },
	{ "task-filter", "Y" },
	{ "probability", "0" },
	{ "verbose", "0" },
};

/* Set failslab up; NULL, or why the facility is missing. */
static const char *failslab_setup(struct failslab_saved *sv, char *why,
				  size_t len)
{
	struct stat st;
	unsigned int i;
	char path[128];
	int ret;

	memset(sv, 0, sizeof(*sv));
	if (access(FAIL_NTH, W_OK)) {
		snprintf(why, len, FAIL_NTH ": %s: the kernel has no CONFIG_FAULT_INJECTION",
			 strerror(errno));
		return why;
	}
	if (stat(FAILSLAB, &st)) {
		if (mount("debugfs", DEBUGFS, "debugfs", 0, NULL) == 0) {
			sv->mounted = true;
		} else if (errno != EBUSY) {
			snprintf(why, len, "mount debugfs on " DEBUGFS ": %s: the kernel has no CONFIG_DEBUG_FS",
				 strerror(errno));
			return why;
		}
	}
	if (stat(FAILSLAB, &st)) {
		snprintf(why, len, FAILSLAB ": %s: the kernel has no CONFIG_FAILSLAB with CONFIG_FAULT_INJECTION_DEBUG_FS",
			 strerror(errno));
		return why;
	}
	for (i = 0; i < sizeof(fs_knobs) / sizeof(fs_knobs[0]); i++) {
		snprintf(path, sizeof(path), FAILSLAB "/%s", fs_knobs[i][0]);
		ret = cg_read_file(path, sv->old[sv->n], sizeof(sv->old[0]));
		if (ret) {
			snprintf(why, len, "%s: %s", path, strerror(-ret));
			return why;
		}
		snprintf(sv->name[sv->n], sizeof(sv->name[0]), "%s",
			 fs_knobs[i][0]);
		sv->n++;
		ret = cg_write_file(path, fs_knobs[i][1]);
		if (ret) {
			snprintf(why, len, "writing %s to %s: %s",
				 fs_knobs[i][1], path, strerror(-ret));
			return why;
		}
	}
	return NULL;
}

static void failslab_restore(struct failslab_saved *sv)
{
	char path[128];
	int i;

	for (i = sv->n - 1; i >= 0; i--) {
		char *nl = strchr(sv->old[i], '\n');

		if (nl)
			*nl = '\0';
		snprintf(path, sizeof(path), FAILSLAB "/%s", sv->name[i]);
		cg_write_file(path, sv->old[i]);
	}
	if (sv->mounted)
		umount2(DEBUGFS, MNT_DETACH);
}

/*
 * The calling thread's fail-nth: open it in the thread (and process) that
 * makes the call, arm right before the call, read and disarm right after.
 * Nothing between arming and the call may allocate: buffers are touched
 * beforehand and no libc call that might allocate runs in between.
 */
struct fnth {
	int fd;
	char arm[16];
	size_t armlen;
};

static int fnth_open(struct fnth *f, unsigned int n)
{
	f->fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	f->armlen = snprintf(f->arm, sizeof(f->arm), "%u", n);
	return 0;
}

static inline int fnth_arm(struct fnth *f)
{
	return write(f->fd, f->arm, f->armlen) == (ssize_t)f->armlen ? 0 : -1;
}

/* What was left of fail-nth; 0: the fault was injected.  Disarms. */
static unsigned int fnth_disarm(struct fnth *f)
{
	char buf[32];
	ssize_t n = pread(f->fd, buf, sizeof(buf) - 1, 0);
	unsigned int left = 0;

	if (n > 0) {
		buf[n] = '\0';
		left = strtoul(buf, NULL, 10);
	}
	if (write(f->fd, "0", 1) != 1)
		left = ~0U;
	return left;
}

/* ------------------------------------------------------------------ */
/* building messages without allocating                                */

#define FI_DATA		"fault!"
#define FI_DATALEN	6

struct fi_msg {
	struct msghdr msg;
	struct iovec iov;
	char data[64];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(CG_REQ_MAX) + CMSG_SPACE(sizeof(int))];
	} ctl;
};

/* A send of FI_DATA with req and, if fd >= 0, SCM_RIGHTS of fd. */
static void fi_build_send(struct fi_msg *m, const struct cg_req *req, int fd)
{
	struct cmsghdr *c;
	size_t ctl = CMSG_SPACE(req->len);

	memset(m, 0, sizeof(*m));
	memcpy(m->data, FI_DATA, FI_DATALEN);
	m->iov.iov_base = m->data;
	m->iov.iov_len = FI_DATALEN;
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = m->ctl.buf;
	if (fd >= 0)
		ctl += CMSG_SPACE(sizeof(int));
	m->msg.msg_controllen = ctl;
	c = CMSG_FIRSTHDR(&m->msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDGRANT;
	c->cmsg_len = CMSG_LEN(req->len);
	memcpy(CMSG_DATA(c), req->buf, req->len);
	if (fd >= 0) {
		c = CMSG_NXTHDR(&m->msg, c);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
}

/* A receive into a touched data buffer with a big control buffer. */
static void fi_build_recv(struct fi_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->iov.iov_base = m->data;
	m->iov.iov_len = sizeof(m->data);
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = m->ctl.buf;
	m->msg.msg_controllen = sizeof(m->ctl.buf);
}

struct fi_parsed {
	int ngrants, npartial, nrights, nother;
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
};

static void fi_parse(struct fi_msg *m, struct fi_parsed *p)
{
	struct cmsghdr *c;

	memset(p, 0, sizeof(*p));
	for (c = CMSG_FIRSTHDR(&m->msg); c; c = CMSG_NXTHDR(&m->msg, c)) {
		size_t plen = c->cmsg_len - CMSG_LEN(0);

		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDGRANT) {
			struct credgrant g;

			if (plen < sizeof(g) || plen > sizeof(p->desc)) {
				p->npartial++;
				continue;
			}
			memcpy(&g, CMSG_DATA(c), sizeof(g));
			if (g.size != plen) {
				p->npartial++;
				continue;
			}
			if (!p->ngrants++)
				memcpy(p->desc, CMSG_DATA(c), plen);
		} else if (c->cmsg_level == SOL_SOCKET &&
			   c->cmsg_type == SCM_RIGHTS) {
			size_t k;

			for (k = 0; k < plen / sizeof(int); k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + k * sizeof(int),
				       sizeof(int));
				close(fd);
				p->nrights++;
			}
		} else {
			p->nother++;
		}
	}
}

/* ------------------------------------------------------------------ */
/* the grants                                                           */

enum fi_kind { K_FULL, K_UID, K_GROUPS, K_SELF, K_AUDIT };

static const char *const kind_names[] = {
	[K_FULL] = "full", [K_UID] = "uid", [K_GROUPS] = "groups",
	[K_SELF] = "self", [K_AUDIT] = "audit",
};

/* Ids no process in the VM has: alloc_uid() and ucounts allocate. */
#define FI_UID	4242
#define FI_GID	4343

static void fi_req(struct cg_req *r, enum fi_kind k)
{
	static const uint32_t groups[] = { 4345, FI_GID, 4344 };

	switch (k) {
	case K_FULL:
		cg_req_init(r, CREDGRANT_FULL, FI_UID, FI_GID, 0, groups, 3);
		break;
	case K_UID:
		cg_req_init(r, CREDGRANT_UID, FI_UID + 1, 0, 0, NULL, 0);
		break;
	case K_GROUPS:
		cg_req_init(r, CREDGRANT_GROUPS, 0, 0, 0, groups, 3);
		break;
	case K_SELF:
		cg_req_init(r, CREDGRANT_UID | CREDGRANT_GID, CREDGRANT_SELF,
			    CREDGRANT_SELF, 0, NULL, 0);
		break;
	case K_AUDIT:
		cg_req_init(r, CREDGRANT_AUDIT, 0, 0, 0, NULL, 0);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* per-step checks                                                      */

static const char *type_name(int type)
{
	return type == SOCK_STREAM ? "stream" :
	       type == SOCK_DGRAM ? "dgram" : "seqpacket";
}

static void fi_counters_delta(const struct cg_counters *a,
			      const struct cg_counters *b, long d[6])
{
	d[0] = b->issued - a->issued;
	d[1] = b->accepted - a->accepted;
	d[2] = b->rejected - a->rejected;
	d[3] = b->expired - a->expired;
	d[4] = b->dropped - a->dropped;
	d[5] = b->outstanding - a->outstanding;
}

/* Counters balance, and outstanding is back to base's once all is closed. */
static void fi_settled(struct __test_metadata *_metadata,
		       const struct cg_counters *base, unsigned int n,
		       struct cg_counters *now)
{
	int ret = cg_wait_outstanding(base->outstanding, FI_SETTLE_MS, now);

	ASSERT_EQ(0, ret) TH_LOG("n=%u: outstanding %llu, was %llu before the step, %d ms after it ended",
				 n, (unsigned long long)now->outstanding,
				 (unsigned long long)base->outstanding,
				 FI_SETTLE_MS);
	if (cg_break("fi-counters"))
		now->issued++;
	ASSERT_TRUE(cg_counters_balanced(now))
		TH_LOG("n=%u: counters do not balance: " CG_COUNTERS_FMT, n,
		       CG_COUNTERS_ARGS(now));
}

/* A failed call: injected, and with an allowed errno. */
static void fi_check_failure(struct __test_metadata *_metadata,
			     const char *what, unsigned int n, int err,
			     unsigned int left, const int *allowed)
{
	if (cg_break("fi-consumed"))
		left = 1;
	ASSERT_EQ(0, left) TH_LOG("n=%u: %s failed (%s) with no fault injected",
				  n, what, strerrorname_np(err));
	if (cg_break("fi-errno"))
		err = EINVAL;
	ASSERT_TRUE(cg_errno_in(err, allowed))
		TH_LOG("n=%u: %s failed with %s, allowed: %s", n, what,
		       strerrorname_np(err), errnos_str(allowed));
}

static void fi_check_ids(struct __test_metadata *_metadata, const char *what,
			 unsigned int n, const struct cg_idset *before,
			 const struct cg_idset *after)
{
	char a[256], b[256];
	struct cg_idset x = *after;

	if (cg_break("fi-ids"))
		x.ruid++;
	cg_ids_fmt(a, sizeof(a), before);
	cg_ids_fmt(b, sizeof(b), &x);
	ASSERT_TRUE(cg_ids_same(before, &x))
		TH_LOG("n=%u: %s changed the caller's ids without a successful acceptid: %s -> %s",
		       n, what, a, b);
}

struct fi_result {
	unsigned int points;	/* allocations failed (n of the last fault) */
	unsigned int absorbed;	/* injected faults the call survived */
	unsigned int failed;	/* injected faults the call reported */
};

static void fi_report(const char *path, const char *variant,
		      const struct fi_result *r)
{
	printf("# faultinject: %s %s: %u fault points (%u failed the call, %u absorbed)\n",
	       path, variant, r->points, r->failed, r->absorbed);
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* fixture                                                              */

FIXTURE(fi) {
	struct failslab_saved saved;
	bool have;
};

FIXTURE_VARIANT(fi) {
	int type;
};

FIXTURE_VARIANT_ADD(fi, stream) { .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(fi, dgram) { .type = SOCK_DGRAM };
FIXTURE_VARIANT_ADD(fi, seqpacket) { .type = SOCK_SEQPACKET };

FIXTURE_SETUP(fi)
{
	char why[256];
	const char *err;

	signal(SIGPIPE, SIG_IGN);
	require_credpass(_metadata);
	err = failslab_setup(&self->saved, why, sizeof(why));
	if (err) {
		failslab_restore(&self->saved);
		SKIP(return, "%s", err);
	}
	self->have = true;
}

FIXTURE_TEARDOWN(fi)
{
	struct cg_counters c;

	if (self->have)
		failslab_restore(&self->saved);
	if (!cg_counters_read(&c))
		expect_balanced(_metadata, &c);
}

/* ------------------------------------------------------------------ */
/* issue: sendmsg with SCM_CREDGRANT                                    */

static void fi_issue(struct __test_metadata *_metadata, int type,
		     enum fi_kind kind, struct fi_result *res)
{
	static struct fi_msg m, r;
	struct cg_counters c0, c1, c2;
	struct cg_idset ids0, ids1;
	struct fi_parsed p;
	struct cg_req req;
	struct fnth f;
	unsigned int n, left;
	char what[64];
	long d[6];
	ssize_t ret;
	int sv[2], err;

	memset(res, 0, sizeof(*res));
	snprintf(what, sizeof(what), "sendmsg(%s, %s grant)", type_name(type),
		 kind_names[kind]);
	fi_req(&req, kind);
	for (n = 1; n <= FI_MAX_N; n++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, type, 0, sv));
		ASSERT_EQ(0, cg_set_passcredgrant(sv[1], 1));
		fi_build_send(&m, &req, -1);
		ASSERT_EQ(0, cg_get_ids(&ids0));
		ASSERT_EQ(0, cg_counters_read(&c0));
		ASSERT_EQ(0, fnth_open(&f, n));

		ASSERT_EQ(0, fnth_arm(&f));
		ret = sendmsg(sv[0], &m.msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		err = errno;
		left = fnth_disarm(&f);
		close(f.fd);
		ASSERT_NE(~0U, left);

		ASSERT_EQ(0, cg_get_ids(&ids1));
		fi_check_ids(_metadata, what, n, &ids0, &ids1);
		ASSERT_EQ(0, cg_counters_read(&c1));
		fi_counters_delta(&c0, &c1, d);
		if (ret < 0) {
			fi_check_failure(_metadata, what, n, err, left,
					 issue_errnos);
			res->failed++;
			/* a refused send changes no counter, queues nothing */
			ASSERT_TRUE(!d[0] && !d[1] && !d[2] && !d[3] && !d[4] &&
				    !d[5])
				TH_LOG("n=%u: %s failed (%s) but the counters moved: issued %+ld accepted %+ld rejected %+ld expired %+ld dropped %+ld outstanding %+ld",
				       n, what, strerrorname_np(err), d[0], d[1],
				       d[2], d[3], d[4], d[5]);
			fi_build_recv(&r);
			ret = recvmsg(sv[1], &r.msg, MSG_DONTWAIT);
			ASSERT_EQ(-1, ret) TH_LOG("n=%u: %s failed (%s) but a message was queued",
						  n, what, strerrorname_np(err));
			ASSERT_EQ(EAGAIN, errno);
		} else {
			ASSERT_EQ(FI_DATALEN, ret);
			if (!left)
				res->absorbed++;
			ASSERT_TRUE(d[0] == 1 && d[5] == 1 && !d[1] && !d[2] &&
				    !d[3] && !d[4])
				TH_LOG("n=%u: %s succeeded: issued %+ld accepted %+ld rejected %+ld expired %+ld dropped %+ld outstanding %+ld, expected issued +1 outstanding +1",
				       n, what, d[0], d[1], d[2], d[3], d[4],
				       d[5]);
			fi_build_recv(&r);
			ret = recvmsg(sv[1], &r.msg, MSG_DONTWAIT);
			ASSERT_EQ(FI_DATALEN, ret);
			fi_parse(&r, &p);
			ASSERT_EQ(1, p.ngrants)
				TH_LOG("n=%u: %s succeeded, the receiver got %d descriptions (%d malformed), msg_flags %#x",
				       n, what, p.ngrants, p.npartial,
				       r.msg.msg_flags);
			ASSERT_EQ(0, p.npartial);
		}
		close(sv[0]);
		close(sv[1]);
		fi_settled(_metadata, &c0, n, &c2);
		if (left)
			break;
	}
	ASSERT_GE(FI_MAX_N, n) TH_LOG("%s: still failing at n=%u", what, n);
	res->points = n - 1;
}

#define ISSUE_TEST(k)							\
TEST_F(fi, issue_##k)							\
{									\
	struct fi_result r;						\
	char v[64];							\
									\
	fi_issue(_metadata, variant->type, K_##k, &r);			\
	snprintf(v, sizeof(v), "%s/%s", type_name(variant->type),	\
		 kind_names[K_##k]);					\
	fi_report("issue", v, &r);					\
}

ISSUE_TEST(FULL)
ISSUE_TEST(SELF)
ISSUE_TEST(AUDIT)

/* ------------------------------------------------------------------ */
/* receive and accept: one child per step, so that the per-process
 * state a first receive allocates is allocated at every step          */

enum fi_op { OP_READ, OP_PEEK, OP_ACCEPT, OP_REJECT };

struct fi_out {
	int32_t stage;		/* 0: done; else the setup step that failed */
	int32_t stage_err;
	int64_t ret;
	int32_t err;
	uint32_t left;
	int32_t msg_flags;
	struct fi_parsed p;	/* what the faulted call returned */
	int64_t ret2;		/* follow-up call */
	int32_t err2;
	int32_t ngrants2;
	struct cg_idset ids0, ids1;
};

static void fi_child(int sock, enum fi_op op, unsigned int n, int outfd)
{
	static struct fi_msg m;
	static struct fi_out o;
	static struct fi_parsed pre;
	const struct credgrant *g = (const struct credgrant *)pre.desc;
	struct fnth f;

	memset(&o, 0, sizeof(o));
	o.stage = 1;
	if (fnth_open(&f, n)) {
		o.stage_err = errno;
		goto out;
	}
	if (op == OP_ACCEPT || op == OP_REJECT) {
		/* receive the grant unfaulted: it is bound to this process */
		o.stage = 2;
		fi_build_recv(&m);
		if (recvmsg(sock, &m.msg, MSG_DONTWAIT) != FI_DATALEN) {
			o.stage_err = errno;
			goto out;
		}
		fi_parse(&m, &pre);
		if (pre.ngrants != 1) {
			o.stage_err = EPROTO;
			goto out;
		}
	}
	o.stage = 3;
	if (cg_get_ids(&o.ids0)) {
		o.stage_err = errno;
		goto out;
	}
	fi_build_recv(&m);
	o.stage = 0;

	fnth_arm(&f);
	switch (op) {
	case OP_READ:
		o.ret = recvmsg(sock, &m.msg, MSG_DONTWAIT);
		break;
	case OP_PEEK:
		o.ret = recvmsg(sock, &m.msg, MSG_DONTWAIT | MSG_PEEK);
		break;
	case OP_ACCEPT:
		o.ret = syscall(__NR_acceptid, sock, g, g->size, 0);
		break;
	case OP_REJECT:
		o.ret = syscall(__NR_acceptid, sock, g, g->size,
				ACCEPTID_REJECT);
		break;
	}
	o.err = o.ret < 0 ? errno : 0;
	o.left = fnth_disarm(&f);
	close(f.fd);
	cg_get_ids(&o.ids1);
	o.msg_flags = m.msg.msg_flags;

	switch (op) {
	case OP_READ:
		if (o.ret >= 0)
			fi_parse(&m, &o.p);
		if (o.p.ngrants == 1) {
			/* still pending here: reject it */
			g = (const struct credgrant *)o.p.desc;
			o.ret2 = syscall(__NR_acceptid, sock, g, g->size,
					 ACCEPTID_REJECT);
			o.err2 = o.ret2 < 0 ? errno : 0;
		}
		break;
	case OP_PEEK:
		if (o.ret >= 0)
			fi_parse(&m, &o.p);
		/* the peek consumed nothing: the real read gets the grant */
		fi_build_recv(&m);
		o.ret2 = recvmsg(sock, &m.msg, MSG_DONTWAIT);
		o.err2 = o.ret2 < 0 ? errno : 0;
		if (o.ret2 >= 0) {
			fi_parse(&m, &pre);
			o.ngrants2 = pre.ngrants;
		}
		break;
	case OP_ACCEPT:
	case OP_REJECT:
		/* used up by the call, or still there if it failed early */
		o.ret2 = syscall(__NR_acceptid, sock, g, g->size,
				 ACCEPTID_REJECT);
		o.err2 = o.ret2 < 0 ? errno : 0;
		break;
	}
out:
	cg_write_full(outfd, &o, sizeof(o));
	_exit(0);
}

static const char *const op_names[] = {
	[OP_READ] = "recvmsg", [OP_PEEK] = "recvmsg(MSG_PEEK)",
	[OP_ACCEPT] = "acceptid", [OP_REJECT] = "acceptid(ACCEPTID_REJECT)",
};

/* Expected ids after accepting the fi_req(kind) grant from ids0. */
static void fi_ids_after_accept(enum fi_kind kind, const struct cg_idset *ids0,
				struct cg_idset *want)
{
	*want = *ids0;
	if (kind == K_FULL || kind == K_UID) {
		uint32_t u = kind == K_FULL ? FI_UID : FI_UID + 1;

		want->ruid = want->euid = want->suid = want->fsuid = u;
	}
	if (kind == K_FULL)
		want->rgid = want->egid = want->sgid = want->fsgid = FI_GID;
	if (kind == K_FULL || kind == K_GROUPS) {
		want->ngroups = 3;
		want->groups[0] = FI_GID;
		want->groups[1] = 4344;
		want->groups[2] = 4345;
	}
}

static void fi_receiver(struct __test_metadata *_metadata, int type,
			enum fi_kind kind, enum fi_op op, bool rights,
			struct fi_result *res)
{
	struct cg_counters c0, c1, base;
	struct cg_req req;
	static struct fi_msg m;
	static struct fi_out o;
	unsigned int n;
	char what[96];
	long d[6];
	int sv[2], pp[2], extra;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	snprintf(what, sizeof(what), "%s(%s, %s grant%s)", op_names[op],
		 type_name(type), kind_names[kind],
		 rights ? " + SCM_RIGHTS" : "");
	fi_req(&req, kind);
	for (n = 1; n <= FI_MAX_N; n++) {
		ASSERT_EQ(0, cg_counters_read(&base));
		ASSERT_EQ(0, socketpair(AF_UNIX, type, 0, sv));
		ASSERT_EQ(0, cg_set_passcredgrant(sv[1], 1));
		extra = -1;
		if (rights)
			ASSERT_LE(0, extra = socket(AF_UNIX, SOCK_DGRAM, 0));
		fi_build_send(&m, &req, extra);
		ASSERT_EQ(FI_DATALEN, sendmsg(sv[0], &m.msg, MSG_DONTWAIT))
			TH_LOG("unfaulted send: %s", strerror(errno));
		if (extra >= 0)
			close(extra);
		ASSERT_EQ(0, cg_counters_read(&c0));
		ASSERT_EQ(0, pipe2(pp, O_CLOEXEC));
		pid = cg_fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(pp[0]);
			fi_child(sv[1], op, n, pp[1]);
		}
		close(pp[1]);
		ASSERT_EQ(0, cg_read_full(pp[0], &o, sizeof(o)));
		close(pp[0]);
		ASSERT_EQ(0, cg_wait(pid));
		ASSERT_EQ(0, o.stage) TH_LOG("n=%u: child setup step %d: %s",
					     n, o.stage,
					     strerror(o.stage_err));
		ASSERT_NE(~0U, o.left);

		/* the child is gone: whatever it held pending was dropped */
		ASSERT_EQ(0, cg_counters_read(&c1));
		fi_counters_delta(&c0, &c1, d);
		ASSERT_TRUE(cg_counters_balanced(&c1));
		ASSERT_EQ(0, d[0]) TH_LOG("n=%u: %s issued a grant", n, what);
		ASSERT_EQ(0, o.p.npartial)
			TH_LOG("n=%u: %s: malformed description", n, what);

		if (o.ret < 0) {
			fi_check_failure(_metadata, what, n, o.err, o.left,
					 op == OP_ACCEPT || op == OP_REJECT ?
					 accept_errnos : recv_errnos);
			res->failed++;
		} else if (!o.left) {
			res->absorbed++;
		}
		if (op == OP_ACCEPT && o.ret == 0) {
			struct cg_idset want;

			fi_ids_after_accept(kind, &o.ids0, &want);
			if (cg_break("fi-ids"))
				want.ruid++;
			ASSERT_TRUE(cg_ids_same(&want, &o.ids1))
				TH_LOG("n=%u: %s succeeded but the ids are not the grant's",
				       n, what);
		} else {
			fi_check_ids(_metadata, what, n, &o.ids0, &o.ids1);
		}

		switch (op) {
		case OP_READ:
			if (o.ret < 0)
				break;
			ASSERT_EQ(FI_DATALEN, o.ret);
			if (o.p.ngrants == 0) {
				/* not delivered: dropped, and only for a fault */
				ASSERT_EQ(0, o.left)
					TH_LOG("n=%u: %s: no description, msg_flags %#x, and no fault injected",
					       n, what, o.msg_flags);
				ASSERT_EQ(1, d[4]) TH_LOG("n=%u: %s: the grant not delivered was not dropped",
							  n, what);
				/* lost control data, said as a truncation */
				EXPECT_EQ(MSG_CTRUNC, o.msg_flags & MSG_CTRUNC)
					TH_LOG("n=%u: %s: grant dropped for lack of memory without MSG_CTRUNC",
					       n, what);
			} else {
				ASSERT_EQ(0, o.ret2) TH_LOG("n=%u: rejecting the delivered grant: %s",
							    n, strerror(o.err2));
				ASSERT_EQ(1, d[2]);
			}
			if (rights && !(o.msg_flags & MSG_CTRUNC))
				ASSERT_EQ(1, o.p.nrights);
			break;
		case OP_PEEK:
			ASSERT_EQ(FI_DATALEN, o.ret2)
				TH_LOG("n=%u: read after the peek: %s", n,
				       strerror(o.err2));
			ASSERT_EQ(1, o.ngrants2)
				TH_LOG("n=%u: the grant peeked at (%d descriptions, msg_flags %#x) did not reach the real read",
				       n, o.p.ngrants, o.msg_flags);
			if (o.ret >= 0 && !o.p.ngrants)
				ASSERT_EQ(0, o.left)
					TH_LOG("n=%u: peek without description and no fault injected",
					       n);
			/* pending in the child, dropped at its exit */
			ASSERT_EQ(1, d[4]);
			break;
		case OP_ACCEPT:
		case OP_REJECT:
			if (o.ret == 0) {
				ASSERT_EQ(-1, o.ret2);
				ASSERT_EQ(ENOENT, o.err2)
					TH_LOG("n=%u: the grant %s took is still there",
					       n, what);
				ASSERT_EQ(1, op == OP_ACCEPT ? d[1] : d[2]);
			} else {
				/* failed: used up (ENOENT) or untouched (0) */
				ASSERT_TRUE(o.ret2 == 0 ||
					    (o.ret2 == -1 && o.err2 == ENOENT))
					TH_LOG("n=%u: after %s failed, rejecting it: %s",
					       n, what, strerror(o.err2));
				ASSERT_EQ(1, d[2]);
				ASSERT_EQ(0, d[1]);
			}
			ASSERT_EQ(0, d[4]);
			break;
		}
		close(sv[0]);
		close(sv[1]);
		fi_settled(_metadata, &base, n, &c1);
		if (o.left)
			break;
	}
	ASSERT_GE(FI_MAX_N, n) TH_LOG("%s: still failing at n=%u", what, n);
	res->points = n - 1;
}

#define RECV_TEST(name, op, rights)					\
TEST_F(fi, name)							\
{									\
	struct fi_result r;						\
	char v[64];							\
									\
	fi_receiver(_metadata, variant->type, K_FULL, op, rights, &r);	\
	snprintf(v, sizeof(v), "%s/%s", type_name(variant->type),	\
		 op_names[op]);						\
	fi_report(rights ? "receive+rights" : "receive", v, &r);	\
}

RECV_TEST(recv_read, OP_READ, false)
RECV_TEST(recv_peek, OP_PEEK, false)
RECV_TEST(recv_read_rights, OP_READ, true)

/* acceptid does not depend on the socket type: dgram only */
FIXTURE(fia) {
	struct failslab_saved saved;
	bool have;
};

FIXTURE_SETUP(fia)
{
	char why[256];
	const char *err;

	signal(SIGPIPE, SIG_IGN);
	require_credpass(_metadata);
	err = failslab_setup(&self->saved, why, sizeof(why));
	if (err) {
		failslab_restore(&self->saved);
		SKIP(return, "%s", err);
	}
	self->have = true;
}

FIXTURE_TEARDOWN(fia)
{
	struct cg_counters c;

	if (self->have)
		failslab_restore(&self->saved);
	if (!cg_counters_read(&c))
		expect_balanced(_metadata, &c);
}

#define ACCEPT_TEST(name, k, op)					\
TEST_F(fia, name)							\
{									\
	struct fi_result r;						\
									\
	fi_receiver(_metadata, SOCK_DGRAM, K_##k, op, false, &r);	\
	fi_report("accept", #name, &r);					\
}

ACCEPT_TEST(accept_full, FULL, OP_ACCEPT)
ACCEPT_TEST(accept_uid, UID, OP_ACCEPT)
ACCEPT_TEST(accept_groups, GROUPS, OP_ACCEPT)
ACCEPT_TEST(accept_self, SELF, OP_ACCEPT)
ACCEPT_TEST(reject_full, FULL, OP_REJECT)

/* Last (fixtures run in the order they are defined; TEST()s first). */
FIXTURE(end) {
};

FIXTURE_SETUP(end)
{
}

FIXTURE_TEARDOWN(end)
{
}

TEST_F(end, settled)
{
	struct cg_counters c;

	ASSERT_EQ(0, cg_wait_outstanding(0, FI_SETTLE_MS, &c))
		TH_LOG("outstanding %llu at the end", (unsigned long long)c.outstanding);
	expect_all_settled(_metadata);
}

TEST_HARNESS_MAIN
