/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the credpass selftests (credgrant.c, acceptid.c).
 *
 * Everything here is static / static inline and independent of the
 * kselftest harness: helpers return 0 or a negative errno (or the raw
 * syscall result with errno set) and the tests assert on the results.
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
#define CG_MAX_PER_USER		"credgrant_max_per_user"
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

/* Send data with one SCM_CREDGRANT built from r (r->len == 0: no cmsg). */
static inline ssize_t cg_send_grant(int fd, const void *data, size_t len,
				    const struct cg_req *r, int flags)
{
	struct cg_cmsg cm = {
		.level = SOL_SOCKET, .type = SCM_CREDGRANT,
		.data = r ? r->buf : NULL, .len = r ? r->len : 0,
	};

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
 * (0: msg_control NULL) and parse what arrived into out.
 */
static inline int64_t cg_recv(int fd, void *data, size_t len, int flags,
			      size_t controllen, struct cg_rcv *out)
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

static inline int cg_set_passcredgrant(int fd, int on)
{
	return setsockopt(fd, SOL_SOCKET, SO_PASSCREDGRANT, &on, sizeof(on));
}

/* Returns the option value (0/1) or -errno. */
static inline int cg_get_passcredgrant(int fd)
{
	int val = -1;
	socklen_t len = sizeof(val);

	if (getsockopt(fd, SOL_SOCKET, SO_PASSCREDGRANT, &val, &len))
		return -errno;
	if (len != sizeof(val))
		return -EPROTO;
	return val;
}

/* ------------------------------------------------------------------ */
/* acceptid                                                            */

static inline long cg_acceptid(int fd, const void *expect, size_t size,
			       unsigned int flags)
{
	return syscall(__NR_acceptid, fd, expect, size, flags);
}

/* ------------------------------------------------------------------ */
/* identities                                                          */

struct cg_idset {
	uint32_t ruid, euid, suid, fsuid;
	uint32_t rgid, egid, sgid, fsgid;
	int32_t ngroups;
	uint32_t groups[CG_MAX_GROUPS];
	uint64_t cap_eff, cap_prm;
};

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
	gid_t groups[CG_MAX_GROUPS];
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

static inline int cg_agent_recv(struct cg_agent *a, int fd, uint32_t datalen,
				int flags, size_t controllen,
				struct cg_rep *rep)
{
	static struct cg_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = CG_OP_RECV;
	cmd.fd = fd;
	cmd.flags = flags;
	cmd.datalen = datalen;
	cmd.size = controllen;
	return cg_agent_call(a, &cmd, rep);
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

#endif /* CREDGRANT_UTIL_H */
