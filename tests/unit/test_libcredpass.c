// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of libcredpass: message building and parsing, size
 * checks, malformed or truncated control data (right errno, every
 * descriptor closed exactly once), the probe on a kernel without
 * credgrant, acceptid's arguments, the errno texts, describe and names.
 * The system calls are mocked:
 *
 * unit-wrap: socket getsockopt setsockopt sendmsg recvmsg close syscall
 *
 * (each name above becomes -Wl,--wrap=NAME, see the Makefile).  Mocked
 * descriptors are small fake numbers: __wrap_close records them and never
 * closes anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "credpass.h"
#include "internal.h"

#ifndef SCM_PIDFD
#define SCM_PIDFD	0x04
#endif

/* ------------------------------------------------------------------ */
/* mocks                                                               */

static struct {
	/* socket */
	int nsocket, socket_ret, socket_err;
	/* getsockopt */
	int ngetsockopt, getsockopt_ret, getsockopt_err, getsockopt_val;
	socklen_t getsockopt_len;
	/* setsockopt */
	int nsetsockopt, setsockopt_fd, setsockopt_val, setsockopt_opt;
	/* sendmsg: what was sent */
	int nsendmsg, sendmsg_flags;
	ssize_t sendmsg_ret;
	int sendmsg_err;
	unsigned char sent_ctl[8192];
	size_t sent_ctllen;
	char sent_data[256];
	size_t sent_len;
	/* recvmsg: what arrives */
	int nrecvmsg, recvmsg_flags_seen, recvmsg_err;
	ssize_t recvmsg_ret;
	int recv_msg_flags;
	unsigned char recv_ctl[8192];
	size_t recv_ctllen;
	const char *recv_data;
	/* close */
	int nclosed;
	int closed[64];
	/* syscall */
	int nsyscall;
	long sys_nr, sys_args[4];
	long syscall_ret;
	int syscall_err;
} m;

int __wrap_socket(int domain, int type, int proto);
int __wrap_getsockopt(int fd, int level, int opt, void *val, socklen_t *len);
int __wrap_setsockopt(int fd, int level, int opt, const void *val,
		      socklen_t len);
ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t __wrap_recvmsg(int fd, struct msghdr *msg, int flags);
int __wrap_close(int fd);
long __wrap_syscall(long nr, ...);

int __wrap_socket(int domain, int type, int proto)
{
	m.nsocket++;
	assert_int_equal(domain, AF_UNIX);
	assert_int_equal(type, SOCK_DGRAM | SOCK_CLOEXEC);
	assert_int_equal(proto, 0);
	if (m.socket_err) {
		errno = m.socket_err;
		return -1;
	}
	return m.socket_ret;
}

int __wrap_getsockopt(int fd, int level, int opt, void *val, socklen_t *len)
{
	(void)fd;
	m.ngetsockopt++;
	assert_int_equal(level, SOL_SOCKET);
	assert_int_equal(opt, SO_PASSCREDGRANT);
	assert_int_equal(*len, sizeof(int));
	if (m.getsockopt_ret) {
		errno = m.getsockopt_err;
		return -1;
	}
	memcpy(val, &m.getsockopt_val, sizeof(int));
	*len = m.getsockopt_len;
	return 0;
}

int __wrap_setsockopt(int fd, int level, int opt, const void *val,
		      socklen_t len)
{
	m.nsetsockopt++;
	assert_int_equal(level, SOL_SOCKET);
	assert_int_equal(len, sizeof(int));
	m.setsockopt_fd = fd;
	m.setsockopt_opt = opt;
	memcpy(&m.setsockopt_val, val, sizeof(int));
	return 0;
}

ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	size_t i;

	(void)fd;
	m.nsendmsg++;
	m.sendmsg_flags = flags;
	m.sent_ctllen = msg->msg_controllen;
	assert_true(m.sent_ctllen <= sizeof(m.sent_ctl));
	if (msg->msg_controllen) {
		assert_non_null(msg->msg_control);
		/* the kernel needs aligned control data */
		assert_int_equal((uintptr_t)msg->msg_control % sizeof(size_t), 0);
		memcpy(m.sent_ctl, msg->msg_control, msg->msg_controllen);
	} else {
		assert_null(msg->msg_control);
	}
	m.sent_len = 0;
	for (i = 0; i < msg->msg_iovlen; i++) {
		assert_true(m.sent_len + msg->msg_iov[i].iov_len <= sizeof(m.sent_data));
		memcpy(m.sent_data + m.sent_len, msg->msg_iov[i].iov_base,
		       msg->msg_iov[i].iov_len);
		m.sent_len += msg->msg_iov[i].iov_len;
	}
	if (m.sendmsg_err) {
		errno = m.sendmsg_err;
		return -1;
	}
	return m.sendmsg_ret >= 0 ? m.sendmsg_ret : (ssize_t)m.sent_len;
}

ssize_t __wrap_recvmsg(int fd, struct msghdr *msg, int flags)
{
	size_t len = m.recv_data ? strlen(m.recv_data) : 0;

	(void)fd;
	m.nrecvmsg++;
	m.recvmsg_flags_seen = flags;
	if (m.recvmsg_err) {
		errno = m.recvmsg_err;
		return -1;
	}
	assert_true(msg->msg_iovlen >= 1);
	if (len > msg->msg_iov[0].iov_len)
		len = msg->msg_iov[0].iov_len;
	if (len)
		memcpy(msg->msg_iov[0].iov_base, m.recv_data, len);
	/* the library always offers room for everything */
	assert_true(msg->msg_controllen >= m.recv_ctllen);
	memcpy(msg->msg_control, m.recv_ctl, m.recv_ctllen);
	msg->msg_controllen = m.recv_ctllen;
	msg->msg_flags = m.recv_msg_flags;
	return len;
}

int __real_close(int fd);
int __wrap_close(int fd)
{
	assert_true(m.nclosed < 64);
	m.closed[m.nclosed++] = fd;
	return 0;
}

long __wrap_syscall(long nr, ...)
{
	va_list ap;
	int i;

	m.nsyscall++;
	m.sys_nr = nr;
	va_start(ap, nr);
	for (i = 0; i < 4; i++)
		m.sys_args[i] = va_arg(ap, long);
	va_end(ap);
	if (m.syscall_err) {
		errno = m.syscall_err;
		return -1;
	}
	return m.syscall_ret;
}

/* A kernel with credgrant; every test starts from it. */
static int setup(void **state)
{
	(void)state;
	memset(&m, 0, sizeof(m));
	m.socket_ret = 3;
	m.getsockopt_len = sizeof(int);
	m.sendmsg_ret = -1;
	credpass__probe_reset();
	return 0;
}

/* A stock kernel: getsockopt(SO_PASSCREDGRANT) is ENOPROTOOPT. */
static void stock_kernel(void)
{
	m.getsockopt_ret = -1;
	m.getsockopt_err = ENOPROTOOPT;
}

static int was_closed(int fd)
{
	int i, n = 0;

	for (i = 0; i < m.nclosed; i++)
		n += m.closed[i] == fd;
	return n;
}

/* ------------------------------------------------------------------ */
/* control data builders for the receive side                          */

struct ctl {
	union {
		struct cmsghdr align;
		unsigned char buf[8192];
	} u;
	size_t len;
};

static void ctl_add(struct ctl *c, int level, int type, const void *data,
		    size_t plen)
{
	struct cmsghdr h = {
		.cmsg_len = CMSG_LEN(plen), .cmsg_level = level,
		.cmsg_type = type,
	};

	assert_true(c->len + CMSG_SPACE(plen) <= sizeof(c->u.buf));
	memcpy(c->u.buf + c->len, &h, sizeof(h));
	if (plen)
		memcpy(c->u.buf + c->len + CMSG_LEN(0), data, plen);
	c->len += CMSG_SPACE(plen);
}

/* A description as the kernel delivers it. */
static size_t grant_make(void *buf, uint32_t ngroups)
{
	struct credgrant g = {
		.id = 0x1122334455667788ULL,
		.issued_ns = 1000000000ULL,
		.expires_ns = 1000000000ULL + 30000ULL * 1000000,
		.size = CREDGRANT_SIZE_VER0 + 4 * ngroups,
		.kind = CREDGRANT_FULL,
		.uid = 1000, .gid = 100,
		.granter_uid = 0, .granter_gid = 0, .granter_pid = 42,
		.granter_auid = 0xffffffffU, .granter_ses = 0xffffffffU,
		.ngroups = ngroups,
	};
	uint32_t i;

	memcpy(buf, &g, sizeof(g));
	for (i = 0; i < ngroups; i++) {
		uint32_t v = 27 + i;

		memcpy((char *)buf + sizeof(g) + 4 * i, &v, 4);
	}
	return g.size;
}

static void recv_will_get(const struct ctl *c, int msg_flags,
			  const char *data)
{
	memcpy(m.recv_ctl, c->u.buf, c->len);
	m.recv_ctllen = c->len;
	m.recv_msg_flags = msg_flags;
	m.recv_data = data;
}

/* ------------------------------------------------------------------ */
/* probe                                                               */

static void test_probe_supported_cached(void **state)
{
	(void)state;
	assert_int_equal(credpass_probe(), 1);
	assert_int_equal(m.nsocket, 1);
	assert_int_equal(m.ngetsockopt, 1);
	assert_int_equal(m.nclosed, 1);
	assert_int_equal(m.closed[0], 3);
	/* cached: no second socket */
	assert_int_equal(credpass_probe(), 1);
	assert_int_equal(m.nsocket, 1);
}

static void test_probe_unsupported(void **state)
{
	struct credgrant g = { .size = CREDGRANT_SIZE_VER0 };
	struct credpass_request req = { .kind = CREDGRANT_UID, .uid = 1 };

	(void)state;
	stock_kernel();
	assert_int_equal(credpass_probe(), 0);
	assert_int_equal(was_closed(3), 1);
	assert_int_equal(credpass_probe(), 0);
	assert_int_equal(m.nsocket, 1);
	/* nothing credgrant reaches the kernel: no syscall 463 at all */
	assert_int_equal(credpass_accept(5, &g, 0), -ENOSYS);
	assert_int_equal(credpass_reject(5, &g), -ENOSYS);
	assert_int_equal(credpass_accept(5, &g, ACCEPTID_EXEC), -ENOSYS);
	assert_int_equal(credpass_audit_pop(), -ENOSYS);
	assert_int_equal(m.nsyscall, 0);
	assert_int_equal(credpass_set_passcredgrant(5, 1), -ENOSYS);
	assert_int_equal(m.nsetsockopt, 0);
	assert_int_equal(credpass_get_passcredgrant(5), -ENOSYS);
	assert_int_equal(m.ngetsockopt, 1);
	assert_int_equal(credpass_send(5, &req, "x", 1, NULL, 0, 0), -ENOSYS);
	assert_int_equal(m.nsendmsg, 0);
	/* a plain message still goes out */
	assert_int_equal(credpass_send(5, NULL, "x", 1, NULL, 0, 0), 1);
	assert_int_equal(m.nsendmsg, 1);
	assert_int_equal(m.sent_ctllen, 0);
	assert_string_equal(credpass_strerror(-ENOSYS),
			    "the running kernel has no credgrant (SO_PASSCREDGRANT, SCM_CREDGRANT, acceptid)");
}

static void test_probe_other_option(void **state)
{
	(void)state;
	/* option 86 answers, but not as an int that is 0 on a new socket */
	m.getsockopt_val = 7;
	assert_int_equal(credpass_probe(), 0);
	credpass__probe_reset();
	m.getsockopt_val = 0;
	m.getsockopt_len = 8;
	assert_int_equal(credpass_probe(), 0);
}

static void test_probe_error_not_cached(void **state)
{
	(void)state;
	m.socket_err = EMFILE;
	assert_int_equal(credpass_probe(), -EMFILE);
	assert_int_equal(credpass_accept(5, &(struct credgrant){ .size = 64 }, 0),
			 -EMFILE);
	assert_int_equal(m.nsyscall, 0);
	m.socket_err = 0;
	assert_int_equal(credpass_probe(), 1);
	assert_int_equal(m.nsocket, 3);
	/* an unexpected getsockopt error: not cached either */
	credpass__probe_reset();
	m.getsockopt_ret = -1;
	m.getsockopt_err = EACCES;
	assert_int_equal(credpass_probe(), -EACCES);
	assert_int_equal(was_closed(3), 2);
}

static void test_passcredgrant(void **state)
{
	(void)state;
	assert_int_equal(credpass_set_passcredgrant(9, 5), 0);
	assert_int_equal(m.setsockopt_fd, 9);
	assert_int_equal(m.setsockopt_opt, SO_PASSCREDGRANT);
	assert_int_equal(m.setsockopt_val, 1);
	assert_int_equal(credpass_set_passcredgrant(9, 0), 0);
	assert_int_equal(m.setsockopt_val, 0);
	m.getsockopt_val = 1;
	/* the probe saw 1 on its new socket: another option, not ours */
	credpass__probe_reset();
	assert_int_equal(credpass_get_passcredgrant(9), -ENOSYS);
	credpass__probe_reset();
	m.getsockopt_val = 0;
	assert_int_equal(credpass_probe(), 1);
	m.getsockopt_val = 1;
	assert_int_equal(credpass_get_passcredgrant(9), 1);
	m.getsockopt_len = 2;
	assert_int_equal(credpass_get_passcredgrant(9), -EPROTO);
	m.getsockopt_ret = -1;
	m.getsockopt_err = ENOTSOCK;
	assert_int_equal(credpass_get_passcredgrant(9), -ENOTSOCK);
}

/* ------------------------------------------------------------------ */
/* sending                                                             */

static void test_send_builds_one_message(void **state)
{
	const gid_t groups[] = { 100, 27, 5000 };
	struct credpass_request req = {
		.kind = CREDGRANT_FULL, .uid = 1000, .gid = 100,
		.ttl_ms = 5000, .groups = groups, .ngroups = 3,
	};
	const int fds[] = { 7, 8 };
	struct credgrant_req r;
	struct cmsghdr h;
	uint32_t g[3];
	int got[2];
	size_t reqlen = CREDGRANT_REQ_SIZE_VER0 + 12;

	(void)state;
	assert_int_equal(credpass_send(4, &req, "hello", 5, fds, 2,
				       MSG_NOSIGNAL), 5);
	assert_int_equal(m.nsendmsg, 1);
	assert_int_equal(m.sendmsg_flags, MSG_NOSIGNAL);
	assert_int_equal(m.sent_len, 5);
	assert_memory_equal(m.sent_data, "hello", 5);
	assert_int_equal(m.sent_ctllen, CMSG_SPACE(reqlen) + CMSG_SPACE(8));
	/* first: the request */
	memcpy(&h, m.sent_ctl, sizeof(h));
	assert_int_equal(h.cmsg_level, SOL_SOCKET);
	assert_int_equal(h.cmsg_type, SCM_CREDGRANT);
	assert_int_equal(h.cmsg_len, CMSG_LEN(reqlen));
	memcpy(&r, m.sent_ctl + CMSG_LEN(0), sizeof(r));
	assert_int_equal(r.size, reqlen);
	assert_int_equal(r.kind, CREDGRANT_FULL);
	assert_int_equal(r.uid, 1000);
	assert_int_equal(r.gid, 100);
	assert_int_equal(r.ttl_ms, 5000);
	assert_int_equal(r.ngroups, 3);
	memcpy(g, m.sent_ctl + CMSG_LEN(0) + CREDGRANT_REQ_SIZE_VER0, 12);
	assert_int_equal(g[0], 100);
	assert_int_equal(g[1], 27);
	assert_int_equal(g[2], 5000);
	/* then the descriptors, in the same message */
	memcpy(&h, m.sent_ctl + CMSG_SPACE(reqlen), sizeof(h));
	assert_int_equal(h.cmsg_level, SOL_SOCKET);
	assert_int_equal(h.cmsg_type, SCM_RIGHTS);
	assert_int_equal(h.cmsg_len, CMSG_LEN(8));
	memcpy(got, m.sent_ctl + CMSG_SPACE(reqlen) + CMSG_LEN(0), 8);
	assert_int_equal(got[0], 7);
	assert_int_equal(got[1], 8);
	/* the caller's descriptors stay the caller's */
	assert_int_equal(m.nclosed, 1);	/* the probe's socket only */
}

static void test_send_self_and_passthrough(void **state)
{
	struct credpass_request req = {
		.kind = CREDGRANT_UID | CREDGRANT_GID,
		.uid = CREDGRANT_SELF, .gid = CREDGRANT_SELF,
	};
	struct credgrant_req r;

	(void)state;
	assert_int_equal(credpass_send(4, &req, "a", 1, NULL, 0, 0), 1);
	assert_int_equal(m.sent_ctllen, CMSG_SPACE(CREDGRANT_REQ_SIZE_VER0));
	memcpy(&r, m.sent_ctl + CMSG_LEN(0), sizeof(r));
	assert_int_equal(r.size, CREDGRANT_REQ_SIZE_VER0);
	assert_int_equal(r.uid, CREDGRANT_SELF);
	assert_int_equal(r.gid, CREDGRANT_SELF);
	assert_int_equal(r.ttl_ms, 0);
	assert_int_equal(r.ngroups, 0);
	/* the kernel judges the request: what it refuses comes back as is */
	m.sendmsg_err = EPERM;
	assert_int_equal(credpass_send(4, &req, "a", 1, NULL, 0, 0), -EPERM);
	m.sendmsg_err = 0;
	req.kind = CREDGRANT_GID;	/* uid set without CREDGRANT_UID */
	assert_int_equal(credpass_send(4, &req, "a", 1, NULL, 0, 0), 1);
	memcpy(&r, m.sent_ctl + CMSG_LEN(0), sizeof(r));
	assert_int_equal(r.kind, CREDGRANT_GID);
	assert_int_equal(r.uid, CREDGRANT_SELF);
	/* descriptors alone, no grant */
	assert_int_equal(credpass_send(4, NULL, "a", 1, (int[]){ 9 }, 1, 0), 1);
	assert_int_equal(m.sent_ctllen, CMSG_SPACE(4));
}

static void test_send_size_checks(void **state)
{
	static gid_t groups[CREDGRANT_NGROUPS_MAX + 1];
	static int fds[CREDPASS_FDS_MAX + 1];
	struct credpass_request req = {
		.kind = CREDGRANT_GROUPS, .groups = groups,
		.ngroups = CREDGRANT_NGROUPS_MAX + 1,
	};
	union {
		struct cmsghdr align;
		unsigned char buf[64];
	} small;

	(void)state;
	assert_int_equal(credpass_send(4, &req, "a", 1, NULL, 0, 0), -EINVAL);
	req.ngroups = 2;
	req.groups = NULL;
	assert_int_equal(credpass_send(4, &req, "a", 1, NULL, 0, 0), -EINVAL);
	assert_int_equal(credpass_send(4, NULL, "a", 1, fds,
				       CREDPASS_FDS_MAX + 1, 0), -EINVAL);
	assert_int_equal(credpass_send(4, NULL, "a", 1, NULL, 1, 0), -EINVAL);
	assert_int_equal(m.nsendmsg, 0);
	/* the largest request and the most descriptors fit */
	req.groups = groups;
	req.ngroups = CREDGRANT_NGROUPS_MAX;
	assert_int_equal(credpass_send(4, &req, "a", 1, fds, CREDPASS_FDS_MAX, 0), 1);
	assert_int_equal(m.sent_ctllen,
			 CMSG_SPACE(CREDGRANT_REQ_SIZE_VER0 + 4 * CREDGRANT_NGROUPS_MAX) +
			 CMSG_SPACE(4 * CREDPASS_FDS_MAX));
	/* a builder's buffer that is too small */
	req.ngroups = 0;
	assert_int_equal(credpass__build_control(&req, NULL, 0, small.buf,
						 sizeof(small.buf)),
			 CMSG_SPACE(CREDGRANT_REQ_SIZE_VER0));
	req.ngroups = 8;
	assert_int_equal(credpass__build_control(&req, NULL, 0, small.buf,
						 sizeof(small.buf)), -ENOBUFS);
}

/* ------------------------------------------------------------------ */
/* receiving                                                           */

static void test_recv_everything(void **state)
{
	unsigned char g[CREDPASS_GRANT_MAX];
	size_t glen = grant_make(g, 2);
	struct ucred uc = { .pid = 42, .uid = 0, .gid = 0 };
	int rights[] = { 10, 11 }, pidfd = 12, fds[4];
	struct credpass_msg msg;
	const struct credgrant *d;
	struct ctl c = { 0 };
	char data[16] = "";

	(void)state;
	ctl_add(&c, SOL_SOCKET, SCM_CREDENTIALS, &uc, sizeof(uc));
	ctl_add(&c, SOL_SOCKET, SCM_PIDFD, &pidfd, sizeof(pidfd));
	ctl_add(&c, SOL_SOCKET, SCM_CREDGRANT, g, glen);
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, rights, sizeof(rights));
	ctl_add(&c, 0 /* SOL_IP */, 1, "xxxx", 4);	/* not ours: ignored */
	recv_will_get(&c, 0, "payload");
	assert_int_equal(credpass_recv(4, data, sizeof(data), fds, 4, &msg,
				       MSG_DONTWAIT), 7);
	assert_string_equal(data, "payload");
	assert_int_equal(m.recvmsg_flags_seen, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	assert_int_equal(msg.len, 7);
	assert_int_equal(msg.msg_flags, 0);
	assert_int_equal(msg.has, CREDPASS_HAS_GRANT | CREDPASS_HAS_CREDS |
				  CREDPASS_HAS_PIDFD);
	assert_int_equal(msg.nfds, 2);
	assert_int_equal(msg.fds_closed, 0);
	assert_ptr_equal(msg.fds, fds);
	assert_int_equal(fds[0], 10);
	assert_int_equal(fds[1], 11);
	assert_int_equal(msg.pidfd, 12);
	assert_int_equal(msg.creds.pid, 42);
	d = credpass_msg_grant(&msg);
	assert_non_null(d);
	assert_int_equal(d->size, CREDGRANT_SIZE_VER0 + 8);
	assert_int_equal(d->id, 0x1122334455667788ULL);
	assert_int_equal(d->uid, 1000);
	assert_int_equal(d->ngroups, 2);
	assert_int_equal(d->groups[0], 27);
	assert_int_equal(d->groups[1], 28);
	assert_int_equal(m.nclosed, 0);
	/* the caller closes what it got */
	credpass_msg_close(&msg);
	assert_int_equal(m.nclosed, 3);
	assert_int_equal(was_closed(10) + was_closed(11) + was_closed(12), 3);
	assert_int_equal(msg.nfds, 0);
	assert_int_equal(msg.pidfd, -1);
	assert_int_equal(fds[0], -1);
	credpass_msg_close(&msg);
	assert_int_equal(m.nclosed, 3);
}

static void test_recv_plain(void **state)
{
	struct credpass_msg msg;
	struct ctl c = { 0 };
	char data[4];

	(void)state;
	recv_will_get(&c, MSG_TRUNC, "toolong");
	assert_int_equal(credpass_recv(4, data, sizeof(data), NULL, 0, &msg, 0), 4);
	assert_int_equal(msg.has, 0);
	assert_int_equal(msg.msg_flags, MSG_TRUNC);
	assert_null(credpass_msg_grant(&msg));
	assert_int_equal(msg.pidfd, -1);
	assert_int_equal(msg.nfds, 0);
	/* recvmsg fails: -errno, an empty msg */
	m.recvmsg_err = EAGAIN;
	assert_int_equal(credpass_recv(4, data, sizeof(data), NULL, 0, &msg, 0),
			 -EAGAIN);
	assert_int_equal(msg.has, 0);
	assert_int_equal(msg.pidfd, -1);
	assert_int_equal(m.nclosed, 0);
}

static void test_recv_too_many_fds(void **state)
{
	int rights[] = { 20, 21, 22 }, fds[1] = { -1 };
	unsigned char g[CREDPASS_GRANT_MAX];
	struct credpass_msg msg;
	struct ctl c = { 0 };
	char data[8];

	(void)state;
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, rights, sizeof(rights));
	ctl_add(&c, SOL_SOCKET, SCM_CREDGRANT, g, grant_make(g, 0));
	recv_will_get(&c, 0, "x");
	assert_int_equal(credpass_recv(4, data, sizeof(data), fds, 1, &msg, 0), 1);
	assert_int_equal(msg.nfds, 1);
	assert_int_equal(fds[0], 20);
	assert_int_equal(msg.fds_closed, 2);
	assert_true(msg.msg_flags & MSG_CTRUNC);
	assert_int_equal(m.nclosed, 2);
	assert_int_equal(was_closed(21), 1);
	assert_int_equal(was_closed(22), 1);
	/* the grant still arrived */
	assert_non_null(credpass_msg_grant(&msg));
	/* no room at all: every descriptor closed */
	m.nclosed = 0;
	assert_int_equal(credpass_recv(4, data, sizeof(data), NULL, 5, &msg, 0), 1);
	assert_int_equal(msg.nfds, 0);
	assert_int_equal(msg.fds_closed, 3);
	assert_int_equal(m.nclosed, 3);
}

/* Malformed control data: -EBADMSG, every descriptor closed once. */
static void expect_badmsg(const struct ctl *c, int msg_flags,
			  const int *carried, int ncarried)
{
	struct credpass_msg msg;
	int fds[8], i;
	char data[8];

	m.nclosed = 0;
	recv_will_get(c, msg_flags, "x");
	assert_int_equal(credpass_recv(4, data, sizeof(data), fds, 8, &msg, 0),
			 -EBADMSG);
	assert_int_equal(m.nclosed, ncarried);
	for (i = 0; i < ncarried; i++)
		assert_int_equal(was_closed(carried[i]), 1);
	assert_int_equal(msg.has, 0);
	assert_int_equal(msg.nfds, 0);
	assert_int_equal(msg.pidfd, -1);
	assert_null(credpass_msg_grant(&msg));
}

static void test_recv_malformed(void **state)
{
	unsigned char g[CREDPASS_GRANT_MAX];
	struct credgrant *gp = (struct credgrant *)g;
	int rights[] = { 30, 31 }, pidfd = 32, bad = -5;
	int all[] = { 30, 31, 32 };
	size_t glen;
	struct ctl c;
	struct cmsghdr h;

	(void)state;
	/* size field that does not match the payload */
	memset(&c, 0, sizeof(c));
	glen = grant_make(g, 1);
	gp->size += 4;
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, rights, sizeof(rights));
	ctl_add(&c, SOL_SOCKET, SCM_CREDGRANT, g, glen + 4);
	ctl_add(&c, SOL_SOCKET, SCM_PIDFD, &pidfd, sizeof(pidfd));
	expect_badmsg(&c, 0, all, 3);

	/* size that does not match ngroups */
	memset(&c, 0, sizeof(c));
	glen = grant_make(g, 1);
	gp->ngroups = 2;
	ctl_add(&c, SOL_SOCKET, SCM_CREDGRANT, g, glen);
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, rights, sizeof(rights));
	expect_badmsg(&c, 0, rights, 2);

	/* more groups than a grant can have */
	memset(&c, 0, sizeof(c));
	glen = grant_make(g, 0);
	gp->ngroups = CREDGRANT_NGROUPS_MAX + 1;
	gp->size = CREDGRANT_SIZE_VER0;
	ctl_add(&c, SOL_SOCKET, SCM_CREDGRANT, g, glen);
	expect_badmsg(&c, 0, NULL, 0);

	/* two grants in one message */
	memset(&c, 0, sizeof(c));
	glen = grant_make(g, 0);
	ctl_add(&c, SOL_SOCKET, SCM_CREDGRANT, g, glen);
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, rights, sizeof(rights));
	ctl_add(&c, SOL_SOCKET, SCM_CREDGRANT, g, glen);
	expect_badmsg(&c, 0, rights, 2);

	/* a short description that is not the kernel's truncation */
	memset(&c, 0, sizeof(c));
	ctl_add(&c, SOL_SOCKET, SCM_CREDGRANT, g, 40);
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, rights, sizeof(rights));
	expect_badmsg(&c, MSG_CTRUNC, rights, 2);

	/* SCM_RIGHTS with a partial int, or a negative descriptor */
	memset(&c, 0, sizeof(c));
	ctl_add(&c, SOL_SOCKET, SCM_PIDFD, &pidfd, sizeof(pidfd));
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, rights, 6);
	expect_badmsg(&c, 0, (int[]){ 32, 30 }, 2);
	memset(&c, 0, sizeof(c));
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, rights, sizeof(rights));
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, &bad, sizeof(bad));
	expect_badmsg(&c, 0, rights, 2);

	/* two SCM_PIDFD, a short SCM_CREDENTIALS */
	memset(&c, 0, sizeof(c));
	ctl_add(&c, SOL_SOCKET, SCM_PIDFD, &pidfd, sizeof(pidfd));
	ctl_add(&c, SOL_SOCKET, SCM_PIDFD, &rights[0], sizeof(int));
	expect_badmsg(&c, 0, (int[]){ 32, 30 }, 2);
	memset(&c, 0, sizeof(c));
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, rights, sizeof(rights));
	ctl_add(&c, SOL_SOCKET, SCM_CREDENTIALS, "12345678", 8);
	ctl_add(&c, SOL_SOCKET, SCM_PIDFD, &pidfd, sizeof(pidfd));
	expect_badmsg(&c, 0, all, 3);

	/* a header whose cmsg_len runs past the data, or is too small */
	memset(&c, 0, sizeof(c));
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, rights, sizeof(rights));
	ctl_add(&c, SOL_SOCKET, SCM_CREDGRANT, g, grant_make(g, 0));
	memcpy(&h, c.u.buf + CMSG_SPACE(8), sizeof(h));
	h.cmsg_len += 200;
	memcpy(c.u.buf + CMSG_SPACE(8), &h, sizeof(h));
	expect_badmsg(&c, 0, rights, 2);
	h.cmsg_len = sizeof(h) - 1;
	memcpy(c.u.buf + CMSG_SPACE(8), &h, sizeof(h));
	expect_badmsg(&c, 0, rights, 2);
}

/* What the kernel writes when the caller's buffer is too small. */
static void test_recv_kernel_truncation(void **state)
{
	unsigned char g[CREDPASS_GRANT_MAX];
	int rights[] = { 40 }, fds[2];
	struct credpass_msg msg;
	struct ctl c = { 0 };
	struct cmsghdr h;
	char data[8];

	(void)state;
	grant_make(g, 4);
	/* the last cmsg cut short by put_cmsg, MSG_CTRUNC set */
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, rights, sizeof(rights));
	ctl_add(&c, SOL_SOCKET, SCM_CREDGRANT, g, 60);
	memcpy(&h, c.u.buf + CMSG_SPACE(4), sizeof(h));
	c.len = CMSG_SPACE(4) + h.cmsg_len;
	recv_will_get(&c, MSG_CTRUNC, "x");
	assert_int_equal(credpass_recv(4, data, sizeof(data), fds, 2, &msg, 0), 1);
	assert_true(msg.msg_flags & MSG_CTRUNC);
	assert_null(credpass_msg_grant(&msg));
	assert_int_equal(msg.nfds, 1);
	assert_int_equal(fds[0], 40);
	assert_int_equal(m.nclosed, 0);
	/* the same cut with the size field showing more than arrived */
	memset(&c, 0, sizeof(c));
	ctl_add(&c, SOL_SOCKET, SCM_CREDGRANT, g, CREDGRANT_SIZE_VER0 + 8);
	recv_will_get(&c, MSG_CTRUNC, "x");
	assert_int_equal(credpass_recv(4, data, sizeof(data), fds, 2, &msg, 0), 1);
	assert_null(credpass_msg_grant(&msg));
	/* without MSG_CTRUNC that is malformed */
	expect_badmsg(&c, 0, NULL, 0);
}

static void test_parse_msghdr(void **state)
{
	unsigned char g[CREDPASS_GRANT_MAX];
	struct credpass_msg msg;
	struct ctl c = { 0 };
	struct msghdr mh = { 0 };
	int fds[1];

	(void)state;
	ctl_add(&c, SOL_SOCKET, SCM_CREDGRANT, g, grant_make(g, 3));
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, (int[]){ 50 }, sizeof(int));
	mh.msg_control = c.u.buf;
	mh.msg_controllen = c.len;
	mh.msg_flags = MSG_EOR;
	assert_int_equal(credpass_parse(&mh, fds, 1, &msg), 0);
	assert_int_equal(msg.msg_flags, MSG_EOR);
	assert_int_equal(credpass_msg_grant(&msg)->ngroups, 3);
	assert_int_equal(fds[0], 50);
	/* no control data at all */
	mh.msg_control = NULL;
	mh.msg_controllen = 0;
	assert_int_equal(credpass_parse(&mh, fds, 1, &msg), 0);
	assert_int_equal(msg.has, 0);
	assert_int_equal(credpass_parse(NULL, fds, 1, &msg), -EINVAL);
	assert_int_equal(credpass_parse(&mh, fds, 1, NULL), -EINVAL);
	assert_int_equal(CREDPASS_CONTROL_SIZE >=
			 CMSG_SPACE(CREDPASS_GRANT_MAX) + CMSG_SPACE(4 * 253), 1);
}

/* ------------------------------------------------------------------ */
/* acceptid                                                            */

static void test_accept_args(void **state)
{
	unsigned char g[CREDPASS_GRANT_MAX];
	const struct credgrant *gp = (const struct credgrant *)g;

	(void)state;
	grant_make(g, 2);
	assert_int_equal(credpass_accept(6, gp, 0), 0);
	assert_int_equal(m.sys_nr, 463);
	assert_int_equal(m.sys_args[0], 6);
	assert_ptr_equal((void *)m.sys_args[1], gp);
	assert_int_equal(m.sys_args[2], CREDGRANT_SIZE_VER0 + 8);
	assert_int_equal(m.sys_args[3], 0);
	assert_int_equal(credpass_accept(6, gp, ACCEPTID_EXEC), 0);
	assert_int_equal(m.sys_args[3], ACCEPTID_EXEC);
	assert_int_equal(credpass_reject(6, gp), 0);
	assert_int_equal(m.sys_args[3], ACCEPTID_REJECT);
	assert_int_equal(credpass_audit_pop(), 0);
	assert_int_equal(m.sys_args[0], -1);
	assert_int_equal(m.sys_args[1], 0);
	assert_int_equal(m.sys_args[2], 0);
	assert_int_equal(m.sys_args[3], ACCEPTID_AUDIT_POP);
	assert_int_equal(m.nsyscall, 4);
	/* the kernel's errno, negated */
	m.syscall_err = ESTALE;
	assert_int_equal(credpass_accept(6, gp, 0), -ESTALE);
	m.syscall_err = ETIME;
	assert_int_equal(credpass_reject(6, gp), -ETIME);
	assert_int_equal(credpass_accept(6, NULL, 0), -EINVAL);
	assert_int_equal(credpass_reject(6, NULL), -EINVAL);
	assert_int_equal(m.nsyscall, 6);
}

/* ------------------------------------------------------------------ */
/* errno texts, describe, names                                        */

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(credpass_strerror(ESTALE), credpass_strerror(-ESTALE));
	assert_string_equal(credpass_strerror(-ETIME),
			    "the grant has expired (it is used up)");
	assert_non_null(strstr(credpass_strerror(-ENOENT), "no such grant pending"));
	assert_non_null(strstr(credpass_strerror(-EPERM), "SO_PASSCREDGRANT"));
	assert_non_null(strstr(credpass_strerror(-EOVERFLOW), "not mapped"));
	assert_non_null(strstr(credpass_strerror(-EDQUOT), "too many live grants"));
	assert_non_null(strstr(credpass_strerror(-EBADMSG), "malformed control data"));
	assert_non_null(strstr(credpass_strerror(-E2BIG), "extension"));
	assert_string_equal(credpass_strerror(0), "success");
	assert_string_equal(credpass_strerror(EIO), "Input/output error");
	assert_string_equal(credpass_strerror(99999), "unknown error");
	assert_string_equal(credpass_strerror(-99999), "unknown error");
}

static void test_describe(void **state)
{
	unsigned char g[CREDPASS_GRANT_MAX];
	struct credgrant *gp = (struct credgrant *)g;
	const char *want = "grant 0x1122334455667788 kind=uid,gid,groups uid=1000 gid=100 groups=27,28 ttl=30000ms from pid=42 uid=0 gid=0 auid=unset ses=unset";
	char buf[512], small[10];

	(void)state;
	grant_make(g, 2);
	assert_int_equal(credpass_describe(gp, 0, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
	/* snprintf-like: the whole length, a cut and terminated line */
	assert_int_equal(credpass_describe(gp, 0, small, sizeof(small)), strlen(want));
	assert_string_equal(small, "grant 0x1");
	assert_int_equal(credpass_describe(gp, 0, NULL, 0), strlen(want));
	/* names through NSS: root is 0 on every host */
	gp->kind = CREDGRANT_UID;
	gp->uid = 0;
	assert_true(credpass_describe(gp, CREDPASS_DESCRIBE_NAMES, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, " kind=uid uid=0(root) ttl=30000ms from pid=42 uid=0(root) gid=0(root) auid=unset"));
	gp->kind = CREDGRANT_AUDIT;
	gp->granter_auid = 1000;
	gp->granter_ses = 3;
	assert_true(credpass_describe(gp, 0, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, " kind=audit ttl=30000ms from pid=42 uid=0 gid=0 auid=1000 ses=3"));
	/* a description that is not self-consistent is refused */
	gp->size += 4;
	assert_int_equal(credpass_describe(gp, 0, buf, sizeof(buf)), -EINVAL);
	gp->size -= 4;
	assert_int_equal(credpass_describe(gp, 0x80, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(credpass_describe(NULL, 0, buf, sizeof(buf)), -EINVAL);
}

static void test_names(void **state)
{
	struct credpass_request req;
	gid_t groups[64];
	uid_t uid = 7;
	gid_t gid = 7;
	size_t i;
	int root_in = 0;

	(void)state;
	assert_int_equal(credpass_uid_from_name("root", &uid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(credpass_uid_from_name("1234", &uid), 0);
	assert_int_equal(uid, 1234);
	assert_int_equal(credpass_uid_from_name("4294967294", &uid), 0);
	assert_int_equal(uid, 4294967294U);
	assert_int_equal(credpass_uid_from_name("4294967295", &uid), -EINVAL);
	assert_int_equal(credpass_uid_from_name("99999999999999999999", &uid), -EINVAL);
	assert_int_equal(credpass_uid_from_name("no-such-user-credpass", &uid), -ENOENT);
	assert_int_equal(credpass_uid_from_name(NULL, &uid), -EINVAL);
	assert_int_equal(credpass_gid_from_name("root", &gid), 0);
	assert_int_equal(gid, 0);
	assert_int_equal(credpass_gid_from_name("27", &gid), 0);
	assert_int_equal(gid, 27);
	assert_int_equal(credpass_gid_from_name("no-such-group-credpass", &gid), -ENOENT);
	assert_int_equal(credpass_request_for_user("root", &req, groups, 64), 0);
	assert_int_equal(req.kind, CREDGRANT_FULL);
	assert_int_equal(req.uid, 0);
	assert_int_equal(req.gid, 0);
	assert_int_equal(req.ttl_ms, 0);
	assert_ptr_equal(req.groups, groups);
	assert_true(req.ngroups >= 1);
	for (i = 0; i < req.ngroups; i++)
		root_in |= groups[i] == 0;
	assert_true(root_in);
	assert_int_equal(credpass_request_for_user("0", &req, groups, 64), 0);
	assert_int_equal(req.uid, 0);
	assert_int_equal(credpass_request_for_user("root", &req, groups, 0), -ERANGE);
	assert_int_equal(credpass_request_for_user("no-such-user-credpass", &req,
						   groups, 64), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_probe_supported_cached, setup),
		cmocka_unit_test_setup(test_probe_unsupported, setup),
		cmocka_unit_test_setup(test_probe_other_option, setup),
		cmocka_unit_test_setup(test_probe_error_not_cached, setup),
		cmocka_unit_test_setup(test_passcredgrant, setup),
		cmocka_unit_test_setup(test_send_builds_one_message, setup),
		cmocka_unit_test_setup(test_send_self_and_passthrough, setup),
		cmocka_unit_test_setup(test_send_size_checks, setup),
		cmocka_unit_test_setup(test_recv_everything, setup),
		cmocka_unit_test_setup(test_recv_plain, setup),
		cmocka_unit_test_setup(test_recv_too_many_fds, setup),
		cmocka_unit_test_setup(test_recv_malformed, setup),
		cmocka_unit_test_setup(test_recv_kernel_truncation, setup),
		cmocka_unit_test_setup(test_parse_msghdr, setup),
		cmocka_unit_test_setup(test_accept_args, setup),
		cmocka_unit_test_setup(test_strerror, setup),
		cmocka_unit_test_setup(test_describe, setup),
		cmocka_unit_test_setup(test_names, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
