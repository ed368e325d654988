// SPDX-License-Identifier: GPL-2.0
/*
 * acceptid() selftests (issue 5): applying an inspected grant, every
 * errno, the exact credentials afterwards, binding to the receiving socket
 * and process, capabilities across execve, user namespaces and per-thread
 * semantics.
 *
 * Rules: ../../shared/design/credgrant.md (10-13); where the design is
 * silent: docs/semantics.md ("Pending grants and acceptid" gives the order
 * of the checks, which decides whether a failure consumed the grant).
 * Runs as root in the test VM.  Each test runs in its own process (the
 * harness forks), so a test may change its own credentials; the counters
 * are read through a descriptor opened before that.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netlink.h>

/* see credgrant.c: harness-internal -Wextra noise */
#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "credgrant_util.h"

/* ------------------------------------------------------------------ */
/* helpers                                                             */

static void require_acceptid(struct __test_metadata *_metadata)
{
	long ret;

	errno = 0;
	ret = cg_acceptid(-1, NULL, 0, 0);
	ASSERT_EQ(-1, ret);
	ASSERT_NE(ENOSYS, errno)
		TH_LOG("acceptid (syscall %d) is not implemented by this kernel",
		       __NR_acceptid);
}

static void suite_setup(struct __test_metadata *_metadata, int type, int *s,
		      int *r, struct cg_counters *before,
		      struct cg_idset *ids0)
{
	int sv[2];

	*s = *r = -1;
	signal(SIGPIPE, SIG_IGN);
	require_credpass(_metadata);
	require_acceptid(_metadata);
	cg_counters_fd = open(CG_COUNTERS, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, cg_counters_fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, type, 0, sv));
	*s = sv[0];
	*r = sv[1];
	ASSERT_EQ(0, cg_set_passcredgrant(*r, 1));
	ASSERT_EQ(0, cg_get_ids(ids0));
	ASSERT_EQ(0, ids0->euid) TH_LOG("the suite runs as root");
	ASSERT_EQ(0, cg_counters_now(before));
}

static void suite_teardown(struct __test_metadata *_metadata, int s, int r)
{
	struct cg_counters c;

	if (s >= 0)
		close(s);
	if (r >= 0)
		close(r);
	EXPECT_EQ(0, cg_counters_now(&c));
	expect_balanced(_metadata, &c);
}

/* Issue a grant from the (root) test process to itself and receive it. */
static void issue(struct __test_metadata *_metadata, int line, int s, int r,
		  uint32_t kind, uint32_t uid, uint32_t gid,
		  const uint32_t *groups, uint32_t ngroups, uint32_t ttl_ms,
		  struct cg_rcv *rcv)
{
	struct cg_req req;

	cg_req_init(&req, kind, uid, gid, ttl_ms, groups, ngroups);
	send_ok(_metadata, line, s, MSG, &req);
	recv_grant(_metadata, line, r, MSG, 0, rcv);
}

#define ISSUE(rcv, kind, uid, gid, groups, n, ttl) \
	issue(_metadata, __LINE__, self->s, self->r, kind, uid, gid, groups, \
	      n, ttl, rcv)

static void accept_ok(struct __test_metadata *_metadata, int line, int fd,
		      const void *desc, size_t size, unsigned int flags)
{
	long ret;

	errno = 0;
	ret = cg_acceptid(fd, desc, size, flags);
	ASSERT_EQ(0, ret) TH_LOG("line %d: acceptid: %s", line,
				 strerror(errno));
}

#define ACCEPT_OK(fd, rcv) \
	accept_ok(_metadata, __LINE__, fd, (rcv)->desc, (rcv)->grant_len, 0)

static void accept_fails(struct __test_metadata *_metadata, int line, int fd,
			 const void *desc, size_t size, unsigned int flags,
			 int err)
{
	long ret;

	errno = 0;
	ret = cg_acceptid(fd, desc, size, flags);
	ASSERT_EQ(-1, ret) TH_LOG("line %d: acceptid succeeded, expected %s",
				  line, strerror(err));
	ASSERT_EQ(err, errno) TH_LOG("line %d: acceptid: errno %d (%s), expected %d (%s)",
				     line, errno, strerror(errno), err,
				     strerror(err));
}

#define ACCEPT_FAILS(fd, desc, size, flags, err) \
	accept_fails(_metadata, __LINE__, fd, desc, size, flags, err)

/* All four uids / gids and the exact group list (sorted, as the kernel keeps it). */
static void expect_ids(struct __test_metadata *_metadata, int line,
		       const struct cg_idset *s, uint32_t uid, uint32_t gid,
		       const uint32_t *groups, int ngroups)
{
	int i;

	EXPECT_EQ(uid, s->ruid) TH_LOG("line %d", line);
	EXPECT_EQ(uid, s->euid) TH_LOG("line %d", line);
	EXPECT_EQ(uid, s->suid) TH_LOG("line %d", line);
	EXPECT_EQ(uid, s->fsuid) TH_LOG("line %d", line);
	EXPECT_EQ(gid, s->rgid) TH_LOG("line %d", line);
	EXPECT_EQ(gid, s->egid) TH_LOG("line %d", line);
	EXPECT_EQ(gid, s->sgid) TH_LOG("line %d", line);
	EXPECT_EQ(gid, s->fsgid) TH_LOG("line %d", line);
	ASSERT_EQ(ngroups, s->ngroups) TH_LOG("line %d: getgroups", line);
	for (i = 0; i < ngroups; i++)
		EXPECT_EQ(groups[i], s->groups[i])
			TH_LOG("line %d: group %d", line, i);
}

#define EXPECT_IDS(s, uid, gid, groups, n) \
	expect_ids(_metadata, __LINE__, s, uid, gid, groups, n)

static void expect_own_ids(struct __test_metadata *_metadata, int line,
			   uint32_t uid, uint32_t gid, const uint32_t *groups,
			   int ngroups)
{
	struct cg_idset now;

	ASSERT_EQ(0, cg_get_ids(&now));
	expect_ids(_metadata, line, &now, uid, gid, groups, ngroups);
}

#define EXPECT_OWN_IDS(uid, gid, groups, n) \
	expect_own_ids(_metadata, __LINE__, uid, gid, groups, n)

/* Credentials exactly as at the start of the test (caps included). */
static void expect_unchanged(struct __test_metadata *_metadata, int line,
			     const struct cg_idset *ids0)
{
	struct cg_idset now;

	ASSERT_EQ(0, cg_get_ids(&now));
	expect_ids(_metadata, line, &now, ids0->euid, ids0->egid,
		   ids0->groups, ids0->ngroups);
	EXPECT_EQ(ids0->cap_eff, now.cap_eff) TH_LOG("line %d", line);
	EXPECT_EQ(ids0->cap_prm, now.cap_prm) TH_LOG("line %d", line);
}

#define EXPECT_UNCHANGED() expect_unchanged(_metadata, __LINE__, &self->ids0)

static uint64_t cap_bounding_set(void)
{
	char val[64];

	if (cg_status_field("/proc/self/status", "CapBnd:", val, sizeof(val)))
		return 0;
	return strtoull(val, NULL, 16);
}

/* What a forked child or a re-executed image reports back. */
struct child_rep {
	int64_t ret;
	int32_t err;
	int32_t pad;
	struct cg_idset ids;
	uint64_t cap_bnd;
	uint64_t at_secure;	/* getauxval(AT_SECURE) */
	int32_t dumpable;	/* PR_GET_DUMPABLE */
	int32_t pad2;
};

static int child_report(int fd, long ret, int err)
{
	struct child_rep rep;

	memset(&rep, 0, sizeof(rep));
	rep.ret = ret;
	rep.err = err;
	cg_get_ids(&rep.ids);
	rep.cap_bnd = cap_bounding_set();
	rep.at_secure = getauxval(AT_SECURE);
	rep.dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	return cg_write_full(fd, &rep, sizeof(rep)) ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* exec helper: the test binary re-executed with --cg-helper           */

static int helper_main(int argc, char **argv)
{
	/* exec-accept SOCKFD DESCFD REPFD: acceptid with a description read
	 * from DESCFD (u32 size, then the bytes) after the exec */
	if (argc == 6 && !strcmp(argv[2], "exec-accept")) {
		int sock = atoi(argv[3]), dfd = atoi(argv[4]);
		int rfd = atoi(argv[5]);
		uint64_t desc[(CG_DESC_MAX + 7) / 8];
		uint32_t size;
		long ret;

		if (cg_read_full(dfd, &size, sizeof(size)) ||
		    size > sizeof(desc) || cg_read_full(dfd, desc, size))
			return 2;
		errno = 0;
		ret = cg_acceptid(sock, desc, size, 0);
		return child_report(rfd, ret, ret < 0 ? errno : 0);
	}
	/* report-ids REPFD: credentials and capabilities of the new image */
	if (argc == 4 && !strcmp(argv[2], "report-ids"))
		return child_report(atoi(argv[3]), 0, 0);
	/* report-ids-hold REPFD HOLDFD: the same, then run until HOLDFD's EOF */
	if (argc == 5 && !strcmp(argv[2], "report-ids-hold")) {
		char c;

		if (child_report(atoi(argv[3]), 0, 0))
			return 1;
		while (read(atoi(argv[4]), &c, 1) > 0)
			;
		return 0;
	}
	fprintf(stderr, "unknown helper mode\n");
	return 99;
}

/* ------------------------------------------------------------------ */
/* fixture: a connected pair of each type, receiver opted in           */

FIXTURE(acc)
{
	int s, r;
	struct cg_counters before;
	struct cg_idset ids0;
};

FIXTURE_VARIANT(acc)
{
	int type;
};

FIXTURE_VARIANT_ADD(acc, stream)
{
	.type = SOCK_STREAM,
};

FIXTURE_VARIANT_ADD(acc, dgram)
{
	.type = SOCK_DGRAM,
};

FIXTURE_VARIANT_ADD(acc, seqpacket)
{
	.type = SOCK_SEQPACKET,
};

FIXTURE_SETUP(acc)
{
	suite_setup(_metadata, variant->type, &self->s, &self->r, &self->before,
		  &self->ids0);
}

FIXTURE_TEARDOWN(acc)
{
	suite_teardown(_metadata, self->s, self->r);
}

/* Rules 10, 12: UID sets r/e/s/fs uid, nothing else; like setresuid. */
TEST_F(acc, accept_uid)
{
	unsigned long suid_dumpable = 0;
	struct cg_idset now;
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	ASSERT_EQ(0, cg_get_ids(&now));
	EXPECT_IDS(&now, 1234, self->ids0.egid, self->ids0.groups,
		   self->ids0.ngroups);
	/* all uids left 0: capabilities are cleared, as for setresuid */
	EXPECT_EQ(0, now.cap_eff);
	EXPECT_EQ(0, now.cap_prm);
	/* one commit_creds(): dumpability follows the euid change */
	ASSERT_EQ(0, cg_read_ulong_file("/proc/sys/fs/suid_dumpable",
					&suid_dumpable));
	EXPECT_EQ((int)suid_dumpable, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, accept_gid)
{
	struct cg_idset now;
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_GID, 0, 2345, NULL, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	ASSERT_EQ(0, cg_get_ids(&now));
	EXPECT_IDS(&now, 0, 2345, self->ids0.groups, self->ids0.ngroups);
	/* a gid change leaves a root process's capabilities alone */
	EXPECT_EQ(self->ids0.cap_eff, now.cap_eff);
	EXPECT_EQ(self->ids0.cap_prm, now.cap_prm);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, accept_groups)
{
	static const uint32_t g[] = { 10, 20, 30 };
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_GROUPS, 0, 0, g, 3, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_OWN_IDS(0, self->ids0.egid, g, 3);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* semantics: the kernel keeps groups sorted, as setgroups(2) does. */
TEST_F(acc, accept_groups_unsorted_request)
{
	static const uint32_t req_groups[] = { 30, 10, 20 };
	static const uint32_t sorted[] = { 10, 20, 30 };
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_GROUPS, 0, 0, req_groups, 3, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_OWN_IDS(0, self->ids0.egid, sorted, 3);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, accept_groups_empty)
{
	static const gid_t before[] = { 5, 6 };
	static const uint32_t b32[] = { 5, 6 };
	struct cg_rcv rcv;

	ASSERT_EQ(0, setgroups(2, before));
	EXPECT_OWN_IDS(0, self->ids0.egid, b32, 2);
	ISSUE(&rcv, CREDGRANT_GROUPS, 0, 0, NULL, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_OWN_IDS(0, self->ids0.egid, NULL, 0);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, accept_full)
{
	static const uint32_t g[] = { 2345, 5000, 6000 };
	struct cg_idset now;
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_FULL, 1234, 2345, g, 3, 0);
	ACCEPT_OK(self->r, &rcv);
	ASSERT_EQ(0, cg_get_ids(&now));
	EXPECT_IDS(&now, 1234, 2345, g, 3);
	EXPECT_EQ(0, now.cap_eff);
	EXPECT_EQ(0, now.cap_prm);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, accept_uid_gid)
{
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_UID | CREDGRANT_GID, 1234, 2345, NULL, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_OWN_IDS(1234, 2345, self->ids0.groups, self->ids0.ngroups);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, accept_uid_groups)
{
	static const uint32_t g[] = { 77 };
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_UID | CREDGRANT_GROUPS, 1234, 0, g, 1, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_OWN_IDS(1234, self->ids0.egid, g, 1);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, accept_gid_groups)
{
	static const uint32_t g[] = { 77, 88 };
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_GID | CREDGRANT_GROUPS, 0, 2345, g, 2, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_OWN_IDS(0, 2345, g, 2);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/*
 * Rule 12 (2026-11-29): in place an unprivileged receiver takes only what
 * setresuid/setresgid/setgroups would let it take; a gain fails EPERM and
 * uses the grant up.  (The point of credpass, becoming the grant, is
 * ACCEPTID_EXEC + execve: unprivileged_receiver_accepts_at_exec.)
 */
TEST_F(acc, unprivileged_receiver_inplace_gain_eperm)
{
	static const uint32_t g[] = { 4000, 4001 };
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->r,
				   .nkeep = 1 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rep rep;
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	uint32_t size;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_FULL, 1234, 2345, 0, g, 2);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(0, cg_agent_recv(&a, self->r, 64, MSG_DONTWAIT, CG_CTRL_BIG,
				   &rep));
	ASSERT_EQ(MSGLEN, rep.ret) TH_LOG("%s", strerror(rep.err));
	ASSERT_EQ(1, rep.rcv.ngrants);
	EXPECT_IDS(&rep.ids, 1000, 1000, NULL, 0);
	size = rep.rcv.grant_len;
	memcpy(desc, rep.rcv.desc, size);
	ASSERT_EQ(0, cg_agent_accept(&a, self->r, desc, size, 0, &rep));
	EXPECT_EQ(-1, rep.ret);
	EXPECT_EQ(EPERM, rep.err) TH_LOG("agent acceptid: %s",
					 strerror(rep.err));
	EXPECT_IDS(&rep.ids, 1000, 1000, NULL, 0);
	/* used up */
	ASSERT_EQ(0, cg_agent_accept(&a, self->r, desc, size, 0, &rep));
	EXPECT_EQ(ENOENT, rep.err) TH_LOG("%s", strerror(rep.err));
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

/* In place: a switch among the own ids, like setresuid(2) allows. */
TEST_F(acc, unprivileged_inplace_own_ids)
{
	struct cg_ids ids = {
		.ruid = 1000, .euid = 1001, .suid = 1002,
		.rgid = 2000, .egid = 2001, .sgid = 2002,
		.ngroups = 2, .groups = { 3000, 3001 }, .caps = 0,
	};
	static const uint32_t g[] = { 3001, 3000 };
	static const uint32_t gs[] = { 3000, 3001 };
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->r,
				   .nkeep = 1 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rep rep;
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	uint32_t size;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_FULL, 1002, 2000, 0, g, 2);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(0, cg_agent_recv(&a, self->r, 64, MSG_DONTWAIT, CG_CTRL_BIG,
				   &rep));
	ASSERT_EQ(1, rep.rcv.ngrants);
	size = rep.rcv.grant_len;
	memcpy(desc, rep.rcv.desc, size);
	ASSERT_EQ(0, cg_agent_accept(&a, self->r, desc, size, 0, &rep));
	ASSERT_EQ(0, rep.ret) TH_LOG("agent acceptid: %s", strerror(rep.err));
	EXPECT_IDS(&rep.ids, 1002, 2000, gs, 2);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* In place: a uid-1000 receiver takes a uid-1000 sender's self grant. */
TEST_F(acc, unprivileged_inplace_self_grant_of_own_uid)
{
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	struct cg_agent_opts so = { .ids = &ids, .keep_fds = &self->s,
				    .nkeep = 1 };
	struct cg_agent_opts ro = { .ids = &ids, .keep_fds = &self->r,
				    .nkeep = 1 };
	struct cg_agent sender, receiver;
	struct cg_req req;
	struct cg_rep rep;
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	uint32_t size;

	AGENT_START(&sender, &so);
	AGENT_START(&receiver, &ro);
	cg_req_init(&req, CREDGRANT_FULL, CREDGRANT_SELF, CREDGRANT_SELF, 0,
		    NULL, 0);
	AGENT_SEND_OK(&sender, self->s, &req);
	ASSERT_EQ(0, cg_agent_recv(&receiver, self->r, 64, MSG_DONTWAIT,
				   CG_CTRL_BIG, &rep));
	ASSERT_EQ(1, rep.rcv.ngrants);
	EXPECT_EQ(1000, cg_desc(&rep.rcv)->uid);
	size = rep.rcv.grant_len;
	memcpy(desc, rep.rcv.desc, size);
	ASSERT_EQ(0, cg_agent_accept(&receiver, self->r, desc, size, 0, &rep));
	ASSERT_EQ(0, rep.ret) TH_LOG("agent acceptid: %s", strerror(rep.err));
	EXPECT_IDS(&rep.ids, 1000, 1000, NULL, 0);
	agent_stop(_metadata, &sender);
	agent_stop(_metadata, &receiver);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* In place: CAP_SETUID and CAP_SETGID cover any ids, as for setresuid. */
TEST_F(acc, inplace_with_cap_setuid_setgid)
{
	static const uint32_t g[] = { 4000, 4001 };
	struct cg_ids ids = cg_ids_plain(1000, 1000, CG_CAP(CAP_SETUID) |
					 CG_CAP(CAP_SETGID));
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->r,
				   .nkeep = 1 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rep rep;
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	uint32_t size;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_FULL, 1234, 2345, 0, g, 2);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(0, cg_agent_recv(&a, self->r, 64, MSG_DONTWAIT, CG_CTRL_BIG,
				   &rep));
	ASSERT_EQ(1, rep.rcv.ngrants);
	size = rep.rcv.grant_len;
	memcpy(desc, rep.rcv.desc, size);
	ASSERT_EQ(0, cg_agent_accept(&a, self->r, desc, size, 0, &rep));
	ASSERT_EQ(0, rep.ret) TH_LOG("agent acceptid: %s", strerror(rep.err));
	EXPECT_IDS(&rep.ids, 1234, 2345, g, 2);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* A self grant ("become me") from an unprivileged sender. */
TEST_F(acc, become_the_sender)
{
	struct cg_ids ids = cg_ids_plain(1000, 1001, 0);
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->s,
				   .nkeep = 1 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rcv rcv;

	ids.ngroups = 1;
	ids.groups[0] = 1001;
	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_UID | CREDGRANT_GID, CREDGRANT_SELF,
		    CREDGRANT_SELF, 0, NULL, 0);
	AGENT_SEND_OK(&a, self->s, &req);
	agent_stop(_metadata, &a);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(1000, cg_desc(&rcv)->uid);
	EXPECT_EQ(1001, cg_desc(&rcv)->gid);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_OWN_IDS(1000, 1001, self->ids0.groups, self->ids0.ngroups);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

static void read_proc_self(const char *name, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, len - 1);
	buf[n < 0 ? 0 : n] = '\0';
	if (fd >= 0)
		close(fd);
}

/*
 * Rule 13: an audit-only grant sets the thread's on-behalf-of subject and
 * nothing else: no id, no loginuid, no session. One subject at a time
 * (EBUSY, the second grant used up); ACCEPTID_AUDIT_POP ends it, ENOENT
 * when there is none; ACCEPTID_EXEC has nothing to stage (EINVAL).
 */
TEST_F(acc, audit_grant_sets_subject_only)
{
	char luid0[32], ses0[32], luid[32], ses[32];
	struct cg_rcv rcv, rcv2, rcv3;

	read_proc_self("loginuid", luid0, sizeof(luid0));
	read_proc_self("sessionid", ses0, sizeof(ses0));
	ACCEPT_FAILS(-1, NULL, 0, ACCEPTID_AUDIT_POP, ENOENT);

	ISSUE(&rcv, CREDGRANT_AUDIT, 0, 0, NULL, 0, 0);
	EXPECT_EQ(CREDGRANT_AUDIT, cg_desc(&rcv)->kind);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_UNCHANGED();
	read_proc_self("loginuid", luid, sizeof(luid));
	read_proc_self("sessionid", ses, sizeof(ses));
	EXPECT_STREQ(luid0, luid);
	EXPECT_STREQ(ses0, ses);
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, 0, ENOENT);

	ISSUE(&rcv2, CREDGRANT_AUDIT, 0, 0, NULL, 0, 0);
	ACCEPT_FAILS(self->r, rcv2.desc, rcv2.grant_len, 0, EBUSY);
	ACCEPT_FAILS(self->r, rcv2.desc, rcv2.grant_len, 0, ENOENT);
	ISSUE(&rcv3, CREDGRANT_AUDIT, 0, 0, NULL, 0, 0);
	ACCEPT_FAILS(self->r, rcv3.desc, rcv3.grant_len, ACCEPTID_EXEC, EINVAL);
	ACCEPT_FAILS(self->r, rcv3.desc, rcv3.grant_len, 0, ENOENT);

	ACCEPT_FAILS(0, NULL, 0, ACCEPTID_AUDIT_POP, EINVAL);
	ACCEPT_FAILS(-1, NULL, 0, ACCEPTID_AUDIT_POP | ACCEPTID_REJECT, EINVAL);
	EXPECT_EQ(0, syscall(__NR_acceptid, -1, NULL, 0, ACCEPTID_AUDIT_POP));
	ACCEPT_FAILS(-1, NULL, 0, ACCEPTID_AUDIT_POP, ENOENT);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 3, 1, 2, 0, 0);
}

/* A client with its own loginuid 4242 (hence a fresh session) sends one
 * audit-only grant on s and exits 0, or exits with the step that failed. */
static pid_t audit_client(int s, uint32_t *ses)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct cg_req req;
		char buf[32] = "";
		ssize_t n;
		int fd;

		close(p[0]);
		fd = open("/proc/self/loginuid", O_WRONLY);
		if (fd < 0 || write(fd, "4242", 4) != 4)
			_exit(1);
		close(fd);
		fd = open("/proc/self/sessionid", O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (n <= 0 || write(p[1], buf, n) != n)
			_exit(2);
		cg_req_init(&req, CREDGRANT_AUDIT, 0, 0, 0, NULL, 0);
		if (cg_send_grant(s, MSG, MSGLEN, &req, MSG_NOSIGNAL) != MSGLEN)
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	if (pid > 0) {
		char buf[32] = "";

		if (read(p[0], buf, sizeof(buf) - 1) <= 0)
			buf[0] = '\0';
		*ses = strtoul(buf, NULL, 10);
	}
	close(p[0]);
	return pid;
}

/*
 * Chains: an audit-only grant from a thread that acts for someone forwards
 * that subject; a grant of ids names its issuer's own login identity
 * (a forwarded client must not vouch for the relay's ids).
 */
TEST_F(acc, audit_subject_forwarded_by_audit_grants_only)
{
	char own_luid[32], own_ses[32];
	struct cg_rcv rcv, rel, ids;
	uint32_t ses = 0;
	int status;
	pid_t pid;

	read_proc_self("loginuid", own_luid, sizeof(own_luid));
	read_proc_self("sessionid", own_ses, sizeof(own_ses));
	pid = audit_client(self->s, &ses);
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status) TH_LOG("client failed at step %d", WEXITSTATUS(status));
	ASSERT_NE(0, ses);

	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(4242, cg_desc(&rcv)->granter_auid);
	EXPECT_EQ(ses, cg_desc(&rcv)->granter_ses);
	ACCEPT_OK(self->r, &rcv);

	/* relayed: the client's subject, not ours */
	ISSUE(&rel, CREDGRANT_AUDIT, 0, 0, NULL, 0, 0);
	EXPECT_EQ(4242, cg_desc(&rel)->granter_auid);
	EXPECT_EQ(ses, cg_desc(&rel)->granter_ses);
	EXPECT_EQ(getpid(), (pid_t)cg_desc(&rel)->granter_pid);
	/* our own ids: our own login identity */
	ISSUE(&ids, CREDGRANT_UID, CREDGRANT_SELF, 0, NULL, 0, 0);
	EXPECT_EQ(strtoul(own_luid, NULL, 10), cg_desc(&ids)->granter_auid);
	EXPECT_EQ(strtoul(own_ses, NULL, 10), cg_desc(&ids)->granter_ses);

	accept_ok(_metadata, __LINE__, self->r, rel.desc, rel.grant_len,
		  ACCEPTID_REJECT);
	ACCEPT_OK(self->r, &ids);
	EXPECT_EQ(0, syscall(__NR_acceptid, -1, NULL, 0, ACCEPTID_AUDIT_POP));
	EXPECT_COUNTERS(&self->before, 3, 2, 1, 0, 0);
}

/* Rule 14: single use. */
TEST_F(acc, replay_enoent)
{
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_GID, 0, 2345, NULL, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, 0, ENOENT);
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, ACCEPTID_REJECT,
		     ENOENT);
	EXPECT_OWN_IDS(0, 2345, self->ids0.groups, self->ids0.ngroups);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* An unknown id: ENOENT, and nothing pending is touched. */
TEST_F(acc, unknown_id_enoent_grant_kept)
{
	struct cg_rcv rcv;
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	struct credgrant *d = (struct credgrant *)desc;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	memcpy(desc, rcv.desc, rcv.grant_len);
	d->id = cg_desc(&rcv)->id + 1000000;
	ACCEPT_FAILS(self->r, desc, rcv.grant_len, 0, ENOENT);
	d->id = 0;
	ACCEPT_FAILS(self->r, desc, rcv.grant_len, 0, ENOENT);
	d->id = ~0ULL;
	ACCEPT_FAILS(self->r, desc, rcv.grant_len, ACCEPTID_REJECT, ENOENT);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_OWN_IDS(1234, self->ids0.egid, self->ids0.groups,
		       self->ids0.ngroups);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* Rule 9: pending on the receiving socket only. */
TEST_F(acc, other_socket_enoent)
{
	struct cg_rcv rcv;
	int sv[2];

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	ACCEPT_FAILS(self->s, rcv.desc, rcv.grant_len, 0, ENOENT);
	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type, 0, sv));
	ASSERT_EQ(0, cg_set_passcredgrant(sv[1], 1));
	ACCEPT_FAILS(sv[0], rcv.desc, rcv.grant_len, 0, ENOENT);
	ACCEPT_FAILS(sv[1], rcv.desc, rcv.grant_len, 0, ENOENT);
	close(sv[0]);
	close(sv[1]);
	/* a socket of another family has no pending grants either */
	sv[0] = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	ASSERT_LE(0, sv[0]);
	ACCEPT_FAILS(sv[0], rcv.desc, rcv.grant_len, 0, ENOENT);
	close(sv[0]);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* The socket, not the descriptor number: a dup() works. */
TEST_F(acc, dup_of_receiving_socket)
{
	struct cg_rcv rcv;
	int fd;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	fd = dup(self->r);
	ASSERT_LE(0, fd);
	ACCEPT_OK(fd, &rcv);
	EXPECT_OWN_IDS(1234, self->ids0.egid, self->ids0.groups,
		       self->ids0.ngroups);
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, 0, ENOENT);
	close(fd);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* Rule 6: MSG_PEEK moves nothing to the receiver. */
TEST_F(acc, peeked_grant_not_pending)
{
	struct cg_req req;
	struct cg_rcv p, rd;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	PEEK_GRANT(self->r, MSG, &p);
	ACCEPT_FAILS(self->r, p.desc, p.grant_len, 0, ENOENT);
	EXPECT_UNCHANGED();
	RECV_GRANT(self->r, MSG, &rd);
	ASSERT_EQ(p.grant_len, rd.grant_len);
	ASSERT_EQ(0, memcmp(p.desc, rd.desc, p.grant_len));
	ACCEPT_OK(self->r, &rd);
	EXPECT_OWN_IDS(1234, self->ids0.egid, self->ids0.groups,
		       self->ids0.ngroups);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* Rule 11: expired: ETIME, nothing applied, counted expired once. */
TEST_F(acc, expired_etime)
{
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 50);
	ASSERT_EQ(50 * NSEC_PER_MSEC,
		  cg_desc(&rcv)->expires_ns - cg_desc(&rcv)->issued_ns);
	ASSERT_EQ(0, cg_sleep_until_boottime(cg_desc(&rcv)->expires_ns));
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, 0, ETIME);
	EXPECT_UNCHANGED();
	/* whether the timer or acceptid got there first */
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 1, 0);
}

/* semantics: a grant that expired while queued is still described. */
TEST_F(acc, expired_while_queued_etime)
{
	struct cg_req req;
	struct cg_rcv p, rd;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 50, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	PEEK_GRANT(self->r, MSG, &p);
	ASSERT_EQ(0, cg_sleep_until_boottime(cg_desc(&p)->expires_ns));
	wait_expired(_metadata, &self->before, 1);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 1, 0);
	RECV_GRANT(self->r, MSG, &rd);
	EXPECT_EQ(cg_desc(&p)->id, cg_desc(&rd)->id);
	EXPECT_GE(cg_boottime_ns(), cg_desc(&rd)->expires_ns);
	ACCEPT_FAILS(self->r, rd.desc, rd.grant_len, 0, ETIME);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 1, 0);
}

/* semantics order: expiry is checked before the description. */
TEST_F(acc, etime_before_estale)
{
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 50);
	ASSERT_EQ(0, cg_sleep_until_boottime(cg_desc(&rcv)->expires_ns));
	cg_desc(&rcv)->uid = 4321;
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, 0, ETIME);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 1, 0);
}

/* ACCEPTID_REJECT destroys the grant without applying it. */
TEST_F(acc, reject_flag)
{
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_FULL, 1234, 2345, NULL, 0, 0);
	accept_ok(_metadata, __LINE__, self->r, rcv.desc, rcv.grant_len,
		  ACCEPTID_REJECT);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, ACCEPTID_REJECT,
		     ENOENT);
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, 0, ENOENT);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

/* semantics: REJECT still needs the exact description; fails closed. */
TEST_F(acc, reject_requires_exact_description)
{
	struct cg_rcv rcv;
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	struct credgrant *d = (struct credgrant *)desc;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	memcpy(desc, rcv.desc, rcv.grant_len);
	d->uid = 1235;
	ACCEPT_FAILS(self->r, desc, rcv.grant_len, ACCEPTID_REJECT, ESTALE);
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, ACCEPTID_REJECT,
		     ENOENT);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

/* Fork a child holding the same socket; it calls acceptid and reports. */
static void forked_accept(struct __test_metadata *_metadata, int fd,
			  const void *desc, size_t size, struct child_rep *rep)
{
	int p[2];
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = cg_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long ret;

		close(p[0]);
		errno = 0;
		ret = cg_acceptid(fd, desc, size, 0);
		_exit(child_report(p[1], ret, ret < 0 ? errno : 0));
	}
	close(p[1]);
	ASSERT_EQ(0, cg_read_full(p[0], rep, sizeof(*rep)));
	close(p[0]);
	ASSERT_EQ(0, cg_wait(pid));
}

/* Rule 9, 11: another process holding the same socket: EPERM, consumed. */
TEST_F(acc, eperm_fork_child)
{
	struct child_rep rep;
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	forked_accept(_metadata, self->r, rcv.desc, rcv.grant_len, &rep);
	EXPECT_EQ(-1, rep.ret);
	EXPECT_EQ(EPERM, rep.err) TH_LOG("child: %s", strerror(rep.err));
	EXPECT_IDS(&rep.ids, 0, self->ids0.egid, self->ids0.groups,
		   self->ids0.ngroups);
	/* fail closed: the receiver cannot use it any more */
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, 0, ENOENT);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

/* semantics order: the process binding is checked before the description. */
TEST_F(acc, eperm_before_estale)
{
	struct child_rep rep;
	struct cg_rcv rcv;
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	struct credgrant *d = (struct credgrant *)desc;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	memcpy(desc, rcv.desc, rcv.grant_len);
	d->uid = 0;
	forked_accept(_metadata, self->r, desc, rcv.grant_len, &rep);
	EXPECT_EQ(-1, rep.ret);
	EXPECT_EQ(EPERM, rep.err) TH_LOG("child: %s", strerror(rep.err));
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, 0, ENOENT);
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

/* Rule 9: a process that got the socket through SCM_RIGHTS: EPERM. */
TEST_F(acc, eperm_scm_rights_holder)
{
	struct cg_agent_opts o = { .nkeep = 1 };
	struct cg_cmsg cm;
	struct cg_agent a;
	struct cg_rcv rcv;
	struct cg_rep rep;
	int pass[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, pass));
	o.keep_fds = &pass[1];
	/* started before the grant exists; shares nothing but pass[1] */
	AGENT_START(&a, &o);
	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	cm = (struct cg_cmsg){ SOL_SOCKET, SCM_RIGHTS, &self->r, sizeof(int) };
	ASSERT_EQ(1, cg_sendmsg(pass[0], "r", 1, &cm, 1, 0));
	ASSERT_EQ(0, cg_agent_recv_keep(&a, pass[1], 16, 0, CG_CTRL_BIG,
					&rep));
	ASSERT_EQ(1, rep.ret);
	ASSERT_EQ(1, rep.rcv.nrights);
	ASSERT_EQ(0, cg_agent_accept(&a, rep.rcv.fds[0], rcv.desc,
				     rcv.grant_len, 0, &rep));
	EXPECT_EQ(-1, rep.ret);
	EXPECT_EQ(EPERM, rep.err) TH_LOG("agent: %s", strerror(rep.err));
	EXPECT_IDS(&rep.ids, 0, self->ids0.egid, self->ids0.groups,
		   self->ids0.ngroups);
	agent_stop(_metadata, &a);
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, 0, ENOENT);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
	close(pass[0]);
	close(pass[1]);
}

/* Rule 9: after exec the grant is gone (destroyed at exec). */
TEST_F(acc, exec_grant_gone)
{
	struct cg_req req;
	struct child_rep rep;
	int dp[2], rp[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(dp));		/* survives the exec */
	ASSERT_EQ(0, pipe(rp));
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	pid = cg_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char sfd[16], dfd[16], rfd[16], buf[64];
		struct cg_rcv rcv;
		uint32_t size;

		close(rp[0]);
		if (cg_recv(self->r, buf, sizeof(buf), MSG_DONTWAIT,
			    CG_CTRL_BIG, &rcv) != MSGLEN || rcv.ngrants != 1)
			_exit(10);
		/* hand the description to the next image */
		size = rcv.grant_len;
		if (cg_write_full(dp[1], &size, sizeof(size)) ||
		    cg_write_full(dp[1], rcv.desc, size))
			_exit(11);
		snprintf(sfd, sizeof(sfd), "%d", self->r);
		snprintf(dfd, sizeof(dfd), "%d", dp[0]);
		snprintf(rfd, sizeof(rfd), "%d", rp[1]);
		execl("/proc/self/exe", "acceptid", "--cg-helper",
		      "exec-accept", sfd, dfd, rfd, (char *)NULL);
		_exit(12);
	}
	close(dp[0]);
	close(dp[1]);
	close(rp[1]);
	ASSERT_EQ(0, cg_read_full(rp[0], &rep, sizeof(rep)));
	EXPECT_EQ(-1, rep.ret);
	EXPECT_EQ(ENOENT, rep.err) TH_LOG("acceptid after exec: %s",
					  strerror(rep.err));
	EXPECT_EQ(0, rep.ids.euid);
	ASSERT_EQ(0, cg_wait(pid));
	close(rp[0]);
	/* destroyed by the exec, not by an acceptid that found it */
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
}

TEST_F(acc, einval_bad_flags)
{
	static const unsigned int bad[] = {
		0x8, 0x80000000U, ACCEPTID_REJECT | 0x100,
		ACCEPTID_EXEC | ACCEPTID_REJECT,
		ACCEPTID_EXEC | ACCEPTID_AUDIT_POP,
		ACCEPTID_EXEC | 0x40,
	};
	struct cg_rcv rcv;
	unsigned int i;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, bad[i], EINVAL);
	EXPECT_UNCHANGED();
	/* checked before the lookup: the grant is untouched */
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, einval_size_too_small)
{
	static const size_t bad[] = { 0, 8, 32, CREDGRANT_SIZE_VER0 - 1 };
	struct cg_rcv rcv;
	unsigned int i;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ACCEPT_FAILS(self->r, rcv.desc, bad[i], 0, EINVAL);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* semantics: size must equal expect->size. */
TEST_F(acc, einval_size_ne_expect_size)
{
	static const uint32_t g[] = { 10, 20 };
	uint64_t desc[(CG_DESC_MAX + 7) / 8 + 2];
	struct credgrant *d = (struct credgrant *)desc;
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_GROUPS, 0, 0, g, 2, 0);
	memset(desc, 0, sizeof(desc));
	memcpy(desc, rcv.desc, rcv.grant_len);
	/* size argument larger than expect->size (72) */
	ACCEPT_FAILS(self->r, desc, rcv.grant_len + 4, 0, EINVAL);
	/* ... and smaller */
	ACCEPT_FAILS(self->r, desc, rcv.grant_len - 4, 0, EINVAL);
	/* expect->size changed, argument right */
	d->size = rcv.grant_len + 8;
	ACCEPT_FAILS(self->r, desc, rcv.grant_len, 0, EINVAL);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_OWN_IDS(0, self->ids0.egid, g, 2);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* Extensible like openat2: non-zero bytes past the known fields: E2BIG. */
TEST_F(acc, e2big_nonzero_extension)
{
	uint64_t desc[(CG_DESC_MAX + 7) / 8 + 2];
	struct credgrant *d = (struct credgrant *)desc;
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	memset(desc, 0, sizeof(desc));
	memcpy(desc, rcv.desc, rcv.grant_len);
	d->size = CREDGRANT_SIZE_VER0 + 8;
	((unsigned char *)desc)[CREDGRANT_SIZE_VER0 + 7] = 1;
	ACCEPT_FAILS(self->r, desc, CREDGRANT_SIZE_VER0 + 8, 0, E2BIG);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* ... and zero bytes past the known fields are accepted (openat2 style). */
TEST_F(acc, zero_extension_accepted)
{
	static const uint32_t g[] = { 10, 20 };
	uint64_t desc[(CG_DESC_MAX + 7) / 8 + 4];
	struct credgrant *d = (struct credgrant *)desc;
	unsigned char *p = (unsigned char *)desc;
	struct cg_rcv rcv;
	size_t size;

	ISSUE(&rcv, CREDGRANT_GID | CREDGRANT_GROUPS, 0, 2345, g, 2, 0);
	/* fixed part 64 + 16 zero bytes, then the two groups */
	size = rcv.grant_len + 16;
	memset(desc, 0, sizeof(desc));
	memcpy(desc, rcv.desc, CREDGRANT_SIZE_VER0);
	memcpy(p + CREDGRANT_SIZE_VER0 + 16, cg_desc(&rcv)->groups, 8);
	d->size = size;
	accept_ok(_metadata, __LINE__, self->r, desc, size, 0);
	EXPECT_OWN_IDS(0, 2345, g, 2);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, ebadf)
{
	struct cg_rcv rcv;
	int fd;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	ACCEPT_FAILS(-1, rcv.desc, rcv.grant_len, 0, EBADF);
	fd = dup(self->r);
	ASSERT_LE(0, fd);
	close(fd);
	ACCEPT_FAILS(fd, rcv.desc, rcv.grant_len, 0, EBADF);
	ACCEPT_FAILS(INT_MAX, rcv.desc, rcv.grant_len, 0, EBADF);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, enotsock)
{
	struct cg_rcv rcv;
	int p[2], efd;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	ASSERT_EQ(0, pipe(p));
	efd = eventfd(0, 0);
	ASSERT_LE(0, efd);
	ACCEPT_FAILS(p[0], rcv.desc, rcv.grant_len, 0, ENOTSOCK);
	ACCEPT_FAILS(efd, rcv.desc, rcv.grant_len, 0, ENOTSOCK);
	close(p[0]);
	close(p[1]);
	close(efd);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, efault)
{
	long page = sysconf(_SC_PAGESIZE);
	struct cg_rcv rcv;
	char *map;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	ACCEPT_FAILS(self->r, (void *)8, rcv.grant_len, 0, EFAULT);
	ACCEPT_FAILS(self->r, NULL, rcv.grant_len, 0, EFAULT);
	/* the description's last bytes lie in an inaccessible page */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + page, page, PROT_NONE));
	memcpy(map + page - 32, rcv.desc, 32);
	ACCEPT_FAILS(self->r, map + page - 32, rcv.grant_len, 0, EFAULT);
	munmap(map, 2 * page);
	EXPECT_UNCHANGED();
	/* the description could not be read, so no grant was looked up */
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* Rule 8, 11: unmapped in the receiver's user namespace: EOVERFLOW. */
TEST_F(acc, eoverflow_unmapped_uid)
{
	struct cg_ids inside = cg_ids_plain(0, 0, CG_CAP(CAP_SETUID) |
					    CG_CAP(CAP_SETGID));
	struct cg_agent_opts o = {
		.ids = &inside, .keep_fds = &self->r, .nkeep = 1,
		.uid_map = "0 100000 2000\n", .gid_map = "0 100000 2000\n",
	};
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	struct cg_agent a;
	struct cg_req req;
	struct cg_rep rep;
	uint32_t size;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_UID | CREDGRANT_GID, 1234, 100006, 0,
		    NULL, 0);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(0, cg_agent_recv(&a, self->r, 64, MSG_DONTWAIT, CG_CTRL_BIG,
				   &rep));
	ASSERT_EQ(MSGLEN, rep.ret) TH_LOG("%s", strerror(rep.err));
	ASSERT_EQ(1, rep.rcv.ngrants);
	/* the overflow id, never a munged valid one */
	EXPECT_EQ(cg_overflowuid(), cg_desc(&rep.rcv)->uid);
	EXPECT_EQ(65534, cg_desc(&rep.rcv)->uid);
	EXPECT_EQ(6, cg_desc(&rep.rcv)->gid);
	size = rep.rcv.grant_len;
	memcpy(desc, rep.rcv.desc, size);
	ASSERT_EQ(0, cg_agent_accept(&a, self->r, desc, size, 0, &rep));
	EXPECT_EQ(-1, rep.ret);
	EXPECT_EQ(EOVERFLOW, rep.err) TH_LOG("%s", strerror(rep.err));
	EXPECT_IDS(&rep.ids, 0, 0, NULL, 0);
	ASSERT_EQ(0, cg_agent_accept(&a, self->r, desc, size, 0, &rep));
	EXPECT_EQ(-1, rep.ret);
	EXPECT_EQ(ENOENT, rep.err) TH_LOG("%s", strerror(rep.err));
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

TEST_F(acc, eoverflow_unmapped_group)
{
	static const uint32_t g[] = { 100007, 1234 };
	struct cg_ids inside = cg_ids_plain(0, 0, CG_CAP(CAP_SETUID) |
					    CG_CAP(CAP_SETGID));
	struct cg_agent_opts o = {
		.ids = &inside, .keep_fds = &self->r, .nkeep = 1,
		.uid_map = "0 100000 2000\n", .gid_map = "0 100000 2000\n",
	};
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	struct cg_agent a;
	struct cg_req req;
	struct cg_rep rep;
	uint32_t size;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_FULL, 100005, 100006, 0, g, 2);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(0, cg_agent_recv(&a, self->r, 64, MSG_DONTWAIT, CG_CTRL_BIG,
				   &rep));
	ASSERT_EQ(1, rep.rcv.ngrants);
	EXPECT_EQ(5, cg_desc(&rep.rcv)->uid);
	EXPECT_EQ(6, cg_desc(&rep.rcv)->gid);
	/* sorted by kernel gid: 1234 (unmapped here) before 100007 */
	ASSERT_EQ(2, cg_desc(&rep.rcv)->ngroups);
	EXPECT_EQ(cg_overflowgid(), cg_desc(&rep.rcv)->groups[0]);
	EXPECT_EQ(7, cg_desc(&rep.rcv)->groups[1]);
	size = rep.rcv.grant_len;
	memcpy(desc, rep.rcv.desc, size);
	ASSERT_EQ(0, cg_agent_accept(&a, self->r, desc, size, 0, &rep));
	EXPECT_EQ(-1, rep.ret);
	EXPECT_EQ(EOVERFLOW, rep.err) TH_LOG("%s", strerror(rep.err));
	EXPECT_IDS(&rep.ids, 0, 0, NULL, 0);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

/* Rule 8: mapped ids are accepted inside; unmapped granter ids are fine. */
TEST_F(acc, userns_mapped_accept)
{
	static const uint32_t g_out[] = { 100700, 100701 };
	static const uint32_t g_in[] = { 700, 701 };
	struct cg_ids inside = cg_ids_plain(0, 0, CG_CAP(CAP_SETUID) |
					    CG_CAP(CAP_SETGID));
	struct cg_agent_opts o = {
		.ids = &inside, .keep_fds = &self->r, .nkeep = 1,
		.uid_map = "0 100000 2000\n", .gid_map = "0 100000 2000\n",
	};
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	struct cg_agent a;
	struct cg_req req;
	struct cg_rep rep;
	uint32_t size;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_FULL, 100500, 100600, 0, g_out, 2);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(0, cg_agent_recv(&a, self->r, 64, MSG_DONTWAIT, CG_CTRL_BIG,
				   &rep));
	ASSERT_EQ(1, rep.rcv.ngrants);
	EXPECT_EQ(500, cg_desc(&rep.rcv)->uid);
	EXPECT_EQ(600, cg_desc(&rep.rcv)->gid);
	EXPECT_EQ(cg_overflowuid(), cg_desc(&rep.rcv)->granter_uid);
	EXPECT_EQ(cg_overflowgid(), cg_desc(&rep.rcv)->granter_gid);
	size = rep.rcv.grant_len;
	memcpy(desc, rep.rcv.desc, size);
	ASSERT_EQ(0, cg_agent_accept(&a, self->r, desc, size, 0, &rep));
	ASSERT_EQ(0, rep.ret) TH_LOG("%s", strerror(rep.err));
	EXPECT_IDS(&rep.ids, 500, 600, g_in, 2);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* semantics order: the description is compared before mappability. */
TEST_F(acc, estale_before_eoverflow)
{
	struct cg_ids inside = cg_ids_plain(0, 0, CG_CAP(CAP_SETUID) |
					    CG_CAP(CAP_SETGID));
	struct cg_agent_opts o = {
		.ids = &inside, .keep_fds = &self->r, .nkeep = 1,
		.uid_map = "0 100000 2000\n", .gid_map = "0 100000 2000\n",
	};
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	struct credgrant *d = (struct credgrant *)desc;
	struct cg_agent a;
	struct cg_req req;
	struct cg_rep rep;
	uint32_t size;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(0, cg_agent_recv(&a, self->r, 64, MSG_DONTWAIT, CG_CTRL_BIG,
				   &rep));
	ASSERT_EQ(1, rep.rcv.ngrants);
	size = rep.rcv.grant_len;
	memcpy(desc, rep.rcv.desc, size);
	d->granter_pid ^= 1;
	ASSERT_EQ(0, cg_agent_accept(&a, self->r, desc, size, 0, &rep));
	EXPECT_EQ(-1, rep.ret);
	EXPECT_EQ(ESTALE, rep.err) TH_LOG("%s", strerror(rep.err));
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

/* Rule 11: RLIMIT_NPROC of the new uid: EAGAIN, consumed. */
TEST_F(acc, eagain_rlimit_nproc)
{
	struct cg_ids target = cg_ids_plain(3000, 3000, 0);
	/* CAP_SETUID: a switch it may make in place (rule 12) */
	struct cg_ids recv_ids = cg_ids_plain(1000, 1000, CG_CAP(CAP_SETUID));
	struct cg_agent_opts o = { .nkeep = 0 };
	struct rlimit one = { .rlim_cur = 1, .rlim_max = RLIM_INFINITY };
	struct rlimit inf = { .rlim_cur = RLIM_INFINITY,
			      .rlim_max = RLIM_INFINITY };
	uint64_t d1[(CG_DESC_MAX + 7) / 8], d2[(CG_DESC_MAX + 7) / 8];
	struct cg_agent u1, u2, rcv_agent;
	struct cg_req req;
	struct cg_rep rep;
	uint32_t size;

	/* uid 3000 runs two processes */
	o.ids = &target;
	AGENT_START(&u1, &o);
	AGENT_START(&u2, &o);
	o.ids = &recv_ids;
	o.keep_fds = &self->r;
	o.nkeep = 1;
	AGENT_START(&rcv_agent, &o);
	ASSERT_EQ(0, prlimit(rcv_agent.pid, RLIMIT_NPROC, &one, NULL));

	cg_req_init(&req, CREDGRANT_UID, 3000, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(0, cg_agent_recv(&rcv_agent, self->r, 64, MSG_DONTWAIT,
				   CG_CTRL_BIG, &rep));
	ASSERT_EQ(1, rep.rcv.ngrants);
	size = rep.rcv.grant_len;
	memcpy(d1, rep.rcv.desc, size);
	ASSERT_EQ(0, cg_agent_recv(&rcv_agent, self->r, 64, MSG_DONTWAIT,
				   CG_CTRL_BIG, &rep));
	ASSERT_EQ(1, rep.rcv.ngrants);
	memcpy(d2, rep.rcv.desc, size);

	ASSERT_EQ(0, cg_agent_accept(&rcv_agent, self->r, d1, size, 0, &rep));
	EXPECT_EQ(-1, rep.ret);
	EXPECT_EQ(EAGAIN, rep.err) TH_LOG("%s", strerror(rep.err));
	EXPECT_IDS(&rep.ids, 1000, 1000, NULL, 0);
	ASSERT_EQ(0, cg_agent_accept(&rcv_agent, self->r, d1, size, 0, &rep));
	EXPECT_EQ(ENOENT, rep.err) TH_LOG("%s", strerror(rep.err));
	EXPECT_COUNTERS(&self->before, 2, 0, 1, 0, 0);

	/* with the limit lifted the same kind of grant is accepted */
	ASSERT_EQ(0, prlimit(rcv_agent.pid, RLIMIT_NPROC, &inf, NULL));
	ASSERT_EQ(0, cg_agent_accept(&rcv_agent, self->r, d2, size, 0, &rep));
	EXPECT_EQ(0, rep.ret) TH_LOG("%s", strerror(rep.err));
	EXPECT_IDS(&rep.ids, 3000, 1000, NULL, 0);
	agent_stop(_metadata, &rcv_agent);
	agent_stop(_metadata, &u1);
	agent_stop(_metadata, &u2);
	EXPECT_COUNTERS(&self->before, 2, 1, 1, 0, 0);
}

/*
 * In a forked child: become @ids, lower the soft RLIMIT_NPROC to @nproc
 * (0: leave it), receive one grant on @r, set no_new_privs when @nnp, and
 * stage the grant (ACCEPTID_EXEC), that call reported on @repfd. A step
 * that fails ends the child: 10 the ids, 13 the limit or no_new_privs,
 * 11 the receive, 12 the report.
 */
static void child_stage_grant(int r, const struct cg_ids *ids, rlim_t nproc,
			      bool nnp, int repfd)
{
	struct rlimit lim;
	struct cg_rcv rcv;
	char buf[64];
	long ret;

	if (cg_become(ids))
		_exit(10);
	if (nproc) {
		if (getrlimit(RLIMIT_NPROC, &lim))
			_exit(13);
		lim.rlim_cur = nproc;
		if (setrlimit(RLIMIT_NPROC, &lim))
			_exit(13);
	}
	if (cg_recv(r, buf, sizeof(buf), MSG_DONTWAIT, CG_CTRL_BIG,
		    &rcv) != MSGLEN || rcv.ngrants != 1)
		_exit(11);
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		_exit(13);
	errno = 0;
	ret = cg_acceptid(r, rcv.desc, rcv.grant_len, ACCEPTID_EXEC);
	if (child_report(repfd, ret, ret < 0 ? errno : 0))
		_exit(12);
}

/*
 * In a forked child: exec @path, or with NULL this program's helper that
 * reports the new image's ids on @repfd ("report-ids"; "report-ids-hold",
 * which then runs until @holdfd's EOF, when @holdfd >= 0). A failed exec
 * is reported on @repfd instead: exit 14.
 */
static void __attribute__((noreturn))
child_exec_report(const char *path, int repfd, int holdfd)
{
	char rfd[16], hfd[16];

	snprintf(rfd, sizeof(rfd), "%d", repfd);
	snprintf(hfd, sizeof(hfd), "%d", holdfd);
	if (path)
		execl(path, path, (char *)NULL);
	else if (holdfd < 0)
		execl("/proc/self/exe", "acceptid", "--cg-helper",
		      "report-ids", rfd, (char *)NULL);
	else
		execl("/proc/self/exe", "acceptid", "--cg-helper",
		      "report-ids-hold", rfd, hfd, (char *)NULL);
	child_report(repfd, -1, errno);
	_exit(14);
}

/*
 * Rule 12 (2026-11-29): an unprivileged receiver takes a gaining grant with
 * ACCEPTID_EXEC: checked, taken and counted now, nothing changes now; its
 * next execve runs the new image with the grant's ids (AT_SECURE,
 * not dumpable), a uid-0 grant with root's capabilities unless
 * no_new_privs keeps them to what it had.  The child reports after the
 * acceptid and again from the re-executed image ("report-ids").
 */
static void exec_grant(struct __test_metadata *_metadata, int s, int r,
		       const struct cg_req *req, bool nnp,
		       struct child_rep *after_accept,
		       struct child_rep *after_exec)
{
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	int rp[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(rp));
	SEND_OK(s, MSG, req);
	pid = cg_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(rp[0]);
		child_stage_grant(r, &ids, 0, nnp, rp[1]);
		child_exec_report(NULL, rp[1], -1);
	}
	close(rp[1]);
	ASSERT_EQ(0, cg_read_full(rp[0], after_accept, sizeof(*after_accept)));
	ASSERT_EQ(0, cg_read_full(rp[0], after_exec, sizeof(*after_exec)));
	close(rp[0]);
	ASSERT_EQ(0, cg_wait(pid));
}

TEST_F(acc, unprivileged_receiver_accepts_at_exec)
{
	static const uint32_t g[] = { 4000, 4001 };
	struct child_rep acc, ex;
	struct cg_req req;

	cg_req_init(&req, CREDGRANT_FULL, 1234, 2345, 0, g, 2);
	exec_grant(_metadata, self->s, self->r, &req, false, &acc, &ex);
	ASSERT_EQ(0, acc.ret) TH_LOG("acceptid(ACCEPTID_EXEC): %s",
				     strerror(acc.err));
	/* nothing changes before the execve, the grant is counted now */
	EXPECT_IDS(&acc.ids, 1000, 1000, NULL, 0);
	EXPECT_EQ(0, ex.ret) TH_LOG("execve: %s", strerror(ex.err));
	EXPECT_IDS(&ex.ids, 1234, 2345, g, 2);
	EXPECT_EQ(0, ex.ids.cap_prm);
	EXPECT_EQ(0, ex.ids.cap_eff);
	EXPECT_EQ(1, ex.at_secure);
	EXPECT_EQ(0, ex.dumpable);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, root_grant_caps_only_after_exec)
{
	struct child_rep acc, ex;
	struct cg_req req;

	cg_req_init(&req, CREDGRANT_UID | CREDGRANT_GID, 0, 0, 0, NULL, 0);
	exec_grant(_metadata, self->s, self->r, &req, false, &acc, &ex);
	ASSERT_EQ(0, acc.ret) TH_LOG("acceptid(ACCEPTID_EXEC): %s",
				     strerror(acc.err));
	EXPECT_IDS(&acc.ids, 1000, 1000, NULL, 0);
	EXPECT_EQ(0, acc.ids.cap_eff);
	EXPECT_EQ(0, acc.ids.cap_prm);
	EXPECT_EQ(0, ex.ret) TH_LOG("execve: %s", strerror(ex.err));
	EXPECT_IDS(&ex.ids, 0, 0, NULL, 0);
	EXPECT_NE(0, ex.cap_bnd);
	EXPECT_EQ(ex.cap_bnd, ex.ids.cap_prm);
	EXPECT_EQ(ex.cap_bnd, ex.ids.cap_eff);
	EXPECT_EQ(1, ex.at_secure);
	EXPECT_EQ(0, ex.dumpable);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, root_grant_no_new_privs_no_caps)
{
	struct child_rep acc, ex;
	struct cg_req req;

	cg_req_init(&req, CREDGRANT_UID | CREDGRANT_GID, 0, 0, 0, NULL, 0);
	exec_grant(_metadata, self->s, self->r, &req, true, &acc, &ex);
	ASSERT_EQ(0, acc.ret) TH_LOG("acceptid(ACCEPTID_EXEC) under no_new_privs: %s",
				     strerror(acc.err));
	EXPECT_IDS(&acc.ids, 1000, 1000, NULL, 0);
	EXPECT_EQ(0, ex.ret) TH_LOG("execve: %s", strerror(ex.err));
	/* no_new_privs does not block the grant: the ids are applied */
	EXPECT_IDS(&ex.ids, 0, 0, NULL, 0);
	EXPECT_EQ(0, ex.ids.cap_prm);
	EXPECT_EQ(0, ex.ids.cap_eff);
	EXPECT_EQ(1, ex.at_secure);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/*
 * A staged grant changes the uid at execve, so RLIMIT_NPROC is judged
 * there too, with the count of that moment: staged while uid 3000 runs
 * one process (RLIMIT_NPROC 1: not over), then uid 3000 starts another,
 * and the execve fails with EAGAIN with nothing changed, as a second
 * setresuid(3000) would have been flagged and its execve refused. Without
 * it, receivers that stage at the same moment all pass (review L1).
 */
TEST_F(acc, staged_rlimit_nproc_judged_at_exec)
{
	struct cg_ids target = cg_ids_plain(3000, 3000, 0);
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	struct cg_agent_opts o = { .ids = &target };
	struct child_rep acc, ex;
	struct cg_agent u1, u2;
	int rp[2], go[2];
	struct cg_req req;
	pid_t pid;

	AGENT_START(&u1, &o);
	ASSERT_EQ(0, pipe(rp));
	ASSERT_EQ(0, pipe(go));
	cg_req_init(&req, CREDGRANT_UID, 3000, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	pid = cg_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char c;

		close(rp[0]);
		close(go[1]);
		child_stage_grant(self->r, &ids, 1, false, rp[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(15);
		child_exec_report(NULL, rp[1], -1);
	}
	close(rp[1]);
	close(go[0]);
	ASSERT_EQ(0, cg_read_full(rp[0], &acc, sizeof(acc)))
		TH_LOG("child exit %d", cg_wait(pid));
	ASSERT_EQ(0, acc.ret) TH_LOG("acceptid(ACCEPTID_EXEC): %s",
				     strerror(acc.err));
	EXPECT_IDS(&acc.ids, 1000, 1000, NULL, 0);
	AGENT_START(&u2, &o);	/* uid 3000 now runs two */
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(0, cg_read_full(rp[0], &ex, sizeof(ex)));
	close(rp[0]);
	close(go[1]);
	EXPECT_EQ(14, cg_wait(pid));	/* the execl failed */
	EXPECT_EQ(-1, ex.ret);
	EXPECT_EQ(EAGAIN, ex.err) TH_LOG("execve: %s", strerror(ex.err));
	EXPECT_IDS(&ex.ids, 1000, 1000, NULL, 0);
	agent_stop(_metadata, &u2);
	agent_stop(_metadata, &u1);
	/* taken and counted at acceptid; the failed exec used the staging */
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/*
 * Execs that start together see each other (review N1): the process is
 * counted under the new uid only when its exec commits, so each staged
 * exec holds that count from its RLIMIT_NPROC test on. Eight receivers
 * (RLIMIT_NPROC 1) staged a uid-3000 grant while uid 3000 runs one
 * process; released at once, each execs a helper that reports and stays
 * until told: the first finds 1 (not over 1), every later one more, so
 * exactly one runs as uid 3000 and seven fail with EAGAIN.
 */
#define NPROC_RACERS 8
TEST_F(acc, staged_rlimit_nproc_execs_together)
{
	struct cg_ids target = cg_ids_plain(3000, 3000, 0);
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	struct cg_agent_opts o = { .ids = &target };
	pid_t pid[NPROC_RACERS];
	int rp[2], go[2], hold[2];
	int i, ran = 0, eagain = 0;
	struct child_rep rep;
	struct cg_agent u1;
	struct cg_req req;

	AGENT_START(&u1, &o);
	ASSERT_EQ(0, pipe(rp));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(hold));
	cg_req_init(&req, CREDGRANT_UID, 3000, 0, 0, NULL, 0);
	for (i = 0; i < NPROC_RACERS; i++)
		SEND_OK(self->s, MSG, &req);
	for (i = 0; i < NPROC_RACERS; i++) {
		pid[i] = cg_fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			char c;

			close(rp[0]);
			close(go[1]);
			close(hold[1]);
			child_stage_grant(self->r, &ids, 1, false, rp[1]);
			if (read(go[0], &c, 1) != 0)	/* EOF: all at once */
				_exit(15);
			child_exec_report(NULL, rp[1], hold[0]);
		}
	}
	close(rp[1]);
	close(go[0]);
	close(hold[0]);
	for (i = 0; i < NPROC_RACERS; i++) {
		ASSERT_EQ(0, cg_read_full(rp[0], &rep, sizeof(rep)));
		ASSERT_EQ(0, rep.ret) TH_LOG("acceptid(ACCEPTID_EXEC): %s",
					     strerror(rep.err));
	}
	close(go[1]);			/* release them */
	for (i = 0; i < NPROC_RACERS; i++) {
		ASSERT_EQ(0, cg_read_full(rp[0], &rep, sizeof(rep)));
		if (rep.ret == 0 && rep.ids.ruid == 3000)
			ran++;
		else if (rep.ret == -1 && rep.err == EAGAIN &&
			 rep.ids.ruid == 1000)
			eagain++;
	}
	close(hold[1]);			/* the helpers may end */
	close(rp[0]);
	for (i = 0; i < NPROC_RACERS; i++)
		cg_wait(pid[i]);
	agent_stop(_metadata, &u1);
	EXPECT_EQ(1, ran);
	EXPECT_EQ(NPROC_RACERS - 1, eagain);
	EXPECT_COUNTERS(&self->before, NPROC_RACERS, NPROC_RACERS, 0, 0, 0);
}

/*
 * In a forked child (root): RLIMIT_NPROC @lim, become uid 1000 and create a
 * user namespace, which records @lim as the limit of uid 1000's processes
 * (its owner's) for everything inside; the parent maps ns ids 0-999 to
 * 100000-100999. Then, as ns uid and gid 1 (no capability there), receive
 * the uid-100002 grant on @r and stage it, reported on @repfd; wait for a
 * byte on @gofd and exec the helper that reports its ids. Steps that fail
 * end the child: 10 setup, 11 receive, 12 report, 14 the exec (reported).
 */
static void userns_owner_child(int r, rlim_t lim, int syncfd, int gofd,
			       int repfd)
{
	struct rlimit rl = { .rlim_cur = lim, .rlim_max = lim };
	struct cg_rcv rcv;
	char buf[64], c;
	long ret;

	if (setrlimit(RLIMIT_NPROC, &rl) || setgroups(0, NULL) ||
	    setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000) ||
	    unshare(CLONE_NEWUSER) || write(syncfd, "u", 1) != 1 ||
	    read(gofd, &c, 1) != 1 ||		/* mapped */
	    setresgid(1, 1, 1) || setresuid(1, 1, 1))
		_exit(10);
	if (cg_recv(r, buf, sizeof(buf), MSG_DONTWAIT, CG_CTRL_BIG,
		    &rcv) != MSGLEN || rcv.ngrants != 1 ||
	    cg_desc(&rcv)->uid != 2)
		_exit(11);
	errno = 0;
	ret = cg_acceptid(r, rcv.desc, rcv.grant_len, ACCEPTID_EXEC);
	if (child_report(repfd, ret, ret < 0 ? errno : 0))
		_exit(12);
	if (read(gofd, &c, 1) != 1)
		_exit(15);
	child_exec_report(NULL, repfd, -1);
}

/*
 * A staged exec inside a user namespace is judged as setresuid() there
 * is: its owner's processes (uid 1000 in the initial namespace, whose
 * count includes every process inside) against the RLIMIT_NPROC recorded
 * at the namespace's creation (3). The receiver inside is one of them;
 * @fillers more uid-1000 processes run outside. At the limit exactly the
 * exec runs (as setresuid() would; a count held at the owner's level too
 * would refuse it), over it it fails with EAGAIN and nothing changed.
 */
static void userns_owner_case(struct __test_metadata *_metadata, int s,
			      int r, int fillers, struct child_rep *acc,
			      struct child_rep *ex, int *status)
{
	struct cg_ids owner = cg_ids_plain(1000, 1000, 0);
	struct cg_agent_opts o = { .ids = &owner };
	struct cg_agent fill[3];
	int rp[2], go[2], sy[2], i;
	char path[64], c;
	struct cg_req req;
	pid_t pid;

	ASSERT_GE(3, fillers);
	ASSERT_EQ(0, pipe(rp));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(sy));
	cg_req_init(&req, CREDGRANT_UID, 100002, 0, 0, NULL, 0);
	SEND_OK(s, MSG, &req);
	pid = cg_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(rp[0]);
		close(go[1]);
		close(sy[0]);
		userns_owner_child(r, 3, sy[1], go[0], rp[1]);
	}
	close(rp[1]);
	close(go[0]);
	close(sy[1]);
	ASSERT_EQ(1, read(sy[0], &c, 1)) TH_LOG("child exit %d", cg_wait(pid));
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	ASSERT_EQ(0, cg_write_file(path, "0 100000 1000\n"));
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	ASSERT_EQ(0, cg_write_file(path, "0 100000 1000\n"));
	ASSERT_EQ(1, write(go[1], "m", 1));
	ASSERT_EQ(0, cg_read_full(rp[0], acc, sizeof(*acc)))
		TH_LOG("child exit %d", cg_wait(pid));
	for (i = 0; i < fillers; i++)
		AGENT_START(&fill[i], &o);
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(0, cg_read_full(rp[0], ex, sizeof(*ex)));
	close(rp[0]);
	close(go[1]);
	close(sy[0]);
	*status = cg_wait(pid);
	for (i = 0; i < fillers; i++)
		agent_stop(_metadata, &fill[i]);
}

TEST_F(acc, staged_exec_userns_owner_at_limit_runs)
{
	struct child_rep acc, ex;
	int status;

	/* the receiver and 2 more: 3, the limit */
	userns_owner_case(_metadata, self->s, self->r, 2, &acc, &ex, &status);
	ASSERT_EQ(0, acc.ret) TH_LOG("acceptid(ACCEPTID_EXEC): %s",
				     strerror(acc.err));
	EXPECT_IDS(&acc.ids, 1, 1, NULL, 0);
	EXPECT_EQ(0, ex.ret) TH_LOG("execve: %s", strerror(ex.err));
	EXPECT_IDS(&ex.ids, 2, 1, NULL, 0);
	EXPECT_EQ(0, status);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(acc, staged_exec_userns_owner_over_limit_eagain)
{
	struct child_rep acc, ex;
	int status;

	/* the receiver and 3 more: 4, over the limit of 3 */
	userns_owner_case(_metadata, self->s, self->r, 3, &acc, &ex, &status);
	ASSERT_EQ(0, acc.ret) TH_LOG("acceptid(ACCEPTID_EXEC): %s",
				     strerror(acc.err));
	EXPECT_EQ(-1, ex.ret);
	EXPECT_EQ(EAGAIN, ex.err) TH_LOG("execve: %s", strerror(ex.err));
	EXPECT_IDS(&ex.ids, 1, 1, NULL, 0);
	EXPECT_EQ(14, status);	/* the execl failed */
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/*
 * The count a staged exec holds goes back when the exec fails after
 * taking it (an unknown binary format: ENOEXEC, the staging used up):
 * uid 3000 runs one process, RLIMIT_NPROC 1; the first receiver's exec
 * fails, the second's must run as 3000 (a count left behind would make
 * it 2, over 1: the second acceptid would already fail, EAGAIN).
 */
TEST_F(acc, staged_exec_failure_gives_count_back)
{
	static const char junk[] = "\x7f\x01not a binary format\n";
	const char *path = "/tmp/cg-noexec";
	struct cg_ids target = cg_ids_plain(3000, 3000, 0);
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	struct cg_agent_opts o = { .ids = &target };
	struct child_rep acc, ex;
	struct cg_agent u1;
	struct cg_req req;
	int fd, i, rp[2];
	pid_t pid;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(junk), write(fd, junk, sizeof(junk)));
	ASSERT_EQ(0, close(fd));
	AGENT_START(&u1, &o);
	cg_req_init(&req, CREDGRANT_UID, 3000, 0, 0, NULL, 0);
	for (i = 0; i < 2; i++) {	/* the junk file, then the helper */
		ASSERT_EQ(0, pipe(rp));
		SEND_OK(self->s, MSG, &req);
		pid = cg_fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(rp[0]);
			child_stage_grant(self->r, &ids, 1, false, rp[1]);
			child_exec_report(i == 0 ? path : NULL, rp[1], -1);
		}
		close(rp[1]);
		ASSERT_EQ(0, cg_read_full(rp[0], &acc, sizeof(acc)));
		ASSERT_EQ(0, acc.ret) TH_LOG("acceptid(ACCEPTID_EXEC): %s",
					     strerror(acc.err));
		ASSERT_EQ(0, cg_read_full(rp[0], &ex, sizeof(ex)));
		close(rp[0]);
		if (i == 0) {
			EXPECT_EQ(14, cg_wait(pid));
			EXPECT_EQ(ENOEXEC, ex.err) TH_LOG("%s", strerror(ex.err));
			EXPECT_IDS(&ex.ids, 1000, 1000, NULL, 0);
		} else {
			EXPECT_EQ(0, cg_wait(pid));
			EXPECT_EQ(0, ex.ret) TH_LOG("execve: %s",
						    strerror(ex.err));
			EXPECT_IDS(&ex.ids, 3000, 1000, NULL, 0);
		}
	}
	agent_stop(_metadata, &u1);
	unlink(path);
	EXPECT_COUNTERS(&self->before, 2, 2, 0, 0, 0);
}

/* Rule 12: only the calling thread changes, like the raw setresuid. */
struct thread_ctl {
	int go[2];		/* main -> thread */
	int done[2];		/* thread -> main */
	pid_t tid;
	int fd;
	const void *desc;
	size_t size;
	long ret;
	int err;
	struct cg_idset ids;
	char status_uid[64], status_gid[64];
};

static void *thread_fn(void *arg)
{
	struct thread_ctl *t = arg;
	char c;

	t->tid = gettid();
	if (write(t->done[1], "s", 1) != 1)
		return NULL;
	while (read(t->go[0], &c, 1) == 1) {
		if (c == 'a') {
			errno = 0;
			t->ret = cg_acceptid(t->fd, t->desc, t->size, 0);
			t->err = errno;
		}
		if (c == 'q')
			break;
		cg_get_ids(&t->ids);
		cg_status_field("/proc/thread-self/status", "Uid:",
				t->status_uid, sizeof(t->status_uid));
		cg_status_field("/proc/thread-self/status", "Gid:",
				t->status_gid, sizeof(t->status_gid));
		if (write(t->done[1], "d", 1) != 1)
			break;
	}
	return NULL;
}

/* 'i': report ids, 'a': acceptid then report; 'q': quit (no answer). */
static void thread_cmd(struct __test_metadata *_metadata,
		       struct thread_ctl *t, char cmd)
{
	char c;

	ASSERT_EQ(1, write(t->go[1], &cmd, 1));
	if (cmd != 'q')
		ASSERT_EQ(1, read(t->done[0], &c, 1));
}

static void task_status(struct __test_metadata *_metadata, pid_t tid,
			const char *key, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	ASSERT_EQ(0, cg_status_field(path, key, buf, len));
}

TEST_F(acc, only_calling_thread_changes)
{
	struct thread_ctl t = { 0 };
	struct cg_rcv rcv;
	pthread_t th;
	char val[64], c;

	ASSERT_EQ(0, pipe(t.go));
	ASSERT_EQ(0, pipe(t.done));
	ASSERT_EQ(0, pthread_create(&th, NULL, thread_fn, &t));
	ASSERT_EQ(1, read(t.done[0], &c, 1));
	ISSUE(&rcv, CREDGRANT_UID | CREDGRANT_GID, 1234, 2345, NULL, 0, 0);
	ACCEPT_OK(self->r, &rcv);
	EXPECT_OWN_IDS(1234, 2345, self->ids0.groups, self->ids0.ngroups);
	ASSERT_EQ(0, cg_status_field("/proc/thread-self/status", "Uid:", val,
				     sizeof(val)));
	EXPECT_STREQ("1234 1234 1234 1234", val);
	/* the other thread is untouched, seen from here and from itself */
	task_status(_metadata, t.tid, "Uid:", val, sizeof(val));
	EXPECT_STREQ("0 0 0 0", val);
	task_status(_metadata, t.tid, "Gid:", val, sizeof(val));
	EXPECT_STREQ("0 0 0 0", val);
	thread_cmd(_metadata, &t, 'i');
	EXPECT_IDS(&t.ids, 0, self->ids0.egid, self->ids0.groups,
		   self->ids0.ngroups);
	EXPECT_EQ(self->ids0.cap_eff, t.ids.cap_eff);
	EXPECT_STREQ("0 0 0 0", t.status_uid);
	thread_cmd(_metadata, &t, 'q');
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* Bound to the process: another thread of the receiver may accept. */
TEST_F(acc, other_thread_accepts)
{
	struct thread_ctl t = { 0 };
	struct cg_rcv rcv;
	pthread_t th;
	char val[64], c;

	ASSERT_EQ(0, pipe(t.go));
	ASSERT_EQ(0, pipe(t.done));
	ASSERT_EQ(0, pthread_create(&th, NULL, thread_fn, &t));
	ASSERT_EQ(1, read(t.done[0], &c, 1));
	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	t.fd = self->r;
	t.desc = rcv.desc;
	t.size = rcv.grant_len;
	thread_cmd(_metadata, &t, 'a');
	ASSERT_EQ(0, t.ret) TH_LOG("thread acceptid: %s", strerror(t.err));
	EXPECT_IDS(&t.ids, 1234, self->ids0.egid, self->ids0.groups,
		   self->ids0.ngroups);
	EXPECT_STREQ("1234 1234 1234 1234", t.status_uid);
	/* this (main) thread is untouched */
	EXPECT_UNCHANGED();
	ASSERT_EQ(0, cg_status_field("/proc/thread-self/status", "Uid:", val,
				     sizeof(val)));
	EXPECT_STREQ("0 0 0 0", val);
	thread_cmd(_metadata, &t, 'q');
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* Several pending grants, accepted in any order. */
TEST_F(acc, two_pending_any_order)
{
	struct cg_rcv g1, g2;

	ISSUE(&g1, CREDGRANT_UID, 1111, 0, NULL, 0, 0);
	ISSUE(&g2, CREDGRANT_GID, 0, 2222, NULL, 0, 0);
	EXPECT_NE(cg_desc(&g1)->id, cg_desc(&g2)->id);
	ACCEPT_OK(self->r, &g2);
	EXPECT_OWN_IDS(0, 2222, self->ids0.groups, self->ids0.ngroups);
	/* still uid 0: then the uid grant */
	ACCEPT_OK(self->r, &g1);
	EXPECT_OWN_IDS(1111, 2222, self->ids0.groups, self->ids0.ngroups);
	EXPECT_COUNTERS(&self->before, 2, 2, 0, 0, 0);
}

/* The granter's end going away does not invalidate a pending grant. */
TEST_F(acc, accept_after_sender_closed)
{
	struct cg_rcv rcv;

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	close(self->s);
	self->s = -1;
	ACCEPT_OK(self->r, &rcv);
	EXPECT_OWN_IDS(1234, self->ids0.egid, self->ids0.groups,
		       self->ids0.ngroups);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* Rule 9: closing the receiving socket destroys the pending grant. */
TEST_F(acc, closed_socket_grant_gone)
{
	struct cg_rcv rcv;
	int sv[2];

	ISSUE(&rcv, CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	close(self->r);
	self->r = -1;
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type, 0, sv));
	ACCEPT_FAILS(sv[1], rcv.desc, rcv.grant_len, 0, ENOENT);
	ACCEPT_FAILS(sv[0], rcv.desc, rcv.grant_len, 0, ENOENT);
	close(sv[0]);
	close(sv[1]);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
}

/* ------------------------------------------------------------------ */
/* ESTALE for a change in each field of the description               */

FIXTURE(estale)
{
	int s, r;
	struct cg_counters before;
	struct cg_idset ids0;
};

FIXTURE_VARIANT(estale)
{
	size_t off;		/* field offset in struct credgrant */
	int width;		/* 4 or 8 */
	bool shrink;		/* drop the last group (ngroups, size) */
};

#define FIELD(name, f) \
	FIXTURE_VARIANT_ADD(estale, name) \
	{ \
		.off = offsetof(struct credgrant, f), \
		.width = sizeof(((struct credgrant *)0)->f), \
	}

FIELD(issued_ns, issued_ns);
FIELD(expires_ns, expires_ns);
FIELD(kind, kind);
FIELD(uid, uid);
FIELD(gid, gid);
FIELD(granter_uid, granter_uid);
FIELD(granter_gid, granter_gid);
FIELD(granter_pid, granter_pid);
FIELD(granter_auid, granter_auid);
FIELD(granter_ses, granter_ses);

FIXTURE_VARIANT_ADD(estale, group_first)
{
	.off = CREDGRANT_SIZE_VER0, .width = 4,
};

FIXTURE_VARIANT_ADD(estale, group_last)
{
	.off = CREDGRANT_SIZE_VER0 + 4, .width = 4,
};

FIXTURE_VARIANT_ADD(estale, ngroups_fewer)
{
	.shrink = true,
};

FIXTURE_SETUP(estale)
{
	suite_setup(_metadata, SOCK_SEQPACKET, &self->s, &self->r,
		  &self->before, &self->ids0);
}

FIXTURE_TEARDOWN(estale)
{
	suite_teardown(_metadata, self->s, self->r);
}

static size_t estale_modify(const FIXTURE_VARIANT(estale) *variant,
			    struct cg_rcv *rcv, uint64_t *desc)
{
	struct credgrant *d = (struct credgrant *)desc;
	unsigned char *p = (unsigned char *)desc + variant->off;

	memcpy(desc, rcv->desc, rcv->grant_len);
	if (variant->shrink) {
		d->ngroups -= 1;
		d->size -= 4;
		return d->size;
	}
	/* flip the lowest bit: kind FULL becomes GID|GROUPS, still valid */
	p[0] ^= 1;
	return rcv->grant_len;
}

static void estale_issue(struct __test_metadata *_metadata,
			 FIXTURE_DATA(estale) *self, struct cg_rcv *rcv)
{
	static const uint32_t g[] = { 2345, 5000 };

	issue(_metadata, __LINE__, self->s, self->r, CREDGRANT_FULL, 1234,
	      2345, g, 2, 0, rcv);
}

TEST_F(estale, field_changed)
{
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	struct cg_rcv rcv;
	size_t size;

	estale_issue(_metadata, self, &rcv);
	size = estale_modify(variant, &rcv, desc);
	ACCEPT_FAILS(self->r, desc, size, 0, ESTALE);
	EXPECT_UNCHANGED();
	/* fail closed: the exact description no longer works either */
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, 0, ENOENT);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

TEST_F(estale, field_changed_reject)
{
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	struct cg_rcv rcv;
	size_t size;

	estale_issue(_metadata, self, &rcv);
	size = estale_modify(variant, &rcv, desc);
	ACCEPT_FAILS(self->r, desc, size, ACCEPTID_REJECT, ESTALE);
	ACCEPT_FAILS(self->r, rcv.desc, rcv.grant_len, 0, ENOENT);
	EXPECT_UNCHANGED();
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

/* ------------------------------------------------------------------ */
/* last: after everything closed nothing is outstanding               */

FIXTURE(zz_final)
{
	int unused;
};

FIXTURE_SETUP(zz_final)
{
	require_credpass(_metadata);
	require_acceptid(_metadata);
}

FIXTURE_TEARDOWN(zz_final)
{
}

TEST_F(zz_final, counters_balance_outstanding_zero)
{
	expect_all_settled(_metadata);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--cg-helper"))
		return helper_main(argc, argv);
	return test_harness_run(argc, argv);
}
