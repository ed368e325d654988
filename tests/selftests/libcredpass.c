// SPDX-License-Identifier: GPL-2.0
/*
 * libcredpass against the real kernel (issue 13): every API call, a grant
 * and two descriptors in one message, descriptors that do not fit, the
 * library on a socket of a process that never opted in, acceptid in place
 * and staged for execve, audit-only grants, and the kernel's errnos as the
 * library returns them (-errno, exact values).
 *
 * Runs as root in the test VM; each test runs in its own process (the
 * harness forks), so a test may change its credentials.  The counters are
 * read through a descriptor opened before that.  Children report through
 * pipes; nothing waits by sleeping.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
#include "credpass.h"

#define GRANT_ID	1234U

/* Descriptors open in this process. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

static int is_cloexec(int fd)
{
	int f = fcntl(fd, F_GETFD);

	return f >= 0 && (f & FD_CLOEXEC);
}

static int same_file(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) || fstat(b, &sb))
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

FIXTURE(lib)
{
	int s, r;
	struct cg_counters before;
};

FIXTURE_VARIANT(lib)
{
	int type;
};

FIXTURE_VARIANT_ADD(lib, seqpacket)
{
	.type = SOCK_SEQPACKET,
};

FIXTURE_VARIANT_ADD(lib, stream)
{
	.type = SOCK_STREAM,
};

FIXTURE_VARIANT_ADD(lib, dgram)
{
	.type = SOCK_DGRAM,
};

FIXTURE_SETUP(lib)
{
	int sv[2];

	self->s = self->r = -1;
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(1, credpass_probe())
		TH_LOG("credpass_probe: this kernel has no credgrant");
	cg_counters_fd = open(CG_COUNTERS, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, cg_counters_fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type | SOCK_CLOEXEC, 0, sv));
	self->s = sv[0];
	self->r = sv[1];
	ASSERT_EQ(0, credpass_set_passcredgrant(self->r, 1));
	ASSERT_EQ(0, geteuid()) TH_LOG("the suite runs as root");
	ASSERT_EQ(0, cg_counters_now(&self->before));
}

FIXTURE_TEARDOWN(lib)
{
	struct cg_counters c;

	if (self->s >= 0)
		close(self->s);
	if (self->r >= 0)
		close(self->r);
	EXPECT_EQ(0, cg_counters_now(&c));
	expect_balanced(_metadata, &c);
}

/* Send MSG with req from the test process; receive it with the library. */
static const struct credgrant *
lib_roundtrip(struct __test_metadata *_metadata, int line, int s, int r,
	      const struct credpass_request *req, struct credpass_msg *msg)
{
	char buf[64] = "";
	ssize_t n;

	n = credpass_send(s, req, MSG, MSGLEN, NULL, 0, MSG_NOSIGNAL);
	EXPECT_EQ(MSGLEN, n) TH_LOG("line %d: credpass_send: %s", line,
				    credpass_strerror(n));
	n = credpass_recv(r, buf, sizeof(buf), NULL, 0, msg, MSG_DONTWAIT);
	EXPECT_EQ(MSGLEN, n) TH_LOG("line %d: credpass_recv: %s", line,
				    credpass_strerror(n));
	EXPECT_EQ(0, memcmp(buf, MSG, MSGLEN));
	EXPECT_EQ(0, msg->msg_flags & (MSG_CTRUNC | MSG_TRUNC));
	EXPECT_EQ(CREDPASS_HAS_GRANT, msg->has & CREDPASS_HAS_GRANT)
		TH_LOG("line %d: no grant arrived", line);
	return credpass_msg_grant(msg);
}

#define ROUNDTRIP(req, msg) \
	lib_roundtrip(_metadata, __LINE__, self->s, self->r, req, msg)

/* The opt-in and the probe, on this kernel. */
TEST_F(lib, probe_and_optin)
{
	int fd, p[2];

	EXPECT_EQ(1, credpass_probe());
	EXPECT_EQ(1, credpass_get_passcredgrant(self->r));
	EXPECT_EQ(0, credpass_get_passcredgrant(self->s));
	EXPECT_EQ(0, credpass_set_passcredgrant(self->s, 7));
	EXPECT_EQ(1, credpass_get_passcredgrant(self->s));
	EXPECT_EQ(0, credpass_set_passcredgrant(self->s, 0));
	EXPECT_EQ(0, credpass_get_passcredgrant(self->s));
	/* not AF_UNIX: ENOPROTOOPT; not a socket: ENOTSOCK; closed: EBADF */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOPROTOOPT, credpass_set_passcredgrant(fd, 1));
	EXPECT_EQ(-ENOPROTOOPT, credpass_get_passcredgrant(fd));
	close(fd);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	EXPECT_EQ(-ENOTSOCK, credpass_set_passcredgrant(p[0], 1));
	EXPECT_EQ(-ENOTSOCK, credpass_get_passcredgrant(p[0]));
	close(p[0]);
	close(p[1]);
	EXPECT_EQ(-EBADF, credpass_get_passcredgrant(p[0]));
	EXPECT_COUNTERS(&self->before, 0, 0, 0, 0, 0);
}

/*
 * A grant and two descriptors in one message, with SCM_CREDENTIALS and
 * SCM_PIDFD: everything arrives, the descriptors are the same files and
 * close-on-exec, the description is exact.
 */
TEST_F(lib, grant_and_two_fds_one_message)
{
	const gid_t groups[] = { 1234, 5, 100 };
	struct credpass_request req = {
		.kind = CREDGRANT_FULL, .uid = GRANT_ID, .gid = GRANT_ID,
		.ttl_ms = 5000, .groups = groups, .ngroups = 3,
	};
	const struct credgrant *g;
	struct credpass_msg msg;
	int p[2], fds[4] = { -1, -1, -1, -1 }, on = 1, i;
	char buf[64] = "", c = 0;
	uint64_t t0, t1;
	ssize_t n;

	ASSERT_EQ(0, setsockopt(self->r, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)));
	ASSERT_EQ(0, setsockopt(self->r, SOL_SOCKET, SO_PASSPIDFD, &on, sizeof(on)));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	t0 = cg_boottime_ns();
	n = credpass_send(self->s, &req, "two-fds", 7, p, 2, MSG_NOSIGNAL);
	t1 = cg_boottime_ns();
	ASSERT_EQ(7, n) TH_LOG("credpass_send: %s", credpass_strerror(n));
	n = credpass_recv(self->r, buf, sizeof(buf), fds, 4, &msg, MSG_DONTWAIT);
	ASSERT_EQ(7, n) TH_LOG("credpass_recv: %s", credpass_strerror(n));
	EXPECT_EQ(0, memcmp(buf, "two-fds", 7));
	EXPECT_EQ(7, msg.len);
	EXPECT_EQ(0, msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC));
	EXPECT_EQ(CREDPASS_HAS_GRANT | CREDPASS_HAS_CREDS | CREDPASS_HAS_PIDFD,
		  msg.has);
	ASSERT_EQ(2, msg.nfds);
	EXPECT_EQ(0, msg.fds_closed);
	EXPECT_EQ(-1, fds[2]);
	for (i = 0; i < 2; i++) {
		EXPECT_TRUE(same_file(p[i], fds[i])) TH_LOG("fds[%d]", i);
		EXPECT_TRUE(is_cloexec(fds[i])) TH_LOG("fds[%d]", i);
		EXPECT_NE(p[i], fds[i]);
	}
	/* the received write end writes into our pipe */
	ASSERT_EQ(1, write(fds[1], "z", 1));
	ASSERT_EQ(1, read(p[0], &c, 1));
	EXPECT_EQ('z', c);
	EXPECT_EQ(getpid(), msg.creds.pid);
	EXPECT_EQ(0, msg.creds.uid);
	EXPECT_EQ(0, msg.creds.gid);
	EXPECT_LE(0, msg.pidfd);
	EXPECT_TRUE(is_cloexec(msg.pidfd));

	g = credpass_msg_grant(&msg);
	ASSERT_NE(NULL, g);
	EXPECT_NE(0, g->id);
	EXPECT_EQ(CREDGRANT_SIZE_VER0 + 12, g->size);
	EXPECT_EQ(CREDGRANT_FULL, g->kind);
	EXPECT_EQ(GRANT_ID, g->uid);
	EXPECT_EQ(GRANT_ID, g->gid);
	ASSERT_EQ(3, g->ngroups);
	EXPECT_EQ(5, g->groups[0]);	/* sorted by the kernel */
	EXPECT_EQ(100, g->groups[1]);
	EXPECT_EQ(1234, g->groups[2]);
	EXPECT_EQ(0, g->granter_uid);
	EXPECT_EQ(0, g->granter_gid);
	EXPECT_EQ(getpid(), g->granter_pid);
	EXPECT_EQ(5000 * NSEC_PER_MSEC, g->expires_ns - g->issued_ns);
	EXPECT_LE(t0, g->issued_ns);
	EXPECT_LE(g->issued_ns, t1);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);

	EXPECT_EQ(0, credpass_reject(self->r, g));
	EXPECT_EQ(-ENOENT, credpass_reject(self->r, g));
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
	/* the caller's descriptors stay open; the received ones close */
	i = count_fds();
	credpass_msg_close(&msg);
	EXPECT_EQ(i - 3, count_fds());
	EXPECT_EQ(-1, fds[0]);
	EXPECT_EQ(-1, msg.pidfd);
	EXPECT_LE(0, fcntl(p[0], F_GETFD));
	close(p[0]);
	close(p[1]);
}

/* More descriptors than the caller has room for: closed, reported. */
TEST_F(lib, fds_that_do_not_fit_are_closed)
{
	struct credpass_request req = { .kind = CREDGRANT_UID, .uid = CREDGRANT_SELF };
	struct credpass_msg msg;
	int p[2], three[3], fds[1] = { -1 }, before;
	char buf[64];
	ssize_t n;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	three[0] = p[0];
	three[1] = p[1];
	three[2] = p[0];
	ASSERT_EQ(MSGLEN, credpass_send(self->s, &req, MSG, MSGLEN, three, 3,
					MSG_NOSIGNAL));
	before = count_fds();
	n = credpass_recv(self->r, buf, sizeof(buf), fds, 1, &msg, MSG_DONTWAIT);
	ASSERT_EQ(MSGLEN, n) TH_LOG("credpass_recv: %s", credpass_strerror(n));
	EXPECT_EQ(1, msg.nfds);
	EXPECT_EQ(2, msg.fds_closed);
	EXPECT_EQ(MSG_CTRUNC, msg.msg_flags & MSG_CTRUNC);
	EXPECT_TRUE(same_file(fds[0], p[0]));
	/* exactly one more descriptor than before: none leaked */
	EXPECT_EQ(before + 1, count_fds());
	ASSERT_NE(NULL, credpass_msg_grant(&msg));
	EXPECT_EQ(0, credpass_msg_grant(&msg)->uid);
	EXPECT_EQ(0, credpass_reject(self->r, credpass_msg_grant(&msg)));
	credpass_msg_close(&msg);
	EXPECT_EQ(before, count_fds());
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
	close(p[0]);
	close(p[1]);
}

/* Accept in place: exactly the granted ids; single use. */
TEST_F(lib, accept_in_place)
{
	const gid_t groups[] = { 77 };
	struct credpass_request req = {
		.kind = CREDGRANT_FULL, .uid = GRANT_ID, .gid = GRANT_ID + 1,
		.groups = groups, .ngroups = 1,
	};
	struct credpass_msg msg;
	const struct credgrant *g = ROUNDTRIP(&req, &msg);
	uid_t ru, eu, su;
	gid_t rg, eg, sg, gl[4];
	int ret;

	ASSERT_NE(NULL, g);
	ret = credpass_accept(self->r, g, 0);
	ASSERT_EQ(0, ret) TH_LOG("credpass_accept: %s", credpass_strerror(ret));
	ASSERT_EQ(0, getresuid(&ru, &eu, &su));
	ASSERT_EQ(0, getresgid(&rg, &eg, &sg));
	EXPECT_EQ(GRANT_ID, ru);
	EXPECT_EQ(GRANT_ID, eu);
	EXPECT_EQ(GRANT_ID, su);
	EXPECT_EQ(GRANT_ID + 1, rg);
	EXPECT_EQ(GRANT_ID + 1, eg);
	EXPECT_EQ(GRANT_ID + 1, sg);
	ASSERT_EQ(1, getgroups(4, gl));
	EXPECT_EQ(77, gl[0]);
	EXPECT_EQ(-ENOENT, credpass_accept(self->r, g, 0));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/*
 * ACCEPTID_EXEC: taken now, applied at the next execve.  The child that
 * receives the grant accepts it and execs `id -u; id -g`; it reports the
 * accept's result first, through the same pipe.
 */
TEST_F(lib, accept_exec_applies_at_execve)
{
	struct credpass_request req = {
		.kind = CREDGRANT_UID | CREDGRANT_GID, .uid = GRANT_ID,
		.gid = GRANT_ID,
	};
	char out[256] = "", want[128];
	int p[2];
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(MSGLEN, credpass_send(self->s, &req, MSG, MSGLEN, NULL, 0,
					MSG_NOSIGNAL));
	pid = cg_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct credpass_msg msg;
		char buf[64], line[64];
		const struct credgrant *g;
		int ret;

		close(p[0]);
		n = credpass_recv(self->r, buf, sizeof(buf), NULL, 0, &msg,
				  MSG_DONTWAIT);
		g = credpass_msg_grant(&msg);
		ret = n < 0 ? (int)n : !g ? -EBADMSG :
		      credpass_accept(self->r, g, ACCEPTID_EXEC);
		if (ret == -EINVAL)	/* kernel without ACCEPTID_EXEC */
			credpass_reject(self->r, g);
		snprintf(line, sizeof(line), "accept %d uid %u\n", ret,
			 (unsigned)getuid());
		cg_write_full(p[1], line, strlen(line));
		if (ret)
			_exit(0);
		dup2(p[1], 1);
		execl("/bin/sh", "sh", "-c", "id -u; id -g", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (got < sizeof(out) - 1 &&
	       (n = read(p[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += n;
	close(p[0]);
	ASSERT_EQ(0, cg_wait(pid));
	if (!strncmp(out, "accept -22 ", 11)) {
		EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
		SKIP(return, "this kernel answers EINVAL to ACCEPTID_EXEC (0x4): it predates the flag");
	}
	/* nothing changed before the exec, everything after it */
	snprintf(want, sizeof(want), "accept 0 uid 0\n%u\n%u\n", GRANT_ID,
		 GRANT_ID);
	EXPECT_STREQ(want, out);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* Audit-only grants and ACCEPTID_AUDIT_POP through the library. */
TEST_F(lib, audit_grant_and_pop)
{
	struct credpass_request req = { .kind = CREDGRANT_AUDIT };
	struct credpass_msg msg;
	const struct credgrant *g = ROUNDTRIP(&req, &msg);
	char line[512];
	int ret;

	ASSERT_NE(NULL, g);
	EXPECT_EQ(CREDGRANT_AUDIT, g->kind);
	ASSERT_LT(0, credpass_describe(g, 0, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(line, " kind=audit ttl="));
	EXPECT_EQ(-ENOENT, credpass_audit_pop());
	ret = credpass_accept(self->r, g, 0);
	ASSERT_EQ(0, ret) TH_LOG("credpass_accept: %s", credpass_strerror(ret));
	EXPECT_EQ(-ENOENT, credpass_accept(self->r, g, 0));
	EXPECT_EQ(0, credpass_audit_pop());
	EXPECT_EQ(-ENOENT, credpass_audit_pop());
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* The kernel's refusals as the library returns them. */
TEST_F(lib, errors_are_negative_errno)
{
	struct credpass_request req = { .kind = CREDGRANT_UID, .uid = GRANT_ID };
	struct credpass_msg msg, msg2;
	const struct credgrant *g;
	union {
		struct credgrant g;
		char buf[CREDPASS_GRANT_MAX];
	} copy;
	uint32_t groups[1] = { 1 };
	char buf[64];

	/* ESTALE: an altered description; the grant is used up */
	g = ROUNDTRIP(&req, &msg);
	ASSERT_NE(NULL, g);
	memcpy(&copy, g, g->size);
	copy.g.uid = GRANT_ID + 1;
	EXPECT_EQ(-ESTALE, credpass_accept(self->r, &copy.g, 0));
	EXPECT_EQ(-ENOENT, credpass_accept(self->r, g, 0));
	EXPECT_EQ(0, getuid());
	EXPECT_NE(NULL, strstr(credpass_strerror(-ESTALE), "differs"));

	/* ETIME: expired (wait for the clock, not for another process) */
	req.ttl_ms = 1;
	g = ROUNDTRIP(&req, &msg2);
	ASSERT_NE(NULL, g);
	ASSERT_EQ(0, cg_sleep_until_boottime(g->expires_ns + 1));
	EXPECT_EQ(-ETIME, credpass_accept(self->r, g, 0));
	EXPECT_EQ(0, getuid());

	/* EINVAL from the kernel: groups without CREDGRANT_GROUPS */
	req.ttl_ms = 0;
	req.groups = groups;
	req.ngroups = 1;
	EXPECT_EQ(-EINVAL, credpass_send(self->s, &req, MSG, MSGLEN, NULL, 0,
					 MSG_NOSIGNAL));
	/* EPERM: the receiving socket has not opted in */
	req.groups = NULL;
	req.ngroups = 0;
	ASSERT_EQ(0, credpass_set_passcredgrant(self->r, 0));
	EXPECT_EQ(-EPERM, credpass_send(self->s, &req, MSG, MSGLEN, NULL, 0,
					MSG_NOSIGNAL));
	EXPECT_EQ(-EAGAIN, credpass_recv(self->r, buf, sizeof(buf), NULL, 0,
					 &msg, MSG_DONTWAIT));
	/* EINVAL from the library: bad arguments */
	EXPECT_EQ(-EINVAL, credpass_accept(self->r, NULL, 0));
	EXPECT_EQ(-EBADF, credpass_reject(-1, &copy.g));
	EXPECT_COUNTERS(&self->before, 2, 0, 1, 1, 0);
}

/* MSG_PEEK through the library shows the grant and consumes nothing. */
TEST_F(lib, peek_then_receive)
{
	struct credpass_request req = { .kind = CREDGRANT_GID, .gid = CREDGRANT_SELF };
	struct credpass_msg peek, msg;
	char buf[64];
	ssize_t n;

	ASSERT_EQ(MSGLEN, credpass_send(self->s, &req, MSG, MSGLEN, NULL, 0,
					MSG_NOSIGNAL));
	n = credpass_recv(self->r, buf, sizeof(buf), NULL, 0, &peek,
			  MSG_PEEK | MSG_DONTWAIT);
	ASSERT_EQ(MSGLEN, n);
	ASSERT_NE(NULL, credpass_msg_grant(&peek));
	n = credpass_recv(self->r, buf, sizeof(buf), NULL, 0, &msg, MSG_DONTWAIT);
	ASSERT_EQ(MSGLEN, n);
	ASSERT_NE(NULL, credpass_msg_grant(&msg));
	EXPECT_EQ(credpass_msg_grant(&peek)->id, credpass_msg_grant(&msg)->id);
	EXPECT_EQ(0, credpass_msg_grant(&msg)->gid);
	EXPECT_EQ(0xffffffffU, credpass_msg_grant(&msg)->uid);
	EXPECT_EQ(0, credpass_accept(self->r, credpass_msg_grant(&msg), 0));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* describe on a real description: the exact line. */
TEST_F(lib, describe_real_grant)
{
	const gid_t groups[] = { 5 };
	struct credpass_request req = {
		.kind = CREDGRANT_FULL, .uid = GRANT_ID, .gid = GRANT_ID,
		.ttl_ms = 7000, .groups = groups, .ngroups = 1,
	};
	struct credpass_msg msg;
	const struct credgrant *g = ROUNDTRIP(&req, &msg);
	char line[512], want[512], au[16], se[16];
	int n;

	ASSERT_NE(NULL, g);
	if (g->granter_auid == 0xffffffffU)
		snprintf(au, sizeof(au), "unset");
	else
		snprintf(au, sizeof(au), "%u", g->granter_auid);
	if (g->granter_ses == 0xffffffffU)
		snprintf(se, sizeof(se), "unset");
	else
		snprintf(se, sizeof(se), "%u", g->granter_ses);
	snprintf(want, sizeof(want),
		 "grant 0x%016" PRIx64 " kind=uid,gid,groups uid=1234 gid=1234 groups=5 ttl=7000ms from pid=%d uid=0 gid=0 auid=%s ses=%s",
		 (uint64_t)g->id, getpid(), au, se);
	n = credpass_describe(g, 0, line, sizeof(line));
	EXPECT_EQ(strlen(want), n);
	EXPECT_STREQ(want, line);
	EXPECT_EQ(0, credpass_reject(self->r, g));
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

/*
 * A program with its own recvmsg (an event loop) parses with
 * credpass_parse(); a request built from a user name (NSS, the guest's
 * /etc/passwd and /etc/group) is what the kernel issues and applies.
 */
TEST_F(lib, user_request_own_recvmsg_parse)
{
	union {
		struct cmsghdr align;
		char buf[CREDPASS_CONTROL_SIZE];
	} ctl;
	char data[64];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct credpass_request req;
	struct credpass_msg msg;
	const struct credgrant *g;
	gid_t groups[16], now[16];
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int ret, n;
	size_t i;

	ret = credpass_request_for_user("nobody", &req, groups, 16);
	ASSERT_EQ(0, ret) TH_LOG("credpass_request_for_user(nobody): %s",
				 credpass_strerror(ret));
	EXPECT_EQ(CREDGRANT_FULL, req.kind);
	EXPECT_EQ(65534, req.uid);
	EXPECT_EQ(65534, req.gid);
	ASSERT_LE(1, req.ngroups);
	EXPECT_EQ(65534, groups[0]);	/* getgrouplist: primary group first */
	ASSERT_EQ(MSGLEN, credpass_send(self->s, &req, MSG, MSGLEN, NULL, 0,
					MSG_NOSIGNAL));
	ASSERT_EQ(MSGLEN, recvmsg(self->r, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC));
	ASSERT_EQ(0, credpass_parse(&mh, NULL, 0, &msg));
	EXPECT_EQ(0, msg.len);	/* recvmsg's result is the caller's */
	g = credpass_msg_grant(&msg);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(65534, g->uid);
	EXPECT_EQ(65534, g->gid);
	ASSERT_EQ(req.ngroups, g->ngroups);
	for (i = 0; i < req.ngroups; i++)
		EXPECT_EQ(groups[i], g->groups[i]) TH_LOG("groups[%zu]", i);
	ret = credpass_accept(self->r, g, 0);
	ASSERT_EQ(0, ret) TH_LOG("credpass_accept: %s", credpass_strerror(ret));
	ASSERT_EQ(0, getresuid(&ru, &eu, &su));
	ASSERT_EQ(0, getresgid(&rg, &eg, &sg));
	EXPECT_EQ(65534, ru);
	EXPECT_EQ(65534, eu);
	EXPECT_EQ(65534, su);
	EXPECT_EQ(65534, rg);
	EXPECT_EQ(65534, eg);
	EXPECT_EQ(65534, sg);
	n = getgroups(16, now);
	ASSERT_EQ((int)req.ngroups, n);
	for (i = 0; i < req.ngroups; i++)
		EXPECT_EQ(g->groups[i], now[i]);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/*
 * The library on a socket of a process that never opted in: a grant to
 * it is refused (EPERM, nothing queued); data and descriptors still
 * arrive through credpass_recv, with no grant.
 */
TEST_F(lib, process_that_never_opted_in)
{
	struct credpass_request req = { .kind = CREDGRANT_UID, .uid = CREDGRANT_SELF };
	struct {
		int optin, n, has, nfds, closed, same0, same1, empty;
	} rep;
	int sv[2], p[2], rp[2];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rp, O_CLOEXEC));
	EXPECT_EQ(-EPERM, credpass_send(sv[0], &req, MSG, MSGLEN, NULL, 0,
					MSG_NOSIGNAL));
	ASSERT_EQ(MSGLEN, credpass_send(sv[0], NULL, MSG, MSGLEN, p, 2,
					MSG_NOSIGNAL));
	pid = cg_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct credpass_msg msg;
		int fds[2] = { -1, -1 };
		char buf[64];

		memset(&rep, 0, sizeof(rep));
		rep.optin = credpass_get_passcredgrant(sv[1]);
		rep.n = credpass_recv(sv[1], buf, sizeof(buf), fds, 2, &msg,
				      MSG_DONTWAIT);
		rep.has = msg.has;
		rep.nfds = msg.nfds;
		rep.closed = msg.fds_closed;
		rep.same0 = same_file(fds[0], p[0]);
		rep.same1 = same_file(fds[1], p[1]);
		credpass_msg_close(&msg);
		rep.empty = credpass_recv(sv[1], buf, sizeof(buf), NULL, 0,
					  &msg, MSG_DONTWAIT);
		cg_write_full(rp[1], &rep, sizeof(rep));
		_exit(0);
	}
	close(rp[1]);
	ASSERT_EQ(0, cg_read_full(rp[0], &rep, sizeof(rep)));
	ASSERT_EQ(0, cg_wait(pid));
	EXPECT_EQ(0, rep.optin);
	EXPECT_EQ(MSGLEN, rep.n);
	EXPECT_EQ(0, rep.has);
	EXPECT_EQ(2, rep.nfds);
	EXPECT_EQ(0, rep.closed);
	EXPECT_TRUE(rep.same0);
	EXPECT_TRUE(rep.same1);
	EXPECT_EQ(-EAGAIN, rep.empty);
	EXPECT_COUNTERS(&self->before, 0, 0, 0, 0, 0);
	close(rp[0]);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Names: decimal ids always; names from the guest's /etc/passwd through
 * the files service built into the static C library.
 */
TEST(names_and_strerror)
{
	struct credpass_request req;
	gid_t groups[8];
	uid_t uid = 1;
	gid_t gid = 1;
	int ret;

	EXPECT_EQ(0, credpass_uid_from_name("1234", &uid));
	EXPECT_EQ(1234, uid);
	EXPECT_EQ(0, credpass_gid_from_name("0", &gid));
	EXPECT_EQ(0, gid);
	EXPECT_EQ(-EINVAL, credpass_uid_from_name("4294967295", &uid));
	EXPECT_NE(NULL, strstr(credpass_strerror(-ENOSYS), "no credgrant"));
	ret = credpass_uid_from_name("root", &uid);
	if (ret == -ENOENT)
		SKIP(return, "no NSS files service in this static C library: names are tested on the host (tests/unit/test_libcredpass.c)");
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, uid);
	EXPECT_EQ(0, credpass_request_for_user("root", &req, groups, 8));
	EXPECT_EQ(0, req.uid);
}

/* last: after everything closed nothing is outstanding */
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

TEST_HARNESS_MAIN
