/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the credpass selftests (credgrant.c, acceptid.c).
 *
 * Valid grants go through libcredpass (libcredpass/credpass.h): requests
 * the library can express are sent with credpass_send(), every received
 * description is also parsed by credpass_parse() and checked against the
 * raw parser here, and acceptid calls on a readable description of the
 * right size go through credpass_accept()/credpass_reject().  Malformed
 * requests and acceptid calls with bad sizes, pointers or flags stay raw,
 * so that they test the kernel, not the library.
 *
 * Everything here is static / static inline.  The first part is
 * independent of the kselftest harness: helpers return 0 or a negative
 * errno (or the raw syscall result with errno set).  The last part, only
 * compiled after kselftest_harness.h, wraps them in ASSERT/EXPECT helpers
 * that report the calling test line.
 *
 * The "agent" is a forked helper process that runs with other credentials
 * (dropped uid/gid/groups/capabilities, a new user namespace with maps
 * written by the test, a new pid namespace, a login uid) and performs
 * sendmsg / recvmsg / acceptid / id queries on request, answering through
 * a pipe.  That keeps every assertion in the test process, where the
 * harness can report it, and synchronises through pipes only.
 */
#ifndef CREDGRANT_UTIL_H
#define CREDGRANT_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <linux/credpass.h>
#include "credpass.h"	/* libcredpass: what valid grants go through */

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD	76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD	77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD	0x04
#endif

#define CG_UNSET_ID		0xffffffffU
#define CG_DESC_MAX		(CREDGRANT_SIZE_VER0 + 4 * CREDGRANT_NGROUPS_MAX)
#define CG_REQ_EXT_MAX		64
#define CG_REQ_MAX		(CREDGRANT_REQ_SIZE_VER0 + CG_REQ_EXT_MAX + \
				 4 * (CREDGRANT_NGROUPS_MAX + 8))
#define CG_DATA_MAX		256
#define CG_MAX_GROUPS		64
#define CG_CTRL_BIG		(CG_DESC_MAX + 1024)

#define CG_SYSCTL_DIR		"/proc/sys/net/unix/"
#define CG_TTL_DEFAULT		"credgrant_ttl_default_ms"
#define CG_TTL_MAX		"credgrant_ttl_max_ms"
/* the grant quota: a ucounts limit per user namespace (rule 14, 5) */
#define CG_USER_MAX_CREDGRANTS	"/proc/sys/user/max_credgrants"
#define CG_COUNTERS		"/proc/net/credgrant"

/* ------------------------------------------------------------------ */
/* small I/O helpers                                                   */

static inline int cg_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* 0 on success, -EPIPE on EOF before len bytes, -errno on error. */
static inline int cg_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

static inline int cg_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	buf[n] = '\0';
	close(fd);
	return 0;
}

static inline int cg_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

static inline int cg_read_ulong_file(const char *path, unsigned long *val)
{
	char buf[64], *end;
	int ret = cg_read_file(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*val = strtoul(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EPROTO;
	return 0;
}

/* Exit status of a child: its exit code, 128 + signal, or -errno. */
static inline int cg_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -ECHILD;
}

static inline pid_t cg_fork(void)
{
	fflush(stdout);
	fflush(stderr);
	return fork();
}

/* ------------------------------------------------------------------ */
/* clocks                                                              */

static inline uint64_t cg_boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Sleep until CLOCK_BOOTTIME has reached ns (absolute). */
static inline int cg_sleep_until_boottime(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / 1000000000ULL,
		.tv_nsec = ns % 1000000000ULL,
	};
	int ret;

	do {
		ret = clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME, &ts, NULL);
	} while (ret == EINTR);
	return -ret;
}

/* Poll step for bounded waits on state changed by a kernel timer. */
static inline void cg_poll_pause(void)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 1000000 };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------------ */
/* counters and sysctls                                                */

struct cg_counters {
	uint64_t issued, accepted, rejected, expired, dropped, outstanding;
};

static inline int cg_counters_parse(const char *text, struct cg_counters *c)
{
	static const char *const names[] = {
		"issued", "accepted", "rejected", "expired", "dropped",
		"outstanding",
	};
	uint64_t *vals[] = {
		&c->issued, &c->accepted, &c->rejected, &c->expired,
		&c->dropped, &c->outstanding,
	};
	unsigned int seen = 0, i;
	const char *line = text;

	while (line && *line) {
		char name[32];
		unsigned long long v;

		if (sscanf(line, "%31s %llu", name, &v) == 2) {
			for (i = 0; i < 6; i++) {
				if (!strcmp(name, names[i])) {
					*vals[i] = v;
					seen |= 1U << i;
				}
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return seen == 0x3f ? 0 : -EPROTO;
}

/* Read the counters from an fd opened on /proc/net/credgrant. */
static inline int cg_counters_read_fd(int fd, struct cg_counters *c)
{
	char buf[1024];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return cg_counters_parse(buf, c);
}

static inline int cg_counters_read(struct cg_counters *c)
{
	int fd = open(CG_COUNTERS, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = cg_counters_read_fd(fd, c);
	close(fd);
	return ret;
}

static inline bool cg_counters_balanced(const struct cg_counters *c)
{
	return c->issued == c->accepted + c->rejected + c->expired +
			    c->dropped + c->outstanding;
}

static inline int cg_sysctl_read(const char *name, unsigned long *val)
{
	char path[128];

	snprintf(path, sizeof(path), CG_SYSCTL_DIR "%s", name);
	return cg_read_ulong_file(path, val);
}

static inline int cg_sysctl_write(const char *name, unsigned long val)
{
	char path[128], text[32];

	snprintf(path, sizeof(path), CG_SYSCTL_DIR "%s", name);
	snprintf(text, sizeof(text), "%lu\n", val);
	return cg_write_file(path, text);
}

/* A sysctl by its full path (e.g. CG_USER_MAX_CREDGRANTS). */
static inline int cg_sysctl_path_write(const char *path, unsigned long val)
{
	char text[32];

	snprintf(text, sizeof(text), "%lu\n", val);
	return cg_write_file(path, text);
}

/* ------------------------------------------------------------------ */
/* requests                                                            */

struct cg_req {
	uint32_t len;		/* SCM_CREDGRANT payload length, 0: no grant */
	uint32_t pad;
	uint64_t buf[(CG_REQ_MAX + 7) / 8];
};

static inline struct credgrant_req *cg_req_hdr(struct cg_req *r)
{
	return (struct credgrant_req *)r->buf;
}

/*
 * Build a request whose fixed part is 24 + ext bytes (ext zero bytes past
 * the known fields), followed by ngroups groups; size and cmsg length agree.
 */
static inline void cg_req_init_ext(struct cg_req *r, uint32_t ext,
				   uint32_t kind, uint32_t uid, uint32_t gid,
				   uint32_t ttl_ms, const uint32_t *groups,
				   uint32_t ngroups)
{
	struct credgrant_req *h = cg_req_hdr(r);
	uint32_t fixed = CREDGRANT_REQ_SIZE_VER0 + ext;

	memset(r, 0, sizeof(*r));
	r->len = fixed + 4 * ngroups;
	h->size = r->len;
	h->kind = kind;
	h->uid = uid;
	h->gid = gid;
	h->ttl_ms = ttl_ms;
	h->ngroups = ngroups;
	if (ngroups)
		memcpy((char *)r->buf + fixed, groups, 4 * ngroups);
}

static inline void cg_req_init(struct cg_req *r, uint32_t kind, uint32_t uid,
			       uint32_t gid, uint32_t ttl_ms,
			       const uint32_t *groups, uint32_t ngroups)
{
	cg_req_init_ext(r, 0, kind, uid, gid, ttl_ms, groups, ngroups);
}

/* ------------------------------------------------------------------ */
/* sending                                                             */

struct cg_cmsg {
	int level, type;
	const void *data;
	size_t len;
};

/* sendmsg() with any number of control messages; returns sendmsg's result. */
static inline ssize_t cg_sendmsg(int fd, const void *data, size_t len,
				 const struct cg_cmsg *cm, int ncm, int flags)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t ctl = 0;
	char *buf = NULL;
	struct cmsghdr *c;
	ssize_t ret;
	int i, saved;

	for (i = 0; i < ncm; i++)
		ctl += CMSG_SPACE(cm[i].len);
	if (ctl) {
		buf = calloc(1, ctl);
		if (!buf) {
			errno = ENOMEM;
			return -1;
		}
		msg.msg_control = buf;
		msg.msg_controllen = ctl;
		c = CMSG_FIRSTHDR(&msg);
		for (i = 0; i < ncm; i++) {
			c->cmsg_level = cm[i].level;
			c->cmsg_type = cm[i].type;
			c->cmsg_len = CMSG_LEN(cm[i].len);
			if (cm[i].len)
				memcpy(CMSG_DATA(c), cm[i].data, cm[i].len);
			c = (struct cmsghdr *)((char *)c + CMSG_SPACE(cm[i].len));
		}
	}
	ret = sendmsg(fd, &msg, flags);
	saved = errno;
	free(buf);
	errno = saved;
	return ret;
}

/*
 * A request libcredpass can express (no extension bytes, sizes agreeing,
 * at most CREDGRANT_NGROUPS_MAX groups) as a struct credpass_request: the
 * library then sends exactly the bytes r holds.  false: raw only.
 */
static inline bool cg_req_to_lib(const struct cg_req *r,
				 struct credpass_request *lib)
{
	const struct credgrant_req *h = (const struct credgrant_req *)r->buf;

	if (h->ngroups > CREDGRANT_NGROUPS_MAX ||
	    r->len != CREDGRANT_REQ_SIZE_VER0 + 4 * h->ngroups ||
	    h->size != r->len)
		return false;
	memset(lib, 0, sizeof(*lib));
	lib->kind = h->kind;
	lib->uid = h->uid;
	lib->gid = h->gid;
	lib->ttl_ms = h->ttl_ms;
	lib->ngroups = h->ngroups;
	lib->groups = (const gid_t *)((const char *)r->buf +
				      CREDGRANT_REQ_SIZE_VER0);
	return true;
}

/*
 * Send data with one SCM_CREDGRANT built from r (r->len == 0: no cmsg):
 * through credpass_send() when the library can express r, else raw.
 * Returns like sendmsg(): bytes, or -1 with errno.
 */
static inline ssize_t cg_send_grant(int fd, const void *data, size_t len,
				    const struct cg_req *r, int flags)
{
	struct cg_cmsg cm = {
		.level = SOL_SOCKET, .type = SCM_CREDGRANT,
		.data = r ? r->buf : NULL, .len = r ? r->len : 0,
	};
	struct credpass_request lib;

	if (r && r->len && cg_req_to_lib(r, &lib)) {
		ssize_t n = credpass_send(fd, &lib, data, len, NULL, 0, flags);

		if (n < 0) {
			errno = -n;
			return -1;
		}
		return n;
	}
	return cg_sendmsg(fd, data, len, &cm, r && r->len ? 1 : 0, flags);
}

/* ------------------------------------------------------------------ */
/* receiving                                                           */

struct cg_rcv {
	int64_t ret;		/* recvmsg result */
	int32_t err;		/* errno when ret < 0 */
	int32_t msg_flags;
	int32_t ngrants;	/* complete SCM_CREDGRANT descriptions seen */
	int32_t npartial;	/* SCM_CREDGRANT cmsgs with a short payload */
	uint32_t grant_len;	/* payload length of the first description */
	int32_t nrights;
	int32_t fds[8];
	int32_t have_creds;
	struct ucred creds;
	int32_t have_pidfd;
	int32_t pidfd;
	int32_t nother;
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
};

static inline struct credgrant *cg_desc(struct cg_rcv *r)
{
	return (struct credgrant *)r->desc;
}

/*
 * recvmsg() into data/len with a control buffer of controllen bytes
 * (0: msg_control NULL) and parse what arrived into out.  With lib, the
 * same control data is also parsed by credpass_parse() into *lib (its
 * descriptors are the same numbers as out->fds; nothing is closed unless
 * the library finds the data malformed), and its result is in *lib_ret.
 */
static inline int64_t cg_recv_lib(int fd, void *data, size_t len, int flags,
				  size_t controllen, struct cg_rcv *out,
				  struct credpass_msg *lib, int *lib_fds,
				  int *lib_ret)
{
	struct iovec iov = { .iov_base = data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	uint64_t *ctl = NULL;
	int i;

	memset(out, 0, sizeof(*out));
	out->pidfd = -1;
	for (i = 0; i < 8; i++)
		out->fds[i] = -1;
	if (controllen) {
		ctl = calloc(1, controllen + 8);
		if (!ctl) {
			out->ret = -1;
			out->err = ENOMEM;
			return -1;
		}
		msg.msg_control = ctl;
		msg.msg_controllen = controllen;
	}
	out->ret = recvmsg(fd, &msg, flags);
	if (out->ret < 0) {
		out->err = errno;
		free(ctl);
		errno = out->err;
		return out->ret;
	}
	out->msg_flags = msg.msg_flags;
	if (lib)
		*lib_ret = credpass_parse(&msg, lib_fds, 8, lib);
	for (c = msg.msg_control ? CMSG_FIRSTHDR(&msg) : NULL; c;
	     c = CMSG_NXTHDR(&msg, c)) {
		size_t plen = c->cmsg_len >= CMSG_LEN(0) ?
			      c->cmsg_len - CMSG_LEN(0) : 0;

		if (c->cmsg_level != SOL_SOCKET) {
			out->nother++;
			continue;
		}
		switch (c->cmsg_type) {
		case SCM_CREDGRANT: {
			struct credgrant g;

			if (plen < sizeof(g) || plen > CG_DESC_MAX) {
				out->npartial++;
				break;
			}
			memcpy(&g, CMSG_DATA(c), sizeof(g));
			if (g.size != plen) {
				out->npartial++;
				break;
			}
			if (!out->ngrants++) {
				memcpy(out->desc, CMSG_DATA(c), plen);
				out->grant_len = plen;
			}
			break;
		}
		case SCM_RIGHTS: {
			size_t n = plen / sizeof(int), k;

			for (k = 0; k < n; k++) {
				int f;

				memcpy(&f, CMSG_DATA(c) + k * sizeof(int),
				       sizeof(int));
				if (out->nrights < 8)
					out->fds[out->nrights] = f;
				out->nrights++;
			}
			break;
		}
		case SCM_CREDENTIALS:
			if (plen >= sizeof(struct ucred)) {
				memcpy(&out->creds, CMSG_DATA(c),
				       sizeof(struct ucred));
				out->have_creds = 1;
			}
			break;
		case SCM_PIDFD:
			if (plen >= sizeof(int)) {
				memcpy(&out->pidfd, CMSG_DATA(c), sizeof(int));
				out->have_pidfd = 1;
			}
			break;
		default:
			out->nother++;
		}
	}
	free(ctl);
	return out->ret;
}

static inline int64_t cg_recv(int fd, void *data, size_t len, int flags,
			      size_t controllen, struct cg_rcv *out)
{
	return cg_recv_lib(fd, data, len, flags, controllen, out, NULL, NULL,
			   NULL);
}

/* Close every descriptor that arrived with a message. */
static inline void cg_rcv_close(struct cg_rcv *r)
{
	int i;

	for (i = 0; i < r->nrights && i < 8; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	if (r->have_pidfd && r->pidfd >= 0)
		close(r->pidfd);
	r->nrights = 0;
	r->have_pidfd = 0;
}

/* Through libcredpass; returns like setsockopt(): 0, or -1 with errno. */
static inline int cg_set_passcredgrant(int fd, int on)
{
	int ret = credpass_set_passcredgrant(fd, on);

	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return 0;
}

/* Returns the option value (0/1) or -errno (through libcredpass). */
static inline int cg_get_passcredgrant(int fd)
{
	return credpass_get_passcredgrant(fd);
}

/* ------------------------------------------------------------------ */
/* acceptid                                                            */

static inline long cg_acceptid_raw(int fd, const void *expect, size_t size,
				   unsigned int flags)
{
	return syscall(__NR_acceptid, fd, expect, size, flags);
}

/*
 * acceptid(), returning like syscall(): 0, or -1 with errno.  Through
 * libcredpass when the library makes exactly this call: expect a readable
 * description (not in the never-mapped first 64 KiB, where the EFAULT
 * tests point) whose size field is size, flags 0, ACCEPTID_EXEC or
 * ACCEPTID_REJECT; and acceptid(-1, NULL, 0, ACCEPTID_AUDIT_POP).
 * Anything else (bad sizes, pointers, flags) goes raw.
 */
static inline long cg_acceptid(int fd, const void *expect, size_t size,
			       unsigned int flags)
{
	const struct credgrant *g = expect;
	int ret;

	if (fd == -1 && !expect && !size && flags == ACCEPTID_AUDIT_POP) {
		ret = credpass_audit_pop();
	} else if ((uintptr_t)expect >= 65536 &&
		   size >= CREDGRANT_SIZE_VER0 && size <= CG_DESC_MAX &&
		   g->size == size &&
		   (flags == 0 || flags == ACCEPTID_EXEC ||
		    flags == ACCEPTID_REJECT)) {
		ret = flags == ACCEPTID_REJECT ? credpass_reject(fd, g) :
						 credpass_accept(fd, g, flags);
	} else {
		return cg_acceptid_raw(fd, expect, size, flags);
	}
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* identities                                                          */

struct cg_idset {
	uint32_t ruid, euid, suid, fsuid;
	uint32_t rgid, egid, sgid, fsgid;
	int32_t ngroups;
	uint32_t groups[CG_MAX_GROUPS];
	uint64_t cap_eff, cap_prm;
	uint32_t loginuid, sessionid;	/* /proc/self/{loginuid,sessionid} */
};

static inline uint32_t cg_self_loginuid(void);
static inline uint32_t cg_self_sessionid(void);

static inline int cg_get_ids(struct cg_idset *s)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	uid_t r, e, sv;
	gid_t gr, ge, gs;
	gid_t groups[CG_MAX_GROUPS];
	int n, i;

	memset(s, 0, sizeof(*s));
	if (getresuid(&r, &e, &sv) || getresgid(&gr, &ge, &gs))
		return -errno;
	s->ruid = r;
	s->euid = e;
	s->suid = sv;
	s->rgid = gr;
	s->egid = ge;
	s->sgid = gs;
	/* setfs[ug]id(-1) changes nothing and returns the current value */
	s->fsuid = syscall(SYS_setfsuid, -1);
	s->fsgid = syscall(SYS_setfsgid, -1);
	n = getgroups(CG_MAX_GROUPS, groups);
	if (n < 0)
		return -errno;
	s->ngroups = n;
	for (i = 0; i < n; i++)
		s->groups[i] = groups[i];
	if (capget(&hdr, data))
		return -errno;
	s->cap_eff = data[0].effective | (uint64_t)data[1].effective << 32;
	s->cap_prm = data[0].permitted | (uint64_t)data[1].permitted << 32;
	s->loginuid = cg_self_loginuid();
	s->sessionid = cg_self_sessionid();
	return 0;
}

#define CG_CAP(c)	(1ULL << (c))

struct cg_ids {
	uint32_t ruid, euid, suid;
	uint32_t rgid, egid, sgid;
	int32_t ngroups;	/* < 0: leave the group list alone */
	uint32_t groups[CG_MAX_GROUPS];
	uint64_t caps;		/* kept in the permitted and effective sets */
};

static inline struct cg_ids cg_ids_plain(uint32_t uid, uint32_t gid,
					 uint64_t caps)
{
	struct cg_ids ids = {
		.ruid = uid, .euid = uid, .suid = uid,
		.rgid = gid, .egid = gid, .sgid = gid,
		.ngroups = 0, .caps = caps,
	};

	return ids;
}

/*
 * Become ids in the calling (single-threaded) process: groups, gids, uids,
 * then exactly ids->caps in the permitted and effective sets, nothing
 * inheritable or ambient.  0 or -errno.
 */
static inline int cg_become(const struct cg_ids *ids)
{
	gid_t groups[CG_MAX_GROUPS] = { 0 };
	cap_value_t v;
	cap_t caps;
	int i, ret = 0;

	if (ids->ngroups >= 0) {
		for (i = 0; i < ids->ngroups; i++)
			groups[i] = ids->groups[i];
		if (setgroups(ids->ngroups, groups))
			return -errno;
	}
	if (setresgid(ids->rgid, ids->egid, ids->sgid))
		return -errno;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return -errno;
	if (setresuid(ids->ruid, ids->euid, ids->suid))
		return -errno;
	caps = cap_init();
	if (!caps)
		return -errno;
	for (v = 0; v < 64; v++) {
		if (!(ids->caps & CG_CAP(v)))
			continue;
		if (cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET) ||
		    cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET)) {
			ret = -errno;
			break;
		}
	}
	if (!ret && cap_set_proc(caps))
		ret = -errno;
	cap_free(caps);
	if (ret)
		return ret;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return -errno;
	return 0;
}

/* The overflow uid/gid user namespaces show for unmapped ids. */
static inline uint32_t cg_overflowuid(void)
{
	unsigned long v = 65534;

	cg_read_ulong_file("/proc/sys/kernel/overflowuid", &v);
	return v;
}

static inline uint32_t cg_overflowgid(void)
{
	unsigned long v = 65534;

	cg_read_ulong_file("/proc/sys/kernel/overflowgid", &v);
	return v;
}

/* /proc/self/loginuid and sessionid as the kernel reports them. */
static inline uint32_t cg_self_loginuid(void)
{
	unsigned long v = CG_UNSET_ID;

	cg_read_ulong_file("/proc/self/loginuid", &v);
	return v;
}

static inline uint32_t cg_self_sessionid(void)
{
	unsigned long v = CG_UNSET_ID;

	cg_read_ulong_file("/proc/self/sessionid", &v);
	return v;
}

/*
 * Fetch "Key:\t..." from a /proc status file into buf (the value part,
 * whitespace collapsed to single spaces).  0 or -errno.
 */
static inline int cg_status_field(const char *path, const char *key,
				  char *buf, size_t len)
{
	char text[4096], *line, *p, *q;
	size_t klen = strlen(key);
	int ret = cg_read_file(path, text, sizeof(text));

	if (ret)
		return ret;
	for (line = text; line && *line; line = p ? p + 1 : NULL) {
		p = strchr(line, '\n');
		if (p)
			*p = '\0';
		if (strncmp(line, key, klen))
			continue;
		line += klen;
		q = buf;
		while (*line && (size_t)(q - buf) < len - 1) {
			if (*line == ' ' || *line == '\t') {
				if (q != buf && q[-1] != ' ')
					*q++ = ' ';
			} else {
				*q++ = *line;
			}
			line++;
		}
		if (q != buf && q[-1] == ' ')
			q--;
		*q = '\0';
		return 0;
	}
	return -ENOENT;
}

/* ------------------------------------------------------------------ */
/* user namespace maps                                                 */

static inline int cg_write_maps(pid_t pid, const char *uid_map,
				const char *gid_map)
{
	char path[64];
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	ret = cg_write_file(path, uid_map);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	return cg_write_file(path, gid_map);
}

/* ------------------------------------------------------------------ */
/* the agent: a helper process driven through pipes                    */

enum {
	CG_OP_SEND = 1,		/* sendmsg(fd, data, [grant], flags) */
	CG_OP_RECV,		/* recvmsg(fd, datalen, flags, controllen) */
	CG_OP_RECV_KEEP,	/* same, keeping received descriptors open */
	CG_OP_ACCEPT,		/* acceptid(fd, desc, size, flags) */
	CG_OP_IDS,		/* report credentials */
	CG_OP_CLOSE,		/* close(fd) */
	CG_OP_EXIT,
};

struct cg_cmd {
	uint32_t op;
	int32_t fd;
	int32_t flags;
	uint32_t datalen;
	uint64_t size;		/* acceptid size / recv controllen */
	char data[CG_DATA_MAX];
	struct cg_req req;	/* SEND: req.len == 0 means no grant */
	uint64_t desc[(CG_DESC_MAX + 7) / 8];	/* ACCEPT: expect */
};

struct cg_rep {
	int64_t ret;
	int32_t err;
	int32_t pad;
	struct cg_rcv rcv;		/* RECV */
	char data[CG_DATA_MAX];		/* RECV */
	struct cg_idset ids;		/* every reply: credentials after the op */
};

struct cg_agent_opts {
	const struct cg_ids *ids;	/* NULL: keep the test's credentials */
	const char *uid_map;		/* non-NULL: new user namespace ... */
	const char *gid_map;		/* ... with these maps */
	bool new_pidns;			/* run as pid 1 of a new pid namespace */
	bool set_loginuid;		/* write loginuid to /proc/self/loginuid */
	uint32_t loginuid;
	const int *keep_fds;		/* descriptors the agent keeps ... */
	int nkeep;			/* ... all others >= 3 are closed */
};

struct cg_agent {
	pid_t pid;		/* in the test's pid namespace */
	pid_t helper;		/* new_pidns: the intermediate parent */
	int cmd;		/* write end */
	int rep;		/* read end */
};

#define CG_AGENT_SETUP_FAIL	90

static inline void cg_agent_close_fds(const struct cg_agent_opts *o, int a,
				      int b)
{
	int fd, i;

	for (fd = 3; fd < 1024; fd++) {
		bool keep = fd == a || fd == b;

		for (i = 0; i < o->nkeep; i++)
			keep |= o->keep_fds[i] == fd;
		if (!keep)
			close(fd);
	}
}

static inline void cg_agent_loop(int cmdfd, int repfd)
{
	static struct cg_cmd cmd;
	static struct cg_rep rep;

	for (;;) {
		if (cg_read_full(cmdfd, &cmd, sizeof(cmd)))
			_exit(0);
		memset(&rep, 0, sizeof(rep));
		errno = 0;
		switch (cmd.op) {
		case CG_OP_SEND:
			rep.ret = cg_send_grant(cmd.fd, cmd.data, cmd.datalen,
						&cmd.req, cmd.flags);
			break;
		case CG_OP_RECV:
			rep.ret = cg_recv(cmd.fd, rep.data, cmd.datalen,
					  cmd.flags, cmd.size, &rep.rcv);
			cg_rcv_close(&rep.rcv);
			break;
		case CG_OP_RECV_KEEP:
			rep.ret = cg_recv(cmd.fd, rep.data, cmd.datalen,
					  cmd.flags, cmd.size, &rep.rcv);
			break;
		case CG_OP_ACCEPT:
			rep.ret = cg_acceptid(cmd.fd, cmd.desc, cmd.size,
					      cmd.flags);
			break;
		case CG_OP_IDS:
			rep.ret = cg_get_ids(&rep.ids);
			break;
		case CG_OP_CLOSE:
			rep.ret = close(cmd.fd);
			break;
		case CG_OP_EXIT:
			_exit(0);
		default:
			rep.ret = -1;
			errno = EINVAL;
		}
		rep.err = rep.ret < 0 ? errno : 0;
		if (cmd.op != CG_OP_IDS)
			cg_get_ids(&rep.ids);
		if (cg_write_full(repfd, &rep, sizeof(rep)))
			_exit(1);
	}
}

/* Setup steps the agent reports in cg_rep.pad. */
enum {
	CG_STEP_LOGINUID = 1,
	CG_STEP_UNSHARE,
	CG_STEP_BECOME,
};

static inline const char *cg_step_name(int step)
{
	switch (step) {
	case CG_STEP_LOGINUID:
		return "writing /proc/self/loginuid";
	case CG_STEP_UNSHARE:
		return "unshare(CLONE_NEWUSER)";
	case CG_STEP_BECOME:
		return "changing credentials";
	}
	return "agent setup";
}

static inline void cg_agent_report_step(int repfd, int step, int ret,
					int err)
{
	struct cg_rep r;

	memset(&r, 0, sizeof(r));
	r.ret = ret;
	r.err = err;
	r.pad = step;
	cg_get_ids(&r.ids);
	cg_write_full(repfd, &r, sizeof(r));
	if (ret < 0)
		_exit(CG_AGENT_SETUP_FAIL);
}

/* Agent side of the setup: one report per step, then the command loop. */
static inline void cg_agent_child(const struct cg_agent_opts *o, int cmdfd,
				  int repfd)
{
	char go;
	int ret;

	if (o->set_loginuid) {
		char text[32];

		snprintf(text, sizeof(text), "%u", o->loginuid);
		ret = cg_write_file("/proc/self/loginuid", text);
		cg_agent_report_step(repfd, CG_STEP_LOGINUID, ret ? -1 : 0,
				     -ret);
	}
	if (o->uid_map) {
		ret = unshare(CLONE_NEWUSER);
		cg_agent_report_step(repfd, CG_STEP_UNSHARE, ret, errno);
		/* the test writes the maps, then says go */
		if (cg_read_full(cmdfd, &go, 1) || go != 'M')
			_exit(CG_AGENT_SETUP_FAIL);
	}
	ret = o->ids ? cg_become(o->ids) : 0;
	cg_agent_report_step(repfd, CG_STEP_BECOME, ret ? -1 : 0, -ret);
	cg_agent_loop(cmdfd, repfd);
	_exit(0);
}

static inline int cg_agent_expect_step(struct cg_agent *a, int step,
				       const char **failed_step)
{
	struct cg_rep r;
	int ret;

	*failed_step = cg_step_name(step);
	ret = cg_read_full(a->rep, &r, sizeof(r));
	if (ret)
		return ret;
	if (r.pad != step)
		return -EPROTO;
	if (r.ret < 0)
		return r.err ? -r.err : -EIO;
	return 0;
}

/*
 * Start an agent.  Returns 0, or -errno with *failed_step naming the step
 * that failed (for the test's log).  On success a->pid is the agent's pid
 * in the caller's pid namespace.
 */
static inline int cg_agent_start(struct cg_agent *a,
				 const struct cg_agent_opts *o,
				 const char **failed_step)
{
	int cmdp[2], repp[2], pidp[2];
	pid_t pid;
	int ret;

	*failed_step = "pipe";
	memset(a, 0, sizeof(*a));
	a->cmd = a->rep = -1;
	if (pipe2(cmdp, O_CLOEXEC) || pipe2(repp, O_CLOEXEC) ||
	    pipe2(pidp, O_CLOEXEC))
		return -errno;
	*failed_step = "fork";
	pid = cg_fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(cmdp[1]);
		close(repp[0]);
		close(pidp[0]);
		signal(SIGPIPE, SIG_IGN);
		if (o->new_pidns) {
			pid_t inner;

			if (unshare(CLONE_NEWPID))
				_exit(CG_AGENT_SETUP_FAIL);
			inner = fork();
			if (inner < 0)
				_exit(CG_AGENT_SETUP_FAIL);
			if (inner > 0) {
				/*
				 * Intermediate: hold nothing of the test's,
				 * report the agent's pid, relay its exit.
				 */
				struct cg_agent_opts none = { .nkeep = 0 };

				cg_agent_close_fds(&none, pidp[1], -1);
				cg_write_full(pidp[1], &inner, sizeof(inner));
				close(pidp[1]);
				_exit(cg_wait(inner) == 0 ? 0 : 1);
			}
		} else {
			pid_t self = getpid();

			cg_write_full(pidp[1], &self, sizeof(self));
		}
		close(pidp[1]);
		cg_agent_close_fds(o, cmdp[0], repp[1]);
		cg_agent_child(o, cmdp[0], repp[1]);
		_exit(0);
	}
	close(cmdp[0]);
	close(repp[1]);
	close(pidp[1]);
	a->cmd = cmdp[1];
	a->rep = repp[0];
	a->helper = o->new_pidns ? pid : 0;
	a->pid = pid;
	*failed_step = "agent pid";
	ret = cg_read_full(pidp[0], &a->pid, sizeof(a->pid));
	close(pidp[0]);
	if (ret)
		return ret;
	if (o->set_loginuid) {
		ret = cg_agent_expect_step(a, CG_STEP_LOGINUID, failed_step);
		if (ret)
			return ret;
	}
	if (o->uid_map) {
		ret = cg_agent_expect_step(a, CG_STEP_UNSHARE, failed_step);
		if (ret)
			return ret;
		*failed_step = "writing uid_map/gid_map";
		ret = cg_write_maps(a->pid, o->uid_map, o->gid_map);
		if (ret)
			return ret;
		ret = cg_write_full(a->cmd, "M", 1);
		if (ret)
			return ret;
	}
	ret = cg_agent_expect_step(a, CG_STEP_BECOME, failed_step);
	if (ret)
		return ret;
	*failed_step = NULL;
	return 0;
}

/* Send a command, wait for the reply.  0 or -errno (agent gone: -EPIPE). */
static inline int cg_agent_call(struct cg_agent *a, const struct cg_cmd *cmd,
				struct cg_rep *rep)
{
	int ret = cg_write_full(a->cmd, cmd, sizeof(*cmd));

	if (ret)
		return ret;
	return cg_read_full(a->rep, rep, sizeof(*rep));
}

static inline int cg_agent_send(struct cg_agent *a, int fd, const char *data,
				const struct cg_req *req, int flags,
				struct cg_rep *rep)
{
	static struct cg_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = CG_OP_SEND;
	cmd.fd = fd;
	cmd.flags = flags;
	cmd.datalen = strlen(data);
	memcpy(cmd.data, data, cmd.datalen);
	if (req)
		cmd.req = *req;
	return cg_agent_call(a, &cmd, rep);
}

static inline int cg_agent_recv_op(struct cg_agent *a, uint32_t op, int fd,
				   uint32_t datalen, int flags,
				   size_t controllen, struct cg_rep *rep)
{
	static struct cg_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = op;
	cmd.fd = fd;
	cmd.flags = flags;
	cmd.datalen = datalen;
	cmd.size = controllen;
	return cg_agent_call(a, &cmd, rep);
}

/* recvmsg in the agent; descriptors that arrive are closed there. */
static inline int cg_agent_recv(struct cg_agent *a, int fd, uint32_t datalen,
				int flags, size_t controllen,
				struct cg_rep *rep)
{
	return cg_agent_recv_op(a, CG_OP_RECV, fd, datalen, flags,
				controllen, rep);
}

/* recvmsg in the agent; rep->rcv.fds are open in the agent afterwards. */
static inline int cg_agent_recv_keep(struct cg_agent *a, int fd,
				     uint32_t datalen, int flags,
				     size_t controllen, struct cg_rep *rep)
{
	return cg_agent_recv_op(a, CG_OP_RECV_KEEP, fd, datalen, flags,
				controllen, rep);
}

static inline int cg_agent_accept(struct cg_agent *a, int fd,
				  const void *desc, size_t size,
				  unsigned int flags, struct cg_rep *rep)
{
	static struct cg_cmd cmd;
	size_t copy = size < sizeof(cmd.desc) ? size : sizeof(cmd.desc);

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = CG_OP_ACCEPT;
	cmd.fd = fd;
	cmd.flags = flags;
	cmd.size = size;
	memcpy(cmd.desc, desc, copy);
	return cg_agent_call(a, &cmd, rep);
}

static inline int cg_agent_simple(struct cg_agent *a, uint32_t op, int fd,
				  struct cg_rep *rep)
{
	static struct cg_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = op;
	cmd.fd = fd;
	return cg_agent_call(a, &cmd, rep);
}

/* Stop the agent; its exit status (see cg_wait). */
static inline int cg_agent_stop(struct cg_agent *a)
{
	int ret = 0;

	if (a->cmd >= 0)
		close(a->cmd);
	if (a->rep >= 0)
		close(a->rep);
	a->cmd = a->rep = -1;
	if (a->helper > 0)
		ret = cg_wait(a->helper);
	else if (a->pid > 0)
		ret = cg_wait(a->pid);
	a->pid = a->helper = 0;
	return ret;
}

/* ================================================================== */
/*
 * Assertion helpers for tests built on kselftest_harness.h (include the
 * harness first).  They take the harness's _metadata, so ASSERT_* / EXPECT_*
 * report the failing line of the test through the LINE argument.
 */
#ifdef __KSELFTEST_HARNESS_H

/* Counters are read through this fd when >= 0 (opened before a test
 * changes its credentials), else by opening /proc/net/credgrant. */
static int cg_counters_fd = -1;

static inline int cg_counters_now(struct cg_counters *c)
{
	if (cg_counters_fd >= 0)
		return cg_counters_read_fd(cg_counters_fd, c);
	return cg_counters_read(c);
}

#define MSG	"grant!"
#define MSGLEN	6
#define NSEC_PER_MSEC	1000000ULL

/* Fails with a clear message on a kernel without credpass. */
static inline void require_credpass(struct __test_metadata *_metadata)
{
	struct cg_counters c;
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	ret = cg_set_passcredgrant(fd, 1);
	ASSERT_EQ(0, ret) TH_LOG("setsockopt(SOL_SOCKET, SO_PASSCREDGRANT=%d): %s: this kernel has no credpass",
				 SO_PASSCREDGRANT, strerror(errno));
	ret = cg_get_passcredgrant(fd);
	ASSERT_EQ(1, ret) TH_LOG("getsockopt(SO_PASSCREDGRANT) after setting it: %d", ret);
	close(fd);
	ret = cg_counters_read(&c);
	ASSERT_EQ(0, ret) TH_LOG("reading " CG_COUNTERS ": %s", strerror(-ret));
}

/* ------------------------------------------------------------------ */
/* counters                                                            */

/* The invariant, with all six counters in the log when it does not hold. */
static inline void expect_balanced(struct __test_metadata *_metadata,
				   const struct cg_counters *c)
{
	EXPECT_TRUE(cg_counters_balanced(c))
		TH_LOG("counters do not balance: issued %llu accepted %llu rejected %llu expired %llu dropped %llu outstanding %llu",
		       (unsigned long long)c->issued,
		       (unsigned long long)c->accepted,
		       (unsigned long long)c->rejected,
		       (unsigned long long)c->expired,
		       (unsigned long long)c->dropped,
		       (unsigned long long)c->outstanding);
}

/* A suite's last test: everything it issued has met its fate. */
static inline void expect_all_settled(struct __test_metadata *_metadata)
{
	struct cg_counters c;

	ASSERT_EQ(0, cg_counters_read(&c));
	expect_balanced(_metadata, &c);
	EXPECT_EQ(0, c.outstanding);
	TH_LOG("issued %llu accepted %llu rejected %llu expired %llu dropped %llu outstanding %llu",
	       (unsigned long long)c.issued, (unsigned long long)c.accepted,
	       (unsigned long long)c.rejected, (unsigned long long)c.expired,
	       (unsigned long long)c.dropped,
	       (unsigned long long)c.outstanding);
}

static inline void expect_counters(struct __test_metadata *_metadata, int line,
			    const struct cg_counters *b, long issued,
			    long accepted, long rejected, long expired,
			    long dropped)
{
	long outstanding = issued - accepted - rejected - expired - dropped;
	struct cg_counters n;
	long d[6];
	int ret;

	ret = cg_counters_now(&n);
	ASSERT_EQ(0, ret);
	d[0] = n.issued - b->issued;
	d[1] = n.accepted - b->accepted;
	d[2] = n.rejected - b->rejected;
	d[3] = n.expired - b->expired;
	d[4] = n.dropped - b->dropped;
	d[5] = n.outstanding - b->outstanding;
	EXPECT_TRUE(d[0] == issued && d[1] == accepted && d[2] == rejected &&
		    d[3] == expired && d[4] == dropped && d[5] == outstanding)
		TH_LOG("line %d: counter deltas issued %ld accepted %ld rejected %ld expired %ld dropped %ld outstanding %ld, expected %ld %ld %ld %ld %ld %ld",
		       line, d[0], d[1], d[2], d[3], d[4], d[5], issued,
		       accepted, rejected, expired, dropped, outstanding);
	EXPECT_TRUE(cg_counters_balanced(&n));
}

#define EXPECT_COUNTERS(b, i, a, r, e, d) \
	expect_counters(_metadata, __LINE__, b, i, a, r, e, d)

/*
 * For a send that failed after the grant may have been created: the
 * semantics allow "issued then dropped" or nothing at all, never more.
 */
static inline void expect_no_leak(struct __test_metadata *_metadata, int line,
			   const struct cg_counters *b)
{
	struct cg_counters n;

	ASSERT_EQ(0, cg_counters_now(&n));
	EXPECT_EQ(n.outstanding, b->outstanding) TH_LOG("line %d", line);
	EXPECT_EQ(n.issued - b->issued, n.dropped - b->dropped)
		TH_LOG("line %d", line);
	EXPECT_GE(1, n.issued - b->issued) TH_LOG("line %d", line);
	EXPECT_EQ(n.accepted, b->accepted);
	EXPECT_EQ(n.rejected, b->rejected);
	EXPECT_EQ(n.expired, b->expired);
	EXPECT_TRUE(cg_counters_balanced(&n));
}

/* Bounded wait for a timer-driven counter change. */
static inline void wait_expired(struct __test_metadata *_metadata,
			 const struct cg_counters *b, uint64_t want)
{
	struct cg_counters n;
	int i;

	for (i = 0; i < 10000; i++) {
		ASSERT_EQ(0, cg_counters_now(&n));
		if (n.expired - b->expired >= want)
			return;
		cg_poll_pause();
	}
	ASSERT_EQ(want, n.expired - b->expired)
		TH_LOG("the expired grant was not reaped 10000 polls after its expires_ns");
}

/* ------------------------------------------------------------------ */
/* send / receive                                                      */

static inline void send_ok(struct __test_metadata *_metadata, int line, int fd,
		    const char *data, const struct cg_req *req)
{
	ssize_t len = strlen(data), n;

	errno = 0;
	n = cg_send_grant(fd, data, len, req, MSG_NOSIGNAL | MSG_DONTWAIT);
	ASSERT_EQ(len, n) TH_LOG("line %d: sendmsg with SCM_CREDGRANT: %s",
				 line, strerror(errno));
}

#define SEND_OK(fd, data, req) send_ok(_metadata, __LINE__, fd, data, req)

static inline void send_fails(struct __test_metadata *_metadata, int line, int fd,
		       const struct cg_req *req, int err)
{
	ssize_t n;

	errno = 0;
	n = cg_send_grant(fd, MSG, MSGLEN, req, MSG_NOSIGNAL | MSG_DONTWAIT);
	ASSERT_EQ(-1, n) TH_LOG("line %d: sendmsg succeeded, expected %s",
				line, strerror(err));
	ASSERT_EQ(err, errno) TH_LOG("line %d: sendmsg: errno %d (%s), expected %d (%s)",
				     line, errno, strerror(errno), err,
				     strerror(err));
}

#define SEND_FAILS(fd, req, err) send_fails(_metadata, __LINE__, fd, req, err)

/* Receive exactly data with exactly one complete description. */
static inline void recv_grant(struct __test_metadata *_metadata, int line, int fd,
		       const char *data, int flags, struct cg_rcv *rcv)
{
	char buf[CG_DATA_MAX];
	int64_t len = strlen(data), n;

	struct credpass_msg lib;
	int lib_fds[8], lib_ret = -1, i;

	memset(buf, 0, sizeof(buf));
	n = cg_recv_lib(fd, buf, sizeof(buf), flags | MSG_DONTWAIT,
			CG_CTRL_BIG, rcv, &lib, lib_fds, &lib_ret);
	ASSERT_EQ(len, n) TH_LOG("line %d: recvmsg returned %lld (%s)", line,
				 (long long)n, n < 0 ? strerror(rcv->err) : "");
	ASSERT_EQ(0, memcmp(buf, data, len)) TH_LOG("line %d: data", line);
	ASSERT_EQ(0, rcv->msg_flags & (MSG_CTRUNC | MSG_TRUNC))
		TH_LOG("line %d: msg_flags %#x", line, rcv->msg_flags);
	ASSERT_EQ(1, rcv->ngrants)
		TH_LOG("line %d: %d SCM_CREDGRANT descriptions (%d malformed), expected 1",
		       line, rcv->ngrants, rcv->npartial);
	ASSERT_EQ(0, rcv->npartial);
	/* libcredpass parsed the same control data the same way */
	ASSERT_EQ(0, lib_ret) TH_LOG("line %d: credpass_parse: %s", line,
				     credpass_strerror(lib_ret));
	ASSERT_NE(NULL, credpass_msg_grant(&lib));
	ASSERT_EQ(0, memcmp(credpass_msg_grant(&lib), rcv->desc,
			    rcv->grant_len)) TH_LOG("line %d: description", line);
	ASSERT_EQ(rcv->nrights < 8 ? rcv->nrights : 8, (int)lib.nfds);
	for (i = 0; i < (int)lib.nfds; i++)
		ASSERT_EQ(rcv->fds[i], lib_fds[i]);
	ASSERT_EQ(!!rcv->have_creds, !!(lib.has & CREDPASS_HAS_CREDS));
	if (rcv->have_creds) {
		ASSERT_EQ(rcv->creds.pid, lib.creds.pid);
		ASSERT_EQ(rcv->creds.uid, lib.creds.uid);
		ASSERT_EQ(rcv->creds.gid, lib.creds.gid);
	}
	ASSERT_EQ(rcv->have_pidfd ? rcv->pidfd : -1, lib.pidfd);
}

#define RECV_GRANT(fd, data, rcv) recv_grant(_metadata, __LINE__, fd, data, 0, rcv)
#define PEEK_GRANT(fd, data, rcv) \
	recv_grant(_metadata, __LINE__, fd, data, MSG_PEEK, rcv)

/* Receive exactly data and no description (complete or truncated). */
static inline void recv_plain(struct __test_metadata *_metadata, int line, int fd,
		       const char *data, int flags, size_t controllen,
		       struct cg_rcv *rcv)
{
	char buf[CG_DATA_MAX];
	int64_t len = strlen(data), n;

	memset(buf, 0, sizeof(buf));
	n = cg_recv(fd, buf, sizeof(buf), flags | MSG_DONTWAIT, controllen,
		    rcv);
	ASSERT_EQ(len, n) TH_LOG("line %d: recvmsg returned %lld (%s)", line,
				 (long long)n, n < 0 ? strerror(rcv->err) : "");
	ASSERT_EQ(0, memcmp(buf, data, len)) TH_LOG("line %d: data", line);
	ASSERT_EQ(0, rcv->ngrants) TH_LOG("line %d: unexpected description",
					  line);
}

#define RECV_PLAIN(fd, data, rcv) \
	recv_plain(_metadata, __LINE__, fd, data, 0, CG_CTRL_BIG, rcv)

static inline void expect_empty(struct __test_metadata *_metadata, int line, int fd)
{
	struct cg_rcv rcv;
	char buf[64];
	int64_t n;

	n = cg_recv(fd, buf, sizeof(buf), MSG_DONTWAIT, CG_CTRL_BIG, &rcv);
	ASSERT_EQ(-1, n) TH_LOG("line %d: a message was queued (%lld bytes, %d descriptions)",
				line, (long long)n, rcv.ngrants);
	ASSERT_EQ(EAGAIN, rcv.err) TH_LOG("line %d: %s", line,
					  strerror(rcv.err));
}

#define EXPECT_EMPTY(fd) expect_empty(_metadata, __LINE__, fd)

/* ------------------------------------------------------------------ */
/* descriptions                                                        */

struct want {
	uint32_t kind, uid, gid;
	uint32_t ngroups;
	const uint32_t *groups;
	uint32_t guid, ggid, gpid, gauid, gses;
	uint64_t ttl_ms;
	uint64_t t0, t1;	/* t1 != 0: t0 <= issued_ns <= t1 */
};

/* What a grant from the (root) test process itself looks like. */
static inline struct want want_self(uint32_t kind, uint32_t uid, uint32_t gid,
			     uint64_t ttl_ms)
{
	struct want w = {
		.kind = kind, .uid = uid, .gid = gid,
		.guid = 0, .ggid = 0, .gpid = getpid(),
		.gauid = cg_self_loginuid(), .gses = cg_self_sessionid(),
		.ttl_ms = ttl_ms,
	};

	return w;
}

static inline void check_desc(struct __test_metadata *_metadata, int line,
		       const struct credgrant *g, const struct want *w)
{
	uint32_t i;

	EXPECT_NE(0, g->id) TH_LOG("line %d", line);
	EXPECT_EQ(CREDGRANT_SIZE_VER0 + 4 * w->ngroups, g->size)
		TH_LOG("line %d", line);
	EXPECT_EQ(w->kind, g->kind) TH_LOG("line %d", line);
	EXPECT_EQ(w->uid, g->uid) TH_LOG("line %d", line);
	EXPECT_EQ(w->gid, g->gid) TH_LOG("line %d", line);
	EXPECT_EQ(w->guid, g->granter_uid) TH_LOG("line %d", line);
	EXPECT_EQ(w->ggid, g->granter_gid) TH_LOG("line %d", line);
	EXPECT_EQ(w->gpid, g->granter_pid) TH_LOG("line %d", line);
	EXPECT_EQ(w->gauid, g->granter_auid) TH_LOG("line %d", line);
	EXPECT_EQ(w->gses, g->granter_ses) TH_LOG("line %d", line);
	ASSERT_EQ(w->ngroups, g->ngroups) TH_LOG("line %d", line);
	for (i = 0; i < w->ngroups; i++)
		ASSERT_EQ(w->groups[i], g->groups[i])
			TH_LOG("line %d: groups[%u]", line, i);
	EXPECT_EQ(w->ttl_ms * NSEC_PER_MSEC, g->expires_ns - g->issued_ns)
		TH_LOG("line %d: expires_ns - issued_ns", line);
	if (w->t1) {
		EXPECT_LE(w->t0, g->issued_ns) TH_LOG("line %d", line);
		EXPECT_LE(g->issued_ns, w->t1) TH_LOG("line %d", line);
	}
}

#define CHECK_DESC(g, w) check_desc(_metadata, __LINE__, g, w)

/* ------------------------------------------------------------------ */
/* agents                                                              */

static inline void agent_start(struct __test_metadata *_metadata, int line,
			struct cg_agent *a, const struct cg_agent_opts *o)
{
	const char *step = NULL;
	int ret = cg_agent_start(a, o, &step);

	ASSERT_EQ(0, ret) TH_LOG("line %d: starting agent: %s: %s", line,
				 step ? step : "?", strerror(-ret));
}

#define AGENT_START(a, o) agent_start(_metadata, __LINE__, a, o)

/* Agent sends MSG with req; returns the errno (0 on success). */
static inline int agent_send(struct __test_metadata *_metadata, int line,
		      struct cg_agent *a, int fd, const struct cg_req *req)
{
	struct cg_rep rep;
	int ret = cg_agent_send(a, fd, MSG, req, MSG_NOSIGNAL | MSG_DONTWAIT,
				&rep);

	EXPECT_EQ(0, ret) TH_LOG("line %d: agent: %s", line, strerror(-ret));
	if (ret)
		return -1;
	if (rep.ret == MSGLEN)
		return 0;
	EXPECT_EQ(-1, rep.ret) TH_LOG("line %d: agent sendmsg returned %lld",
				      line, (long long)rep.ret);
	return rep.err;
}

#define AGENT_SEND_OK(a, fd, req) \
	ASSERT_EQ(0, agent_send(_metadata, __LINE__, a, fd, req))
#define AGENT_SEND_FAILS(a, fd, req, err) \
	ASSERT_EQ(err, agent_send(_metadata, __LINE__, a, fd, req))

static inline void agent_stop(struct __test_metadata *_metadata, struct cg_agent *a)
{
	ASSERT_EQ(0, cg_agent_stop(a));
}


#endif /* __KSELFTEST_HARNESS_H */

#endif /* CREDGRANT_UTIL_H */
