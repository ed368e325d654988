/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small audit netlink client for the credpass selftests (audit.c,
 * auditd.c): what auditctl and an audit multicast reader do, and no more.
 *
 * - Control (NETLINK_AUDIT, unicast to the kernel, needs CAP_AUDIT_CONTROL
 *   or CAP_AUDIT_WRITE): AUDIT_GET, AUDIT_SET (enabled, backlog limit),
 *   AUDIT_ADD_RULE / AUDIT_DEL_RULE (exit-filter rules: syscalls, fields,
 *   a key), user messages (what libaudit's audit_log_user_message()
 *   sends; AU_USER_MSG, type 1107, below).
 *   Every request asks for the kernel's ACK and returns its errno.
 * - Reading (the multicast group AUDIT_NLGRP_READLOG, needs
 *   CAP_AUDIT_READ): every record kauditd sends out, whether or not an
 *   audit daemon runs, parsed into type, audit(SEC.MSEC:SERIAL) and the
 *   key=value body.  A wait for a record is bounded (AU_WAIT_MS): the
 *   bound only turns a record that never comes into a failure, it never
 *   orders anything.
 * - Barriers: a USER_MSG with a unique text goes through the same queue as
 *   every record emitted before it (kauditd sends in queue order), so once
 *   it has been read, everything emitted before it has been read too.
 *   "Exactly one record", and "no record", are checked that way, never by
 *   waiting for a while.
 *
 * Records are only emitted while audit is enabled (AUDIT_SET enabled=1).
 * A process gets an audit context (and so SYSCALL records) only if it was
 * forked after audit was first enabled: tests fork their actors after
 * enabling it.
 *
 * The first part returns 0 or -errno and does not need the harness; the
 * part after #ifdef __KSELFTEST_HARNESS_H wraps it in assertions.
 */
#ifndef AUDIT_UTIL_H
#define AUDIT_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <linux/audit.h>
#include <linux/netlink.h>

#ifndef AUDIT_CREDGRANT
#define AUDIT_CREDGRANT		1341
#endif
/*
 * The user message the tests send, type 1107: the spec calls it
 * USER_MSG; <linux/audit.h> names it AUDIT_USER_AVC, and libaudit 3.0.9
 * and its ausearch call it USER_AVC.  Every AUDIT_USER_* type (1100 to
 * 1199, 2100 to 2999) is logged by the same kernel path,
 * audit_log_common_recv_msg(), in the sending thread's context.
 */
#define AU_USER_MSG		1107
#ifndef AUDIT_NLGRP_READLOG
#define AUDIT_NLGRP_READLOG	1
#endif

/* Failure bound of every wait for a record (not a timing assumption). */
#define AU_WAIT_MS		120000
/* MAX_AUDIT_MESSAGE_LENGTH (8970) and the netlink header */
#define AU_TEXT_MAX		9216
#define AU_UNSET		4294967295U

/* ------------------------------------------------------------------ */
/* control requests                                                    */

static inline int au_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);

	return fd < 0 ? -errno : fd;
}

static inline uint32_t au_next_seq(void)
{
	static uint32_t seq;

	return ++seq;
}

static inline int au_send(int fd, uint16_t type, const void *data,
			  size_t len, uint32_t seq)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t total = NLMSG_SPACE(len);
	struct nlmsghdr *nlh = calloc(1, total);
	ssize_t n;
	int saved;

	if (!nlh)
		return -ENOMEM;
	nlh->nlmsg_len = NLMSG_LENGTH(len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (len)
		memcpy(NLMSG_DATA(nlh), data, len);
	do {
		n = sendto(fd, nlh, nlh->nlmsg_len, 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	} while (n < 0 && errno == EINTR);
	saved = errno;
	free(nlh);
	if (n < 0)
		return -saved;
	return (size_t)n == NLMSG_LENGTH(len) ? 0 : -EIO;
}

/*
 * Wait for the kernel's answer to request seq: its ACK (an NLMSG_ERROR
 * whose error is 0 or -errno), and, if reply is set, a message of type
 * reply_type too (the kernel sends AUDIT_GET's reply from a kernel thread,
 * so it may come after the ACK).  Bounded by AU_WAIT_MS.
 */
static inline int au_wait_ack(int fd, uint32_t seq, uint16_t reply_type,
			      void *reply, size_t reply_len)
{
	bool acked = false, replied = !reply;
	int ack_err = 0;
	char buf[AU_TEXT_MAX];

	while (!acked || !replied) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *nlh;
		ssize_t n;
		int ret;

		ret = poll(&p, 1, AU_WAIT_MS);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (ret == 0)
			return -ETIMEDOUT;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				acked = true;
				ack_err = e->error;
				if (ack_err)
					return ack_err;
			} else if (reply && nlh->nlmsg_type == reply_type) {
				size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;

				memset(reply, 0, reply_len);
				memcpy(reply, NLMSG_DATA(nlh),
				       plen < reply_len ? plen : reply_len);
				replied = true;
			}
		}
	}
	return ack_err;
}

/* One request on a fresh socket: 0 or the kernel's -errno. */
static inline int au_request(uint16_t type, const void *data, size_t len,
			     uint16_t reply_type, void *reply,
			     size_t reply_len)
{
	uint32_t seq = au_next_seq();
	int fd = au_socket(), ret;

	if (fd < 0)
		return fd;
	ret = au_send(fd, type, data, len, seq);
	if (!ret)
		ret = au_wait_ack(fd, seq, reply_type, reply, reply_len);
	close(fd);
	return ret;
}

static inline int au_get_status(struct audit_status *st)
{
	return au_request(AUDIT_GET, NULL, 0, AUDIT_GET, st, sizeof(*st));
}

/* AUDIT_SET of the fields in mask (AUDIT_STATUS_*) from st. */
static inline int au_set_status(uint32_t mask, const struct audit_status *st)
{
	struct audit_status s = *st;

	s.mask = mask;
	return au_request(AUDIT_SET, &s, sizeof(s), 0, NULL, 0);
}

static inline int au_set_enabled(uint32_t enabled)
{
	struct audit_status s = { .enabled = enabled };

	return au_set_status(AUDIT_STATUS_ENABLED, &s);
}

static inline int au_set_backlog_limit(uint32_t limit)
{
	struct audit_status s = { .backlog_limit = limit };

	return au_set_status(AUDIT_STATUS_BACKLOG_LIMIT, &s);
}

/*
 * What libaudit's audit_log_user_message() does: an AU_USER_MSG with
 * text as its msg='...'; the kernel logs it in the sender's context
 * (pid, uid, auid, ses of the calling thread).  Needs CAP_AUDIT_WRITE.
 */
static inline int au_user_msg_type(uint16_t type, const char *text)
{
	return au_request(type, text, strlen(text) + 1, 0, NULL, 0);
}

static inline int au_user_msg(const char *text)
{
	return au_user_msg_type(AU_USER_MSG, text);
}

/* An exit-filter rule: "-a always,exit -F arch=b64 -S ... -F ... -k KEY". */
struct au_rule {
	struct audit_rule_data *data;
	size_t len;
};

static inline void au_rule_free(struct au_rule *r)
{
	free(r->data);
	r->data = NULL;
	r->len = 0;
}

/*
 * syscalls: nsys syscall numbers; fields/values: nfields AUDIT_* fields
 * compared with AUDIT_EQUAL; key may be NULL.  AUDIT_ARCH b64 is added
 * first, as auditctl does.
 */
static inline int au_rule_init(struct au_rule *r, const int *syscalls,
			       int nsys, const uint32_t *fields,
			       const uint32_t *values, int nfields,
			       const char *key)
{
	size_t klen = key ? strlen(key) : 0;
	struct audit_rule_data *d;
	int i, n = 0;

	if (nfields + 2 > AUDIT_MAX_FIELDS)
		return -E2BIG;
	r->len = sizeof(*d) + klen;
	d = calloc(1, r->len);
	if (!d)
		return -ENOMEM;
	d->flags = AUDIT_FILTER_EXIT;
	d->action = AUDIT_ALWAYS;
	for (i = 0; i < nsys; i++)
		d->mask[syscalls[i] / 32] |= 1U << (syscalls[i] % 32);
	d->fields[n] = AUDIT_ARCH;
	d->values[n] = AUDIT_ARCH_X86_64;
	d->fieldflags[n++] = AUDIT_EQUAL;
	for (i = 0; i < nfields; i++) {
		d->fields[n] = fields[i];
		d->values[n] = values[i];
		d->fieldflags[n++] = AUDIT_EQUAL;
	}
	if (key) {
		d->fields[n] = AUDIT_FILTERKEY;
		d->values[n] = klen;
		d->fieldflags[n++] = AUDIT_EQUAL;
		memcpy(d->buf, key, klen);
		d->buflen = klen;
	}
	d->field_count = n;
	r->data = d;
	return 0;
}

static inline int au_rule_add(const struct au_rule *r)
{
	return au_request(AUDIT_ADD_RULE, r->data, r->len, 0, NULL, 0);
}

static inline int au_rule_del(const struct au_rule *r)
{
	return au_request(AUDIT_DEL_RULE, r->data, r->len, 0, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* records                                                             */

struct au_rec {
	uint16_t type;
	uint64_t sec;
	uint32_t msec, serial;
	bool stamped;		/* the text started with audit(S.M:N): */
	uint32_t off;		/* of the body in text */
	const char *body;	/* the key=value part: text + off */
	char text[AU_TEXT_MAX];
};

/* Split "audit(SEC.MSEC:SERIAL): body" (the body alone if no stamp). */
static inline void au_rec_parse(struct au_rec *rec)
{
	unsigned long long sec;
	unsigned int msec, serial;
	int end = 0;

	rec->stamped = false;
	rec->off = 0;
	if (sscanf(rec->text, "audit(%llu.%u:%u): %n", &sec, &msec, &serial,
		   &end) == 3 && end) {
		rec->sec = sec;
		rec->msec = msec;
		rec->serial = serial;
		rec->stamped = true;
		rec->off = end;
	}
	rec->body = rec->text + rec->off;
}

/*
 * The value of top-level field key in body into val (quotes of a quoted
 * value removed).  0; -ENOENT if absent; -EEXIST if it is there twice;
 * -ENOSPC if val is too small.  A quoted value ('...' or "...") may hold
 * spaces and '=' and is one field: fields inside msg='...' are not
 * top-level.
 */
static inline int au_field(const char *body, const char *key, char *val,
			   size_t len)
{
	size_t klen = strlen(key);
	const char *p = body;
	int found = 0, ret = -ENOENT;

	while (*p) {
		const char *k, *eq, *v, *e;
		char q;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		k = p;
		while (*p && *p != '=' && *p != ' ')
			p++;
		if (*p != '=')		/* a word without '=' */
			continue;
		eq = p++;
		if (*p == '\'' || *p == '"') {
			q = *p++;
			v = p;
			while (*p && *p != q)
				p++;
			e = p;
			if (*p)
				p++;
		} else {
			v = p;
			while (*p && *p != ' ')
				p++;
			e = p;
		}
		if ((size_t)(eq - k) != klen || strncmp(k, key, klen))
			continue;
		if (found++)
			return -EEXIST;
		if ((size_t)(e - v) >= len) {
			ret = -ENOSPC;
			continue;
		}
		memcpy(val, v, e - v);
		val[e - v] = '\0';
		ret = 0;
	}
	return ret;
}

/* Field key as an unsigned number: 0, -ENOENT, -EEXIST or -EPROTO. */
static inline int au_field_ull(const char *body, const char *key,
			       unsigned long long *v)
{
	char buf[64], *end;
	int ret = au_field(body, key, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*v = strtoull(buf, &end, 0);
	if (errno || end == buf || *end)
		return -EPROTO;
	return 0;
}

/* Does top-level field key have exactly the text value? */
static inline bool au_field_is(const char *body, const char *key,
			       const char *value)
{
	char buf[AU_TEXT_MAX];

	return !au_field(body, key, buf, sizeof(buf)) && !strcmp(buf, value);
}

/* ------------------------------------------------------------------ */
/* the multicast reader                                                */

struct au_reader {
	int fd;
};

static inline int au_reader_open(struct au_reader *r)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1U << (AUDIT_NLGRP_READLOG - 1),
	};
	int size = 16 << 20;

	r->fd = au_socket();
	if (r->fd < 0)
		return r->fd;
	/* room for bursts: a lost record would fail a test (ENOBUFS) */
	if (setsockopt(r->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) &&
	    setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)))
		goto fail;
	if (bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	return 0;
fail:
	size = -errno;
	close(r->fd);
	r->fd = -1;
	return size;
}

static inline void au_reader_close(struct au_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static inline int64_t au_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The next record, waiting until the absolute CLOCK_MONOTONIC deadline
 * (ms).  0; -ETIMEDOUT; -ENOBUFS when the socket overflowed (records were
 * lost); -errno.
 */
static inline int au_reader_next(struct au_reader *r, struct au_rec *rec,
				 int64_t deadline)
{
	char buf[AU_TEXT_MAX + NLMSG_HDRLEN];

	for (;;) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		int64_t left = deadline - au_now_ms();
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		size_t plen;
		ssize_t n;
		int ret;

		n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN) {
			if (left <= 0)
				return -ETIMEDOUT;
			ret = poll(&p, 1, left > INT32_MAX ? INT32_MAX : left);
			if (ret < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((size_t)n < NLMSG_HDRLEN)
			continue;
		plen = nlh->nlmsg_len > NLMSG_HDRLEN ?
		       nlh->nlmsg_len - NLMSG_HDRLEN : 0;
		if (plen > (size_t)n - NLMSG_HDRLEN)
			plen = n - NLMSG_HDRLEN;
		if (plen >= sizeof(rec->text))
			plen = sizeof(rec->text) - 1;
		rec->type = nlh->nlmsg_type;
		memcpy(rec->text, NLMSG_DATA(nlh), plen);
		rec->text[plen] = '\0';
		/* the kernel's own length includes no NUL; be lenient */
		plen = strlen(rec->text);
		while (plen && rec->text[plen - 1] == '\n')
			rec->text[--plen] = '\0';
		au_rec_parse(rec);
		return 0;
	}
}

/* Records read so far, in order. */
struct au_list {
	struct au_rec *v;
	int n, cap;
};

static inline void au_list_free(struct au_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static inline struct au_rec *au_list_push(struct au_list *l)
{
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 64;
		struct au_rec *v = realloc(l->v, cap * sizeof(*v));
		int i;

		if (!v)
			return NULL;
		/* the records moved: their body pointers with them */
		for (i = 0; i < l->n; i++)
			v[i].body = v[i].text + v[i].off;
		l->v = v;
		l->cap = cap;
	}
	return &l->v[l->n++];
}

/* A text no other record holds: "credpass_audit_TAG=PID.N". */
static inline void au_marker(char *buf, size_t len, const char *tag)
{
	static unsigned int n;

	snprintf(buf, len, "credpass_audit_%s=%d.%u", tag, getpid(), ++n);
}

/* A user message type (AUDIT_FIRST_USER_MSG..., as the kernel checks)? */
static inline bool au_is_user_type(uint16_t type)
{
	return (type >= AUDIT_FIRST_USER_MSG && type <= AUDIT_LAST_USER_MSG) ||
	       (type >= AUDIT_FIRST_USER_MSG2 && type <= AUDIT_LAST_USER_MSG2);
}

/* Is rec the user message whose msg='...' is exactly text? */
static inline bool au_is_user_msg(const struct au_rec *rec, const char *text)
{
	return au_is_user_type(rec->type) && au_field_is(rec->body, "msg", text);
}

/*
 * Read records into l until pred(rec, arg) holds for one (it is appended
 * too and its index returned), bounded by AU_WAIT_MS.  -ETIMEDOUT,
 * -ENOBUFS, -ENOMEM or -errno.
 */
static inline int au_read_until(struct au_reader *r, struct au_list *l,
				bool (*pred)(const struct au_rec *, const void *),
				const void *arg)
{
	int64_t deadline = au_now_ms() + AU_WAIT_MS;

	for (;;) {
		struct au_rec *rec = au_list_push(l);
		int ret;

		if (!rec)
			return -ENOMEM;
		ret = au_reader_next(r, rec, deadline);
		if (ret) {
			l->n--;
			return ret;
		}
		if (pred(rec, arg))
			return l->n - 1;
	}
}

static inline bool au_pred_user_msg(const struct au_rec *rec, const void *arg)
{
	return au_is_user_msg(rec, arg);
}

/*
 * Barrier: send a USER_MSG with a new marker from this process and read
 * into l every record up to and including it.  0 or -errno (the send's,
 * or the read's).
 */
static inline int au_barrier(struct au_reader *r, struct au_list *l)
{
	char marker[96];
	int ret;

	au_marker(marker, sizeof(marker), "barrier");
	ret = au_user_msg(marker);
	if (ret)
		return ret;
	ret = au_read_until(r, l, au_pred_user_msg, marker);
	return ret < 0 ? ret : 0;
}

/* Records of type (0: any) whose top-level key is value; the count. */
static inline int au_list_count(const struct au_list *l, uint16_t type,
				const char *key, const char *value,
				int *first)
{
	int i, n = 0;

	for (i = 0; i < l->n; i++) {
		if (type && l->v[i].type != type)
			continue;
		if (key && !au_field_is(l->v[i].body, key, value))
			continue;
		if (!n++ && first)
			*first = i;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* AUDIT_CREDGRANT records as the spec writes them                     */

/* The on-behalf-of subject a thread carries (obo_* fields). */
struct au_obo {
	bool set;
	uint32_t auid, ses;
	int32_t pid;
	uint32_t uid;
};

/*
 * One AUDIT_CREDGRANT record, every field known:
 * op=OP grant=ID kind=0xK uid=U gid=G ngroups=N granter_pid=P
 * granter_uid=EU granter_auid=A granter_ses=S receiver_pid=R
 * [origin_pid=OP origin_uid=OU] [exec=1] [obo_auid=.. obo_ses=..
 * obo_pid=.. obo_uid=..] [err=E] res=0|1
 */
struct au_cg {
	const char *op;
	uint64_t grant;
	uint32_t kind, uid, gid, ngroups;
	int32_t granter_pid;
	uint32_t granter_uid, granter_auid, granter_ses;
	int32_t receiver_pid;
	bool origin;			/* kind 0x8 only */
	int32_t origin_pid;
	uint32_t origin_uid;
	bool exec;
	struct au_obo obo;
	int err;			/* positive errno: res=0 */
};

static inline void au_obo_fmt(char *buf, size_t len, const struct au_obo *o)
{
	if (!o->set) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, " obo_auid=%u obo_ses=%u obo_pid=%d obo_uid=%u",
		 o->auid, o->ses, o->pid, o->uid);
}

static inline void au_cg_fmt(char *buf, size_t len, const struct au_cg *c)
{
	char origin[64] = "", obo[128], err[32] = "";

	if (c->origin)
		snprintf(origin, sizeof(origin), " origin_pid=%d origin_uid=%u",
			 c->origin_pid, c->origin_uid);
	au_obo_fmt(obo, sizeof(obo), &c->obo);
	if (c->err)
		snprintf(err, sizeof(err), " err=%d", c->err);
	snprintf(buf, len,
		 "op=%s grant=%llu kind=0x%x uid=%u gid=%u ngroups=%u granter_pid=%d granter_uid=%u granter_auid=%u granter_ses=%u receiver_pid=%d%s%s%s%s res=%d",
		 c->op, (unsigned long long)c->grant, c->kind, c->uid, c->gid,
		 c->ngroups, c->granter_pid, c->granter_uid, c->granter_auid,
		 c->granter_ses, c->receiver_pid, origin,
		 c->exec ? " exec=1" : "", obo, err, !c->err);
}

/* op=pop pid=P obo_auid=.. obo_ses=.. obo_pid=.. obo_uid=.. res=1 */
static inline void au_pop_fmt(char *buf, size_t len, int32_t pid,
			      const struct au_obo *o)
{
	char obo[128];

	au_obo_fmt(obo, sizeof(obo), o);
	snprintf(buf, len, "op=pop pid=%d%s res=1", pid, obo);
}

/* ------------------------------------------------------------------ */
/* /dev/kmsg: the kernel log, from its end on                          */

static inline int au_kmsg_open_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

/*
 * Read kernel log records until one's message contains every string of
 * needles (NULL-terminated); it is copied to line.  Bounded by AU_WAIT_MS.
 * 0, -ETIMEDOUT or -errno (-EPIPE: records were overwritten meanwhile is
 * skipped).
 */
static inline int au_kmsg_find(int fd, const char *const *needles,
			       char *line, size_t len)
{
	int64_t deadline = au_now_ms() + AU_WAIT_MS;
	char buf[8192];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - au_now_ms();
		const char *msg;
		ssize_t n;
		int i;

		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0 && errno == EAGAIN) {
			if (left <= 0)
				return -ETIMEDOUT;
			if (poll(&p, 1, left > INT32_MAX ? INT32_MAX : left) < 0 &&
			    errno != EINTR)
				return -errno;
			continue;
		}
		if (n < 0) {
			if (errno == EINTR || errno == EPIPE)
				continue;
			return -errno;
		}
		buf[n] = '\0';
		/* "level,seq,usec,flags;message\n continuation lines" */
		msg = strchr(buf, ';');
		msg = msg ? msg + 1 : buf;
		for (i = 0; needles[i]; i++)
			if (!strstr(msg, needles[i]))
				break;
		if (needles[i])
			continue;
		snprintf(line, len, "%.*s", (int)strcspn(msg, "\n"), msg);
		return 0;
	}
}

/* ================================================================== */
#ifdef __KSELFTEST_HARNESS_H

/* AUDIT_GET, and the state to restore: enabled, backlog limit. */
struct au_saved {
	bool have;
	struct audit_status st;
};

/*
 * Open the multicast reader, remember the state to restore, then enable
 * audit (a backlog for bursts, enabled=1): the last step, so that a
 * failure before it leaves the state as it was.  The state is global:
 * restore it from a FIXTURE_TEARDOWN_PARENT, which runs however the test
 * ended (a failed ASSERT may skip a plain teardown: the harness's
 * clobbered "child" after longjmp).
 */
static inline void au_enable(struct __test_metadata *_metadata,
			     struct au_saved *saved, struct au_reader *r)
{
	int ret;

	r->fd = -1;
	ret = au_get_status(&saved->st);
	ASSERT_EQ(0, ret) TH_LOG("AUDIT_GET: %s (a kernel without CONFIG_AUDIT?)",
				 strerror(-ret));
	ASSERT_NE(2, saved->st.enabled) TH_LOG("audit configuration is locked (enabled=2)");
	ret = au_reader_open(r);
	ASSERT_EQ(0, ret) TH_LOG("joining AUDIT_NLGRP_READLOG: %s",
				 strerror(-ret));
	saved->have = true;
	ret = au_set_backlog_limit(8192);
	ASSERT_EQ(0, ret) TH_LOG("AUDIT_SET backlog_limit=8192: %s",
				 strerror(-ret));
	ret = au_set_enabled(1);
	ASSERT_EQ(0, ret) TH_LOG("AUDIT_SET enabled=1: %s", strerror(-ret));
}

/* The enabled flag and backlog limit as au_enable() found them. */
static inline void au_restore(struct __test_metadata *_metadata,
			      struct au_saved *saved)
{
	if (!saved->have)
		return;
	EXPECT_EQ(0, au_set_backlog_limit(saved->st.backlog_limit));
	EXPECT_EQ(0, au_set_enabled(saved->st.enabled));
	saved->have = false;
}

static inline void au_barrier_ok(struct __test_metadata *_metadata, int line,
				 struct au_reader *r, struct au_list *l)
{
	int ret = au_barrier(r, l);

	ASSERT_EQ(0, ret) TH_LOG("line %d: audit barrier (USER_MSG sent, then read back): %s",
				 line, strerror(-ret));
}

#define AU_BARRIER(r, l) au_barrier_ok(_metadata, __LINE__, r, l)

/* Log every record of l (for a failure's context). */
static inline void au_list_log(struct __test_metadata *_metadata,
			       const struct au_list *l, uint16_t type)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (!type || l->v[i].type == type)
			TH_LOG("  record type=%u %s", l->v[i].type, l->v[i].text);
}

/*
 * Exactly one AUDIT_CREDGRANT record in l with grant=ID op=OP, and its
 * body is exactly what c describes.  Returns its index, or -1.
 */
static inline int au_expect_cg(struct __test_metadata *_metadata, int line,
			       const struct au_list *l, const struct au_cg *c)
{
	char want[1024], id[32];
	int i, n = 0, at = -1;

	au_cg_fmt(want, sizeof(want), c);
	snprintf(id, sizeof(id), "%llu", (unsigned long long)c->grant);
	for (i = 0; i < l->n; i++) {
		if (l->v[i].type != AUDIT_CREDGRANT ||
		    !au_field_is(l->v[i].body, "grant", id) ||
		    !au_field_is(l->v[i].body, "op", c->op))
			continue;
		if (!n++)
			at = i;
	}
	EXPECT_EQ(1, n) TH_LOG("line %d: %d AUDIT_CREDGRANT records op=%s grant=%s, expected exactly 1; expected body:\n    %s",
			       line, n, c->op, id, want);
	if (n != 1) {
		au_list_log(_metadata, l, AUDIT_CREDGRANT);
		return -1;
	}
	EXPECT_STREQ(want, l->v[at].body)
		TH_LOG("line %d: AUDIT_CREDGRANT op=%s grant=%s\n    expected: %s\n    got:      %s",
		       line, c->op, id, want, l->v[at].body);
	return at;
}

#define AU_EXPECT_CG(l, c) au_expect_cg(_metadata, __LINE__, l, c)

/* Every AUDIT_CREDGRANT record of grant id in l: exactly the ops listed. */
static inline void au_expect_ops(struct __test_metadata *_metadata, int line,
				 const struct au_list *l, uint64_t grant,
				 const char *const *ops)
{
	char id[32], got[512] = "", want[512] = "", op[32];
	int i;

	snprintf(id, sizeof(id), "%llu", (unsigned long long)grant);
	for (i = 0; ops[i]; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 "%s%s", i ? "," : "", ops[i]);
	for (i = 0; i < l->n; i++) {
		if (l->v[i].type != AUDIT_CREDGRANT ||
		    !au_field_is(l->v[i].body, "grant", id))
			continue;
		if (au_field(l->v[i].body, "op", op, sizeof(op)))
			snprintf(op, sizeof(op), "?");
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
			 got[0] ? "," : "", op);
	}
	EXPECT_STREQ(want, got) TH_LOG("line %d: the AUDIT_CREDGRANT records of grant %s, in order",
				       line, id);
}

#define AU_EXPECT_OPS(l, grant, ...) do { \
	static const char *const __ops[] = { __VA_ARGS__, NULL }; \
	au_expect_ops(_metadata, __LINE__, l, grant, __ops); \
} while (0)

#endif /* __KSELFTEST_HARNESS_H */

#endif /* AUDIT_UTIL_H */
