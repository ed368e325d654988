// SPDX-License-Identifier: GPL-2.0
/*
 * Container-aware peer credentials on AF_UNIX, as Linux 6.12 has them:
 * SO_PEERCRED, SO_PEERGROUPS, SO_PEERPIDFD, SCM_CREDENTIALS and SCM_PIDFD
 * across user and pid namespaces, for stream, dgram and seqpacket sockets,
 * socketpair() and connect().
 *
 * These pin today's behaviour as a regression baseline for credpass: every
 * case asserts exact values.  Where a value looks surprising, the comment
 * names the kernel code that produces it.
 *
 * Runs as root in the test VM.  The test process orchestrates "agents":
 * children created with clone() in the namespaces under test, which act on
 * request over a SOCK_SEQPACKET control socket and report what they see.
 * All synchronisation is request/response on that socket; no sleeps.
 *
 * Identities: a user namespace agent gets uid_map "0 100000 10000" and
 * gid_map "0 200000 10000", so in-namespace id N is global 100000+N (uid)
 * or 200000+N (gid), and global ids below those ranges are unmapped there
 * (reported as the overflow id 65534).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "kselftest_harness.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD	77
#endif
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD	76
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD	0x04
#endif

#define OVERFLOW_ID	65534
#define NO_ID		((uid_t)-1)	/* cred_to_ucred() without a peer cred */
#define UID_BASE	100000
#define GID_BASE	200000
#define MAX_GROUPS	8
#define MAX_SLOTS	16
#define MAX_NSPID	4

/* ------------------------------------------------------------------ */
/* What one side observes; shared by the test process and the agents. */

struct pidinfo {
	int pid;			/* fdinfo "Pid:" */
	int nnspid;
	int nspid[MAX_NSPID];		/* fdinfo "NSpid:" */
	int signal_err;			/* pidfd_send_signal(fd, 0): 0 or errno */
};

struct recvinfo {
	int len;			/* bytes received */
	int has_creds;
	struct ucred creds;		/* SCM_CREDENTIALS */
	int has_pidfd;
	int pidfd_value;		/* SCM_PIDFD payload: fd, or -errno */
	struct pidinfo pidfd;		/* about that pidfd when >= 0 */
	int flags;			/* msg_flags */
};

static int read_pidfd_info(int pidfd, struct pidinfo *pi)
{
	char path[64], line[256];
	FILE *f;

	memset(pi, 0, sizeof(*pi));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	pi->pid = -100;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Pid:", 4)) {
			pi->pid = atoi(line + 4);
		} else if (!strncmp(line, "NSpid:", 6)) {
			char *p = line + 6, *end;

			while (pi->nnspid < MAX_NSPID) {
				long v = strtol(p, &end, 10);

				if (end == p)
					break;
				pi->nspid[pi->nnspid++] = (int)v;
				p = end;
			}
		}
	}
	fclose(f);
	pi->signal_err = syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) ? errno : 0;
	return 0;
}

static int get_peercred(int fd, struct ucred *uc)
{
	socklen_t len = sizeof(*uc);

	memset(uc, 0x5a, sizeof(*uc));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len))
		return -errno;
	return len == sizeof(*uc) ? 0 : -EMSGSIZE;
}

/* Returns the number of groups, or -errno; *optlen gets the kernel's len. */
static int get_peergroups(int fd, gid_t *groups, socklen_t buflen, socklen_t *optlen)
{
	*optlen = buflen;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, optlen))
		return -errno;
	return (int)(*optlen / sizeof(gid_t));
}

static int get_peerpidfd(int fd, struct pidinfo *pi)
{
	socklen_t len = sizeof(int);
	int pidfd = -1, err;

	memset(pi, 0, sizeof(*pi));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len))
		return -errno;
	err = read_pidfd_info(pidfd, pi);
	close(pidfd);
	return err;
}

static int set_int_opt(int fd, int opt, int val)
{
	return setsockopt(fd, SOL_SOCKET, opt, &val, sizeof(val)) ? -errno : 0;
}

/* Send one byte, with an explicit SCM_CREDENTIALS if creds is set. */
static int send_byte(int fd, const struct ucred *creds)
{
	char data = 'x';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (creds) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_CREDENTIALS;
		c->cmsg_len = CMSG_LEN(sizeof(*creds));
		memcpy(CMSG_DATA(c), creds, sizeof(*creds));
	}
	return sendmsg(fd, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

static int recv_byte(int fd, struct recvinfo *ri)
{
	char data[16];
	struct iovec iov = { .iov_base = data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int)) + 64];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	memset(ri, 0, sizeof(*ri));
	n = recvmsg(fd, &msg, 0);
	if (n < 0)
		return -errno;
	ri->len = (int)n;
	ri->flags = msg.msg_flags;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS) {
			ri->has_creds = 1;
			memcpy(&ri->creds, CMSG_DATA(c), sizeof(ri->creds));
		} else if (c->cmsg_type == SCM_PIDFD) {
			ri->has_pidfd = 1;
			memcpy(&ri->pidfd_value, CMSG_DATA(c), sizeof(int));
		}
	}
	if (ri->has_pidfd && ri->pidfd_value >= 0) {
		read_pidfd_info(ri->pidfd_value, &ri->pidfd);
		close(ri->pidfd_value);
	}
	return 0;
}

static void abstract_addr(struct sockaddr_un *sun, socklen_t *len, const char *name)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path + 1, name, strlen(name));
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

/* A bound socket; listening unless dgram (or nolisten). */
static int make_server(int type, const char *name, int nolisten)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd = socket(AF_UNIX, type, 0), err;

	if (fd < 0)
		return -errno;
	abstract_addr(&sun, &len, name);
	if (bind(fd, (struct sockaddr *)&sun, len))
		goto fail;
	if (type != SOCK_DGRAM && !nolisten && listen(fd, 8))
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

static int make_client(int type, const char *name)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd = socket(AF_UNIX, type, 0), err;

	if (fd < 0)
		return -errno;
	abstract_addr(&sun, &len, name);
	if (connect(fd, (struct sockaddr *)&sun, len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int set_identity(uid_t r, uid_t e, uid_t s, gid_t rg, gid_t eg, gid_t sg,
			int ngroups, const gid_t *groups)
{
	/* with a saved uid 0, become root again first (ignored otherwise) */
	if (geteuid() != 0 && setresuid(-1, 0, -1) && errno != EPERM)
		return -errno;
	if (ngroups >= 0 && setgroups((size_t)ngroups, groups))
		return -errno;
	if (setresgid(rg, eg, sg))
		return -errno;
	if (setresuid(r, e, s))
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Agents */

enum op {
	OP_SETID = 1,	/* setgroups + setresgid + setresuid */
	OP_SOCKETPAIR,	/* slot, slot+1 = socketpair(type) */
	OP_SERVER,	/* slot = bound (listening) socket at name */
	OP_LISTEN,	/* listen(slot) */
	OP_CONNECT,	/* slot = socket connected to name */
	OP_ACCEPT,	/* slot = accept(arg) */
	OP_PEERCRED,	/* SO_PEERCRED on slot */
	OP_PEERGROUPS,	/* SO_PEERGROUPS on slot */
	OP_PEERPIDFD,	/* SO_PEERPIDFD on slot, fdinfo of the pidfd */
	OP_SETOPT,	/* setsockopt(slot, SOL_SOCKET, arg, val) */
	OP_SEND,	/* one byte on slot, explicit creds if has_creds */
	OP_RECV,	/* one byte from slot, with its cmsgs */
	OP_GIVE,	/* send slot's fd to the test process, close it here */
	OP_TAKE,	/* slot = fd attached to the request */
	OP_PRIVATE_PROC,/* make mounts private, mount a new /proc */
	OP_GETPID,	/* getpid() */
};

struct req {
	int op, slot, type, arg, val, has_creds;
	char name[64];
	uid_t ids[3];
	gid_t gids[3];
	int ngroups;
	gid_t groups[MAX_GROUPS];
	struct ucred creds;
};

struct resp {
	int ret;
	struct ucred uc;
	int ngroups;
	gid_t groups[MAX_GROUPS];
	socklen_t optlen;
	struct pidinfo pi;
	struct recvinfo ri;
};

struct agent {
	pid_t pid;		/* in the test process' pid namespace */
	int ctl;
};

static int send_with_fd(int sock, const void *buf, size_t len, int fd)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* Returns bytes received (0 at EOF, -1 on error); *fd gets an attached fd or -1. */
static ssize_t recv_with_fd(int sock, void *buf, size_t len, int *fd)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

	*fd = -1;
	if (n <= 0)
		return n;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

static void agent_perform(int *slots, const struct req *rq, struct resp *rs, int ctl, int in_fd)
{
	int s = rq->slot, fd, sv[2];
	socklen_t len;

	memset(rs, 0, sizeof(*rs));
	switch (rq->op) {
	case OP_SETID:
		rs->ret = set_identity(rq->ids[0], rq->ids[1], rq->ids[2],
				       rq->gids[0], rq->gids[1], rq->gids[2],
				       rq->ngroups, rq->groups);
		break;
	case OP_SOCKETPAIR:
		rs->ret = socketpair(AF_UNIX, rq->type, 0, sv) ? -errno : 0;
		if (!rs->ret) {
			slots[s] = sv[0];
			slots[s + 1] = sv[1];
		}
		break;
	case OP_SERVER:
		fd = make_server(rq->type, rq->name, rq->arg);
		rs->ret = fd < 0 ? fd : 0;
		if (fd >= 0)
			slots[s] = fd;
		break;
	case OP_LISTEN:
		rs->ret = listen(slots[s], 8) ? -errno : 0;
		break;
	case OP_CONNECT:
		fd = make_client(rq->type, rq->name);
		rs->ret = fd < 0 ? fd : 0;
		if (fd >= 0)
			slots[s] = fd;
		break;
	case OP_ACCEPT:
		fd = accept(slots[rq->arg], NULL, NULL);
		rs->ret = fd < 0 ? -errno : 0;
		if (fd >= 0)
			slots[s] = fd;
		break;
	case OP_PEERCRED:
		rs->ret = get_peercred(slots[s], &rs->uc);
		break;
	case OP_PEERGROUPS:
		len = rq->arg ? (socklen_t)rq->arg : sizeof(rs->groups);
		rs->ret = get_peergroups(slots[s], rs->groups, len, &rs->optlen);
		rs->ngroups = rs->ret > 0 ? rs->ret : 0;
		break;
	case OP_PEERPIDFD:
		rs->ret = get_peerpidfd(slots[s], &rs->pi);
		break;
	case OP_SETOPT:
		rs->ret = set_int_opt(slots[s], rq->arg, rq->val);
		break;
	case OP_SEND:
		rs->ret = send_byte(slots[s], rq->has_creds ? &rq->creds : NULL);
		break;
	case OP_RECV:
		rs->ret = recv_byte(slots[s], &rs->ri);
		break;
	case OP_GIVE:
		if (send_with_fd(ctl, rs, sizeof(*rs), slots[s]))
			_exit(3);
		close(slots[s]);
		slots[s] = -1;
		return;
	case OP_TAKE:
		slots[s] = in_fd;
		rs->ret = in_fd >= 0 ? 0 : -EBADF;
		break;
	case OP_PRIVATE_PROC:
		rs->ret = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
			  mount("proc", "/proc", "proc", 0, NULL) ? -errno : 0;
		break;
	case OP_GETPID:
		rs->ret = getpid();
		break;
	default:
		rs->ret = -ENOSYS;
	}
	if (send_with_fd(ctl, rs, sizeof(*rs), -1))
		_exit(3);
}

static int agent_main(int ctl)
{
	int slots[MAX_SLOTS];
	struct req rq;
	struct resp rs;
	int i, fd;
	ssize_t n;

	for (i = 0; i < MAX_SLOTS; i++)
		slots[i] = -1;
	for (;;) {
		n = recv_with_fd(ctl, &rq, sizeof(rq), &fd);
		if (n == 0)
			return 0;		/* test process closed ctl: done */
		if (n != (ssize_t)sizeof(rq) || rq.slot < 0 || rq.slot >= MAX_SLOTS - 1)
			return 2;
		agent_perform(slots, &rq, &rs, ctl, fd);
	}
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * Start an agent in new namespaces (CLONE_NEW* flags).  With CLONE_NEWUSER
 * the maps described at the top are written before the agent gets its
 * first request.  Returns 0 or -1.
 */
static int agent_start(struct agent *a, unsigned long nsflags)
{
	int sv[2];
	pid_t pid;
	char path[64], map[64];

	a->pid = -1;
	a->ctl = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = (pid_t)syscall(SYS_clone, nsflags | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		/* Only the control socket: other agents' control sockets
		 * and the test's descriptors must not stay open here. */
		if (dup2(sv[1], 3) != 3 || syscall(SYS_close_range, 4, ~0U, 0))
			_exit(4);
		_exit(agent_main(3));
	}
	close(sv[1]);
	a->pid = pid;
	a->ctl = sv[0];
	if (nsflags & CLONE_NEWUSER) {
		snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
		snprintf(map, sizeof(map), "0 %d 10000\n", UID_BASE);
		if (write_file(path, map))
			return -1;
		snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
		snprintf(map, sizeof(map), "0 %d 10000\n", GID_BASE);
		if (write_file(path, map))
			return -1;
	}
	return 0;
}

/* Close the control socket and reap the agent; returns its wait status. */
static int agent_stop(struct agent *a)
{
	int status = -1;

	if (a->ctl >= 0)
		close(a->ctl);
	a->ctl = -1;
	if (a->pid > 0 && waitpid(a->pid, &status, 0) != a->pid)
		status = -1;
	a->pid = -1;
	return status;
}

/* One request; returns the response (ret = -EPIPE if the agent is gone). */
static struct resp agent_call(struct agent *a, struct req rq, int give_fd, int *got_fd)
{
	struct resp rs;
	int fd = -1;

	memset(&rs, 0, sizeof(rs));
	if (send_with_fd(a->ctl, &rq, sizeof(rq), give_fd) ||
	    recv_with_fd(a->ctl, &rs, sizeof(rs), &fd) != (ssize_t)sizeof(rs)) {
		rs.ret = -EPIPE;
		return rs;
	}
	if (got_fd)
		*got_fd = fd;
	else if (fd >= 0)
		close(fd);
	return rs;
}

#define REQ(...) ((struct req){ __VA_ARGS__ })

static int agent_setid(struct agent *a, uid_t uid, gid_t gid, int ngroups, const gid_t *groups)
{
	struct req rq = REQ(.op = OP_SETID, .ids = { uid, uid, uid },
			    .gids = { gid, gid, gid }, .ngroups = ngroups);

	if (ngroups > 0)
		memcpy(rq.groups, groups, sizeof(gid_t) * (size_t)ngroups);
	return agent_call(a, rq, -1, NULL).ret;
}

static int agent_ret(struct agent *a, struct req rq)
{
	return agent_call(a, rq, -1, NULL).ret;
}

/* The agent's fd in slot, moved to the test process (or -1). */
static int agent_give(struct agent *a, int slot)
{
	int fd = -1;

	if (agent_call(a, REQ(.op = OP_GIVE, .slot = slot), -1, &fd).ret)
		return -1;
	return fd;
}

/* Move fd (closed here) into the agent's slot. */
static int agent_take(struct agent *a, int slot, int fd)
{
	int ret = agent_call(a, REQ(.op = OP_TAKE, .slot = slot), fd, NULL).ret;

	close(fd);
	return ret;
}

static void unique_name(char *buf, size_t len)
{
	static int counter;

	snprintf(buf, len, "credpass-peercred-%d-%d", getpid(), counter++);
}

/* ------------------------------------------------------------------ */

FIXTURE(peercred) {
	char name[64];
	struct agent a, b;
};

FIXTURE_VARIANT(peercred) {
	int type;
	int connected;	/* connect() records peer credentials (not dgram) */
};

FIXTURE_VARIANT_ADD(peercred, stream) {
	.type = SOCK_STREAM,
	.connected = 1,
};

FIXTURE_VARIANT_ADD(peercred, dgram) {
	.type = SOCK_DGRAM,
	.connected = 0,
};

FIXTURE_VARIANT_ADD(peercred, seqpacket) {
	.type = SOCK_SEQPACKET,
	.connected = 1,
};

static const gid_t root_groups[] = { 0, 7 };

FIXTURE_SETUP(peercred)
{
	/* The test process itself: global root with groups { 0, 7 }. */
	ASSERT_EQ(0, set_identity(0, 0, 0, 0, 0, 0, 2, root_groups));
	unique_name(self->name, sizeof(self->name));
	self->a.pid = self->b.pid = -1;
	self->a.ctl = self->b.ctl = -1;
}

FIXTURE_TEARDOWN(peercred)
{
	if (self->a.pid > 0)
		agent_stop(&self->a);
	if (self->b.pid > 0)
		agent_stop(&self->b);
}

#define ASSERT_UCRED(uc, p, u, g) do {		\
	ASSERT_EQ((pid_t)(p), (uc).pid);	\
	ASSERT_EQ((uid_t)(u), (uc).uid);	\
	ASSERT_EQ((gid_t)(g), (uc).gid);	\
} while (0)

#define ASSERT_AGENT_EXITED_0(ag) ASSERT_EQ(0, agent_stop(ag))

/*
 * socketpair() records the creator as the peer of BOTH ends
 * (unix_socketpair() -> init_peercred() twice), for every socket type,
 * with the effective ids and the supplementary groups.
 */
TEST_F(peercred, socketpair_records_creator)
{
	static const gid_t groups[] = { 1000, 24, 4 };
	struct ucred uc;
	gid_t g[MAX_GROUPS];
	socklen_t optlen;
	struct resp rs;
	int fd;

	ASSERT_EQ(0, agent_start(&self->a, 0));
	ASSERT_EQ(0, agent_setid(&self->a, 1000, 1001, 3, groups));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SOCKETPAIR, .slot = 0, .type = variant->type)));
	fd = agent_give(&self->a, 1);
	ASSERT_LE(0, fd);

	ASSERT_EQ(0, get_peercred(fd, &uc));
	ASSERT_UCRED(uc, self->a.pid, 1000, 1001);
	/* setgroups() sorts the list */
	ASSERT_EQ(3, get_peergroups(fd, g, sizeof(g), &optlen));
	ASSERT_EQ(4, g[0]);
	ASSERT_EQ(24, g[1]);
	ASSERT_EQ(1000, g[2]);

	/* The creator's own end names the creator too. */
	rs = agent_call(&self->a, REQ(.op = OP_PEERCRED, .slot = 0), -1, NULL);
	ASSERT_EQ(0, rs.ret);
	ASSERT_UCRED(rs.uc, self->a.pid, 1000, 1001);
	close(fd);
	ASSERT_AGENT_EXITED_0(&self->a);
}

/*
 * A socketpair made inside a user namespace: seen from the initial
 * namespace, the ids are the global ones the namespace maps to; seen from
 * inside, the namespace's own.
 */
TEST_F(peercred, socketpair_from_userns_translated)
{
	static const gid_t groups[] = { 5, 0 };
	struct ucred uc;
	gid_t g[MAX_GROUPS];
	socklen_t optlen;
	struct resp rs;
	int fd;

	ASSERT_EQ(0, agent_start(&self->a, CLONE_NEWUSER));
	ASSERT_EQ(0, agent_setid(&self->a, 0, 0, 2, groups));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SOCKETPAIR, .slot = 0, .type = variant->type)));
	fd = agent_give(&self->a, 1);
	ASSERT_LE(0, fd);

	ASSERT_EQ(0, get_peercred(fd, &uc));
	ASSERT_UCRED(uc, self->a.pid, UID_BASE, GID_BASE);
	ASSERT_EQ(2, get_peergroups(fd, g, sizeof(g), &optlen));
	ASSERT_EQ(GID_BASE, g[0]);
	ASSERT_EQ(GID_BASE + 5, g[1]);

	rs = agent_call(&self->a, REQ(.op = OP_PEERCRED, .slot = 0), -1, NULL);
	ASSERT_EQ(0, rs.ret);
	ASSERT_UCRED(rs.uc, self->a.pid, 0, 0);
	rs = agent_call(&self->a, REQ(.op = OP_PEERGROUPS, .slot = 0), -1, NULL);
	ASSERT_EQ(2, rs.ret);
	ASSERT_EQ(0, rs.groups[0]);
	ASSERT_EQ(5, rs.groups[1]);
	close(fd);
	ASSERT_AGENT_EXITED_0(&self->a);
}

/*
 * Into a user namespace: ids the namespace does not map are reported as the
 * overflow id 65534 (from_kuid_munged()), mapped ones translated, groups
 * each on its own and in the kernel's (global, sorted) order.
 */
TEST_F(peercred, socketpair_into_userns_overflow)
{
	static const gid_t host_groups[] = { GID_BASE + 1, 7 };
	struct resp rs;
	int fd;

	/* Made by the test process (global root, groups 0 and 7). */
	ASSERT_EQ(0, agent_start(&self->a, CLONE_NEWUSER));
	ASSERT_EQ(0, agent_setid(&self->a, 0, 0, 0, NULL));
	{
		int sv[2];

		ASSERT_EQ(0, socketpair(AF_UNIX, variant->type, 0, sv));
		ASSERT_EQ(0, agent_take(&self->a, 0, sv[1]));
		close(sv[0]);
	}
	rs = agent_call(&self->a, REQ(.op = OP_PEERCRED, .slot = 0), -1, NULL);
	ASSERT_EQ(0, rs.ret);
	ASSERT_UCRED(rs.uc, getpid(), OVERFLOW_ID, OVERFLOW_ID);
	rs = agent_call(&self->a, REQ(.op = OP_PEERGROUPS, .slot = 0), -1, NULL);
	ASSERT_EQ(2, rs.ret);
	ASSERT_EQ(OVERFLOW_ID, rs.groups[0]);
	ASSERT_EQ(OVERFLOW_ID, rs.groups[1]);

	/* Made by a host process whose ids are partly inside the map. */
	ASSERT_EQ(0, agent_start(&self->b, 0));
	ASSERT_EQ(0, agent_setid(&self->b, UID_BASE + 5, GID_BASE + 7, 2, host_groups));
	ASSERT_EQ(0, agent_ret(&self->b, REQ(.op = OP_SOCKETPAIR, .slot = 0, .type = variant->type)));
	fd = agent_give(&self->b, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, agent_take(&self->a, 1, fd));
	rs = agent_call(&self->a, REQ(.op = OP_PEERCRED, .slot = 1), -1, NULL);
	ASSERT_EQ(0, rs.ret);
	ASSERT_UCRED(rs.uc, self->b.pid, 5, 7);
	rs = agent_call(&self->a, REQ(.op = OP_PEERGROUPS, .slot = 1), -1, NULL);
	ASSERT_EQ(2, rs.ret);
	ASSERT_EQ(OVERFLOW_ID, rs.groups[0]);	/* global 7 */
	ASSERT_EQ(1, rs.groups[1]);		/* global GID_BASE + 1 */
	ASSERT_AGENT_EXITED_0(&self->a);
	ASSERT_AGENT_EXITED_0(&self->b);
}

/*
 * Pid namespaces: the pid is translated into the reader's namespace
 * (pid_vnr()); a peer outside the reader's namespace reads as pid 0.
 */
TEST_F(peercred, socketpair_pidns)
{
	struct ucred uc;
	struct resp rs;
	int fd, sv[2];

	ASSERT_EQ(0, agent_start(&self->a, CLONE_NEWPID));
	ASSERT_EQ(1, agent_ret(&self->a, REQ(.op = OP_GETPID)));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SOCKETPAIR, .slot = 0, .type = variant->type)));
	fd = agent_give(&self->a, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_peercred(fd, &uc));
	ASSERT_UCRED(uc, self->a.pid, 0, 0);
	close(fd);
	rs = agent_call(&self->a, REQ(.op = OP_PEERCRED, .slot = 0), -1, NULL);
	ASSERT_EQ(0, rs.ret);
	ASSERT_UCRED(rs.uc, 1, 0, 0);

	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type, 0, sv));
	ASSERT_EQ(0, agent_take(&self->a, 2, sv[1]));
	rs = agent_call(&self->a, REQ(.op = OP_PEERCRED, .slot = 2), -1, NULL);
	ASSERT_EQ(0, rs.ret);
	ASSERT_UCRED(rs.uc, 0, 0, 0);
	close(sv[0]);
	ASSERT_AGENT_EXITED_0(&self->a);
}

/*
 * connect(): the accepted socket names the connecting process as it was at
 * connect(), the client names the listener as it was at listen().  dgram
 * connect() records no peer at all: pid 0, uid and gid -1, and
 * SO_PEERGROUPS / SO_PEERPIDFD fail with ENODATA.
 */
TEST_F(peercred, connect_across_userns)
{
	static const gid_t lgroups[] = { 2000 };
	static const gid_t cgroups[] = { 9 };
	struct resp rs;

	ASSERT_EQ(0, agent_start(&self->a, 0));			/* server */
	ASSERT_EQ(0, agent_setid(&self->a, 2000, 2001, 1, lgroups));
	ASSERT_EQ(0, agent_start(&self->b, CLONE_NEWUSER));	/* client */
	ASSERT_EQ(0, agent_setid(&self->b, 3, 4, 1, cgroups));

	{
		struct req rq = REQ(.op = OP_SERVER, .slot = 1, .type = variant->type);

		memcpy(rq.name, self->name, sizeof(rq.name));
		ASSERT_EQ(0, agent_ret(&self->a, rq));
		rq = REQ(.op = OP_CONNECT, .slot = 0, .type = variant->type);
		memcpy(rq.name, self->name, sizeof(rq.name));
		ASSERT_EQ(0, agent_ret(&self->b, rq));
	}

	rs = agent_call(&self->b, REQ(.op = OP_PEERCRED, .slot = 0), -1, NULL);
	ASSERT_EQ(0, rs.ret);
	if (variant->connected)
		ASSERT_UCRED(rs.uc, self->a.pid, OVERFLOW_ID, OVERFLOW_ID);
	else
		ASSERT_UCRED(rs.uc, 0, NO_ID, NO_ID);

	if (variant->connected) {
		ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_ACCEPT, .slot = 2, .arg = 1)));
		rs = agent_call(&self->a, REQ(.op = OP_PEERCRED, .slot = 2), -1, NULL);
		ASSERT_EQ(0, rs.ret);
		ASSERT_UCRED(rs.uc, self->b.pid, UID_BASE + 3, GID_BASE + 4);
		rs = agent_call(&self->a, REQ(.op = OP_PEERGROUPS, .slot = 2), -1, NULL);
		ASSERT_EQ(1, rs.ret);
		ASSERT_EQ(GID_BASE + 9, rs.groups[0]);
		rs = agent_call(&self->b, REQ(.op = OP_PEERGROUPS, .slot = 0), -1, NULL);
		ASSERT_EQ(1, rs.ret);
		ASSERT_EQ(OVERFLOW_ID, rs.groups[0]);
	} else {
		/* the bound, unconnected receiver has no peer either */
		rs = agent_call(&self->a, REQ(.op = OP_PEERCRED, .slot = 1), -1, NULL);
		ASSERT_EQ(0, rs.ret);
		ASSERT_UCRED(rs.uc, 0, NO_ID, NO_ID);
		rs = agent_call(&self->b, REQ(.op = OP_PEERGROUPS, .slot = 0), -1, NULL);
		ASSERT_EQ(-ENODATA, rs.ret);
		rs = agent_call(&self->b, REQ(.op = OP_PEERPIDFD, .slot = 0), -1, NULL);
		ASSERT_EQ(-ENODATA, rs.ret);
	}
	ASSERT_AGENT_EXITED_0(&self->a);
	ASSERT_AGENT_EXITED_0(&self->b);
}

/*
 * SO_PEERCRED keeps the identity the peer had at connect(), after the peer
 * changes uid; SCM_CREDENTIALS is taken at each send and shows the new
 * (real) ids.
 */
TEST_F(peercred, peercred_fixed_at_connect)
{
	struct req rq;
	struct ucred uc;
	struct recvinfo ri;
	int srv, conn;

	srv = make_server(variant->type, self->name, 0);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, set_int_opt(srv, SO_PASSCRED, 1));
	ASSERT_EQ(0, agent_start(&self->a, 0));
	/* uid 1000, keeping saved uid 0 to be able to change later */
	rq = REQ(.op = OP_SETID, .ids = { 1000, 1000, 0 }, .gids = { 1000, 1000, 1000 }, .ngroups = 0);
	ASSERT_EQ(0, agent_ret(&self->a, rq));
	rq = REQ(.op = OP_CONNECT, .slot = 0, .type = variant->type);
	memcpy(rq.name, self->name, sizeof(rq.name));
	ASSERT_EQ(0, agent_ret(&self->a, rq));
	if (variant->connected)
		conn = accept(srv, NULL, NULL);
	else
		conn = dup(srv);
	ASSERT_LE(0, conn);

	/* the peer becomes uid 1500 after the connection exists */
	rq = REQ(.op = OP_SETID, .ids = { 1500, 1500, 1500 }, .gids = { 1000, 1000, 1000 }, .ngroups = -1);
	ASSERT_EQ(0, agent_ret(&self->a, rq));

	ASSERT_EQ(0, get_peercred(conn, &uc));
	if (variant->connected)
		ASSERT_UCRED(uc, self->a.pid, 1000, 1000);
	else
		ASSERT_UCRED(uc, 0, NO_ID, NO_ID);

	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SEND, .slot = 0)));
	ASSERT_EQ(0, recv_byte(conn, &ri));
	ASSERT_EQ(1, ri.len);
	ASSERT_EQ(1, ri.has_creds);
	ASSERT_UCRED(ri.creds, self->a.pid, 1500, 1000);
	close(conn);
	close(srv);
	ASSERT_AGENT_EXITED_0(&self->a);
}

/*
 * A listener's credentials are recorded at listen() (update_peercred());
 * a client connecting after the listener changed uid still sees the
 * listen()-time identity.  dgram sockets cannot listen (EOPNOTSUPP).
 */
TEST_F(peercred, listener_creds_from_listen_time)
{
	struct req rq;
	struct ucred uc;
	int cl;

	ASSERT_EQ(0, agent_start(&self->a, 0));
	rq = REQ(.op = OP_SETID, .ids = { 1200, 1200, 0 }, .gids = { 1300, 1300, 1300 }, .ngroups = 0);
	ASSERT_EQ(0, agent_ret(&self->a, rq));
	rq = REQ(.op = OP_SERVER, .slot = 0, .type = variant->type, .arg = 1 /* no listen */);
	memcpy(rq.name, self->name, sizeof(rq.name));
	ASSERT_EQ(0, agent_ret(&self->a, rq));
	if (!variant->connected) {
		ASSERT_EQ(-EOPNOTSUPP, agent_ret(&self->a, REQ(.op = OP_LISTEN, .slot = 0)));
		ASSERT_AGENT_EXITED_0(&self->a);
		return;
	}
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_LISTEN, .slot = 0)));
	rq = REQ(.op = OP_SETID, .ids = { 1201, 1201, 1201 }, .gids = { 1301, 1301, 1301 }, .ngroups = -1);
	ASSERT_EQ(0, agent_ret(&self->a, rq));

	cl = make_client(variant->type, self->name);
	ASSERT_LE(0, cl);
	ASSERT_EQ(0, get_peercred(cl, &uc));
	ASSERT_UCRED(uc, self->a.pid, 1200, 1300);
	close(cl);
	ASSERT_AGENT_EXITED_0(&self->a);
}

/* SCM_CREDENTIALS both ways across a user namespace boundary. */
TEST_F(peercred, scm_credentials_userns)
{
	struct recvinfo ri;
	struct resp rs;
	int sv[2];

	ASSERT_EQ(0, agent_start(&self->a, CLONE_NEWUSER));
	ASSERT_EQ(0, agent_setid(&self->a, 10, 20, 0, NULL));
	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type, 0, sv));
	ASSERT_EQ(0, agent_take(&self->a, 0, sv[1]));
	ASSERT_EQ(0, set_int_opt(sv[0], SO_PASSCRED, 1));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SETOPT, .slot = 0, .arg = SO_PASSCRED, .val = 1)));

	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SEND, .slot = 0)));
	ASSERT_EQ(0, recv_byte(sv[0], &ri));
	ASSERT_EQ(1, ri.has_creds);
	ASSERT_UCRED(ri.creds, self->a.pid, UID_BASE + 10, GID_BASE + 20);

	ASSERT_EQ(0, send_byte(sv[0], NULL));
	rs = agent_call(&self->a, REQ(.op = OP_RECV, .slot = 0), -1, NULL);
	ASSERT_EQ(0, rs.ret);
	ASSERT_EQ(1, rs.ri.has_creds);
	ASSERT_UCRED(rs.ri.creds, getpid(), OVERFLOW_ID, OVERFLOW_ID);
	close(sv[0]);
	ASSERT_AGENT_EXITED_0(&self->a);
}

/* SCM_CREDENTIALS across a pid namespace boundary: translated, or 0. */
TEST_F(peercred, scm_credentials_pidns)
{
	struct recvinfo ri;
	struct resp rs;
	int sv[2];

	ASSERT_EQ(0, agent_start(&self->a, CLONE_NEWPID));
	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type, 0, sv));
	ASSERT_EQ(0, agent_take(&self->a, 0, sv[1]));
	ASSERT_EQ(0, set_int_opt(sv[0], SO_PASSCRED, 1));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SETOPT, .slot = 0, .arg = SO_PASSCRED, .val = 1)));

	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SEND, .slot = 0)));
	ASSERT_EQ(0, recv_byte(sv[0], &ri));
	ASSERT_EQ(1, ri.has_creds);
	ASSERT_UCRED(ri.creds, self->a.pid, 0, 0);

	ASSERT_EQ(0, send_byte(sv[0], NULL));
	rs = agent_call(&self->a, REQ(.op = OP_RECV, .slot = 0), -1, NULL);
	ASSERT_EQ(0, rs.ret);
	ASSERT_EQ(1, rs.ri.has_creds);
	ASSERT_UCRED(rs.ri.creds, 0, 0, 0);
	close(sv[0]);
	ASSERT_AGENT_EXITED_0(&self->a);
}

/*
 * SO_PEERCRED reports effective ids (cred_to_ucred() uses euid/egid);
 * implicit SCM_CREDENTIALS reports REAL ids (maybe_add_creds() ->
 * current_uid_gid()).
 */
TEST_F(peercred, effective_vs_real_ids)
{
	struct req rq;
	struct ucred uc;
	struct recvinfo ri;
	int fd;

	ASSERT_EQ(0, agent_start(&self->a, 0));
	rq = REQ(.op = OP_SETID, .ids = { 1000, 1001, 1002 }, .gids = { 2000, 2001, 2002 }, .ngroups = 0);
	ASSERT_EQ(0, agent_ret(&self->a, rq));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SOCKETPAIR, .slot = 0, .type = variant->type)));
	fd = agent_give(&self->a, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_peercred(fd, &uc));
	ASSERT_UCRED(uc, self->a.pid, 1001, 2001);

	ASSERT_EQ(0, set_int_opt(fd, SO_PASSCRED, 1));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SEND, .slot = 0)));
	ASSERT_EQ(0, recv_byte(fd, &ri));
	ASSERT_EQ(1, ri.has_creds);
	ASSERT_UCRED(ri.creds, self->a.pid, 1000, 2000);
	close(fd);
	ASSERT_AGENT_EXITED_0(&self->a);
}

/*
 * Explicit SCM_CREDENTIALS (scm_check_creds()): ids are read in the
 * sender's user namespace; CAP_SETUID there allows any mapped id, an
 * unmapped one is EINVAL; without privilege only one's own ids (EPERM).
 */
TEST_F(peercred, scm_credentials_explicit)
{
	struct req rq;
	struct recvinfo ri;
	int sv[2];

	ASSERT_EQ(0, agent_start(&self->a, CLONE_NEWUSER));
	ASSERT_EQ(0, agent_setid(&self->a, 0, 0, 0, NULL));
	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type, 0, sv));
	ASSERT_EQ(0, agent_take(&self->a, 0, sv[1]));
	ASSERT_EQ(0, set_int_opt(sv[0], SO_PASSCRED, 1));

	/* same pid namespace: the agent's own pid is its global pid */
	rq = REQ(.op = OP_SEND, .slot = 0, .has_creds = 1,
		 .creds = { .pid = self->a.pid, .uid = 5, .gid = 6 });
	ASSERT_EQ(0, agent_ret(&self->a, rq));
	ASSERT_EQ(0, recv_byte(sv[0], &ri));
	ASSERT_EQ(1, ri.has_creds);
	ASSERT_UCRED(ri.creds, self->a.pid, UID_BASE + 5, GID_BASE + 6);

	rq.creds.uid = 20000;		/* outside the 10000-id map */
	ASSERT_EQ(-EINVAL, agent_ret(&self->a, rq));

	/* unprivileged sender claiming root */
	ASSERT_EQ(0, agent_start(&self->b, 0));
	ASSERT_EQ(0, agent_setid(&self->b, 1000, 1000, 0, NULL));
	ASSERT_EQ(0, agent_ret(&self->b, REQ(.op = OP_SOCKETPAIR, .slot = 0, .type = variant->type)));
	rq = REQ(.op = OP_SEND, .slot = 0, .has_creds = 1,
		 .creds = { .pid = self->b.pid, .uid = 0, .gid = 1000 });
	ASSERT_EQ(-EPERM, agent_ret(&self->b, rq));
	rq.creds.uid = 1000;
	ASSERT_EQ(0, agent_ret(&self->b, rq));
	close(sv[0]);
	ASSERT_AGENT_EXITED_0(&self->a);
	ASSERT_AGENT_EXITED_0(&self->b);
}

/*
 * SO_PASSCRED turned on only after the message was queued, by a sender
 * without it: the message carries no credentials, and recvmsg reports
 * pid 0 and the overflow ids (INVALID_UID through from_kuid_munged()).
 */
TEST_F(peercred, passcred_after_send)
{
	struct recvinfo ri;
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type, 0, sv));
	ASSERT_EQ(0, send_byte(sv[1], NULL));
	ASSERT_EQ(0, set_int_opt(sv[0], SO_PASSCRED, 1));
	ASSERT_EQ(0, recv_byte(sv[0], &ri));
	ASSERT_EQ(1, ri.len);
	ASSERT_EQ(1, ri.has_creds);
	ASSERT_UCRED(ri.creds, 0, OVERFLOW_ID, OVERFLOW_ID);

	/* once set before the send, the real ids come through */
	ASSERT_EQ(0, send_byte(sv[1], NULL));
	ASSERT_EQ(0, recv_byte(sv[0], &ri));
	ASSERT_EQ(1, ri.has_creds);
	ASSERT_UCRED(ri.creds, getpid(), 0, 0);
	close(sv[0]);
	close(sv[1]);
}

/*
 * SO_PEERPIDFD across pid namespaces: the pidfd always refers to the peer;
 * its fdinfo shows the pid in the pid namespace of the /proc instance
 * (0 when the peer is not in it), and pidfd_send_signal() refuses a
 * process outside the caller's pid namespace with EINVAL.
 */
TEST_F(peercred, peerpidfd_pidns)
{
	struct pidinfo pi;
	struct resp rs;
	int fd, sv[2];

	ASSERT_EQ(0, agent_start(&self->a, CLONE_NEWPID | CLONE_NEWNS));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_PRIVATE_PROC)));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SOCKETPAIR, .slot = 0, .type = variant->type)));
	fd = agent_give(&self->a, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_peerpidfd(fd, &pi));
	ASSERT_EQ(self->a.pid, pi.pid);
	ASSERT_EQ(2, pi.nnspid);
	ASSERT_EQ(self->a.pid, pi.nspid[0]);
	ASSERT_EQ(1, pi.nspid[1]);
	ASSERT_EQ(0, pi.signal_err);
	close(fd);

	/* the agent's own end, through its own /proc */
	rs = agent_call(&self->a, REQ(.op = OP_PEERPIDFD, .slot = 0), -1, NULL);
	ASSERT_EQ(0, rs.ret);
	ASSERT_EQ(1, rs.pi.pid);
	ASSERT_EQ(1, rs.pi.nnspid);
	ASSERT_EQ(1, rs.pi.nspid[0]);

	/* the test process, invisible from inside */
	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type, 0, sv));
	ASSERT_EQ(0, agent_take(&self->a, 2, sv[1]));
	rs = agent_call(&self->a, REQ(.op = OP_PEERPIDFD, .slot = 2), -1, NULL);
	ASSERT_EQ(0, rs.ret);
	ASSERT_EQ(0, rs.pi.pid);
	ASSERT_EQ(1, rs.pi.nnspid);
	ASSERT_EQ(0, rs.pi.nspid[0]);
	ASSERT_EQ(EINVAL, rs.pi.signal_err);
	close(sv[0]);
	ASSERT_AGENT_EXITED_0(&self->a);
}

/*
 * After the peer exited and was reaped: SO_PEERPIDFD fails with EINVAL
 * (pidfd_prepare(): no thread group), while SO_PEERCRED still reports the
 * dead peer's pid number, which may by now name another process.
 */
TEST_F(peercred, peer_exited)
{
	struct ucred uc;
	struct pidinfo pi;
	pid_t old;
	int fd;

	ASSERT_EQ(0, agent_start(&self->a, 0));
	ASSERT_EQ(0, agent_setid(&self->a, 1000, 1000, 0, NULL));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SOCKETPAIR, .slot = 0, .type = variant->type)));
	fd = agent_give(&self->a, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_peerpidfd(fd, &pi));
	ASSERT_EQ(self->a.pid, pi.pid);
	old = self->a.pid;
	ASSERT_AGENT_EXITED_0(&self->a);

	ASSERT_EQ(-EINVAL, get_peerpidfd(fd, &pi));
	ASSERT_EQ(0, get_peercred(fd, &uc));
	ASSERT_UCRED(uc, old, 1000, 1000);
	close(fd);
}

/*
 * SCM_PIDFD (SO_PASSPIDFD on the receiver) across pid namespaces, like
 * SO_PEERPIDFD; the same message also carries SCM_CREDENTIALS' pid view.
 */
TEST_F(peercred, scm_pidfd_pidns)
{
	struct recvinfo ri;
	struct resp rs;
	int sv[2];

	ASSERT_EQ(0, agent_start(&self->a, CLONE_NEWPID | CLONE_NEWNS));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_PRIVATE_PROC)));
	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type, 0, sv));
	ASSERT_EQ(0, agent_take(&self->a, 0, sv[1]));
	ASSERT_EQ(0, set_int_opt(sv[0], SO_PASSPIDFD, 1));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SETOPT, .slot = 0, .arg = SO_PASSPIDFD, .val = 1)));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SETOPT, .slot = 0, .arg = SO_PASSCRED, .val = 1)));

	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SEND, .slot = 0)));
	ASSERT_EQ(0, recv_byte(sv[0], &ri));
	ASSERT_EQ(0, ri.has_creds);		/* SO_PASSPIDFD alone */
	ASSERT_EQ(1, ri.has_pidfd);
	ASSERT_LE(0, ri.pidfd_value);
	ASSERT_EQ(self->a.pid, ri.pidfd.pid);
	ASSERT_EQ(2, ri.pidfd.nnspid);
	ASSERT_EQ(1, ri.pidfd.nspid[1]);
	ASSERT_EQ(0, ri.pidfd.signal_err);

	ASSERT_EQ(0, send_byte(sv[0], NULL));
	rs = agent_call(&self->a, REQ(.op = OP_RECV, .slot = 0), -1, NULL);
	ASSERT_EQ(0, rs.ret);
	ASSERT_EQ(1, rs.ri.has_pidfd);
	ASSERT_LE(0, rs.ri.pidfd_value);
	ASSERT_EQ(0, rs.ri.pidfd.pid);
	ASSERT_EQ(EINVAL, rs.ri.pidfd.signal_err);
	ASSERT_EQ(1, rs.ri.has_creds);
	ASSERT_UCRED(rs.ri.creds, 0, 0, 0);
	close(sv[0]);
	ASSERT_AGENT_EXITED_0(&self->a);
}

/*
 * A message whose sender exited and was reaped before the read: the
 * SCM_PIDFD payload is not a descriptor but -EINVAL (scm_pidfd_recv() puts
 * pidfd_prepare()'s error into the cmsg); SCM_CREDENTIALS still has the
 * old pid number.
 */
TEST_F(peercred, scm_pidfd_sender_exited)
{
	struct recvinfo ri;
	pid_t old;
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type, 0, sv));
	ASSERT_EQ(0, set_int_opt(sv[0], SO_PASSPIDFD, 1));
	ASSERT_EQ(0, set_int_opt(sv[0], SO_PASSCRED, 1));
	ASSERT_EQ(0, agent_start(&self->a, 0));
	ASSERT_EQ(0, agent_setid(&self->a, 1000, 1000, 0, NULL));
	ASSERT_EQ(0, agent_take(&self->a, 0, sv[1]));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SEND, .slot = 0)));
	old = self->a.pid;
	ASSERT_AGENT_EXITED_0(&self->a);

	ASSERT_EQ(0, recv_byte(sv[0], &ri));
	ASSERT_EQ(1, ri.len);
	ASSERT_EQ(1, ri.has_pidfd);
	ASSERT_EQ(-EINVAL, ri.pidfd_value);
	ASSERT_EQ(1, ri.has_creds);
	ASSERT_UCRED(ri.creds, old, 1000, 1000);
	close(sv[0]);
}

/*
 * SO_PEERGROUPS with a short buffer: ERANGE, and optlen says how much is
 * needed; an empty group list is a zero-length success.
 */
TEST_F(peercred, peergroups_sizes)
{
	static const gid_t groups[] = { 3, 2, 1 };
	gid_t g[MAX_GROUPS];
	socklen_t optlen;
	int fd;

	ASSERT_EQ(0, agent_start(&self->a, 0));
	ASSERT_EQ(0, agent_setid(&self->a, 1000, 1000, 3, groups));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SOCKETPAIR, .slot = 0, .type = variant->type)));
	fd = agent_give(&self->a, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-ERANGE, get_peergroups(fd, g, 2 * sizeof(gid_t), &optlen));
	ASSERT_EQ(3 * sizeof(gid_t), optlen);
	ASSERT_EQ(3, get_peergroups(fd, g, 3 * sizeof(gid_t), &optlen));
	ASSERT_EQ(1, g[0]);
	ASSERT_EQ(3, g[2]);
	close(fd);

	ASSERT_AGENT_EXITED_0(&self->a);

	ASSERT_EQ(0, agent_start(&self->a, 0));
	ASSERT_EQ(0, agent_setid(&self->a, 1000, 1000, 0, NULL));
	ASSERT_EQ(0, agent_ret(&self->a, REQ(.op = OP_SOCKETPAIR, .slot = 0, .type = variant->type)));
	fd = agent_give(&self->a, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_peergroups(fd, g, sizeof(g), &optlen));
	ASSERT_EQ(0, optlen);
	close(fd);
	ASSERT_AGENT_EXITED_0(&self->a);
}

TEST_HARNESS_MAIN
