// SPDX-License-Identifier: GPL-2.0
/*
 * credgrant selftests (issue 4): issuing grants with SCM_CREDGRANT, their
 * delivery as struct credgrant descriptions and their lifetime, on AF_UNIX
 * stream, dgram and seqpacket sockets.
 *
 * Rules: ../../shared/design/credgrant.md (1-9, 14, 15); where the design is
 * silent: docs/semantics.md.  Runs as root in the test VM.  Every fixture
 * first proves the feature exists (SO_PASSCREDGRANT, the sysctls and
 * /proc/net/credgrant), so a kernel without credpass fails every test, and
 * every fixture teardown checks
 *	issued = accepted + rejected + expired + dropped + outstanding.
 * The last fixture checks that nothing is left outstanding.
 *
 * Counter deltas are asserted exactly: nothing else in the VM issues
 * grants while this suite runs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/io_uring.h>
#include <unistd.h>

/*
 * Built with -Wall -Wextra -Werror.  The harness trips -Wextra warnings
 * that say nothing about the tests: an unused parameter in its own code,
 * and, at every TEST_F / ASSERT_* expansion (GCC checks pragmas at the
 * expansion point, so these stay off for the whole file), -Wclobbered for
 * its setjmp()-guarded locals and -Wsign-compare for ASSERT_EQ(0, u32)
 * style comparisons, which the harness prints with their real signedness.
 */
#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "credgrant_util.h"

/* ------------------------------------------------------------------ */
/* environment shared by the fixtures                                  */

static const char *const sysctl_names[3] = {
	CG_SYSCTL_DIR CG_TTL_DEFAULT, CG_SYSCTL_DIR CG_TTL_MAX,
	CG_USER_MAX_CREDGRANTS,
};

enum { SYS_TTL_DEFAULT, SYS_TTL_MAX, SYS_MAX_CREDGRANTS };

struct saved_sysctls {
	unsigned long val[3];
	bool dirty[3];
};

static void env_setup(struct __test_metadata *_metadata, int type, int *s,
		      int *r, struct cg_counters *before,
		      struct saved_sysctls *sys)
{
	int sv[2], i, ret;

	*s = *r = -1;
	signal(SIGPIPE, SIG_IGN);
	require_credpass(_metadata);
	for (i = 0; i < 3; i++) {
		sys->dirty[i] = false;
		ret = cg_read_ulong_file(sysctl_names[i], &sys->val[i]);
		ASSERT_EQ(0, ret) TH_LOG("reading %s: %s", sysctl_names[i],
					 strerror(-ret));
	}
	if (type) {
		ASSERT_EQ(0, socketpair(AF_UNIX, type, 0, sv));
		*s = sv[0];
		*r = sv[1];
		ASSERT_EQ(0, cg_set_passcredgrant(*r, 1));
	}
	ret = cg_counters_read(before);
	ASSERT_EQ(0, ret);
}

static void env_teardown(struct __test_metadata *_metadata, int s, int r,
			 struct saved_sysctls *sys)
{
	struct cg_counters c;
	int i, ret;

	if (s >= 0)
		close(s);
	if (r >= 0)
		close(r);
	for (i = 0; i < 3; i++) {
		if (!sys->dirty[i])
			continue;
		ret = cg_sysctl_path_write(sysctl_names[i], sys->val[i]);
		EXPECT_EQ(0, ret) TH_LOG("restoring %s=%lu: %s",
					 sysctl_names[i], sys->val[i],
					 strerror(-ret));
	}
	ret = cg_counters_read(&c);
	EXPECT_EQ(0, ret);
	expect_balanced(_metadata, &c);
}

static void set_sysctl(struct __test_metadata *_metadata,
		       struct saved_sysctls *sys, int idx, unsigned long v)
{
	unsigned long back = 0;
	int ret;

	sys->dirty[idx] = true;
	ret = cg_sysctl_path_write(sysctl_names[idx], v);
	ASSERT_EQ(0, ret) TH_LOG("writing %s=%lu: %s", sysctl_names[idx], v,
				 strerror(-ret));
	ASSERT_EQ(0, cg_read_ulong_file(sysctl_names[idx], &back));
	ASSERT_EQ(v, back);
}

/* ------------------------------------------------------------------ */
/* exec helper: the test binary re-executed with --cg-helper           */

static int helper_main(int argc, char **argv)
{
	char c;

	if (argc == 5 && !strcmp(argv[2], "exec-wait")) {
		int ready = atoi(argv[3]), go = atoi(argv[4]);

		if (write(ready, "R", 1) != 1)
			return 2;
		if (read(go, &c, 1) != 1 || c != 'G')
			return 3;
		return 0;
	}
	fprintf(stderr, "unknown helper mode\n");
	return 99;
}

/* ------------------------------------------------------------------ */
/* fixture: a connected pair of each type, receiver opted in           */

FIXTURE(grant)
{
	int s, r;
	struct cg_counters before;
	struct saved_sysctls sys;
};

FIXTURE_VARIANT(grant)
{
	int type;
};

FIXTURE_VARIANT_ADD(grant, stream)
{
	.type = SOCK_STREAM,
};

FIXTURE_VARIANT_ADD(grant, dgram)
{
	.type = SOCK_DGRAM,
};

FIXTURE_VARIANT_ADD(grant, seqpacket)
{
	.type = SOCK_SEQPACKET,
};

FIXTURE_SETUP(grant)
{
	env_setup(_metadata, variant->type, &self->s, &self->r, &self->before,
		  &self->sys);
}

FIXTURE_TEARDOWN(grant)
{
	env_teardown(_metadata, self->s, self->r, &self->sys);
}

/* Rules 1, 6: every field of a self grant's description, data intact. */
TEST_F(grant, self_grant_description)
{
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;
	uint64_t t0, t1;

	cg_req_init(&req, CREDGRANT_UID | CREDGRANT_GID, CREDGRANT_SELF,
		    CREDGRANT_SELF, 0, NULL, 0);
	t0 = cg_boottime_ns();
	SEND_OK(self->s, MSG, &req);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	RECV_GRANT(self->r, MSG, &rcv);
	t1 = cg_boottime_ns();
	EXPECT_EQ(CREDGRANT_SIZE_VER0, rcv.grant_len);
	w = want_self(CREDGRANT_UID | CREDGRANT_GID, 0, 0,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.t0 = t0;
	w.t1 = t1;
	CHECK_DESC(cg_desc(&rcv), &w);
	EXPECT_LE(cg_desc(&rcv)->expires_ns,
		  t1 + self->sys.val[SYS_TTL_DEFAULT] * NSEC_PER_MSEC);
	EXPECT_EMPTY(self->r);
	/* received: pending on the socket, still outstanding */
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* semantics: ids outside the kind read 0xffffffff; explicit ids kept. */
TEST_F(grant, ids_outside_kind_unset)
{
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;

	cg_req_init(&req, CREDGRANT_GID, 0, 4321, 1500, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 1500, NULL, 0);
	SEND_OK(self->s, MSG, &req);

	RECV_GRANT(self->r, MSG, &rcv);
	w = want_self(CREDGRANT_GID, CG_UNSET_ID, 4321, 1500);
	CHECK_DESC(cg_desc(&rcv), &w);
	RECV_GRANT(self->r, MSG, &rcv);
	w = want_self(CREDGRANT_UID, 1234, CG_UNSET_ID, 1500);
	CHECK_DESC(cg_desc(&rcv), &w);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 0);
}

/* A group list travels whole; size = 64 + 4 * ngroups. */
TEST_F(grant, groups_description)
{
	static const uint32_t groups[] = { 10, 20, 30 };
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;

	cg_req_init(&req, CREDGRANT_FULL, 1234, 2345, 0, groups, 3);
	SEND_OK(self->s, MSG, &req);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(CREDGRANT_SIZE_VER0 + 12, rcv.grant_len);
	w = want_self(CREDGRANT_FULL, 1234, 2345,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.ngroups = 3;
	w.groups = groups;
	CHECK_DESC(cg_desc(&rcv), &w);

	/* GROUPS with ngroups == 0 is valid: an empty list */
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	RECV_GRANT(self->r, MSG, &rcv);
	w = want_self(CREDGRANT_GROUPS, CG_UNSET_ID, CG_UNSET_ID,
		      self->sys.val[SYS_TTL_DEFAULT]);
	CHECK_DESC(cg_desc(&rcv), &w);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 0);
}

/* semantics: groups are listed sorted by gid, duplicates kept. */
TEST_F(grant, groups_sorted_duplicates_kept)
{
	static const uint32_t req_groups[] = { 30, 10, 20, 10 };
	static const uint32_t sorted[] = { 10, 10, 20, 30 };
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;

	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, req_groups, 4);
	SEND_OK(self->s, MSG, &req);
	RECV_GRANT(self->r, MSG, &rcv);
	w = want_self(CREDGRANT_GROUPS, CG_UNSET_ID, CG_UNSET_ID,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.ngroups = 4;
	w.groups = sorted;
	CHECK_DESC(cg_desc(&rcv), &w);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* Rule 4 boundary: exactly CREDGRANT_NGROUPS_MAX groups are accepted. */
TEST_F(grant, ngroups_max_accepted)
{
	static uint32_t groups[CREDGRANT_NGROUPS_MAX];
	static struct cg_req req;
	static struct cg_rcv rcv;
	struct want w;
	int i;

	for (i = 0; i < CREDGRANT_NGROUPS_MAX; i++)
		groups[i] = 10000 + i;
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, groups,
		    CREDGRANT_NGROUPS_MAX);
	SEND_OK(self->s, MSG, &req);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(CG_DESC_MAX, rcv.grant_len);
	w = want_self(CREDGRANT_GROUPS, CG_UNSET_ID, CG_UNSET_ID,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.ngroups = CREDGRANT_NGROUPS_MAX;
	w.groups = groups;
	CHECK_DESC(cg_desc(&rcv), &w);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/*
 * Ids are non-zero and unique; they are not sequential (unpredictable:
 * hardening.c ids_unpredictable checks that in detail).
 */
TEST_F(grant, ids_nonzero_unique)
{
	struct cg_req req;
	struct cg_rcv rcv;
	uint64_t ids[4];
	int i, j;

	cg_req_init(&req, CREDGRANT_UID, CREDGRANT_SELF, 0, 0, NULL, 0);
	for (i = 0; i < 4; i++)
		SEND_OK(self->s, MSG, &req);
	for (i = 0; i < 4; i++) {
		RECV_GRANT(self->r, MSG, &rcv);
		ids[i] = cg_desc(&rcv)->id;
		EXPECT_NE(0, ids[i]);
		for (j = 0; j < i; j++) {
			EXPECT_NE(ids[j], ids[i]) TH_LOG("grant %d", i);
			EXPECT_NE(ids[j] + (i - j), ids[i])
				TH_LOG("grant %d: sequential ids", i);
		}
	}
	EXPECT_COUNTERS(&self->before, 4, 0, 0, 0, 0);
}

/* Rule 2: no opt-in on the receiving socket: EPERM, nothing queued. */
TEST_F(grant, optin_missing_eperm_nothing_queued)
{
	struct cg_req req;

	cg_req_init(&req, CREDGRANT_UID, CREDGRANT_SELF, 0, 0, NULL, 0);
	ASSERT_EQ(0, cg_set_passcredgrant(self->r, 0));
	SEND_FAILS(self->s, &req, EPERM);
	/* the sender's own opt-in is irrelevant */
	ASSERT_EQ(0, cg_set_passcredgrant(self->s, 1));
	SEND_FAILS(self->s, &req, EPERM);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 0, 0, 0, 0, 0);
	/* the same request works once the receiver opts in */
	ASSERT_EQ(0, cg_set_passcredgrant(self->r, 1));
	SEND_OK(self->s, MSG, &req);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* Rule 3: CREDGRANT_SELF needs no privilege. */
TEST_F(grant, unpriv_self_grant_allowed)
{
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->s,
				   .nkeep = 1 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_UID | CREDGRANT_GID, CREDGRANT_SELF,
		    CREDGRANT_SELF, 2000, NULL, 0);
	AGENT_SEND_OK(&a, self->s, &req);
	/* ... and a full self grant with an empty group list */
	cg_req_init(&req, CREDGRANT_FULL, CREDGRANT_SELF, CREDGRANT_SELF,
		    2000, NULL, 0);
	AGENT_SEND_OK(&a, self->s, &req);

	w = want_self(CREDGRANT_UID | CREDGRANT_GID, 1000, 1000, 2000);
	w.guid = 1000;
	w.ggid = 1000;
	w.gpid = a.pid;
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	w.kind = CREDGRANT_FULL;
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 0);
}

/* Rule 3: the sender's real/effective/saved uid and gid need nothing. */
TEST_F(grant, unpriv_own_real_saved_ids_allowed)
{
	struct cg_ids ids = {
		.ruid = 1000, .euid = 1001, .suid = 1002,
		.rgid = 2000, .egid = 2001, .sgid = 2002,
		.ngroups = 0, .caps = 0,
	};
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->s,
				   .nkeep = 1 };
	static const uint32_t uids[] = { 1000, 1002, CREDGRANT_SELF };
	static const uint32_t want_uids[] = { 1000, 1002, 1001 };
	static const uint32_t gids[] = { 2000, 2002, CREDGRANT_SELF };
	static const uint32_t want_gids[] = { 2000, 2002, 2001 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;
	int i;

	AGENT_START(&a, &o);
	for (i = 0; i < 3; i++) {
		cg_req_init(&req, CREDGRANT_UID, uids[i], 0, 0, NULL, 0);
		AGENT_SEND_OK(&a, self->s, &req);
	}
	for (i = 0; i < 3; i++) {
		cg_req_init(&req, CREDGRANT_GID, 0, gids[i], 0, NULL, 0);
		AGENT_SEND_OK(&a, self->s, &req);
	}
	cg_req_init(&req, CREDGRANT_UID, 1003, 0, 0, NULL, 0);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_GID, 0, 2003, 0, NULL, 0);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);

	w = want_self(0, 0, 0, self->sys.val[SYS_TTL_DEFAULT]);
	w.guid = 1001;		/* euid */
	w.ggid = 2001;		/* egid */
	w.gpid = a.pid;
	for (i = 0; i < 6; i++) {
		RECV_GRANT(self->r, MSG, &rcv);
		w.kind = i < 3 ? CREDGRANT_UID : CREDGRANT_GID;
		w.uid = i < 3 ? want_uids[i] : CG_UNSET_ID;
		w.gid = i < 3 ? CG_UNSET_ID : want_gids[i - 3];
		CHECK_DESC(cg_desc(&rcv), &w);
	}
	EXPECT_EMPTY(self->r);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 6, 0, 0, 0, 0);
}

/* Rule 3: a foreign uid without CAP_SETUID: EPERM, nothing queued. */
TEST_F(grant, unpriv_foreign_uid_eperm)
{
	struct cg_ids ids = cg_ids_plain(1000, 1000,
					 CG_CAP(CAP_SETGID) |
					 CG_CAP(CAP_SYS_ADMIN));
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->s,
				   .nkeep = 1 };
	struct cg_agent a;
	struct cg_req req;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_UID, 0, 0, 0, NULL, 0);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_FULL, 1234, CREDGRANT_SELF, 0, NULL, 0);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	agent_stop(_metadata, &a);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 0, 0, 0, 0, 0);
}

/* Rule 3: with CAP_SETUID a foreign uid is allowed. */
TEST_F(grant, foreign_uid_with_cap_setuid)
{
	struct cg_ids ids = cg_ids_plain(1000, 1000, CG_CAP(CAP_SETUID));
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->s,
				   .nkeep = 1 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	AGENT_SEND_OK(&a, self->s, &req);
	cg_req_init(&req, CREDGRANT_UID, 0, 0, 0, NULL, 0);
	AGENT_SEND_OK(&a, self->s, &req);

	w = want_self(CREDGRANT_UID, 1234, CG_UNSET_ID,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.guid = 1000;
	w.ggid = 1000;
	w.gpid = a.pid;
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	w.uid = 0;
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 0);
}

/* Rule 3: gids need CAP_SETGID, and CAP_SETGID does not cover uids. */
TEST_F(grant, foreign_gid_needs_cap_setgid)
{
	struct cg_ids with_setuid = cg_ids_plain(1000, 1000,
						 CG_CAP(CAP_SETUID));
	struct cg_ids with_setgid = cg_ids_plain(1000, 1000,
						 CG_CAP(CAP_SETGID));
	struct cg_agent_opts o = { .keep_fds = &self->s, .nkeep = 1 };
	static const uint32_t g4321[] = { 4321 };
	struct cg_agent a, b;
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;

	o.ids = &with_setuid;
	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_GID, 0, 4321, 0, NULL, 0);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, g4321, 1);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_FULL, 1234, 4321, 0, NULL, 0);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 0, 0, 0, 0, 0);

	o.ids = &with_setgid;
	AGENT_START(&b, &o);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	AGENT_SEND_FAILS(&b, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_GID | CREDGRANT_GROUPS, 0, 4321, 0, g4321,
		    1);
	AGENT_SEND_OK(&b, self->s, &req);
	w = want_self(CREDGRANT_GID | CREDGRANT_GROUPS, CG_UNSET_ID, 4321,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.ngroups = 1;
	w.groups = g4321;
	w.guid = 1000;
	w.ggid = 1000;
	w.gpid = b.pid;
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	agent_stop(_metadata, &a);
	agent_stop(_metadata, &b);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/*
 * Rule 3 (2026-11-29): without CAP_SETGID only the sender's own current
 * list, exactly, is free; a subset is not (dropping a group can open files
 * that deny it), nor is the own gid added to the list.
 */
TEST_F(grant, groups_own_list_only_unprivileged)
{
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->s,
				   .nkeep = 1 };
	static const uint32_t own[] = { 100, 200 };
	static const uint32_t own_unsorted[] = { 200, 100 };
	static const uint32_t sub1[] = { 200 };
	static const uint32_t with_gid[] = { 100, 1000 };	/* 1000: own gid */
	static const uint32_t super[] = { 100, 200, 300 };
	static const uint32_t dup[] = { 100, 200, 200 };
	static const uint32_t other[] = { 100, 300 };	/* as long as own */
	struct cg_agent a;
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;

	ids.ngroups = 2;
	ids.groups[0] = 100;
	ids.groups[1] = 200;
	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, own, 2);
	AGENT_SEND_OK(&a, self->s, &req);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, own_unsorted, 2);
	AGENT_SEND_OK(&a, self->s, &req);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, sub1, 1);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, with_gid, 2);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, NULL, 0);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, super, 3);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, dup, 3);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, other, 2);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);

	w = want_self(CREDGRANT_GROUPS, CG_UNSET_ID, CG_UNSET_ID,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.guid = 1000;
	w.ggid = 1000;
	w.gpid = a.pid;
	w.ngroups = 2;
	w.groups = own;
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	EXPECT_EMPTY(self->r);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 0);
}

/*
 * In a new net namespace whose optmem_max is 0, send a request of 28 bytes
 * (must fail ENOBUFS: it is copied to a sock_kmalloc()ed buffer) and one
 * of 24 (must be sent and arrive: it fits sendmsg's buffer on the stack,
 * patch 2). Exit codes: 0, or the step that failed.
 */
static int optmem_child(int type)
{
	static const uint32_t g4321[] = { 4321 };
	struct cg_cmsg cm = { .level = SOL_SOCKET, .type = SCM_CREDGRANT };
	struct cg_req small, big;
	struct cg_rcv rcv;
	char buf[16];
	int sv[2], on = 1;

	if (unshare(CLONE_NEWNET))
		return 10;
	if (cg_write_file("/proc/sys/net/core/optmem_max", "0\n"))
		return 11;
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) ||
	    setsockopt(sv[1], SOL_SOCKET, SO_PASSCREDGRANT, &on, sizeof(on)))
		return 12;
	cg_req_init(&big, CREDGRANT_GROUPS, 0, 0, 0, g4321, 1);
	cm.data = big.buf;
	cm.len = big.len;
	if (cg_sendmsg(sv[0], MSG, sizeof(MSG), &cm, 1, 0) != -1 ||
	    errno != ENOBUFS)
		return 13;
	cg_req_init(&small, CREDGRANT_UID, CREDGRANT_SELF, 0, 0, NULL, 0);
	if (small.len != CREDGRANT_REQ_SIZE_VER0)
		return 14;
	cm.data = small.buf;
	cm.len = small.len;
	if (cg_sendmsg(sv[0], MSG, sizeof(MSG), &cm, 1, 0) != sizeof(MSG))
		return 15;
	if (cg_recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT, CG_CTRL_BIG,
		    &rcv) != sizeof(MSG) || rcv.ngrants != 1 ||
	    cg_desc(&rcv)->kind != CREDGRANT_UID ||
	    cg_desc(&rcv)->uid != geteuid())
		return 16;
	return 0;	/* the pending grant is dropped at exit */
}

/*
 * Patch 2: a request without groups (24 bytes) needs no control buffer
 * from optmem; a kernel whose sendmsg buffer holds 20 bytes fails it
 * with ENOBUFS (exit 15).
 */
TEST_F(grant, request_without_groups_needs_no_optmem)
{
	pid_t pid = cg_fork();

	ASSERT_LE(0, pid);
	if (!pid)
		_exit(optmem_child(variant->type));
	ASSERT_EQ(0, cg_wait(pid));
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
}

/* ... an empty own list is free too: "become me" with no groups. */
TEST_F(grant, groups_empty_own_list_unprivileged)
{
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->s,
				   .nkeep = 1 };
	static const uint32_t g100[] = { 100 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rcv rcv;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, NULL, 0);
	AGENT_SEND_OK(&a, self->s, &req);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, g100, 1);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(0, cg_desc(&rcv)->ngroups);
	EXPECT_EMPTY(self->r);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* Rule 3: a superset of the sender's groups needs CAP_SETGID. */
TEST_F(grant, groups_superset_with_cap_setgid)
{
	struct cg_ids ids = cg_ids_plain(1000, 1000, CG_CAP(CAP_SETGID));
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->s,
				   .nkeep = 1 };
	static const uint32_t super[] = { 100, 300 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;

	ids.ngroups = 1;
	ids.groups[0] = 100;
	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, super, 2);
	AGENT_SEND_OK(&a, self->s, &req);
	w = want_self(CREDGRANT_GROUPS, CG_UNSET_ID, CG_UNSET_ID,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.guid = 1000;
	w.ggid = 1000;
	w.gpid = a.pid;
	w.ngroups = 2;
	w.groups = super;
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* Rule 3: CREDGRANT_AUDIT needs no privilege; no DAC ids in it. */
TEST_F(grant, audit_kind_unprivileged)
{
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->s,
				   .nkeep = 1 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_AUDIT, 0, 0, 0, NULL, 0);
	AGENT_SEND_OK(&a, self->s, &req);
	w = want_self(CREDGRANT_AUDIT, CG_UNSET_ID, CG_UNSET_ID,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.guid = 1000;
	w.ggid = 1000;
	w.gpid = a.pid;
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/*
 * Malformed requests (rule 4, semantics "Request").  Each test first
 * shows that the well-formed neighbour of the request is accepted, so
 * the EINVAL comes from the malformation, not from a missing feature.
 */
static void valid_control(struct __test_metadata *_metadata, int s, int r)
{
	struct cg_req req;
	struct cg_rcv rcv;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(s, MSG, &req);
	RECV_GRANT(r, MSG, &rcv);
}

TEST_F(grant, einval_short_size)
{
	struct cg_req req;

	valid_control(_metadata, self->s, self->r);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	req.len = 20;
	cg_req_hdr(&req)->size = 20;
	SEND_FAILS(self->s, &req, EINVAL);
	req.len = 4;
	cg_req_hdr(&req)->size = 4;
	SEND_FAILS(self->s, &req, EINVAL);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* An SCM_CREDGRANT cmsg without payload. */
TEST_F(grant, einval_empty_cmsg)
{
	struct cg_cmsg cm = { SOL_SOCKET, SCM_CREDGRANT, NULL, 0 };

	valid_control(_metadata, self->s, self->r);
	errno = 0;
	ASSERT_EQ(-1, cg_sendmsg(self->s, MSG, MSGLEN, &cm, 1,
				 MSG_NOSIGNAL | MSG_DONTWAIT));
	ASSERT_EQ(EINVAL, errno) TH_LOG("%s", strerror(errno));
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

TEST_F(grant, einval_size_ne_cmsg_len)
{
	struct cg_req req;

	valid_control(_metadata, self->s, self->r);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	cg_req_hdr(&req)->size = 28;	/* cmsg carries 24 */
	SEND_FAILS(self->s, &req, EINVAL);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	req.len = 28;			/* cmsg carries 28, size says 24 */
	SEND_FAILS(self->s, &req, EINVAL);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

TEST_F(grant, einval_zero_kind)
{
	struct cg_req req;

	valid_control(_metadata, self->s, self->r);
	cg_req_init(&req, 0, 0, 0, 0, NULL, 0);
	SEND_FAILS(self->s, &req, EINVAL);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

TEST_F(grant, einval_unknown_kind_bits)
{
	static const uint32_t bad[] = { 0x10, CREDGRANT_UID | 0x10,
					CREDGRANT_UID | 0x80000000U,
					0xffffffffU };
	struct cg_req req;
	unsigned int i;

	valid_control(_metadata, self->s, self->r);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cg_req_init(&req, bad[i], 1234, 0, 0, NULL, 0);
		SEND_FAILS(self->s, &req, EINVAL);
	}
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

TEST_F(grant, einval_audit_mixed)
{
	static const uint32_t g[] = { 10 };
	struct cg_req req;

	valid_control(_metadata, self->s, self->r);
	cg_req_init(&req, CREDGRANT_AUDIT | CREDGRANT_UID, 1234, 0, 0, NULL,
		    0);
	SEND_FAILS(self->s, &req, EINVAL);
	cg_req_init(&req, CREDGRANT_AUDIT | CREDGRANT_GID, 0, 10, 0, NULL, 0);
	SEND_FAILS(self->s, &req, EINVAL);
	cg_req_init(&req, CREDGRANT_AUDIT | CREDGRANT_GROUPS, 0, 0, 0, g, 1);
	SEND_FAILS(self->s, &req, EINVAL);
	cg_req_init(&req, CREDGRANT_AUDIT | CREDGRANT_FULL, 1234, 10, 0, g, 1);
	SEND_FAILS(self->s, &req, EINVAL);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

TEST_F(grant, einval_too_many_groups)
{
	static uint32_t groups[CREDGRANT_NGROUPS_MAX + 1];
	static struct cg_req req;
	int i;

	valid_control(_metadata, self->s, self->r);
	for (i = 0; i <= CREDGRANT_NGROUPS_MAX; i++)
		groups[i] = 10000 + i;
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, groups,
		    CREDGRANT_NGROUPS_MAX + 1);
	SEND_FAILS(self->s, &req, EINVAL);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

TEST_F(grant, einval_ngroups_exceeds_size)
{
	static const uint32_t g[] = { 10 };
	struct cg_req req;

	valid_control(_metadata, self->s, self->r);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, g, 1);
	cg_req_hdr(&req)->ngroups = 2;	/* size 28 holds only one */
	SEND_FAILS(self->s, &req, EINVAL);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, NULL, 0);
	cg_req_hdr(&req)->ngroups = 0x40000000;	/* 4 * n overflows 32 bits */
	SEND_FAILS(self->s, &req, EINVAL);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

TEST_F(grant, einval_ngroups_without_groups_kind)
{
	static const uint32_t g[] = { 10 };
	struct cg_req req;

	valid_control(_metadata, self->s, self->r);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, g, 1);
	SEND_FAILS(self->s, &req, EINVAL);
	cg_req_init(&req, CREDGRANT_UID | CREDGRANT_GID, 1234, 10, 0, g, 1);
	SEND_FAILS(self->s, &req, EINVAL);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

TEST_F(grant, einval_unused_id_field_nonzero)
{
	struct cg_req req;

	valid_control(_metadata, self->s, self->r);
	cg_req_init(&req, CREDGRANT_GID, 7, 10, 0, NULL, 0);
	SEND_FAILS(self->s, &req, EINVAL);
	cg_req_init(&req, CREDGRANT_UID, 1234, 7, 0, NULL, 0);
	SEND_FAILS(self->s, &req, EINVAL);
	cg_req_init(&req, CREDGRANT_GROUPS, CREDGRANT_SELF, 0, 0, NULL, 0);
	SEND_FAILS(self->s, &req, EINVAL);
	cg_req_init(&req, CREDGRANT_AUDIT, 0, CREDGRANT_SELF, 0, NULL, 0);
	SEND_FAILS(self->s, &req, EINVAL);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* (uid_t)-1 is never a mapped id: as a group it is invalid. */
TEST_F(grant, einval_invalid_group_id)
{
	static const uint32_t g[] = { 10, 0xffffffffU };
	struct cg_req req;

	valid_control(_metadata, self->s, self->r);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, g, 2);
	SEND_FAILS(self->s, &req, EINVAL);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* Extensible like openat2: non-zero bytes past the known fields: E2BIG. */
TEST_F(grant, e2big_nonzero_extension)
{
	static const uint32_t g[] = { 10, 20 };
	struct cg_req req;

	valid_control(_metadata, self->s, self->r);
	cg_req_init_ext(&req, 8, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	((unsigned char *)req.buf)[31] = 1;
	SEND_FAILS(self->s, &req, E2BIG);
	cg_req_init_ext(&req, 8, CREDGRANT_GROUPS, 0, 0, 0, g, 2);
	((unsigned char *)req.buf)[24] = 0x80;
	SEND_FAILS(self->s, &req, E2BIG);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* ... and zero extension bytes are accepted, groups after them. */
TEST_F(grant, extension_zero_bytes_accepted)
{
	static const uint32_t g[] = { 10, 20 };
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;

	cg_req_init_ext(&req, 8, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	cg_req_init_ext(&req, 40, CREDGRANT_FULL, 1234, 2345, 0, g, 2);
	SEND_OK(self->s, MSG, &req);

	w = want_self(CREDGRANT_UID, 1234, CG_UNSET_ID,
		      self->sys.val[SYS_TTL_DEFAULT]);
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	w = want_self(CREDGRANT_FULL, 1234, 2345,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.ngroups = 2;
	w.groups = g;
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 0);
}

/* Rule 1: one SCM_CREDGRANT per message. */
TEST_F(grant, einval_two_grant_cmsgs)
{
	struct cg_req a, b;
	struct cg_cmsg cm[2];

	valid_control(_metadata, self->s, self->r);
	cg_req_init(&a, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	cg_req_init(&b, CREDGRANT_GID, 0, 2345, 0, NULL, 0);
	cm[0] = (struct cg_cmsg){ SOL_SOCKET, SCM_CREDGRANT, a.buf, a.len };
	cm[1] = (struct cg_cmsg){ SOL_SOCKET, SCM_CREDGRANT, b.buf, b.len };
	errno = 0;
	ASSERT_EQ(-1, cg_sendmsg(self->s, MSG, MSGLEN, cm, 2,
				 MSG_NOSIGNAL | MSG_DONTWAIT));
	ASSERT_EQ(EINVAL, errno) TH_LOG("%s", strerror(errno));
	/* the same grant twice is no better */
	cm[1] = cm[0];
	errno = 0;
	ASSERT_EQ(-1, cg_sendmsg(self->s, MSG, MSGLEN, cm, 2,
				 MSG_NOSIGNAL | MSG_DONTWAIT));
	ASSERT_EQ(EINVAL, errno) TH_LOG("%s", strerror(errno));
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/*
 * Rule 4, 14: EDQUOT at the per-user quota (user.max_credgrants, counted
 * per user namespace and euid); other users unaffected.
 */
TEST_F(grant, edquot_at_quota)
{
	struct cg_ids ida = cg_ids_plain(2000, 2000, 0);
	struct cg_ids idb = cg_ids_plain(2001, 2001, 0);
	struct cg_agent_opts o = { .keep_fds = &self->s, .nkeep = 1 };
	struct cg_agent a, b;
	struct cg_req req;
	struct cg_rcv rcv;
	char buf[64];
	int i;

	set_sysctl(_metadata, &self->sys, SYS_MAX_CREDGRANTS, 3);
	o.ids = &ida;
	AGENT_START(&a, &o);
	o.ids = &idb;
	AGENT_START(&b, &o);
	cg_req_init(&req, CREDGRANT_UID, CREDGRANT_SELF, 0, 0, NULL, 0);
	for (i = 0; i < 3; i++)
		AGENT_SEND_OK(&a, self->s, &req);
	AGENT_SEND_FAILS(&a, self->s, &req, EDQUOT);
	EXPECT_COUNTERS(&self->before, 3, 0, 0, 0, 0);
	AGENT_SEND_OK(&b, self->s, &req);
	EXPECT_COUNTERS(&self->before, 4, 0, 0, 0, 0);

	/* destroying one of 2000's grants frees a slot */
	ASSERT_EQ(MSGLEN, read(self->r, buf, sizeof(buf)));
	EXPECT_COUNTERS(&self->before, 4, 0, 0, 0, 1);
	AGENT_SEND_OK(&a, self->s, &req);
	AGENT_SEND_FAILS(&a, self->s, &req, EDQUOT);
	EXPECT_COUNTERS(&self->before, 5, 0, 0, 0, 1);

	/* two of 2000's, one of 2001's, then 2000's last */
	for (i = 0; i < 4; i++) {
		RECV_GRANT(self->r, MSG, &rcv);
		EXPECT_EQ(i == 2 ? 2001 : 2000, cg_desc(&rcv)->uid)
			TH_LOG("grant %d", i);
	}
	EXPECT_EMPTY(self->r);
	/* received grants still count against the quota */
	AGENT_SEND_FAILS(&a, self->s, &req, EDQUOT);
	agent_stop(_metadata, &a);
	agent_stop(_metadata, &b);
	EXPECT_COUNTERS(&self->before, 5, 0, 0, 0, 1);
}

/* Rule 14: a reaped grant releases its quota slot. */
TEST_F(grant, expiry_releases_quota)
{
	struct cg_ids ids = cg_ids_plain(2100, 2100, 0);
	struct cg_agent_opts o = { .ids = &ids, .keep_fds = &self->s,
				   .nkeep = 1 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rcv rcv;

	set_sysctl(_metadata, &self->sys, SYS_MAX_CREDGRANTS, 1);
	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_UID, CREDGRANT_SELF, 0, 200, NULL, 0);
	AGENT_SEND_OK(&a, self->s, &req);
	AGENT_SEND_FAILS(&a, self->s, &req, EDQUOT);
	PEEK_GRANT(self->r, MSG, &rcv);
	ASSERT_EQ(0, cg_sleep_until_boottime(cg_desc(&rcv)->expires_ns));
	wait_expired(_metadata, &self->before, 1);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 1, 0);
	AGENT_SEND_OK(&a, self->s, &req);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 1, 0);
}

/* ttl_ms 0 takes credgrant_ttl_default_ms; explicit ttls are kept. */
TEST_F(grant, ttl_default_from_sysctl)
{
	struct cg_req req;
	struct cg_rcv rcv;
	struct credgrant *g = cg_desc(&rcv);

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(self->sys.val[SYS_TTL_DEFAULT] * NSEC_PER_MSEC,
		  g->expires_ns - g->issued_ns);

	set_sysctl(_metadata, &self->sys, SYS_TTL_DEFAULT, 7000);
	SEND_OK(self->s, MSG, &req);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(7000 * NSEC_PER_MSEC, g->expires_ns - g->issued_ns);

	cg_req_hdr(&req)->ttl_ms = 1234;
	SEND_OK(self->s, MSG, &req);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(1234 * NSEC_PER_MSEC, g->expires_ns - g->issued_ns);
	EXPECT_COUNTERS(&self->before, 3, 0, 0, 0, 0);
}

/* ttls above credgrant_ttl_max_ms are capped to it silently. */
TEST_F(grant, ttl_capped_at_max)
{
	static const uint32_t ttl[] = { 59999, 60000, 60001, 0xffffffffU };
	static const uint64_t want[] = { 59999, 60000, 60000, 60000 };
	struct cg_req req;
	struct cg_rcv rcv;
	struct credgrant *g = cg_desc(&rcv);
	unsigned int i;

	set_sysctl(_metadata, &self->sys, SYS_TTL_MAX, 60000);
	for (i = 0; i < ARRAY_SIZE(ttl); i++) {
		cg_req_init(&req, CREDGRANT_UID, 1234, 0, ttl[i], NULL, 0);
		SEND_OK(self->s, MSG, &req);
		RECV_GRANT(self->r, MSG, &rcv);
		EXPECT_EQ(want[i] * NSEC_PER_MSEC,
			  g->expires_ns - g->issued_ns) TH_LOG("ttl_ms %u", ttl[i]);
	}
	EXPECT_COUNTERS(&self->before, 4, 0, 0, 0, 0);
}

/* Rule 6: MSG_PEEK twice shows the same description; the read takes it. */
TEST_F(grant, peek_twice_then_read)
{
	struct cg_req req;
	struct cg_rcv p1, p2, rd;

	cg_req_init(&req, CREDGRANT_UID | CREDGRANT_GID, 1234, 2345, 0, NULL,
		    0);
	SEND_OK(self->s, MSG, &req);
	PEEK_GRANT(self->r, MSG, &p1);
	PEEK_GRANT(self->r, MSG, &p2);
	ASSERT_EQ(p1.grant_len, p2.grant_len);
	EXPECT_EQ(0, memcmp(p1.desc, p2.desc, p1.grant_len));
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	RECV_GRANT(self->r, MSG, &rd);
	ASSERT_EQ(p1.grant_len, rd.grant_len);
	EXPECT_EQ(0, memcmp(p1.desc, rd.desc, p1.grant_len));
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	/* exactly one grant is pending: closing destroys exactly one */
	close(self->r);
	self->r = -1;
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
}

/* semantics: a peek with a too small buffer destroys nothing. */
TEST_F(grant, peek_ctrunc_keeps_grant)
{
	struct cg_req req;
	struct cg_rcv p, rd;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	recv_plain(_metadata, __LINE__, self->r, MSG, MSG_PEEK,
		   CMSG_SPACE(16), &p);
	EXPECT_EQ(MSG_CTRUNC, p.msg_flags & MSG_CTRUNC);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	RECV_GRANT(self->r, MSG, &rd);
	EXPECT_EQ(1234, cg_desc(&rd)->uid);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/*
 * A description put_cmsg() cannot copy (the control buffer's header is
 * mapped, its payload runs into a PROT_NONE page) is lost control data,
 * said as for a short buffer: MSG_CTRUNC; a peek keeps the grant, the
 * read drops it (review L2: no flag was set).
 */
TEST_F(grant, ctrunc_on_fault)
{
	long pg = sysconf(_SC_PAGESIZE);
	char buf[64];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh;
	struct cg_req req;
	char *map;
	int i;

	map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + pg, pg, PROT_NONE));
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	for (i = 0; i < 2; i++) {	/* a peek, then the read */
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = map + pg - sizeof(struct cmsghdr);
		mh.msg_controllen = CMSG_SPACE(CREDGRANT_SIZE_VER0);
		EXPECT_EQ(MSGLEN, recvmsg(self->r, &mh, i ? 0 : MSG_PEEK));
		EXPECT_EQ(MSG_CTRUNC, mh.msg_flags & MSG_CTRUNC)
			TH_LOG("%s: msg_flags %#x", i ? "read" : "peek",
			       mh.msg_flags);
		EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, i);
	}
	EXPECT_EQ(0, munmap(map, 2 * pg));
}

/*
 * Up to 16 groups the description is built, and acceptid's copy of it
 * made, on the stack; from 17 in kmalloc'ed buffers (review L3): both
 * sides of that line, read and peeked, every group compared, accepted.
 * Run on the KASAN kernel too.
 */
TEST_F(grant, groups_16_17_stack_boundary)
{
	static uint32_t groups[17];
	struct cg_req req;
	struct cg_rcv p, rd;
	struct want w;
	int n, i;

	for (n = 16; n <= 17; n++) {
		for (i = 0; i < n; i++)
			groups[i] = 20000 + i;
		cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, groups, n);
		SEND_OK(self->s, MSG, &req);
		w = want_self(CREDGRANT_GROUPS, CG_UNSET_ID, CG_UNSET_ID,
			      self->sys.val[SYS_TTL_DEFAULT]);
		w.ngroups = n;
		w.groups = groups;
		PEEK_GRANT(self->r, MSG, &p);
		CHECK_DESC(cg_desc(&p), &w);
		RECV_GRANT(self->r, MSG, &rd);
		EXPECT_EQ(CREDGRANT_SIZE_VER0 + 4 * n, rd.grant_len);
		CHECK_DESC(cg_desc(&rd), &w);
		/* the fixture runs as root: any list may be taken in place */
		EXPECT_EQ(0, cg_acceptid(self->r, rd.desc, rd.grant_len, 0))
			TH_LOG("%d groups: %s", n, strerror(errno));
	}
	EXPECT_COUNTERS(&self->before, 2, 2, 0, 0, 0);
}

/* semantics: a peek without the opt-in shows nothing, destroys nothing. */
TEST_F(grant, peek_without_optin_keeps_grant)
{
	struct cg_req req;
	struct cg_rcv p, rd;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(0, cg_set_passcredgrant(self->r, 0));
	recv_plain(_metadata, __LINE__, self->r, MSG, MSG_PEEK, CG_CTRL_BIG,
		   &p);
	EXPECT_EQ(0, p.npartial);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	ASSERT_EQ(0, cg_set_passcredgrant(self->r, 1));
	RECV_GRANT(self->r, MSG, &rd);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* Rule 6: control buffer too small: MSG_CTRUNC, grant dropped for good. */
TEST_F(grant, ctrunc_drops_grant)
{
	struct cg_req req;
	struct cg_rcv rcv;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	SEND_OK(self->s, "next", NULL);
	recv_plain(_metadata, __LINE__, self->r, MSG, 0, CMSG_SPACE(16), &rcv);
	EXPECT_EQ(MSG_CTRUNC, rcv.msg_flags & MSG_CTRUNC);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
	/* never delivered later */
	RECV_PLAIN(self->r, "next", &rcv);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
}

/* Rule 6: recvmsg without msg_control: data delivered, grant dropped. */
TEST_F(grant, no_control_drops_grant)
{
	struct cg_req req;
	struct cg_rcv rcv;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	recv_plain(_metadata, __LINE__, self->r, MSG, 0, 0, &rcv);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
	EXPECT_EMPTY(self->r);
}

/* Rule 6: read(): data delivered, grant dropped. */
TEST_F(grant, read_drops_grant)
{
	struct cg_req req;
	char buf[64] = { 0 };

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(MSGLEN, read(self->r, buf, sizeof(buf)));
	ASSERT_EQ(0, memcmp(buf, MSG, MSGLEN));
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
	EXPECT_EMPTY(self->r);
}

/* Rule 6: splice() into a pipe: data delivered, grant dropped. */
TEST_F(grant, splice_drops_grant)
{
	struct cg_req req;
	char buf[64] = { 0 };
	int p[2];

	ASSERT_EQ(0, pipe(p));
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(MSGLEN, splice(self->r, NULL, p[1], NULL, 64,
				 SPLICE_F_NONBLOCK)) TH_LOG("splice: %s",
							     strerror(errno));
	ASSERT_EQ(MSGLEN, read(p[0], buf, sizeof(buf)));
	ASSERT_EQ(0, memcmp(buf, MSG, MSGLEN));
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
	EXPECT_EMPTY(self->r);
	close(p[0]);
	close(p[1]);
}

/* Rule 6: opt-in turned off between queueing and reading: dropped. */
TEST_F(grant, optin_off_before_read_drops)
{
	struct cg_req req;
	struct cg_rcv rcv;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(0, cg_set_passcredgrant(self->r, 0));
	RECV_PLAIN(self->r, MSG, &rcv);
	EXPECT_EQ(0, rcv.npartial);
	EXPECT_EQ(0, rcv.msg_flags & MSG_CTRUNC);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
	/* turning it back on does not bring the grant back */
	ASSERT_EQ(0, cg_set_passcredgrant(self->r, 1));
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
}

/* The description arrives next to SCM_RIGHTS, SCM_CREDENTIALS, SCM_PIDFD. */
TEST_F(grant, with_rights_creds_pidfd)
{
	struct ucred uc = { .pid = getpid(), .uid = 0, .gid = 0 };
	struct stat st_sent, st_got;
	struct cg_req req;
	struct cg_rcv rcv;
	struct cg_cmsg cm[3];
	char path[64], val[64];
	struct want w;
	int efd, on = 1;

	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, setsockopt(self->r, SOL_SOCKET, SO_PASSCRED, &on,
				sizeof(on)));
	ASSERT_EQ(0, setsockopt(self->r, SOL_SOCKET, SO_PASSPIDFD, &on,
				sizeof(on)));
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	cm[0] = (struct cg_cmsg){ SOL_SOCKET, SCM_RIGHTS, &efd, sizeof(int) };
	cm[1] = (struct cg_cmsg){ SOL_SOCKET, SCM_CREDENTIALS, &uc,
				  sizeof(uc) };
	cm[2] = (struct cg_cmsg){ SOL_SOCKET, SCM_CREDGRANT, req.buf,
				  req.len };
	ASSERT_EQ(MSGLEN, cg_sendmsg(self->s, MSG, MSGLEN, cm, 3,
				     MSG_NOSIGNAL)) TH_LOG("%s", strerror(errno));
	RECV_GRANT(self->r, MSG, &rcv);
	w = want_self(CREDGRANT_UID, 1234, CG_UNSET_ID,
		      self->sys.val[SYS_TTL_DEFAULT]);
	CHECK_DESC(cg_desc(&rcv), &w);

	ASSERT_EQ(1, rcv.nrights);
	ASSERT_EQ(0, fstat(efd, &st_sent));
	ASSERT_EQ(0, fstat(rcv.fds[0], &st_got));
	EXPECT_EQ(st_sent.st_ino, st_got.st_ino);
	EXPECT_EQ(st_sent.st_dev, st_got.st_dev);
	ASSERT_TRUE(rcv.have_creds);
	EXPECT_EQ(getpid(), rcv.creds.pid);
	EXPECT_EQ(0, rcv.creds.uid);
	EXPECT_EQ(0, rcv.creds.gid);
	ASSERT_TRUE(rcv.have_pidfd);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", rcv.pidfd);
	ASSERT_EQ(0, cg_status_field(path, "Pid:", val, sizeof(val)));
	EXPECT_EQ(getpid(), atoi(val));
	EXPECT_EQ(0, rcv.nother);
	cg_rcv_close(&rcv);
	close(efd);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* Rule 9: closing the receiving socket destroys the pending grant. */
TEST_F(grant, close_reaps_pending)
{
	struct cg_req req;
	struct cg_rcv rcv;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	close(self->r);
	self->r = -1;
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
}

/* Closing the receiving socket with the grant still queued: dropped. */
TEST_F(grant, close_reaps_queued)
{
	struct cg_req req;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	SEND_OK(self->s, MSG, &req);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 0);
	close(self->r);
	self->r = -1;
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 2);
}

/* The sender closing its end does not destroy a queued grant. */
TEST_F(grant, sender_close_keeps_grant)
{
	struct cg_req req;
	struct cg_rcv rcv;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	close(self->s);
	self->s = -1;
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(1234, cg_desc(&rcv)->uid);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* Rule 9: the receiving process exits: its pending grant is dropped. */
TEST_F(grant, exit_reaps_pending)
{
	struct cg_agent_opts o = { .keep_fds = &self->r, .nkeep = 1 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rep rep;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(0, cg_agent_recv(&a, self->r, 64, MSG_DONTWAIT, CG_CTRL_BIG,
				   &rep));
	ASSERT_EQ(MSGLEN, rep.ret) TH_LOG("agent recvmsg: %s",
					  strerror(rep.err));
	ASSERT_EQ(1, rep.rcv.ngrants);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	agent_stop(_metadata, &a);
	/* the socket is still open here: this is the exit, not a close */
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
	EXPECT_EMPTY(self->r);
}

/* Rule 9: exec destroys the pending grants, the socket stays open. */
TEST_F(grant, exec_reaps_pending)
{
	int ready[2], go[2];
	struct cg_req req;
	char c, rfd[16], gfd[16];
	int32_t ngrants = -1;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	pid = cg_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct cg_rcv rcv;
		char buf[64];

		close(ready[0]);
		close(go[1]);
		cg_recv(self->r, buf, sizeof(buf), MSG_DONTWAIT, CG_CTRL_BIG,
			&rcv);
		if (cg_write_full(ready[1], &rcv.ngrants, sizeof(rcv.ngrants)))
			_exit(1);
		if (read(go[0], &c, 1) != 1 || c != 'X')
			_exit(2);
		snprintf(rfd, sizeof(rfd), "%d", ready[1]);
		snprintf(gfd, sizeof(gfd), "%d", go[0]);
		/* self->r stays open across the exec (no CLOEXEC) */
		execl("/proc/self/exe", "credgrant", "--cg-helper",
		      "exec-wait", rfd, gfd, (char *)NULL);
		_exit(3);
	}
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(0, cg_read_full(ready[0], &ngrants, sizeof(ngrants)));
	ASSERT_EQ(1, ngrants);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	ASSERT_EQ(1, write(go[1], "X", 1));
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ('R', c);
	/* the child is alive in its new image and still holds the socket */
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
	ASSERT_EQ(1, write(go[1], "G", 1));
	ASSERT_EQ(0, cg_wait(pid));
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
	close(ready[0]);
	close(go[1]);
}

/* Rule 14: an expired grant nobody reads is reaped by the timer. */
TEST_F(grant, expiry_reaps_without_reader)
{
	struct cg_req req;
	struct cg_rcv p, rd;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 300, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	PEEK_GRANT(self->r, MSG, &p);
	EXPECT_EQ(300 * NSEC_PER_MSEC,
		  cg_desc(&p)->expires_ns - cg_desc(&p)->issued_ns);
	ASSERT_EQ(0, cg_sleep_until_boottime(cg_desc(&p)->expires_ns));
	wait_expired(_metadata, &self->before, 1);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 1, 0);
	/* still described at receive, with its past expiry, counted once */
	RECV_GRANT(self->r, MSG, &rd);
	EXPECT_EQ(cg_desc(&p)->id, cg_desc(&rd)->id);
	EXPECT_EQ(cg_desc(&p)->expires_ns, cg_desc(&rd)->expires_ns);
	EXPECT_GE(cg_boottime_ns(), cg_desc(&rd)->expires_ns);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 1, 0);
	close(self->r);
	self->r = -1;
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 1, 0);
}

/* A send that cannot be queued (peer gone) leaks no grant. */
TEST_F(grant, send_to_closed_peer_no_leak)
{
	int want = variant->type == SOCK_DGRAM ? ECONNREFUSED : EPIPE;
	struct cg_req req;
	ssize_t n;

	close(self->r);
	self->r = -1;
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	errno = 0;
	n = cg_send_grant(self->s, MSG, MSGLEN, &req,
			  MSG_NOSIGNAL | MSG_DONTWAIT);
	ASSERT_EQ(-1, n);
	/* the semantics do not order this against the opt-in check */
	EXPECT_TRUE(errno == want || errno == EPERM)
		TH_LOG("errno %d (%s), expected %s (or EPERM)", errno,
		       strerror(errno), strerror(want));
	expect_no_leak(_metadata, __LINE__, &self->before);
}

/* A send that would block leaks no grant and queues nothing. */
TEST_F(grant, send_would_block_no_leak)
{
	struct cg_req req;
	struct cg_rcv rcv;
	char buf[64];
	int i, n = 0, sndbuf = 4096;

	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				sizeof(sndbuf)));
	for (i = 0; i < 100000; i++) {
		if (send(self->s, "f", 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
			break;
		n++;
	}
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_LT(0, n);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_FAILS(self->s, &req, EAGAIN);
	expect_no_leak(_metadata, __LINE__, &self->before);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(1, cg_recv(self->r, buf, 1, MSG_DONTWAIT,
				     CG_CTRL_BIG, &rcv));
		ASSERT_EQ(0, rcv.ngrants);
	}
	EXPECT_EMPTY(self->r);
	expect_no_leak(_metadata, __LINE__, &self->before);
}

struct thread_send {
	int fd;
	ssize_t ret;
	int err;
	pid_t tid;
};

static void *thread_send_fn(void *arg)
{
	struct thread_send *t = arg;
	struct cg_req req;

	t->tid = gettid();
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	t->ret = cg_send_grant(t->fd, MSG, MSGLEN, &req, MSG_NOSIGNAL);
	t->err = errno;
	return NULL;
}

/* granter_pid is the sender's tgid, not the sending thread's id. */
TEST_F(grant, granter_pid_is_tgid)
{
	struct thread_send t = { .fd = self->s };
	struct cg_rcv rcv;
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, thread_send_fn, &t));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(MSGLEN, t.ret) TH_LOG("%s", strerror(t.err));
	ASSERT_NE(getpid(), t.tid);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(getpid(), cg_desc(&rcv)->granter_pid);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* granter_auid / granter_ses are the sender's loginuid and session. */
TEST_F(grant, granter_loginuid_session)
{
	struct cg_agent_opts o = { .keep_fds = &self->s, .nkeep = 1,
				   .set_loginuid = true, .loginuid = 1500 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rep rep;
	struct cg_rcv rcv;

	AGENT_START(&a, &o);
	ASSERT_EQ(0, cg_agent_simple(&a, CG_OP_IDS, -1, &rep));
	ASSERT_EQ(1500, rep.ids.loginuid);
	ASSERT_NE(CG_UNSET_ID, rep.ids.sessionid);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	AGENT_SEND_OK(&a, self->s, &req);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(1500, cg_desc(&rcv)->granter_auid);
	EXPECT_EQ(rep.ids.sessionid, cg_desc(&rcv)->granter_ses);
	EXPECT_EQ(a.pid, cg_desc(&rcv)->granter_pid);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* Rules 3, 8: a sender in a user namespace grants only ids mapped there. */
TEST_F(grant, userns_sender_ids_translated)
{
	struct cg_ids inside = cg_ids_plain(0, 0, CG_CAP(CAP_SETUID) |
					    CG_CAP(CAP_SETGID));
	struct cg_agent_opts o = {
		.ids = &inside, .keep_fds = &self->s, .nkeep = 1,
		.uid_map = "0 100000 2000\n", .gid_map = "0 100000 2000\n",
	};
	static const uint32_t g_in[] = { 7, 8 };
	static const uint32_t g_out[] = { 100007, 100008 };
	static const uint32_t g_bad[] = { 7, 5000 };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_FULL, 5, 6, 0, g_in, 2);
	AGENT_SEND_OK(&a, self->s, &req);
	cg_req_init(&req, CREDGRANT_UID | CREDGRANT_GID, CREDGRANT_SELF,
		    CREDGRANT_SELF, 0, NULL, 0);
	AGENT_SEND_OK(&a, self->s, &req);
	/* ids not mapped in the sender's namespace */
	cg_req_init(&req, CREDGRANT_UID, 5000, 0, 0, NULL, 0);
	AGENT_SEND_FAILS(&a, self->s, &req, EINVAL);
	cg_req_init(&req, CREDGRANT_GID, 0, 5000, 0, NULL, 0);
	AGENT_SEND_FAILS(&a, self->s, &req, EINVAL);
	cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, g_bad, 2);
	AGENT_SEND_FAILS(&a, self->s, &req, EINVAL);

	w = want_self(CREDGRANT_FULL, 100005, 100006,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.ngroups = 2;
	w.groups = g_out;
	w.guid = 100000;
	w.ggid = 100000;
	w.gpid = a.pid;
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	w = want_self(CREDGRANT_UID | CREDGRANT_GID, 100000, 100000,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.guid = 100000;
	w.ggid = 100000;
	w.gpid = a.pid;
	RECV_GRANT(self->r, MSG, &rcv);
	CHECK_DESC(cg_desc(&rcv), &w);
	EXPECT_EMPTY(self->r);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 0);
}

/* Rule 3: without CAP_SETUID in its own namespace: only its own ids. */
TEST_F(grant, userns_sender_without_cap_eperm)
{
	struct cg_ids inside = cg_ids_plain(1, 1, 0);
	struct cg_agent_opts o = {
		.ids = &inside, .keep_fds = &self->s, .nkeep = 1,
		.uid_map = "0 100000 2000\n", .gid_map = "0 100000 2000\n",
	};
	struct cg_agent a;
	struct cg_req req;
	struct cg_rcv rcv;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_UID, 5, 0, 0, NULL, 0);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_GID, 0, 5, 0, NULL, 0);
	AGENT_SEND_FAILS(&a, self->s, &req, EPERM);
	cg_req_init(&req, CREDGRANT_UID | CREDGRANT_GID, 1, 1, 0, NULL, 0);
	AGENT_SEND_OK(&a, self->s, &req);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(100001, cg_desc(&rcv)->uid);
	EXPECT_EQ(100001, cg_desc(&rcv)->gid);
	EXPECT_EQ(100001, cg_desc(&rcv)->granter_uid);
	EXPECT_EQ(100001, cg_desc(&rcv)->granter_gid);
	EXPECT_EMPTY(self->r);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/*
 * Rule 8: ids are translated into the receiver's user namespace at
 * recvmsg; unmapped ones show as the overflow id and are still delivered.
 */
TEST_F(grant, userns_receiver_translation)
{
	struct cg_agent_opts o = {
		.keep_fds = &self->r, .nkeep = 1,
		.uid_map = "0 1000 1\n", .gid_map = "0 1000 1\n",
	};
	static const uint32_t g_out[] = { 1000, 1234 };
	uint32_t ovu = cg_overflowuid(), ovg = cg_overflowgid();
	uint32_t g_in[2] = { 0, ovg };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rep rep;
	struct want w;

	EXPECT_EQ(65534, ovu);
	EXPECT_EQ(65534, ovg);
	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_FULL, 1000, 1000, 0, g_out, 2);
	SEND_OK(self->s, MSG, &req);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);

	ASSERT_EQ(0, cg_agent_recv(&a, self->r, 64, MSG_DONTWAIT, CG_CTRL_BIG,
				   &rep));
	ASSERT_EQ(MSGLEN, rep.ret) TH_LOG("%s", strerror(rep.err));
	ASSERT_EQ(1, rep.rcv.ngrants);
	w = want_self(CREDGRANT_FULL, 0, 0, self->sys.val[SYS_TTL_DEFAULT]);
	w.ngroups = 2;
	w.groups = g_in;
	w.guid = ovu;	/* the sender, uid 0 outside, is unmapped here */
	w.ggid = ovg;
	w.gauid = cg_desc(&rep.rcv)->granter_auid;	/* checked below */
	CHECK_DESC(cg_desc(&rep.rcv), &w);
	if (cg_self_loginuid() == CG_UNSET_ID)
		EXPECT_EQ(CG_UNSET_ID, cg_desc(&rep.rcv)->granter_auid);

	ASSERT_EQ(0, cg_agent_recv(&a, self->r, 64, MSG_DONTWAIT, CG_CTRL_BIG,
				   &rep));
	ASSERT_EQ(MSGLEN, rep.ret) TH_LOG("%s", strerror(rep.err));
	ASSERT_EQ(1, rep.rcv.ngrants);
	w = want_self(CREDGRANT_UID, ovu, CG_UNSET_ID,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.guid = ovu;
	w.ggid = ovg;
	w.gauid = cg_desc(&rep.rcv)->granter_auid;
	CHECK_DESC(cg_desc(&rep.rcv), &w);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 0);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 2);
}

/* granter_pid is 0 when the sender is not visible in the receiver's ns. */
TEST_F(grant, pidns_receiver_granter_pid_zero)
{
	struct cg_agent_opts o = { .keep_fds = &self->r, .nkeep = 1,
				   .new_pidns = true };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rep rep;
	struct want w;

	AGENT_START(&a, &o);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	ASSERT_EQ(0, cg_agent_recv(&a, self->r, 64, MSG_DONTWAIT, CG_CTRL_BIG,
				   &rep));
	ASSERT_EQ(MSGLEN, rep.ret) TH_LOG("%s", strerror(rep.err));
	ASSERT_EQ(1, rep.rcv.ngrants);
	w = want_self(CREDGRANT_UID, 1234, CG_UNSET_ID,
		      self->sys.val[SYS_TTL_DEFAULT]);
	w.gpid = 0;
	CHECK_DESC(cg_desc(&rep.rcv), &w);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
}

/* granter_pid is translated into the receiver's pid namespace. */
TEST_F(grant, pidns_sender_granter_pid_translated)
{
	struct cg_agent_opts o = { .keep_fds = &self->s, .nkeep = 1,
				   .new_pidns = true };
	struct cg_agent a;
	struct cg_req req;
	struct cg_rcv rcv;

	AGENT_START(&a, &o);
	ASSERT_LT(1, a.pid);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	AGENT_SEND_OK(&a, self->s, &req);
	RECV_GRANT(self->r, MSG, &rcv);
	/* pid 1 in its own namespace, a.pid in ours */
	EXPECT_EQ(a.pid, cg_desc(&rcv)->granter_pid);
	agent_stop(_metadata, &a);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* ------------------------------------------------------------------ */
/* stream-only: no read merges data across a grant boundary (rule 7)  */

FIXTURE(stream)
{
	int s, r;
	struct cg_counters before;
	struct saved_sysctls sys;
};

FIXTURE_SETUP(stream)
{
	env_setup(_metadata, SOCK_STREAM, &self->s, &self->r, &self->before,
		  &self->sys);
}

FIXTURE_TEARDOWN(stream)
{
	env_teardown(_metadata, self->s, self->r, &self->sys);
}

TEST_F(stream, boundary_before_grant)
{
	struct cg_req req;
	struct cg_rcv rcv;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, "AAAA", NULL);
	SEND_OK(self->s, "BBBB", &req);
	RECV_PLAIN(self->r, "AAAA", &rcv);
	RECV_GRANT(self->r, "BBBB", &rcv);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

TEST_F(stream, boundary_after_grant)
{
	struct cg_req req;
	struct cg_rcv rcv;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, "AAAA", &req);
	SEND_OK(self->s, "CCCC", NULL);
	RECV_GRANT(self->r, "AAAA", &rcv);
	RECV_PLAIN(self->r, "CCCC", &rcv);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

TEST_F(stream, boundary_between_grants)
{
	struct cg_req r1, r2;
	struct cg_rcv rcv;

	cg_req_init(&r1, CREDGRANT_UID, 1111, 0, 0, NULL, 0);
	cg_req_init(&r2, CREDGRANT_UID, 2222, 0, 0, NULL, 0);
	SEND_OK(self->s, "AAAA", &r1);
	SEND_OK(self->s, "BBBB", &r2);
	RECV_GRANT(self->r, "AAAA", &rcv);
	EXPECT_EQ(1111, cg_desc(&rcv)->uid);
	RECV_GRANT(self->r, "BBBB", &rcv);
	EXPECT_EQ(2222, cg_desc(&rcv)->uid);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 0);
}

/* The grant comes with the first read of its message; the rest is alone. */
TEST_F(stream, partial_read_then_rest)
{
	struct cg_req req;
	struct cg_rcv rcv;
	char buf[16] = { 0 };

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, "ABCDEFGH", &req);
	SEND_OK(self->s, "tail", NULL);
	ASSERT_EQ(3, cg_recv(self->r, buf, 3, MSG_DONTWAIT, CG_CTRL_BIG,
			     &rcv));
	EXPECT_EQ(0, memcmp(buf, "ABC", 3));
	EXPECT_EQ(1, rcv.ngrants);
	RECV_PLAIN(self->r, "DEFGH", &rcv);
	RECV_PLAIN(self->r, "tail", &rcv);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/*
 * A grant message larger than one skb (AF_UNIX stream skbs hold about
 * 36 KiB here): no read joins its last bytes to the next message.
 */
TEST_F(stream, large_grant_message_not_merged)
{
	static char big[100000], buf[262144];
	struct cg_req req;
	struct cg_rcv rcv;
	size_t got = 0;
	int reads = 0, grants = 0;
	int64_t n;

	memset(big, 'x', sizeof(big));
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	ASSERT_EQ((ssize_t)sizeof(big),
		  cg_send_grant(self->s, big, sizeof(big), &req, MSG_NOSIGNAL));
	SEND_OK(self->s, "tail", NULL);
	while (got < sizeof(big)) {
		n = cg_recv(self->r, buf, sizeof(buf), MSG_DONTWAIT,
			    CG_CTRL_BIG, &rcv);
		ASSERT_LT(0, n) TH_LOG("%s", strerror(rcv.err));
		ASSERT_GE(sizeof(big) - got, (size_t)n)
			TH_LOG("read %d merged %lld bytes past the grant message",
			       reads, (long long)(got + n - sizeof(big)));
		EXPECT_EQ(reads == 0 ? 1 : 0, rcv.ngrants);
		grants += rcv.ngrants;
		got += n;
		reads++;
	}
	EXPECT_EQ(1, grants);
	RECV_PLAIN(self->r, "tail", &rcv);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* semantics: a grant on a zero-length stream send has nothing to ride. */
TEST_F(stream, zero_length_send_einval)
{
	struct cg_req req;
	struct cg_rcv rcv;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	errno = 0;
	ASSERT_EQ(-1, cg_send_grant(self->s, "", 0, &req,
				    MSG_NOSIGNAL | MSG_DONTWAIT));
	ASSERT_EQ(EINVAL, errno) TH_LOG("%s", strerror(errno));
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 0, 0, 0, 0, 0);
	/* one byte carries it */
	SEND_OK(self->s, "x", &req);
	RECV_GRANT(self->r, "x", &rcv);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* MSG_PEEK does not merge across a grant boundary either. */
TEST_F(stream, peek_boundary)
{
	struct cg_req req;
	struct cg_rcv rcv;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, "AAAA", NULL);
	SEND_OK(self->s, "BBBB", &req);
	recv_plain(_metadata, __LINE__, self->r, "AAAA", MSG_PEEK,
		   CG_CTRL_BIG, &rcv);
	RECV_PLAIN(self->r, "AAAA", &rcv);
	PEEK_GRANT(self->r, "BBBB", &rcv);
	RECV_GRANT(self->r, "BBBB", &rcv);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* MSG_WAITALL stops before a grant message instead of merging into it. */
TEST_F(stream, waitall_stops_at_grant)
{
	struct cg_req req;
	struct cg_rcv rcv;
	char buf[16] = { 0 };

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, "AAAA", NULL);
	SEND_OK(self->s, "BBBB", &req);
	ASSERT_EQ(4, cg_recv(self->r, buf, 8, MSG_WAITALL | MSG_DONTWAIT,
			     CG_CTRL_BIG, &rcv));
	EXPECT_EQ(0, memcmp(buf, "AAAA", 4));
	EXPECT_EQ(0, rcv.ngrants);
	ASSERT_EQ(4, cg_recv(self->r, buf, 8, MSG_WAITALL | MSG_DONTWAIT,
			     CG_CTRL_BIG, &rcv));
	EXPECT_EQ(0, memcmp(buf, "BBBB", 4));
	EXPECT_EQ(1, rcv.ngrants);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* ------------------------------------------------------------------ */
/* connection-oriented: accept() inheritance and embryo sockets       */

FIXTURE(listener)
{
	int l, c, a;
	struct sockaddr_un addr;
	socklen_t alen;
	struct cg_counters before;
	struct saved_sysctls sys;
};

FIXTURE_VARIANT(listener)
{
	int type;
};

FIXTURE_VARIANT_ADD(listener, stream)
{
	.type = SOCK_STREAM,
};

FIXTURE_VARIANT_ADD(listener, seqpacket)
{
	.type = SOCK_SEQPACKET,
};

FIXTURE_SETUP(listener)
{
	int unused_s, unused_r;

	self->l = self->c = self->a = -1;
	env_setup(_metadata, 0, &unused_s, &unused_r, &self->before,
		  &self->sys);
	self->l = socket(AF_UNIX, variant->type, 0);
	ASSERT_LE(0, self->l);
	memset(&self->addr, 0, sizeof(self->addr));
	self->addr.sun_family = AF_UNIX;
	snprintf(self->addr.sun_path + 1, sizeof(self->addr.sun_path) - 1,
		 "credgrant-%d", getpid());
	self->alen = offsetof(struct sockaddr_un, sun_path) + 1 +
		     strlen(self->addr.sun_path + 1);
	ASSERT_EQ(0, bind(self->l, (struct sockaddr *)&self->addr,
			  self->alen));
	ASSERT_EQ(0, listen(self->l, 4));
	self->c = socket(AF_UNIX, variant->type, 0);
	ASSERT_LE(0, self->c);
}

FIXTURE_TEARDOWN(listener)
{
	if (self->a >= 0)
		close(self->a);
	if (self->l >= 0)
		close(self->l);
	env_teardown(_metadata, self->c, -1, &self->sys);
}

static void do_connect(struct __test_metadata *_metadata,
		       FIXTURE_DATA(listener) *self)
{
	ASSERT_EQ(0, connect(self->c, (struct sockaddr *)&self->addr,
			     self->alen)) TH_LOG("%s", strerror(errno));
}

TEST_F(listener, accept_inherits_optin)
{
	int c2;

	ASSERT_EQ(0, cg_set_passcredgrant(self->l, 1));
	do_connect(_metadata, self);
	self->a = accept(self->l, NULL, NULL);
	ASSERT_LE(0, self->a);
	EXPECT_EQ(1, cg_get_passcredgrant(self->a));
	EXPECT_EQ(0, cg_get_passcredgrant(self->c));
	close(self->a);

	ASSERT_EQ(0, cg_set_passcredgrant(self->l, 0));
	c2 = socket(AF_UNIX, variant->type, 0);
	ASSERT_LE(0, c2);
	ASSERT_EQ(0, connect(c2, (struct sockaddr *)&self->addr, self->alen));
	self->a = accept(self->l, NULL, NULL);
	ASSERT_LE(0, self->a);
	EXPECT_EQ(0, cg_get_passcredgrant(self->a));
	close(c2);
	EXPECT_COUNTERS(&self->before, 0, 0, 0, 0, 0);
}

/* Rule 2: the embryo of an opted-in listener takes grants before accept. */
TEST_F(listener, embryo_send_before_accept)
{
	struct cg_req req;
	struct cg_rcv rcv;
	struct want w;

	ASSERT_EQ(0, cg_set_passcredgrant(self->l, 1));
	do_connect(_metadata, self);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->c, MSG, &req);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	self->a = accept(self->l, NULL, NULL);
	ASSERT_LE(0, self->a);
	RECV_GRANT(self->a, MSG, &rcv);
	w = want_self(CREDGRANT_UID, 1234, CG_UNSET_ID,
		      self->sys.val[SYS_TTL_DEFAULT]);
	CHECK_DESC(cg_desc(&rcv), &w);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* Rule 2: listener without the opt-in: EPERM at send, nothing queued. */
TEST_F(listener, embryo_listener_without_optin_eperm)
{
	struct cg_req req;

	do_connect(_metadata, self);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_FAILS(self->c, &req, EPERM);
	self->a = accept(self->l, NULL, NULL);
	ASSERT_LE(0, self->a);
	EXPECT_EMPTY(self->a);
	EXPECT_COUNTERS(&self->before, 0, 0, 0, 0, 0);
}

/* Rule 2: the check repeats at receive: accepted socket opted out: drop. */
TEST_F(listener, embryo_accepted_optout_drops)
{
	struct cg_req req;
	struct cg_rcv rcv;

	ASSERT_EQ(0, cg_set_passcredgrant(self->l, 1));
	do_connect(_metadata, self);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->c, MSG, &req);
	self->a = accept(self->l, NULL, NULL);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(0, cg_set_passcredgrant(self->a, 0));
	RECV_PLAIN(self->a, MSG, &rcv);
	EXPECT_EQ(0, rcv.npartial);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
}

/*
 * Rule 2: the embryo's opt-in is the listener's SO_PASSCREDGRANT as of
 * connect(): a later change of the listener's flag does not change what
 * the embryo takes.
 */
TEST_F(listener, embryo_optin_as_of_connect)
{
	struct cg_req req;
	int c2, a2;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	/* not opted in at connect(), opted in before the send: EPERM */
	do_connect(_metadata, self);
	ASSERT_EQ(0, cg_set_passcredgrant(self->l, 1));
	SEND_FAILS(self->c, &req, EPERM);
	EXPECT_COUNTERS(&self->before, 0, 0, 0, 0, 0);
	/* opted in at connect(), opted out before the send: queued */
	c2 = socket(AF_UNIX, variant->type, 0);
	ASSERT_LE(0, c2);
	ASSERT_EQ(0, connect(c2, (struct sockaddr *)&self->addr, self->alen));
	ASSERT_EQ(0, cg_set_passcredgrant(self->l, 0));
	SEND_OK(c2, MSG, &req);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	self->a = accept(self->l, NULL, NULL);
	ASSERT_LE(0, self->a);
	a2 = accept(self->l, NULL, NULL);
	ASSERT_LE(0, a2);
	close(a2);
	close(c2);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
}

/* ------------------------------------------------------------------ */
/* socket option, other families, overridden credentials              */

FIXTURE(misc)
{
	int s, r;
	struct cg_counters before;
	struct saved_sysctls sys;
};

FIXTURE_SETUP(misc)
{
	env_setup(_metadata, SOCK_STREAM, &self->s, &self->r, &self->before,
		  &self->sys);
}

FIXTURE_TEARDOWN(misc)
{
	env_teardown(_metadata, self->s, self->r, &self->sys);
}

TEST_F(misc, sockopt_default_get_set)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	unsigned int i;
	int fd, val = 1;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		fd = socket(AF_UNIX, types[i], 0);
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, cg_get_passcredgrant(fd)) TH_LOG("type %d",
							      types[i]);
		ASSERT_EQ(0, cg_set_passcredgrant(fd, 1));
		EXPECT_EQ(1, cg_get_passcredgrant(fd));
		ASSERT_EQ(0, cg_set_passcredgrant(fd, 0));
		EXPECT_EQ(0, cg_get_passcredgrant(fd));
		errno = 0;
		EXPECT_EQ(-1, setsockopt(fd, SOL_SOCKET, SO_PASSCREDGRANT,
					 &val, 2));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(0, cg_get_passcredgrant(fd));
		close(fd);
	}
}

/* Rule 1: SCM_CREDGRANT on anything but AF_UNIX: EINVAL. */
TEST_F(misc, not_af_unix_einval)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct cg_req req;
	struct cg_rcv rcv;
	struct msghdr msg = { 0 };
	struct iovec iov = { .iov_base = MSG, .iov_len = MSGLEN };
	char ctl[CMSG_SPACE(sizeof(struct credgrant_req))];
	struct cmsghdr *c;
	socklen_t len = sizeof(sin);
	int fd;

	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(self->s, MSG, &req);
	RECV_GRANT(self->r, MSG, &rcv);

	memset(ctl, 0, sizeof(ctl));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl;
	msg.msg_controllen = sizeof(ctl);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDGRANT;
	c->cmsg_len = CMSG_LEN(req.len);
	memcpy(CMSG_DATA(c), req.buf, req.len);

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	ASSERT_LE(0, fd);
	msg.msg_name = &nl;
	msg.msg_namelen = sizeof(nl);
	errno = 0;
	EXPECT_EQ(-1, sendmsg(fd, &msg, MSG_DONTWAIT));
	EXPECT_EQ(EINVAL, errno) TH_LOG("netlink: %s", strerror(errno));
	close(fd);

	/* UDP too, where the kernel has IPv4 */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 && errno == EAFNOSUPPORT) {
		TH_LOG("no AF_INET in this kernel: checked netlink only");
		EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
		return;
	}
	ASSERT_LE(0, fd);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&sin, &len));
	msg.msg_name = &sin;
	msg.msg_namelen = sizeof(sin);
	errno = 0;
	EXPECT_EQ(-1, sendmsg(fd, &msg, MSG_DONTWAIT));
	EXPECT_EQ(EINVAL, errno) TH_LOG("udp: %s", strerror(errno));
	close(fd);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* a minimal io_uring, enough for one IORING_OP_SENDMSG */
struct uring {
	int fd;
	void *sq, *cq;
	size_t sq_sz, cq_sz, sqes_sz;
	struct io_uring_sqe *sqes;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
};

static int uring_init(struct uring *u)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	memset(u, 0, sizeof(*u));
	u->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (u->fd < 0)
		return -errno;
	u->sq_sz = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	u->cq_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (u->cq_sz > u->sq_sz)
			u->sq_sz = u->cq_sz;
		u->cq_sz = u->sq_sz;
	}
	u->sq = mmap(NULL, u->sq_sz, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
	if (u->sq == MAP_FAILED)
		return -errno;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		u->cq = u->sq;
	} else {
		u->cq = mmap(NULL, u->cq_sz, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_POPULATE, u->fd,
			     IORING_OFF_CQ_RING);
		if (u->cq == MAP_FAILED)
			return -errno;
	}
	u->sqes_sz = p.sq_entries * sizeof(struct io_uring_sqe);
	u->sqes = mmap(NULL, u->sqes_sz, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
	if (u->sqes == MAP_FAILED)
		return -errno;
	u->sq_tail = (unsigned int *)((char *)u->sq + p.sq_off.tail);
	u->sq_mask = (unsigned int *)((char *)u->sq + p.sq_off.ring_mask);
	u->sq_array = (unsigned int *)((char *)u->sq + p.sq_off.array);
	u->cq_head = (unsigned int *)((char *)u->cq + p.cq_off.head);
	u->cq_tail = (unsigned int *)((char *)u->cq + p.cq_off.tail);
	u->cq_mask = (unsigned int *)((char *)u->cq + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)((char *)u->cq + p.cq_off.cqes);
	return 0;
}

/* Submit one sendmsg and wait for it: 0 and *res, or -errno. */
static int uring_sendmsg(struct uring *u, int fd, struct msghdr *msg,
			 int personality, int *res)
{
	unsigned int tail = *u->sq_tail, idx = tail & *u->sq_mask, head;
	struct io_uring_sqe *sqe = &u->sqes[idx];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_SENDMSG;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)msg;
	sqe->len = 1;
	sqe->msg_flags = MSG_NOSIGNAL;
	sqe->personality = personality;
	sqe->user_data = 42;
	u->sq_array[idx] = idx;
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, u->fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return -errno;
	head = *u->cq_head;
	if (head == __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
		return -EIO;
	*res = u->cqes[head & *u->cq_mask].res;
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Rule 4: overridden credentials (io_uring personality): EPERM. */
TEST_F(misc, override_creds_eperm)
{
	struct cg_req req;
	struct cg_rcv rcv;
	struct msghdr msg = { 0 };
	struct iovec iov = { .iov_base = MSG, .iov_len = MSGLEN };
	char ctl[CMSG_SPACE(sizeof(struct credgrant_req))];
	struct cmsghdr *c;
	struct uring u;
	int ret, res = 0, pers;

	ret = uring_init(&u);
	if (ret == -ENOSYS)
		SKIP(return, "io_uring_setup: ENOSYS: the kernel needs CONFIG_IO_URING=y for this test");
	ASSERT_EQ(0, ret) TH_LOG("io_uring_setup: %s", strerror(-ret));
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	memset(ctl, 0, sizeof(ctl));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl;
	msg.msg_controllen = sizeof(ctl);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDGRANT;
	c->cmsg_len = CMSG_LEN(req.len);
	memcpy(CMSG_DATA(c), req.buf, req.len);

	/* the task's own credentials through io_uring: allowed */
	ASSERT_EQ(0, uring_sendmsg(&u, self->s, &msg, 0, &res));
	ASSERT_EQ(MSGLEN, res) TH_LOG("io_uring sendmsg: %s", strerror(-res));
	RECV_GRANT(self->r, MSG, &rcv);

	/* a registered personality, then a new (equal) cred for the task */
	pers = syscall(__NR_io_uring_register, u.fd,
		       IORING_REGISTER_PERSONALITY, NULL, 0);
	ASSERT_LT(0, pers) TH_LOG("IORING_REGISTER_PERSONALITY: %s",
				  strerror(errno));
	ASSERT_EQ(0, setgroups(0, NULL));
	ASSERT_EQ(0, uring_sendmsg(&u, self->s, &msg, pers, &res));
	EXPECT_EQ(-EPERM, res) TH_LOG("io_uring sendmsg with personality: %d",
				      res);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	close(u.fd);
}

/*
 * Expiry racing acceptid (the timer is KUnit-tested in the kernel): two
 * threads on two CPUs, released together, accept grants whose expiry
 * falls around the call.  Every 0 is one accepted (never also expired)
 * with the new gid in place, every ETIME one expired, nothing else.
 */

#define RACE_ROUNDS	200

struct racer {
	int cpu;
	int s, r;
	pthread_barrier_t *bar;
	uint32_t base_gid;
	int ok, etime, other, wrong_ids, setup_err;
};

static void *racer_fn(void *arg)
{
	struct racer *t = arg;
	struct cg_req req;
	struct cg_rcv rcv;
	cpu_set_t set;
	char buf[64];
	int i;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		t->setup_err = errno;
	for (i = 0; i < RACE_ROUNDS; i++) {
		uint32_t gid = t->base_gid + i;
		/* from 5 ms before to 5 ms after expires_ns */
		int64_t off = (int64_t)(i % 21 - 10) * 500000;
		uid_t rg, eg, sg;
		uint64_t target;
		long ret;

		cg_req_init(&req, CREDGRANT_GID, 0, gid, 20, NULL, 0);
		if (cg_send_grant(t->s, MSG, MSGLEN, &req, MSG_DONTWAIT) !=
			    MSGLEN ||
		    cg_recv(t->r, buf, sizeof(buf), MSG_DONTWAIT, CG_CTRL_BIG,
			    &rcv) != MSGLEN || rcv.ngrants != 1) {
			t->setup_err = errno ? errno : EPROTO;
			pthread_barrier_wait(t->bar);
			continue;
		}
		pthread_barrier_wait(t->bar);
		target = cg_desc(&rcv)->expires_ns + off;
		while (cg_boottime_ns() < target)
			;
		errno = 0;
		ret = cg_acceptid(t->r, rcv.desc, rcv.grant_len, 0);
		if (ret == 0)
			t->ok++;
		else if (errno == ETIME)
			t->etime++;
		else
			t->other++;
		/* this thread's own gids (the raw syscall is per thread) */
		if (syscall(SYS_getresgid, &rg, &eg, &sg) ||
		    (ret == 0 && (eg != gid || rg != gid || sg != gid)) ||
		    (ret != 0 && eg == gid))
			t->wrong_ids++;
	}
	return NULL;
}

TEST_F_TIMEOUT(misc, expiry_races_acceptid_on_two_cpus, 120)
{
	struct racer t[2];
	pthread_barrier_t bar;
	pthread_t th[2];
	struct cg_counters now;
	int i, sv[2], ok = 0, etime = 0;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 online CPUs, this machine has %ld",
		     sysconf(_SC_NPROCESSORS_ONLN));
	ASSERT_EQ(0, pthread_barrier_init(&bar, NULL, 2));
	for (i = 0; i < 2; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
		ASSERT_EQ(0, cg_set_passcredgrant(sv[1], 1));
		t[i].cpu = i;
		t[i].s = sv[0];
		t[i].r = sv[1];
		t[i].bar = &bar;
		t[i].base_gid = 20000 + i * 1000;
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, racer_fn, &t[i]));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_join(th[i], NULL));
		EXPECT_EQ(0, t[i].setup_err) TH_LOG("cpu %d: %s", i,
						    strerror(t[i].setup_err));
		EXPECT_EQ(0, t[i].other) TH_LOG("cpu %d: other errors", i);
		EXPECT_EQ(0, t[i].wrong_ids) TH_LOG("cpu %d: ids do not match the outcome",
						    i);
		ok += t[i].ok;
		etime += t[i].etime;
		close(t[i].s);
		close(t[i].r);
	}
	TH_LOG("%d accepted, %d ETIME of %d", ok, etime, 2 * RACE_ROUNDS);
	ASSERT_EQ(0, cg_counters_read(&now));
	EXPECT_EQ(2 * RACE_ROUNDS, now.issued - self->before.issued);
	EXPECT_EQ(ok, now.accepted - self->before.accepted);
	EXPECT_EQ(etime, now.expired - self->before.expired);
	EXPECT_EQ(0, now.rejected - self->before.rejected);
	EXPECT_EQ(self->before.outstanding, now.outstanding);
	pthread_barrier_destroy(&bar);
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
