// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz (issue 10): a bounded, seeded fuzzer of sendmsg, recvmsg and
 * acceptid.  It throws random request sizes, kinds, ids, groups, ttls and
 * flags, control message layouts (several control messages, truncated
 * and oversized lengths, 32-bit "compat" looking headers, SCM_RIGHTS,
 * SCM_CREDENTIALS and unknown types mixed in), random buffer sizes and
 * flags at recvmsg, random descriptors, descriptions (mutated, short,
 * extended, bad pointers), sizes and flags at acceptid, on stream, dgram
 * and seqpacket sockets (socket pairs and accept()ed connections, whose
 * embryo receives before accept), interleaved at random.
 *
 * After every call:
 *  - its errno is in the call's explicit allowed set, and where the input
 *    decides the answer (a malformed request on a clean message, unknown
 *    acceptid flags, a short size) it is exactly that errno;
 *  - the process's ids (getresuid, getresgid, getgroups) change only by
 *    a successful acceptid without ACCEPTID_REJECT/ACCEPTID_EXEC, and then
 *    to exactly the grant's ids;
 *  - no SCM_CREDGRANT description shows on a socket whose SO_PASSCREDGRANT
 *    is off at the read, and no description is ever truncated;
 *  - a refused sendmsg issues nothing, an accepted one at most one grant.
 * After every batch (a child process, so that each batch starts as root):
 * the counters balance.  At the end nothing is outstanding (bounded poll).
 *
 * Parameters (environment): CREDPASS_SEED, CREDPASS_FUZZ_SECONDS (default
 * 15), CREDPASS_FUZZ_ITERATIONS (at most, default 1000000),
 * CREDPASS_FUZZ_BATCH (calls per batch, default 300).
 * CREDPASS_BREAK=fuzz-errno|fuzz-ids|fuzz-optin|fuzz-balance breaks one
 * check on purpose.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ucontext.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
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

#define NSOCK		20
#define NDESC		16
#define CTL_MAX		(8 * 1024 + 8 * CMSG_SPACE(CG_REQ_MAX))
#define NERRMSG		16
#define SETTLE_MS	20000
#ifndef ACCEPTID_EXEC
#define ACCEPTID_EXEC	0x4
#endif

struct shared {
	uint64_t iterations;
	uint64_t calls[3];	/* sendmsg, recvmsg, acceptid */
	uint64_t ok[3];
	uint64_t issued, described, accepted;
	int nerr;
	char err[NERRMSG][256];
};

static struct shared *sh;
static uint64_t cur_iter;

static void fail(const char *fmt, ...)
{
	int i = __atomic_fetch_add(&sh->nerr, 1, __ATOMIC_RELAXED);
	va_list ap;
	int n;

	if (i >= NERRMSG)
		return;
	n = snprintf(sh->err[i], sizeof(sh->err[i]), "iteration %" PRIu64 ": ",
		     cur_iter);
	va_start(ap, fmt);
	vsnprintf(sh->err[i] + n, sizeof(sh->err[i]) - n, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* state of one batch                                                   */

struct sock {
	int fd;
	int type;
	int peer;		/* index of the other end, -1 if none */
};

struct desc {
	int fd;
	uint64_t buf[(CG_DESC_MAX + 8 + 7) / 8];
};

struct fz {
	struct cg_rng r;
	struct sock s[NSOCK];
	struct desc d[NDESC];
	int nd;
	int pipefd;		/* not a socket */
	int cfd;		/* /proc/net/credgrant */
	struct cg_idset ids;	/* what the process is now */
	unsigned char *ctl;
	unsigned char *rctl;
};

static const int types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

static uint64_t issued_now(struct fz *z)
{
	struct cg_counters c;

	if (cg_counters_read_fd(z->cfd, &c)) {
		fail("reading " CG_COUNTERS);
		return 0;
	}
	return c.issued;
}

static void sock_close(struct fz *z, int i)
{
	int p = z->s[i].peer;

	if (z->s[i].fd >= 0)
		close(z->s[i].fd);
	z->s[i].fd = -1;
	z->s[i].peer = -1;
	if (p >= 0 && z->s[p].peer == i)
		z->s[p].peer = -1;
}

/* A new connected pair in slots i and j (i != j). */
static void sock_new(struct fz *z, int i, int j)
{
	int type = types[cg_rng_below(&z->r, 3)];
	int sv[2] = { -1, -1 };

	sock_close(z, i);
	sock_close(z, j);
	if (type != SOCK_DGRAM && cg_rng_pct(&z->r, 30)) {
		/* listener, connect, send before accept (the embryo) */
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		socklen_t alen = sizeof(sa_family_t);
		int l = socket(AF_UNIX, type, 0);

		if (l < 0)
			return;
		cg_set_passcredgrant(l, cg_rng_pct(&z->r, 80));
		if (bind(l, (struct sockaddr *)&a, alen) ||	/* autobind */
		    listen(l, 4)) {
			close(l);
			return;
		}
		alen = sizeof(a);
		getsockname(l, (struct sockaddr *)&a, &alen);
		sv[0] = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
		if (sv[0] >= 0 && connect(sv[0], (struct sockaddr *)&a, alen) == 0) {
			/* sometimes a grant sent to the embryo */
			if (cg_rng_pct(&z->r, 50)) {
				struct cg_req req;

				cg_req_init(&req, CREDGRANT_UID | CREDGRANT_GID,
					    CREDGRANT_SELF, CREDGRANT_SELF,
					    cg_rng_below(&z->r, 50), NULL, 0);
				cg_send_grant(sv[0], "embryo", 6, &req,
					      MSG_DONTWAIT | MSG_NOSIGNAL);
			}
			sv[1] = accept4(l, NULL, NULL, SOCK_NONBLOCK);
			if (sv[1] >= 0 && cg_rng_pct(&z->r, 50))
				cg_set_passcredgrant(sv[1], cg_rng_pct(&z->r, 80));
		}
		close(l);
		if (sv[0] < 0 || sv[1] < 0) {
			if (sv[0] >= 0)
				close(sv[0]);
			return;
		}
	} else if (socketpair(AF_UNIX, type | SOCK_NONBLOCK, 0, sv)) {
		return;
	}
	if (cg_rng_pct(&z->r, 85))
		cg_set_passcredgrant(sv[1], 1);
	if (cg_rng_pct(&z->r, 20))
		cg_set_passcredgrant(sv[0], 1);
	z->s[i] = (struct sock){ sv[0], type, j };
	z->s[j] = (struct sock){ sv[1], type, i };
}

/* A descriptor to aim a call at: mostly a socket, sometimes not. */
static int pick_fd(struct fz *z, int *idx)
{
	uint32_t x = cg_rng_below(&z->r, 100);

	*idx = -1;
	if (x < 90) {
		*idx = cg_rng_below(&z->r, NSOCK);
		return z->s[*idx].fd;
	}
	if (x < 94)
		return z->pipefd;
	if (x < 97)
		return -1;
	return 1000 + cg_rng_below(&z->r, 20);
}

/* ------------------------------------------------------------------ */
/* requests                                                             */

/* rand_req()'s *want when the answer is EINVAL or, unprivileged, EPERM */
#define WANT_EINVAL_OR_EPERM	(-1)

static const char *want_name(int want)
{
	return want == WANT_EINVAL_OR_EPERM ? "EINVAL/EPERM" :
	       strerrorname_np(want);
}

static uint32_t rand_id(struct cg_rng *r)
{
	switch (cg_rng_below(r, 8)) {
	case 0:
		return CREDGRANT_SELF;
	case 1:
		return 0xfffffffeU;
	case 2:
		return cg_rng_next(r);
	case 3:
		return 65534;
	default:
		return cg_rng_below(r, 3) * 1000 + cg_rng_below(r, 3);
	}
}

/*
 * Build an SCM_CREDGRANT payload at p (room: CG_REQ_MAX).  Returns its
 * length; *want is 0 for a request this kernel must take, or the errno
 * the semantics give for it (EINVAL, E2BIG).
 */
static size_t rand_req(struct cg_rng *r, unsigned char *p, int *want)
{
	struct credgrant_req h = { 0 };
	uint32_t ext = 0, ng = 0, i, len;
	static const uint32_t kinds[] = {
		CREDGRANT_UID, CREDGRANT_GID, CREDGRANT_GROUPS,
		CREDGRANT_FULL, CREDGRANT_UID | CREDGRANT_GID, CREDGRANT_AUDIT,
		CREDGRANT_UID | CREDGRANT_GROUPS,
	};
	uint32_t mode = cg_rng_below(r, 100);

	*want = 0;
	h.kind = kinds[cg_rng_below(r, sizeof(kinds) / sizeof(kinds[0]))];
	if (h.kind & CREDGRANT_UID)
		h.uid = rand_id(r);
	if (h.kind & CREDGRANT_GID)
		h.gid = rand_id(r);
	if (h.kind & CREDGRANT_GROUPS)
		ng = cg_rng_pct(r, 80) ? cg_rng_below(r, 6) : cg_rng_below(r, 40);
	h.ttl_ms = cg_rng_pct(r, 50) ? cg_rng_below(r, 100) :
		   cg_rng_pct(r, 50) ? 0 : (uint32_t)cg_rng_next(r);
	if (cg_rng_pct(r, 10))
		ext = 4 * (1 + cg_rng_below(r, 8));

	/* then maybe break it in one way */
	if (mode < 6) {
		h.kind = 0;
		*want = EINVAL;
	} else if (mode < 10) {
		h.kind |= 0x10 << cg_rng_below(r, 28);
		*want = EINVAL;
	} else if (mode < 13) {
		h.kind = CREDGRANT_AUDIT | (1 << cg_rng_below(r, 3));
		*want = EINVAL;
	} else if (mode < 16) {
		ng = CREDGRANT_NGROUPS_MAX + 1;
		h.kind |= CREDGRANT_GROUPS;
		h.kind &= ~CREDGRANT_AUDIT;
		*want = EINVAL;
	} else if (mode < 19 && !(h.kind & CREDGRANT_GROUPS)) {
		ng = 1 + cg_rng_below(r, 3);
		*want = EINVAL;
	} else if (mode < 22 && !(h.kind & CREDGRANT_UID)) {
		h.uid = 1 + cg_rng_below(r, 100);
		*want = EINVAL;
	} else if (mode < 25 && ext) {
		*want = E2BIG;
	}
	h.ngroups = ng;
	len = CREDGRANT_REQ_SIZE_VER0 + ext + 4 * ng;
	h.size = len;
	memset(p, 0, len);
	memcpy(p, &h, sizeof(h));
	if (*want == E2BIG)
		p[CREDGRANT_REQ_SIZE_VER0 + cg_rng_below(r, ext)] = 1 +
			cg_rng_below(r, 255);
	for (i = 0; i < ng; i++) {
		uint32_t g = cg_rng_pct(r, 97) ? cg_rng_below(r, 5) * 1000 +
						 cg_rng_below(r, 3) :
						 0xffffffffU;

		/* not a valid gid: EINVAL, or EPERM first for a uid the
		 * sender may not give */
		if (g == 0xffffffffU && !*want)
			*want = WANT_EINVAL_OR_EPERM;
		memcpy(p + CREDGRANT_REQ_SIZE_VER0 + ext + 4 * i, &g, 4);
	}
	/* size field and payload length disagree, or a short payload */
	if (cg_rng_pct(r, 4)) {
		((struct credgrant_req *)p)->size = len + 4 * (1 + cg_rng_below(r, 3));
		*want = EINVAL;
	} else if (cg_rng_pct(r, 3)) {
		len = cg_rng_below(r, CREDGRANT_REQ_SIZE_VER0);
		if (len >= 4)
			((struct credgrant_req *)p)->size = len;
		*want = EINVAL;
	}
	return len;
}

/* ------------------------------------------------------------------ */
/* sendmsg                                                              */

static const int send_errnos[] = {
	EINVAL, E2BIG, EPERM, EDQUOT, EBADF, ENOTSOCK, EAGAIN, EPIPE,
	ECONNREFUSED, ECONNRESET, ENOTCONN, EMSGSIZE, EOPNOTSUPP, ENOBUFS,
	ENOMEM, ETOOMANYREFS, EFAULT, EDESTADDRREQ,
	ESRCH,		/* SCM_CREDENTIALS naming no process */
	0
};

static void do_send(struct fz *z)
{
	struct cg_rng *r = &z->r;
	static char data[70000];
	struct msghdr msg = { 0 };
	struct iovec iov;
	size_t off = 0, dlen;
	int idx, fd = pick_fd(z, &idx), ncm, i, ngrant = 0, want = 0;
	bool clean = true;
	uint64_t before, after;
	ssize_t ret;
	int flags = MSG_DONTWAIT | MSG_NOSIGNAL, e;

	switch (cg_rng_below(r, 6)) {
	case 0:
		dlen = 0;
		break;
	case 1:
		dlen = 1;
		break;
	case 2:
		dlen = 65536 + cg_rng_below(r, 4000);
		break;
	default:
		dlen = 1 + cg_rng_below(r, 400);
	}
	memset(data, 'f', dlen < 512 ? dlen : 512);
	iov = (struct iovec){ data, dlen };
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;

	ncm = cg_rng_below(r, 100) < 70 ? 1 : cg_rng_below(r, 5);
	memset(z->ctl, 0, CTL_MAX);
	for (i = 0; i < ncm; i++) {
		struct cmsghdr *c = (struct cmsghdr *)(z->ctl + off);
		uint32_t k = cg_rng_below(r, 100);
		size_t plen;

		if (off + CMSG_SPACE(CG_REQ_MAX) > CTL_MAX)
			break;
		c->cmsg_level = SOL_SOCKET;
		if (k < 70) {
			int w;

			c->cmsg_type = SCM_CREDGRANT;
			plen = rand_req(r, CMSG_DATA(c), &w);
			if (!want)
				want = w;
			ngrant++;
		} else if (k < 80) {
			int fds[3], n = 1 + cg_rng_below(r, 3), j, dummy;

			c->cmsg_type = SCM_RIGHTS;
			for (j = 0; j < n; j++)
				fds[j] = pick_fd(z, &dummy);
			plen = n * sizeof(int);
			memcpy(CMSG_DATA(c), fds, plen);
			clean = false;
		} else if (k < 85) {
			struct ucred uc = { getpid(), getuid(), getgid() };

			if (cg_rng_pct(r, 30))
				uc.uid = 4321;
			c->cmsg_type = SCM_CREDENTIALS;
			plen = sizeof(uc);
			memcpy(CMSG_DATA(c), &uc, plen);
			clean = false;
		} else if (k < 90) {
			c->cmsg_type = cg_rng_below(r, 64);
			c->cmsg_level = cg_rng_pct(r, 50) ? SOL_SOCKET :
					cg_rng_below(r, 300);
			plen = cg_rng_below(r, 64);
			clean = false;
		} else if (k < 95) {
			/* a 32-bit (compat) header: len, level, type in 12 bytes */
			uint32_t h32[3] = { 12 + 24, SOL_SOCKET, SCM_CREDGRANT };

			memcpy(c, h32, sizeof(h32));
			off += 48;
			clean = false;
			continue;
		} else {
			/* truncated or oversized cmsg_len */
			c->cmsg_type = SCM_CREDGRANT;
			plen = rand_req(r, CMSG_DATA(c), &want);
			c->cmsg_len = cg_rng_pct(r, 50) ?
				      cg_rng_below(r, sizeof(*c)) :
				      CMSG_LEN(plen) + 1 + cg_rng_below(r, 5000);
			off += CMSG_SPACE(plen);
			clean = false;
			continue;
		}
		c->cmsg_len = CMSG_LEN(plen);
		off += CMSG_SPACE(plen);
	}
	msg.msg_control = off ? z->ctl : NULL;
	msg.msg_controllen = off;
	if (off && cg_rng_pct(r, 8)) {
		/* a controllen that cuts the last message short */
		msg.msg_controllen = cg_rng_below(r, off);
		clean = false;
	}
	if (cg_rng_pct(r, 2)) {
		msg.msg_control = (void *)16;
		clean = false;
	}
	if (cg_rng_pct(r, 10)) {
		static const int extra[] = { MSG_OOB, MSG_EOR, MSG_MORE,
					     MSG_CONFIRM, MSG_TRUNC };

		flags |= extra[cg_rng_below(r, 5)];
		clean = false;
	}
	if (ngrant != 1)
		clean = false;

	before = issued_now(z);
	sh->calls[0]++;
	ret = sendmsg(fd, &msg, flags);
	e = errno;
	after = issued_now(z);
	if (ret >= 0) {
		sh->ok[0]++;
		if (after - before > 1)
			fail("sendmsg with %d SCM_CREDGRANT issued %" PRIu64 " grants",
			     ngrant, after - before);
		sh->issued += after - before;
		if (clean && want)
			fail("sendmsg of a malformed request (expected %s) succeeded",
			     want_name(want));
		if (clean && idx >= 0 && after - before != 1)
			fail("sendmsg of a clean grant succeeded but issued %" PRIu64,
			     after - before);
		return;
	}
	if (after != before)
		fail("sendmsg failed (%s) but issued %" PRIu64 " grants",
		     strerrorname_np(e), after - before);
	if (cg_break("fuzz-errno") && e == EAGAIN)
		e = EUCLEAN;
	if (!cg_errno_in(e, send_errnos))
		fail("sendmsg: %s, not an allowed errno", strerrorname_np(e));
	if (clean && want && idx >= 0 && fd >= 0 && e != want &&
	    !(want == WANT_EINVAL_OR_EPERM && (e == EINVAL || e == EPERM)) &&
	    !(z->s[idx].type == SOCK_SEQPACKET &&
	      (e == ENOTCONN || e == EPIPE || e == ECONNRESET)))
		fail("sendmsg(%s) of a malformed request: %s, expected %s",
		     z->s[idx].type == SOCK_STREAM ? "stream" :
		     z->s[idx].type == SOCK_DGRAM ? "dgram" : "seqpacket",
		     strerrorname_np(e), want_name(want));
}

/* ------------------------------------------------------------------ */
/* recvmsg                                                              */

static const int recv_errnos[] = {
	EAGAIN, EINVAL, EBADF, ENOTSOCK, EFAULT, ENOTCONN, ECONNRESET,
	EOPNOTSUPP, 0
};

static void do_recv(struct fz *z)
{
	struct cg_rng *r = &z->r;
	static char data[70000];
	struct msghdr msg = { 0 };
	struct iovec iov;
	struct cmsghdr *c;
	size_t clen;
	int idx, fd = pick_fd(z, &idx), flags = MSG_DONTWAIT, optin, e;
	ssize_t ret;
	socklen_t olen = sizeof(optin);

	iov = (struct iovec){ data, cg_rng_pct(r, 10) ? 0 :
			      cg_rng_below(r, 600) };
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	switch (cg_rng_below(r, 8)) {
	case 0:
		clen = 0;
		break;
	case 1:
		clen = cg_rng_below(r, 32);
		break;
	case 2:
		clen = CMSG_SPACE(CREDGRANT_SIZE_VER0) - cg_rng_below(r, 9);
		break;
	case 3:
		clen = cg_rng_below(r, 400);
		break;
	default:
		clen = CTL_MAX;
	}
	msg.msg_control = clen ? z->rctl : NULL;
	msg.msg_controllen = clen;
	if (cg_rng_pct(r, 2))
		msg.msg_control = (void *)16;
	if (cg_rng_pct(r, 25))
		flags |= MSG_PEEK;
	if (cg_rng_pct(r, 5))
		flags |= MSG_TRUNC;
	if (cg_rng_pct(r, 5))
		flags |= MSG_WAITALL;
	if (cg_rng_pct(r, 3))
		flags |= MSG_OOB;
	if (cg_rng_pct(r, 20))
		flags |= MSG_CMSG_CLOEXEC;

	/* the opt-in as the read begins */
	if (getsockopt(fd, SOL_SOCKET, SO_PASSCREDGRANT, &optin, &olen))
		optin = 0;
	if (cg_break("fuzz-optin"))
		optin = 0;
	sh->calls[1]++;
	ret = recvmsg(fd, &msg, flags);
	e = errno;
	if (ret < 0) {
		if (cg_break("fuzz-errno") && e == EAGAIN)
			e = EUCLEAN;
		if (!cg_errno_in(e, recv_errnos))
			fail("recvmsg(flags %#x): %s, not an allowed errno",
			     flags, strerrorname_np(e));
		return;
	}
	sh->ok[1]++;
	if (!msg.msg_control || msg.msg_control == (void *)16)
		return;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t plen = c->cmsg_len >= CMSG_LEN(0) ?
			      c->cmsg_len - CMSG_LEN(0) : 0;

		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			size_t k;

			for (k = 0; k < plen / sizeof(int); k++) {
				int f;

				memcpy(&f, CMSG_DATA(c) + k * sizeof(int), 4);
				close(f);
			}
		} else if (c->cmsg_type == SCM_CREDGRANT) {
			struct credgrant g;

			if (!optin)
				fail("recvmsg(flags %#x): an SCM_CREDGRANT description on a socket without SO_PASSCREDGRANT",
				     flags);
			if (plen < sizeof(g)) {
				fail("recvmsg: a truncated SCM_CREDGRANT description (%zu bytes, msg_flags %#x)",
				     plen, msg.msg_flags);
				continue;
			}
			memcpy(&g, CMSG_DATA(c), sizeof(g));
			if (g.size != plen || g.ngroups > CREDGRANT_NGROUPS_MAX ||
			    g.size != CREDGRANT_SIZE_VER0 + 4 * g.ngroups) {
				fail("recvmsg: description size %u, ngroups %u, cmsg payload %zu",
				     g.size, g.ngroups, plen);
				continue;
			}
			sh->described++;
			if (flags & MSG_PEEK)
				continue;
			/* keep it for acceptid */
			{
				int slot = z->nd < NDESC ? z->nd++ :
					   (int)cg_rng_below(r, NDESC);

				z->d[slot].fd = fd;
				memcpy(z->d[slot].buf, CMSG_DATA(c), plen);
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* acceptid                                                             */

/* EBUSY: ACCEPTID_EXEC while a grant is already staged on the thread. */
static const int accept_errnos[] = {
	ENOENT, ETIME, ESTALE, EPERM, EOVERFLOW, EAGAIN, EINVAL, E2BIG,
	ENOTSOCK, EBADF, EFAULT, EOPNOTSUPP, EBUSY, 0
};

/* The ids after taking g from ids. */
static void ids_after(const struct credgrant *g, struct cg_idset *ids)
{
	uint32_t i;

	if (g->kind & CREDGRANT_UID)
		ids->ruid = ids->euid = ids->suid = ids->fsuid = g->uid;
	if (g->kind & CREDGRANT_GID)
		ids->rgid = ids->egid = ids->sgid = ids->fsgid = g->gid;
	if (g->kind & CREDGRANT_GROUPS) {
		ids->ngroups = g->ngroups;
		for (i = 0; i < g->ngroups && i < CG_MAX_GROUPS; i++)
			ids->groups[i] = g->groups[i];
	}
}

static void do_accept(struct fz *z)
{
	struct cg_rng *r = &z->r;
	static uint64_t buf[(CG_DESC_MAX + 64 + 7) / 8];
	static uint64_t orig[(CG_DESC_MAX + 64 + 7) / 8];
	struct credgrant *g = (struct credgrant *)buf;
	const void *ptr = buf;
	struct cg_idset after, want;
	unsigned int flags;
	size_t size;
	long ret;
	int fd, idx, e, want_err = 0;

	memset(buf, 0, sizeof(buf));
	if (z->nd && cg_rng_pct(r, 85)) {
		int i = cg_rng_below(r, z->nd);
		uint32_t dsz;

		memcpy(&dsz, (char *)z->d[i].buf +
		       offsetof(struct credgrant, size), sizeof(dsz));
		memcpy(buf, z->d[i].buf, dsz);
		fd = cg_rng_pct(r, 85) ? z->d[i].fd : pick_fd(z, &idx);
		if (cg_rng_pct(r, 70)) {
			/* used once: forget it */
			z->d[i] = z->d[--z->nd];
		}
	} else {
		g->id = cg_rng_next(r);
		g->size = CREDGRANT_SIZE_VER0;
		g->kind = 1 + cg_rng_below(r, 8);
		fd = pick_fd(z, &idx);
	}
	size = g->size;		/* a stored description's: <= CG_DESC_MAX */
	if (size < CREDGRANT_SIZE_VER0 || size > CG_DESC_MAX)
		size = CREDGRANT_SIZE_VER0;
	memcpy(orig, buf, sizeof(orig));
	if (cg_rng_pct(r, 10)) {
		/* mutate one byte */
		((unsigned char *)buf)[cg_rng_below(r, size)] ^=
			1 << cg_rng_below(r, 8);
	}
	switch (cg_rng_below(r, 12)) {
	case 0:
		size = cg_rng_below(r, CREDGRANT_SIZE_VER0);
		want_err = EINVAL;
		break;
	case 1:
		/* a larger struct whose extra bytes are zero */
		memmove((char *)buf + CREDGRANT_SIZE_VER0 + 8,
			(char *)buf + CREDGRANT_SIZE_VER0,
			size - CREDGRANT_SIZE_VER0);
		memset((char *)buf + CREDGRANT_SIZE_VER0, 0, 8);
		size += 8;
		g->size = size;
		break;
	case 2:
		size = 1 << 20;
		break;
	case 3:
		ptr = cg_rng_pct(r, 50) ? NULL : (void *)16;
		break;
	default:
		break;
	}
	switch (cg_rng_below(r, 10)) {
	case 0:
		flags = cg_rng_next(r);
		break;
	case 1:
		flags = ACCEPTID_AUDIT_POP;
		break;
	case 2:
		flags = ACCEPTID_EXEC;
		break;
	case 3:
	case 4:
	case 5:
		flags = ACCEPTID_REJECT;
		break;
	default:
		flags = 0;
	}
	if (flags & ~(ACCEPTID_REJECT | ACCEPTID_AUDIT_POP | ACCEPTID_EXEC))
		want_err = EINVAL;
	else if ((flags & ACCEPTID_AUDIT_POP) && flags != ACCEPTID_AUDIT_POP)
		want_err = EINVAL;
	else if (flags == ACCEPTID_AUDIT_POP)
		want_err = EINVAL;	/* not called as (-1, NULL, 0) */
	else if ((flags & ACCEPTID_REJECT) && (flags & ACCEPTID_EXEC))
		want_err = EINVAL;

	sh->calls[2]++;
	ret = syscall(__NR_acceptid, fd, ptr, size, flags);
	e = errno;
	if (cg_get_ids_light(&after)) {
		fail("reading the ids");
		return;
	}
	if (cg_break("fuzz-ids"))
		after.suid ^= 1;
	if (ret == 0) {
		sh->ok[2]++;
		if (want_err)
			fail("acceptid(size %zu, flags %#x) succeeded, expected %s",
			     size, flags, strerrorname_np(want_err));
		if (!flags && !(g->kind & CREDGRANT_AUDIT)) {
			sh->accepted++;
			want = z->ids;
			ids_after((const struct credgrant *)orig, &want);
			if (!cg_ids_same(&want, &after)) {
				char a[256], b[256];

				cg_ids_fmt(a, sizeof(a), &want);
				cg_ids_fmt(b, sizeof(b), &after);
				fail("acceptid succeeded: ids %s, the grant says %s",
				     b, a);
			}
			z->ids = after;
			return;
		}
	} else {
		if (!cg_errno_in(e, accept_errnos))
			fail("acceptid(size %zu, flags %#x): %s, not an allowed errno",
			     size, flags, strerrorname_np(e));
		else if (want_err && e != want_err)
			fail("acceptid(size %zu, flags %#x): %s, expected %s",
			     size, flags, strerrorname_np(e),
			     strerrorname_np(want_err));
	}
	if (!cg_ids_same(&z->ids, &after)) {
		char a[256], b[256];

		cg_ids_fmt(a, sizeof(a), &z->ids);
		cg_ids_fmt(b, sizeof(b), &after);
		fail("acceptid(flags %#x) returned %ld (%s) and the ids changed: %s -> %s",
		     flags, ret, ret ? strerrorname_np(e) : "ok", a, b);
		z->ids = after;
	}
}

/* The audit pop form, and the ids never change elsewhere. */
static void do_misc(struct fz *z)
{
	struct cg_rng *r = &z->r;
	int i = cg_rng_below(r, NSOCK), j = cg_rng_below(r, NSOCK);

	switch (cg_rng_below(r, 6)) {
	case 0:
	case 1:
		if (i != j)
			sock_new(z, i, j);
		break;
	case 2:
		sock_close(z, i);
		break;
	case 3:
		cg_set_passcredgrant(z->s[i].fd, cg_rng_pct(r, 60));
		break;
	case 4:
		shutdown(z->s[i].fd, cg_rng_below(r, 3));
		break;
	default: {
		long ret = syscall(__NR_acceptid, -1, NULL, 0,
				   ACCEPTID_AUDIT_POP);

		if (ret && errno != ENOENT)
			fail("acceptid(-1, NULL, 0, ACCEPTID_AUDIT_POP): %s",
			     strerrorname_np(errno));
	}
	}
}

/* After every call but acceptid (which checks its own): no id changed. */
static void check_ids(struct fz *z, const char *call)
{
	struct cg_idset now;

	if (cg_get_ids_light(&now)) {
		fail("reading the ids: %s", strerror(errno));
		return;
	}
	if (cg_break("fuzz-ids"))
		now.rgid ^= 1;
	if (!cg_ids_same(&now, &z->ids)) {
		char a[256], b[256];

		cg_ids_fmt(a, sizeof(a), &z->ids);
		cg_ids_fmt(b, sizeof(b), &now);
		fail("the ids changed at %s: %s -> %s", call, a, b);
		z->ids = now;
	}
}

/* A crash of the fuzzer itself: where, so that the seed replays it. */
static void on_crash(int sig, siginfo_t *si, void *uc)
{
	char buf[160];
	int n = snprintf(buf, sizeof(buf), "# fuzz: signal %d at iteration %" PRIu64 ", address %p, ip %#llx\n",
			 sig, cur_iter, si->si_addr,
			 (unsigned long long)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP]);

	if (write(2, buf, n) < 0)
		_exit(128 + sig);
	_exit(128 + sig);
}

/* One batch: a child process, root at the start. */
static int batch(uint64_t seed, uint64_t first, unsigned long n,
		 uint64_t deadline_ms)
{
	static struct fz z;
	int pp[2], i;
	unsigned long k;

	struct sigaction sa = { .sa_sigaction = on_crash, .sa_flags = SA_SIGINFO };

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	memset(&z, 0, sizeof(z));
	z.r = cg_rng_derive(seed, first);
	z.ctl = calloc(1, CTL_MAX);
	z.rctl = calloc(1, CTL_MAX);
	z.cfd = open(CG_COUNTERS, O_RDONLY | O_CLOEXEC);
	if (!z.ctl || !z.rctl || z.cfd < 0 || pipe(pp)) {
		fail("batch setup: %s", strerror(errno));
		return 1;
	}
	z.pipefd = pp[0];
	for (i = 0; i < NSOCK; i++)
		z.s[i] = (struct sock){ -1, 0, -1 };
	for (i = 0; i + 1 < NSOCK; i += 2)
		sock_new(&z, i, i + 1);
	cg_get_ids_light(&z.ids);
	for (k = 0; k < n; k++) {
		uint32_t x = cg_rng_below(&z.r, 100);

		if ((k & 31) == 0 && cg_mono_ms() >= deadline_ms)
			break;
		cur_iter = first + k;
		if (x < 40) {
			do_send(&z);
			check_ids(&z, "sendmsg");
		} else if (x < 72) {
			do_recv(&z);
			check_ids(&z, "recvmsg");
		} else if (x < 92) {
			do_accept(&z);
		} else {
			do_misc(&z);
			check_ids(&z, "a socket call");
		}
		__atomic_fetch_add(&sh->iterations, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

TEST(fuzz)
{
	unsigned long secs = cg_env_ulong("CREDPASS_FUZZ_SECONDS", 15);
	unsigned long iters = cg_env_ulong("CREDPASS_FUZZ_ITERATIONS", 1000000);
	unsigned long bsize = cg_env_ulong("CREDPASS_FUZZ_BATCH", 300);
	uint64_t seed = cg_seed(), deadline, done = 0;
	struct cg_counters c0, c;
	unsigned long batches = 0, k;
	int ret;

	signal(SIGPIPE, SIG_IGN);
	require_credpass(_metadata);
	if (!bsize)
		bsize = 300;
	printf("# fuzz: seed %#" PRIx64 " (CREDPASS_SEED), %lu s, at most %lu iterations, batches of %lu\n",
	       seed, secs, iters, bsize);
	fflush(stdout);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	ASSERT_EQ(0, cg_counters_read(&c0));
	deadline = cg_mono_ms() + secs * 1000;

	while (done < iters && cg_mono_ms() < deadline) {
		unsigned long n = iters - done < bsize ? iters - done : bsize;
		pid_t pid = cg_fork();

		ASSERT_LE(0, pid);
		if (!pid)
			_exit(batch(seed, done, n, deadline));
		ASSERT_EQ(0, cg_wait(pid)) TH_LOG("batch %lu", batches);
		batches++;
		done = sh->iterations;
		ASSERT_EQ(0, cg_counters_read(&c));
		if (cg_break("fuzz-balance"))
			c.expired++;
		EXPECT_TRUE(cg_counters_balanced(&c))
			TH_LOG("after batch %lu: " CG_COUNTERS_FMT, batches,
			       CG_COUNTERS_ARGS(&c));
		if (sh->nerr)
			break;
	}
	for (k = 0; k < (unsigned long)sh->nerr && k < NERRMSG; k++)
		TH_LOG("%s", sh->err[k]);
	EXPECT_EQ(0, sh->nerr) TH_LOG("%d checks failed (seed %#" PRIx64 "; first %d above)",
				      sh->nerr, seed, NERRMSG);

	ret = cg_wait_outstanding(c0.outstanding, SETTLE_MS, &c);
	EXPECT_EQ(0, ret) TH_LOG("outstanding %llu, %llu at the start, %d ms after the last batch: " CG_COUNTERS_FMT,
				 (unsigned long long)c.outstanding,
				 (unsigned long long)c0.outstanding, SETTLE_MS,
				 CG_COUNTERS_ARGS(&c));
	EXPECT_TRUE(cg_counters_balanced(&c));
	printf("# fuzz: %" PRIu64 " iterations in %lu batches: sendmsg %" PRIu64 " (%" PRIu64 " ok), recvmsg %" PRIu64 " (%" PRIu64 " ok), acceptid %" PRIu64 " (%" PRIu64 " ok); %" PRIu64 " grants issued, %" PRIu64 " descriptions seen, %" PRIu64 " accepted in place\n",
	       sh->iterations, batches, sh->calls[0], sh->ok[0], sh->calls[1],
	       sh->ok[1], sh->calls[2], sh->ok[2], sh->issued, sh->described,
	       sh->accepted);
	fflush(stdout);
}

static void __attribute__((constructor)) fuzz_timeout(void)
{
	_fuzz_object.timeout = cg_env_ulong("CREDPASS_FUZZ_SECONDS", 15) + 120;
}

TEST_HARNESS_MAIN
