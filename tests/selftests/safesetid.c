// SPDX-License-Identifier: GPL-2.0
/*
 * Security modules decide too: with a SafeSetID policy that lets uid (gid)
 * 1000 switch only to 2000, a process running as 1000 cannot use a grant
 * to become anyone else. acceptid() fails with EPERM, the ids stay, the
 * process is not killed (SafeSetID's task_fix_setuid would kill it), and
 * the grant is used up.
 *
 * The accepting process holds CAP_SETUID and CAP_SETGID, as a process
 * SafeSetID restricts does: since rule 12 of 2026-11-29 acceptid applies in
 * place only what setresuid/setresgid/setgroups would allow, so without
 * them every one of these grants would be a gain (EPERM whatever the
 * policy says).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/resource.h>

#include <linux/credpass.h>
#include "credpass.h"

/* before the harness: only its harness-independent helpers (cg_become) */
#include "credgrant_util.h"
#include "kselftest_harness.h"

#define SSI_DIR		"/sys/kernel/security/safesetid"
#define UID_POLICY	SSI_DIR "/uid_allowlist_policy"
#define GID_POLICY	SSI_DIR "/gid_allowlist_policy"

/* What the accepting child saw, sent back through a pipe. */
struct outcome {
	int ret;
	int err;
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	int ngroups;
	gid_t groups[8];
	int got_desc;
};

struct counters {
	uint64_t issued, accepted, rejected, expired, dropped, outstanding;
};

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

static int read_counters(struct counters *c)
{
	FILE *f = fopen("/proc/net/credgrant", "r");
	char name[32];
	unsigned long long v;
	int n = 0;

	if (!f)
		return -errno;
	while (fscanf(f, "%31s %llu", name, &v) == 2) {
		n++;
		if (!strcmp(name, "issued"))
			c->issued = v;
		else if (!strcmp(name, "accepted"))
			c->accepted = v;
		else if (!strcmp(name, "rejected"))
			c->rejected = v;
		else if (!strcmp(name, "expired"))
			c->expired = v;
		else if (!strcmp(name, "dropped"))
			c->dropped = v;
		else if (!strcmp(name, "outstanding"))
			c->outstanding = v;
	}
	fclose(f);
	return n == 6 ? 0 : -EINVAL;
}

/* Through libcredpass: data "g" with the grant request.  0 or -errno. */
static int send_grant(int fd, uint32_t kind, uint32_t uid, uint32_t gid,
		      const uint32_t *groups, uint32_t ngroups)
{
	struct credpass_request req = {
		.kind = kind, .uid = uid, .gid = gid,
		.groups = groups, .ngroups = ngroups,
	};
	ssize_t n = credpass_send(fd, &req, "g", 1, NULL, 0, 0);

	return n == 1 ? 0 : n < 0 ? (int)n : -EIO;
}

/* In the child: receive one grant and accept it exactly as described. */
static void accept_one(int fd, struct outcome *o)
{
	const struct credgrant *d;
	struct credpass_msg msg;
	ssize_t n;
	char data;
	int ret;

	o->ret = -1;
	o->err = 0;
	n = credpass_recv(fd, &data, 1, NULL, 0, &msg, 0);
	if (n != 1) {
		o->err = n < 0 ? -n : EIO;
		return;
	}
	d = credpass_msg_grant(&msg);
	o->got_desc = !!d;
	if (!d)
		return;
	ret = credpass_accept(fd, d, 0);
	o->ret = ret ? -1 : 0;
	o->err = -ret;
}

FIXTURE(ssi) {
	int sv[2];
	struct counters before;
};

FIXTURE_SETUP(ssi)
{
	struct stat st;

	if (stat(SSI_DIR, &st)) {
		mkdir("/sys/kernel/security", 0755);
		mount("securityfs", "/sys/kernel/security", "securityfs", 0,
		      NULL);
	}
	if (stat(SSI_DIR, &st))
		SKIP(return, "SafeSetID is not in this kernel (%s)",
		     strerror(errno));
	ASSERT_EQ(0, write_file(UID_POLICY, "1000:2000\n"));
	ASSERT_EQ(0, write_file(GID_POLICY, "1000:2000\n"));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, self->sv));
	ASSERT_EQ(0, credpass_set_passcredgrant(self->sv[1], 1));
	ASSERT_EQ(0, read_counters(&self->before));
}

FIXTURE_TEARDOWN(ssi)
{
	struct counters now;

	/* An empty write installs an empty policy: nobody is restricted. */
	EXPECT_EQ(0, write_file(UID_POLICY, ""));
	EXPECT_EQ(0, write_file(GID_POLICY, ""));
	close(self->sv[0]);
	close(self->sv[1]);
	ASSERT_EQ(0, read_counters(&now));
	EXPECT_EQ(now.issued, now.accepted + now.rejected + now.expired +
			      now.dropped + now.outstanding);
}

/* How the accepting child is set up. */
struct child_setup {
	uid_t uid;
	gid_t gid;
	int ngroups;
	uint32_t groups[4];
	rlim_t nproc;		/* 0: leave RLIMIT_NPROC alone */
};

/*
 * Run a child as @cs (CAP_SETUID and CAP_SETGID kept), send it one grant,
 * and collect what it saw.
 */
static void run_ex(struct __test_metadata *_metadata, int *sv,
		   const struct child_setup *cs, uint32_t kind, uint32_t guid,
		   uint32_t ggid, const uint32_t *groups, uint32_t ngroups,
		   struct outcome *o)
{
	int ready[2], res[2], status, i;
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(res));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct cg_ids ids = cg_ids_plain(cs->uid, cs->gid,
						 CG_CAP(CAP_SETUID) |
						 CG_CAP(CAP_SETGID));
		struct rlimit rl;
		struct outcome out = { 0 };

		close(ready[0]);
		close(res[0]);
		ids.ngroups = cs->ngroups;
		for (i = 0; i < cs->ngroups; i++)
			ids.groups[i] = cs->groups[i];
		if (cg_become(&ids))
			_exit(2);
		/* lower the soft limit only: the hard one stays */
		if (cs->nproc && (getrlimit(RLIMIT_NPROC, &rl) ||
				  (rl.rlim_cur = cs->nproc,
				   setrlimit(RLIMIT_NPROC, &rl))))
			_exit(5);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		accept_one(sv[1], &out);
		getresuid(&out.ruid, &out.euid, &out.suid);
		getresgid(&out.rgid, &out.egid, &out.sgid);
		out.ngroups = getgroups(8, out.groups);
		_exit(write(res[1], &out, sizeof(out)) == sizeof(out) ? 0 : 4);
	}
	close(ready[1]);
	close(res[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, send_grant(sv[0], kind, guid, ggid, groups, ngroups));
	ASSERT_EQ((ssize_t)sizeof(*o), read(res[0], o, sizeof(*o)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* Refused, not killed. */
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_TRUE(o->got_desc);
	close(ready[0]);
	close(res[0]);
}

/* As @uid/@gid with no supplementary groups. */
static void run(struct __test_metadata *_metadata, int *sv, uid_t uid,
		gid_t gid, uint32_t kind, uint32_t guid, uint32_t ggid,
		const uint32_t *groups, uint32_t ngroups, struct outcome *o)
{
	struct child_setup cs = { .uid = uid, .gid = gid };

	run_ex(_metadata, sv, &cs, kind, guid, ggid, groups, ngroups, o);
}

static void expect_counted(struct __test_metadata *_metadata,
			   const struct counters *before, int accepted,
			   int rejected)
{
	struct counters now;

	ASSERT_EQ(0, read_counters(&now));
	EXPECT_EQ(before->issued + 1, now.issued);
	EXPECT_EQ(before->accepted + accepted, now.accepted);
	EXPECT_EQ(before->rejected + rejected, now.rejected);
	EXPECT_EQ(before->outstanding, now.outstanding);
}

TEST_F(ssi, uid_grant_to_root_refused)
{
	struct outcome o;

	run(_metadata, self->sv, 1000, 1000, CREDGRANT_UID, 0, 0, NULL, 0, &o);
	EXPECT_EQ(-1, o.ret);
	EXPECT_EQ(EPERM, o.err);
	EXPECT_EQ((uid_t)1000, o.ruid);
	EXPECT_EQ((uid_t)1000, o.euid);
	EXPECT_EQ((uid_t)1000, o.suid);
	expect_counted(_metadata, &self->before, 0, 1);
}

TEST_F(ssi, uid_grant_to_other_refused)
{
	struct outcome o;

	run(_metadata, self->sv, 1000, 1000, CREDGRANT_UID, 3000, 0, NULL, 0,
	    &o);
	EXPECT_EQ(-1, o.ret);
	EXPECT_EQ(EPERM, o.err);
	EXPECT_EQ((uid_t)1000, o.euid);
	expect_counted(_metadata, &self->before, 0, 1);
}

TEST_F(ssi, uid_grant_to_allowed_accepted)
{
	struct outcome o;

	run(_metadata, self->sv, 1000, 1000, CREDGRANT_UID, 2000, 0, NULL, 0,
	    &o);
	EXPECT_EQ(0, o.ret);
	EXPECT_EQ(0, o.err);
	EXPECT_EQ((uid_t)2000, o.ruid);
	EXPECT_EQ((uid_t)2000, o.euid);
	EXPECT_EQ((uid_t)2000, o.suid);
	EXPECT_EQ((uid_t)1000, o.egid);
	expect_counted(_metadata, &self->before, 1, 0);
}

TEST_F(ssi, gid_grant_to_root_refused)
{
	struct outcome o;

	run(_metadata, self->sv, 1000, 1000, CREDGRANT_GID, 0, 0, NULL, 0, &o);
	EXPECT_EQ(-1, o.ret);
	EXPECT_EQ(EPERM, o.err);
	EXPECT_EQ((uid_t)1000, o.rgid);
	EXPECT_EQ((uid_t)1000, o.egid);
	EXPECT_EQ((uid_t)1000, o.sgid);
	expect_counted(_metadata, &self->before, 0, 1);
}

TEST_F(ssi, gid_grant_to_allowed_accepted)
{
	struct outcome o;

	run(_metadata, self->sv, 1000, 1000, CREDGRANT_GID, 0, 2000, NULL, 0,
	    &o);
	EXPECT_EQ(0, o.ret);
	EXPECT_EQ((uid_t)2000, o.rgid);
	EXPECT_EQ((uid_t)2000, o.egid);
	EXPECT_EQ((uid_t)2000, o.sgid);
	EXPECT_EQ((uid_t)1000, o.euid);
	expect_counted(_metadata, &self->before, 1, 0);
}

TEST_F(ssi, groups_grant_with_root_refused)
{
	uint32_t groups[] = { 0, 2000 };
	struct outcome o;

	run(_metadata, self->sv, 1000, 1000, CREDGRANT_GROUPS, 0, 0, groups, 2,
	    &o);
	EXPECT_EQ(-1, o.ret);
	EXPECT_EQ(EPERM, o.err);
	EXPECT_EQ(0, o.ngroups);
	expect_counted(_metadata, &self->before, 0, 1);
}

TEST_F(ssi, groups_grant_allowed_accepted)
{
	uint32_t groups[] = { 2000 };
	struct outcome o;

	run(_metadata, self->sv, 1000, 1000, CREDGRANT_GROUPS, 0, 0, groups, 1,
	    &o);
	EXPECT_EQ(0, o.ret);
	ASSERT_EQ(1, o.ngroups);
	EXPECT_EQ((gid_t)2000, o.groups[0]);
	expect_counted(_metadata, &self->before, 1, 0);
}

/* Full grant: the uid part is allowed, the gid part is not: all refused. */
TEST_F(ssi, full_grant_partly_disallowed_refused)
{
	struct outcome o;

	run(_metadata, self->sv, 1000, 1000, CREDGRANT_UID | CREDGRANT_GID,
	    2000, 0, NULL, 0, &o);
	EXPECT_EQ(-1, o.ret);
	EXPECT_EQ(EPERM, o.err);
	EXPECT_EQ((uid_t)1000, o.euid);
	EXPECT_EQ((uid_t)1000, o.egid);
	expect_counted(_metadata, &self->before, 0, 1);
}

/* The policy restricts 1000 only: 1500 may become root through a grant. */
TEST_F(ssi, unrestricted_uid_unaffected)
{
	struct outcome o;

	run(_metadata, self->sv, 1500, 1500, CREDGRANT_UID, 0, 0, NULL, 0, &o);
	EXPECT_EQ(0, o.ret);
	EXPECT_EQ((uid_t)0, o.ruid);
	EXPECT_EQ((uid_t)0, o.euid);
	EXPECT_EQ((uid_t)0, o.suid);
	expect_counted(_metadata, &self->before, 1, 0);
}

/*
 * Rule 7 of the 2026-11-29 review: a UID-only grant changes no group, so
 * the policy's gid rules do not apply to the groups the process keeps
 * (3000 is outside the policy).
 */
TEST_F(ssi, uid_grant_with_foreign_group_kept_accepted)
{
	struct child_setup cs = {
		.uid = 1000, .gid = 1000, .ngroups = 1, .groups = { 3000 },
	};
	struct outcome o;

	run_ex(_metadata, self->sv, &cs, CREDGRANT_UID, 2000, 0, NULL, 0, &o);
	EXPECT_EQ(0, o.ret) TH_LOG("acceptid: %s", strerror(o.err));
	EXPECT_EQ((uid_t)2000, o.ruid);
	EXPECT_EQ((uid_t)2000, o.euid);
	EXPECT_EQ((uid_t)2000, o.suid);
	EXPECT_EQ((gid_t)1000, o.egid);
	ASSERT_EQ(1, o.ngroups);
	EXPECT_EQ((gid_t)3000, o.groups[0]);
	expect_counted(_metadata, &self->before, 1, 0);
}

/* Hold @n processes running as @uid until the returned pipe is closed. */
static int hold_procs(uid_t uid, int n, pid_t *pids)
{
	int p[2], rd[2], i;
	char c;

	if (pipe(p) || pipe(rd))
		return -1;
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(p[1]);
			close(rd[0]);
			if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
				_exit(1);
			if (write(rd[1], "u", 1) != 1)
				_exit(1);
			_exit(read(p[0], &c, 1) < 0);
		}
	}
	close(p[0]);
	close(rd[1]);
	/* every one of them runs as uid before the test goes on */
	for (i = 0; i < n; i++)
		if (read(rd[0], &c, 1) != 1) {
			close(p[1]);
			close(rd[0]);
			return -1;
		}
	close(rd[0]);
	return p[1];
}

/*
 * The LSM's refusal (EPERM) is checked before RLIMIT_NPROC (EAGAIN): uid
 * 3000, which the policy forbids, already runs two processes and the
 * accepting process's RLIMIT_NPROC is 1.
 */
TEST_F(ssi, lsm_refusal_before_rlimit_nproc)
{
	struct child_setup cs = { .uid = 1000, .gid = 1000, .nproc = 1 };
	pid_t pids[2];
	struct outcome o;
	int hold, i;

	hold = hold_procs(3000, 2, pids);
	ASSERT_LE(0, hold);
	run_ex(_metadata, self->sv, &cs, CREDGRANT_UID, 3000, 0, NULL, 0, &o);
	close(hold);
	for (i = 0; i < 2; i++)
		waitpid(pids[i], NULL, 0);
	EXPECT_EQ(-1, o.ret);
	EXPECT_EQ(EPERM, o.err) TH_LOG("acceptid: %s, expected EPERM (policy) before EAGAIN (RLIMIT_NPROC)",
				       strerror(o.err));
	EXPECT_EQ((uid_t)1000, o.euid);
	expect_counted(_metadata, &self->before, 0, 1);
}

/* ... and the limit does apply to a uid the policy allows. */
TEST_F(ssi, allowed_uid_over_rlimit_nproc_eagain)
{
	struct child_setup cs = { .uid = 1000, .gid = 1000, .nproc = 1 };
	pid_t pids[2];
	struct outcome o;
	int hold, i;

	hold = hold_procs(2000, 2, pids);
	ASSERT_LE(0, hold);
	run_ex(_metadata, self->sv, &cs, CREDGRANT_UID, 2000, 0, NULL, 0, &o);
	close(hold);
	for (i = 0; i < 2; i++)
		waitpid(pids[i], NULL, 0);
	EXPECT_EQ(-1, o.ret);
	EXPECT_EQ(EAGAIN, o.err) TH_LOG("acceptid: %s", strerror(o.err));
	EXPECT_EQ((uid_t)1000, o.euid);
	expect_counted(_metadata, &self->before, 0, 1);
}

/*
 * Issuing is not a set*id call of the issuer. A process SafeSetID
 * restricts (1000, allowed only 1000 -> 2000) holds CAP_SETUID and
 * CAP_SETGID for its own approved transitions, not to hand ids to others:
 * its grants of foreign ids are refused at sendmsg, the allowed 2000
 * included, by SafeSetID's capable hook, because the check is
 * ns_capable(), not ns_capable_setid(). With ns_capable_setid() it could
 * give uid 0 to an unrestricted receiver, which SafeSetID judges by the
 * receiver's policy, not the issuer's. Its own ids stay free to grant.
 */
TEST_F(ssi, restricted_issuer_grants_only_its_own_ids)
{
	struct counters now;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct cg_ids ids = cg_ids_plain(1000, 1000,
						 CG_CAP(CAP_SETUID) |
						 CG_CAP(CAP_SETGID));

		/* exit status 11 + i: send i answered other than want */
		static const struct {
			uint32_t kind, uid, gid;
			int want;
		} sends[] = {
			{ CREDGRANT_UID, 0, 0, -EPERM },
			{ CREDGRANT_UID, 2000, 0, -EPERM },
			{ CREDGRANT_GID, 0, 0, -EPERM },
			{ CREDGRANT_GID, 0, 2000, -EPERM },
			{ CREDGRANT_UID | CREDGRANT_GID, 1000, 1000, 0 },
		};
		unsigned int i;

		if (cg_become(&ids))
			_exit(10);
		for (i = 0; i < sizeof(sends) / sizeof(sends[0]); i++)
			if (send_grant(self->sv[0], sends[i].kind, sends[i].uid,
				       sends[i].gid, NULL, 0) != sends[i].want)
				_exit(11 + i);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, read_counters(&now));
	EXPECT_EQ(self->before.issued + 1, now.issued);
	EXPECT_EQ(self->before.outstanding + 1, now.outstanding);
}

TEST_HARNESS_MAIN
