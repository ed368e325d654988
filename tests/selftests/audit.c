// SPDX-License-Identifier: GPL-2.0
/*
 * audit selftests (issue 12): the AUDIT_CREDGRANT record of every fate of
 * a grant, and audit-only grants (CREDGRANT_AUDIT): the on-behalf-of
 * subject that acceptid sets on the calling thread, the obo_* fields of
 * the records it then produces, ACCEPTID_AUDIT_POP, inheritance, chains.
 * Written against the behaviour in the issue's spec (docs/semantics.md
 * "Audit"); every record is compared field by field, in order, with what
 * the test knows: ids it chose, pids of its own processes, login uids it
 * set and the session ids the kernel gave them.
 *
 * Records are read from the audit multicast group (audit_util.h), with a
 * USER_MSG barrier to know that every record emitted before has been
 * read: "exactly one record per fate" and "no record" are checked without
 * waiting for a while.  The grants are issued and accepted by actors,
 * processes forked after audit was enabled (so they have audit contexts)
 * and driven through pipes by the test, which makes every assertion.
 *
 * Runs as root in the test VM, without auditd (records also go to the
 * kernel log then: kmsg_fallback).  Each test restores the audit state it
 * found (enabled, backlog limit) and removes the rules it added.
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* see credgrant.c: harness-internal -Wextra noise */
#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "credgrant_util.h"
#include "audit_util.h"

#define AU_KEY			"credpass-audit"
#define PRINTK_RATELIMIT	"/proc/sys/kernel/printk_ratelimit"
/* login uids the actors set: client, service, bus, second client */
#define AUID_CLIENT		1001
#define AUID_SERVICE		2001
#define AUID_BUS		3001
#define AUID_CLIENT2		1002
#define UID_CLIENT		1000

/* ------------------------------------------------------------------ */
/* actors: forked processes that act on the test's commands            */

enum {
	A_LOGIN = 'L',		/* write val to /proc/self/loginuid */
	A_BECOME = 'B',		/* uid = gid = val, no groups, no capabilities */
	A_SEND = 'S',		/* sendmsg(fd, MSG, req) */
	A_RECV = 'R',		/* recvmsg(fd): keep the description */
	A_ACCEPT = 'A',		/* acceptid(fd, kept description, flags) */
	A_POP = 'P',		/* acceptid(-1, NULL, 0, ACCEPTID_AUDIT_POP) */
	A_MSG = 'M',		/* USER_MSG text (val: another user type) */
	A_CREATE = 'C',		/* create the file text */
	A_FORK_MSG = 'F',	/* a forked child sends USER_MSG text */
	A_THREAD_MSG = 'T',	/* a new thread sends USER_MSG text */
	A_THREAD_ACCEPT = 't',	/* a new thread accepts, then USER_MSG text */
	A_EXEC = 'X',		/* execve text (or the test binary): the new
				 * image answers, then takes commands */
	A_IDS = 'I',		/* report */
	A_CLOSE = 'Q',		/* close(fd) */
	A_QUIT = 'q',
};

struct acmd {
	int32_t op;
	int32_t fd;
	uint32_t flags;
	uint32_t val;		/* A_ACCEPT: 1 changes expires_ns in the copy */
	char text[192];
	struct cg_req req;
};

struct arep {
	int32_t op;
	int32_t pid, tid;	/* of whoever did it (a forked child, a thread) */
	int64_t ret, ret2;	/* A_THREAD_ACCEPT: accept, then USER_MSG */
	int32_t err, err2;	/* errno of a failed ret / ret2 */
	uint32_t size;		/* A_RECV: the description */
	int32_t ngrants;
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
	struct cg_idset ids;
};

/* The actor's last received description. */
static uint64_t a_desc[(CG_DESC_MAX + 7) / 8];
static uint32_t a_size;

static void arep_fill(struct arep *r, int op, long ret, int err)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->ret = ret;
	r->err = ret < 0 ? err : 0;
	r->pid = getpid();
	r->tid = gettid();
	cg_get_ids(&r->ids);
}

struct a_thread {
	const struct acmd *c;
	long ret, ret2;
	int err, err2;
	pid_t tid;
};

static void *a_thread_fn(void *p)
{
	struct a_thread *t = p;

	t->tid = gettid();
	if (t->c->op == A_THREAD_ACCEPT) {
		errno = 0;
		t->ret = cg_acceptid(t->c->fd, a_desc, a_size, t->c->flags);
		t->err = errno;
	}
	t->ret2 = au_user_msg(t->c->text);
	t->err2 = -t->ret2;
	return NULL;
}

static void actor_loop(int cmdfd, int repfd);

static void a_exec(const struct acmd *c, int cmdfd, int repfd)
{
	char a[16], b[16];

	snprintf(a, sizeof(a), "%d", cmdfd);
	snprintf(b, sizeof(b), "%d", repfd);
	execl(c->text[0] ? c->text : "/proc/self/exe", "audit", "--actor", a,
	      b, (char *)NULL);
}

static void a_fork_msg(const struct acmd *c, struct arep *r)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC)) {
		arep_fill(r, c->op, -1, errno);
		return;
	}
	pid = fork();
	if (pid == 0) {
		long ret = au_user_msg(c->text);

		arep_fill(r, c->op, ret, -ret);
		_exit(cg_write_full(p[1], r, sizeof(*r)) ? 1 : 0);
	}
	close(p[1]);
	if (pid < 0 || cg_read_full(p[0], r, sizeof(*r)))
		arep_fill(r, c->op, -1, pid < 0 ? errno : EPIPE);
	close(p[0]);
	if (pid > 0 && cg_wait(pid) && !r->err)
		arep_fill(r, c->op, -1, ECHILD);
}

static void actor_loop(int cmdfd, int repfd)
{
	static struct acmd c;
	static struct arep r;
	char buf[CG_DATA_MAX], text[32];
	struct cg_rcv rcv;
	struct a_thread t;
	struct cg_ids ids;
	pthread_t th;
	long ret;
	int fd;

	for (;;) {
		if (cg_read_full(cmdfd, &c, sizeof(c)) || c.op == A_QUIT)
			_exit(0);
		errno = 0;
		switch (c.op) {
		case A_LOGIN:
			snprintf(text, sizeof(text), "%u", c.val);
			ret = cg_write_file("/proc/self/loginuid", text);
			arep_fill(&r, c.op, ret, -ret);
			break;
		case A_BECOME:
			ids = cg_ids_plain(c.val, c.val, 0);
			ret = cg_become(&ids);
			arep_fill(&r, c.op, ret, -ret);
			break;
		case A_SEND:
			ret = cg_send_grant(c.fd, MSG, MSGLEN, &c.req,
					    MSG_NOSIGNAL | MSG_DONTWAIT);
			arep_fill(&r, c.op, ret, errno);
			break;
		case A_RECV:
			ret = cg_recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT,
				      CG_CTRL_BIG, &rcv);
			arep_fill(&r, c.op, ret, rcv.err);
			r.ngrants = rcv.ngrants;
			if (ret >= 0 && rcv.ngrants == 1) {
				a_size = rcv.grant_len;
				memcpy(a_desc, rcv.desc, a_size);
				r.size = a_size;
				memcpy(r.desc, a_desc, a_size);
			}
			cg_rcv_close(&rcv);
			break;
		case A_ACCEPT: {
			uint64_t copy[(CG_DESC_MAX + 7) / 8];

			memcpy(copy, a_desc, a_size);
			/* struct credgrant: id, issued_ns, expires_ns */
			if (c.val)
				copy[2] ^= 1;
			ret = cg_acceptid(c.fd, copy, a_size, c.flags);
			arep_fill(&r, c.op, ret, errno);
			break;
		}
		case A_POP:
			ret = cg_acceptid(-1, NULL, 0, ACCEPTID_AUDIT_POP);
			arep_fill(&r, c.op, ret, errno);
			break;
		case A_MSG:
			ret = au_user_msg_type(c.val ? c.val : AU_USER_MSG,
					       c.text);
			arep_fill(&r, c.op, ret, -ret);
			break;
		case A_CREATE:
			fd = open(c.text, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				  0600);
			arep_fill(&r, c.op, fd < 0 ? -1 : 0, errno);
			if (fd >= 0)
				close(fd);
			break;
		case A_FORK_MSG:
			a_fork_msg(&c, &r);
			break;
		case A_THREAD_MSG:
		case A_THREAD_ACCEPT:
			memset(&t, 0, sizeof(t));
			t.c = &c;
			ret = pthread_create(&th, NULL, a_thread_fn, &t);
			if (ret) {
				arep_fill(&r, c.op, -1, ret);
				break;
			}
			pthread_join(th, NULL);
			arep_fill(&r, c.op, t.ret, t.err);
			r.ret2 = t.ret2;
			r.err2 = t.err2;
			r.tid = t.tid;
			break;
		case A_EXEC:
			a_exec(&c, cmdfd, repfd);
			arep_fill(&r, c.op, -1, errno);
			break;
		case A_IDS:
			arep_fill(&r, c.op, 0, 0);
			break;
		case A_CLOSE:
			ret = close(c.fd);
			arep_fill(&r, c.op, ret, errno);
			break;
		default:
			arep_fill(&r, c.op, -1, EINVAL);
		}
		if (cg_write_full(repfd, &r, sizeof(r)))
			_exit(1);
	}
}

struct actor {
	pid_t pid;
	int cmd, rep;
	uint32_t auid, ses;	/* after a_login */
};

/* The test's ends of every actor's pipes: a new actor closes them. */
static int actor_fds[64];
static int actor_nfds;

static int actor_start(struct actor *a)
{
	int c[2], r[2], i;

	memset(a, 0, sizeof(*a));
	a->cmd = a->rep = -1;
	a->auid = a->ses = AU_UNSET;
	if (pipe(c) || pipe(r))
		return -errno;
	a->pid = cg_fork();
	if (a->pid < 0)
		return -errno;
	if (a->pid == 0) {
		close(c[1]);
		close(r[0]);
		for (i = 0; i < actor_nfds; i++)
			close(actor_fds[i]);
		signal(SIGPIPE, SIG_IGN);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		actor_loop(c[0], r[1]);
		_exit(0);
	}
	close(c[0]);
	close(r[1]);
	fcntl(c[1], F_SETFD, FD_CLOEXEC);
	fcntl(r[0], F_SETFD, FD_CLOEXEC);
	a->cmd = c[1];
	a->rep = r[0];
	if (actor_nfds + 2 <= 64) {
		actor_fds[actor_nfds++] = a->cmd;
		actor_fds[actor_nfds++] = a->rep;
	}
	return 0;
}

static int actor_call(struct actor *a, const struct acmd *c, struct arep *r)
{
	int ret = cg_write_full(a->cmd, c, sizeof(*c));

	return ret ? ret : cg_read_full(a->rep, r, sizeof(*r));
}

/* Quit, reap: the exit status (0 unless something went wrong there). */
static int actor_stop(struct actor *a)
{
	struct acmd c = { .op = A_QUIT };
	int ret = 0, i;

	if (a->cmd >= 0)
		cg_write_full(a->cmd, &c, sizeof(c));
	for (i = 0; i < actor_nfds; i++)
		if (actor_fds[i] == a->cmd || actor_fds[i] == a->rep)
			actor_fds[i] = -1;
	if (a->cmd >= 0)
		close(a->cmd);
	if (a->rep >= 0)
		close(a->rep);
	a->cmd = a->rep = -1;
	if (a->pid > 0)
		ret = cg_wait(a->pid);
	a->pid = 0;
	return ret;
}

/* ------------------------------------------------------------------ */
/* actor calls with assertions                                          */

static struct arep rep;		/* the last answer */

static void a_call(struct __test_metadata *_metadata, int line,
		   struct actor *a, struct acmd *c)
{
	int ret = actor_call(a, c, &rep);

	ASSERT_EQ(0, ret) TH_LOG("line %d: actor %d: no answer to '%c' (%s; exit %d)",
				 line, a->pid, c->op, strerror(-ret),
				 actor_stop(a));
	ASSERT_EQ(c->op, rep.op) TH_LOG("line %d: answer to '%c' is '%c'",
					line, c->op, rep.op);
}

/* One command; returns its errno (0: it worked). */
static int a_do(struct __test_metadata *_metadata, int line, struct actor *a,
		int op, int fd, uint32_t flags, uint32_t val, const char *text)
{
	static struct acmd c;

	memset(&c, 0, sizeof(c));
	c.op = op;
	c.fd = fd;
	c.flags = flags;
	c.val = val;
	if (text)
		snprintf(c.text, sizeof(c.text), "%s", text);
	a_call(_metadata, line, a, &c);
	return rep.ret < 0 ? rep.err : 0;
}

#define A_DO(a, op, fd, flags, val, text) \
	a_do(_metadata, __LINE__, a, op, fd, flags, val, text)
#define A_OK(a, op, fd, flags, val, text) do { \
	int __e = A_DO(a, op, fd, flags, val, text); \
	ASSERT_EQ(0, __e) TH_LOG("actor '%c': %s", op, strerror(__e)); \
} while (0)

static void a_start(struct __test_metadata *_metadata, int line,
		    struct actor *a, uint32_t auid)
{
	int ret = actor_start(a);

	ASSERT_EQ(0, ret) TH_LOG("line %d: starting an actor: %s", line,
				 strerror(-ret));
	if (auid == AU_UNSET)
		return;
	ret = a_do(_metadata, line, a, A_LOGIN, -1, 0, auid, NULL);
	ASSERT_EQ(0, ret) TH_LOG("line %d: writing %u to /proc/self/loginuid: %s",
				 line, auid, strerror(ret));
	ASSERT_EQ(auid, rep.ids.loginuid);
	ASSERT_NE(AU_UNSET, rep.ids.sessionid) TH_LOG("no session id after setting the login uid");
	a->auid = auid;
	a->ses = rep.ids.sessionid;
}

/* An actor with a login uid of its own (AU_UNSET: none set). */
#define A_START(a, auid) a_start(_metadata, __LINE__, a, auid)

static void a_send(struct __test_metadata *_metadata, int line,
		   struct actor *a, int fd, uint32_t kind, uint32_t uid,
		   uint32_t gid, uint32_t ttl_ms, int err)
{
	static struct acmd c;

	memset(&c, 0, sizeof(c));
	c.op = A_SEND;
	c.fd = fd;
	cg_req_init(&c.req, kind, uid, gid, ttl_ms, NULL, 0);
	a_call(_metadata, line, a, &c);
	if (!err) {
		ASSERT_EQ(MSGLEN, rep.ret) TH_LOG("line %d: sendmsg with SCM_CREDGRANT kind %#x: %s",
						  line, kind, strerror(rep.err));
	} else {
		ASSERT_EQ(-1, rep.ret) TH_LOG("line %d: sendmsg kind %#x succeeded, expected %s",
					      line, kind, strerror(err));
		ASSERT_EQ(err, rep.err) TH_LOG("line %d: sendmsg kind %#x: %s, expected %s",
					       line, kind, strerror(rep.err),
					       strerror(err));
	}
}

#define A_SEND(a, fd, kind, uid, gid, ttl) \
	a_send(_metadata, __LINE__, a, fd, kind, uid, gid, ttl, 0)
#define A_SEND_FAILS(a, fd, kind, uid, gid, err) \
	a_send(_metadata, __LINE__, a, fd, kind, uid, gid, 0, err)

/* What the test knows of a grant it had issued. */
struct known {
	uint32_t kind, uid, gid;	/* init-ns numbers, AU_UNSET: none */
	const struct actor *granter;
	uint32_t granter_euid;
	/* the subject it carries: the granter's, or the one it acts for */
	uint32_t auid, ses;
	int32_t origin_pid;
	uint32_t origin_uid;
};

/* The actor receives one grant; checks the description; returns its id. */
static uint64_t a_recv(struct __test_metadata *_metadata, int line,
		       struct actor *a, int fd, const struct known *k)
{
	const struct credgrant *g = (const struct credgrant *)rep.desc;

	a_do(_metadata, line, a, A_RECV, fd, 0, 0, NULL);
	EXPECT_EQ(MSGLEN, rep.ret) TH_LOG("line %d: recvmsg: %s", line,
					  strerror(rep.err));
	EXPECT_EQ(1, rep.ngrants) TH_LOG("line %d: descriptions received", line);
	if (rep.ret != MSGLEN || rep.ngrants != 1)
		return 0;
	EXPECT_EQ(k->kind, g->kind) TH_LOG("line %d", line);
	EXPECT_EQ(k->uid, g->uid) TH_LOG("line %d", line);
	EXPECT_EQ(k->gid, g->gid) TH_LOG("line %d", line);
	EXPECT_EQ(0, g->ngroups) TH_LOG("line %d", line);
	EXPECT_EQ(k->granter->pid, g->granter_pid) TH_LOG("line %d", line);
	EXPECT_EQ(k->granter_euid, g->granter_uid) TH_LOG("line %d", line);
	EXPECT_EQ(k->auid, g->granter_auid) TH_LOG("line %d: granter_auid", line);
	EXPECT_EQ(k->ses, g->granter_ses) TH_LOG("line %d: granter_ses", line);
	return g->id;
}

#define A_RECV(a, fd, k) a_recv(_metadata, __LINE__, a, fd, k)

/* A record of grant id as the spec writes it, from what the test knows. */
static struct au_cg cg_want(const char *op, uint64_t id, const struct known *k,
			    int32_t receiver_pid)
{
	struct au_cg c = {
		.op = op, .grant = id, .kind = k->kind,
		.uid = k->uid, .gid = k->gid, .ngroups = 0,
		.granter_pid = k->granter->pid,
		.granter_uid = k->granter_euid,
		.granter_auid = k->auid, .granter_ses = k->ses,
		.receiver_pid = receiver_pid,
	};

	if (k->kind == CREDGRANT_AUDIT) {
		c.origin = true;
		c.origin_pid = k->origin_pid;
		c.origin_uid = k->origin_uid;
	}
	return c;
}

/* A plain grant from actor g (root): its own login and session. */
static struct known known_plain(const struct actor *g, uint32_t kind,
				uint32_t uid, uint32_t gid)
{
	struct known k = {
		.kind = kind, .uid = uid, .gid = gid, .granter = g,
		.granter_euid = 0, .auid = g->auid, .ses = g->ses,
	};

	return k;
}

/* An audit-only grant from actor g acting for itself. */
static struct known known_audit(const struct actor *g, uint32_t euid,
				uint32_t ruid)
{
	struct known k = {
		.kind = CREDGRANT_AUDIT, .uid = AU_UNSET, .gid = AU_UNSET,
		.granter = g, .granter_euid = euid, .auid = g->auid,
		.ses = g->ses, .origin_pid = g->pid, .origin_uid = ruid,
	};

	return k;
}

/* The subject an audit-only grant from k gives. */
static struct au_obo obo_of(const struct known *k)
{
	struct au_obo o = {
		.set = true, .auid = k->auid, .ses = k->ses,
		.pid = k->origin_pid, .uid = k->origin_uid,
	};

	return o;
}

static const struct au_obo no_obo;

/* ------------------------------------------------------------------ */
/* record checks beyond AUDIT_CREDGRANT                                 */

static bool pred_user_msg(const struct au_rec *rec, const void *text)
{
	return au_is_user_msg(rec, text);
}

/*
 * The USER_MSG with msg='text' is in l exactly once and reads
 * pid=P uid=U auid=A ses=S [obo_auid=.. obo_ses=.. obo_pid=.. obo_uid=..]
 * msg='text'.
 */
static void expect_user_msg(struct __test_metadata *_metadata, int line,
			    const struct au_list *l, const char *text,
			    int32_t pid, uint32_t uid, uint32_t auid,
			    uint32_t ses, const struct au_obo *o)
{
	char want[512], obo[128];
	int i, n = 0, at = -1;

	for (i = 0; i < l->n; i++)
		if (au_is_user_msg(&l->v[i], text) && !n++)
			at = i;
	ASSERT_EQ(1, n) TH_LOG("line %d: %d USER_MSG records msg='%s', expected 1",
			       line, n, text);
	au_obo_fmt(obo, sizeof(obo), o);
	snprintf(want, sizeof(want), "pid=%d uid=%u auid=%u ses=%u%s msg='%s'",
		 pid, uid, auid, ses, obo, text);
	EXPECT_STREQ(want, l->v[at].body)
		TH_LOG("line %d: USER_MSG\n    expected: %s\n    got:      %s",
		       line, want, l->v[at].body);
}

#define EXPECT_USER_MSG(l, text, pid, uid, auid, ses, o) \
	expect_user_msg(_metadata, __LINE__, l, text, pid, uid, auid, ses, o)

/* The actor sends USER_MSG marker; read until it comes; check it. */
static void a_msg_check(struct __test_metadata *_metadata, int line,
			struct au_reader *r, struct au_list *l,
			struct actor *a, int op, uint16_t type,
			const struct au_obo *o)
{
	char text[96];
	int ret, err;
	int32_t pid;

	au_marker(text, sizeof(text), "msg");
	err = a_do(_metadata, line, a, op, -1, 0, type, text);
	ASSERT_EQ(0, err) TH_LOG("line %d: USER_MSG from actor '%c': %s", line,
				 op, strerror(err));
	if (op == A_THREAD_MSG)
		ASSERT_EQ(0, rep.ret2) TH_LOG("line %d: USER_MSG from a thread: %s",
					      line, strerror(rep.err2));
	pid = rep.pid;
	ret = au_read_until(r, l, pred_user_msg, text);
	ASSERT_LE(0, ret) TH_LOG("line %d: reading the USER_MSG back: %s", line,
				 strerror(-ret));
	expect_user_msg(_metadata, line, l, text, pid, rep.ids.ruid,
			rep.ids.loginuid, rep.ids.sessionid, o);
}

/* The actor's (or its child's, thread's, new image's) USER_MSG. */
#define A_MSG_CHECK(a, op, o) \
	a_msg_check(_metadata, __LINE__, &self->r, &self->l, a, op, 0, o)
/* The same with another user message type (A_MSG only). */
#define A_MSG_TYPE_CHECK(a, type, o) \
	a_msg_check(_metadata, __LINE__, &self->r, &self->l, a, A_MSG, type, o)
/* USER_CMD: what sudo logs through libaudit */
#define AU_USER_CMD		1123

struct syscall_match {
	int32_t pid;
	const char *path;
	const struct au_list *l;
};

/*
 * The SYSCALL record (our rule's key) of the actor's creation of path:
 * same serial as a PATH record naming it; auid and ses are the actor's,
 * and right after ses= come exactly the obo fields (or comm=).
 */
static void expect_create_record(struct __test_metadata *_metadata, int line,
				 const struct au_list *l, int32_t pid,
				 const char *path, uint32_t auid, uint32_t ses,
				 const struct au_obo *o)
{
	char pidtext[16], want[256], obo[128];
	int i, j, n = 0, at = -1;

	snprintf(pidtext, sizeof(pidtext), "%d", pid);
	for (i = 0; i < l->n; i++) {
		const struct au_rec *s = &l->v[i];
		bool named = false;

		if (s->type != AUDIT_SYSCALL ||
		    !au_field_is(s->body, "pid", pidtext) ||
		    !au_field_is(s->body, "key", AU_KEY))
			continue;
		for (j = 0; j < l->n; j++)
			named |= l->v[j].type == AUDIT_PATH &&
				 l->v[j].serial == s->serial &&
				 l->v[j].sec == s->sec &&
				 au_field_is(l->v[j].body, "name", path);
		if (named && !n++)
			at = i;
	}
	ASSERT_EQ(1, n) TH_LOG("line %d: %d SYSCALL records of pid %d creating %s (key %s), expected 1",
			       line, n, pid, path, AU_KEY);
	EXPECT_TRUE(au_field_is(l->v[at].body, "success", "yes"));
	EXPECT_TRUE(au_field_is(l->v[at].body, "syscall", "257"))
		TH_LOG("line %d: not openat: %s", line, l->v[at].body);
	au_obo_fmt(obo, sizeof(obo), o);
	snprintf(want, sizeof(want), " auid=%u uid=", auid);
	EXPECT_NE(NULL, strstr(l->v[at].body, want))
		TH_LOG("line %d: no '%s' in %s", line, want, l->v[at].body);
	snprintf(want, sizeof(want), " ses=%u%s comm=", ses, obo);
	EXPECT_NE(NULL, strstr(l->v[at].body, want))
		TH_LOG("line %d: SYSCALL record\n    expected: ...%s...\n    got:      %s",
		       line, want, l->v[at].body);
	if (!o->set) {
		char v[32];

		EXPECT_EQ(-ENOENT, au_field(l->v[at].body, "obo_auid", v,
					    sizeof(v)))
			TH_LOG("line %d: %s", line, l->v[at].body);
	}
}

#define EXPECT_CREATE_RECORD(pid, path, auid, ses, o) \
	expect_create_record(_metadata, __LINE__, &self->l, pid, path, auid, \
			     ses, o)

/* ------------------------------------------------------------------ */
/* fixture                                                              */

FIXTURE(au)
{
	struct au_saved saved;
	struct au_reader r;
	struct au_list l;
	int s, rv;			/* a seqpacket pair, rv opted in */
	int s2, rv2;			/* a second one */
	/* rules added, as sent (a copy: the teardown runs in the parent) */
	char rules[4][sizeof(struct audit_rule_data) + 64];
	size_t rule_len[4];
	int nrules;
	char paths[4][96];
	int npaths;
	char ratelimit[32];		/* printk_ratelimit to restore */
	pid_t auditd;			/* stopped by the teardown */
	bool auditd_rules;		/* auditctl -D by the teardown */
	struct cg_counters before;
};

FIXTURE_SETUP(au)
{
	int sv[2];

	memset(self, 0, sizeof(*self));
	self->s = self->rv = self->s2 = self->rv2 = -1;
	self->r.fd = -1;
	actor_nfds = 0;
	signal(SIGPIPE, SIG_IGN);
	require_credpass(_metadata);
	ASSERT_EQ(0, geteuid()) TH_LOG("the suite runs as root");
	cg_counters_fd = open(CG_COUNTERS, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, cg_counters_fd);
	ASSERT_EQ(0, cg_counters_now(&self->before));
	au_enable(_metadata, &self->saved, &self->r);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	self->s = sv[0];
	self->rv = sv[1];
	ASSERT_EQ(0, cg_set_passcredgrant(self->rv, 1));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	self->s2 = sv[0];
	self->rv2 = sv[1];
	ASSERT_EQ(0, cg_set_passcredgrant(self->rv2, 1));
}

static int auditctl_clear(void);

/* Wait (bounded) for a process that is not our child to end. */
static int wait_gone(pid_t pid)
{
	struct pollfd p = { .events = POLLIN };
	int ret;

	p.fd = syscall(SYS_pidfd_open, pid, 0);
	if (p.fd < 0)
		return errno == ESRCH ? 0 : -errno;
	ret = poll(&p, 1, AU_WAIT_MS);
	close(p.fd);
	return ret == 1 ? 0 : ret == 0 ? -ETIMEDOUT : -errno;
}

/*
 * In the harness's parent of the test process, after it ended however it
 * did (its descriptors, actors and memory are gone with it): what it left
 * in the system.
 */
FIXTURE_TEARDOWN_PARENT(au)
{
	struct au_rule rule;
	struct cg_counters c;
	int i;

	if (self->auditd_rules)
		EXPECT_EQ(0, auditctl_clear());
	if (self->auditd > 0) {
		kill(self->auditd, SIGTERM);
		EXPECT_EQ(0, wait_gone(self->auditd));
	}
	for (i = 0; i < self->nrules; i++) {
		rule.data = (struct audit_rule_data *)self->rules[i];
		rule.len = self->rule_len[i];
		EXPECT_EQ(0, au_rule_del(&rule));
	}
	for (i = 0; i < self->npaths; i++)
		if (unlink(self->paths[i]) && errno == EISDIR)
			rmdir(self->paths[i]);
	if (self->ratelimit[0])
		EXPECT_EQ(0, cg_write_file(PRINTK_RATELIMIT, self->ratelimit));
	au_restore(_metadata, &self->saved);
	EXPECT_EQ(0, cg_counters_now(&c));
	expect_balanced(_metadata, &c);
}

/* Audit openat/creat of process pid, with our key. */
static void add_rule(struct __test_metadata *_metadata,
		     FIXTURE_DATA(au) *self, pid_t pid)
{
	static const int sys[] = { __NR_openat, __NR_creat };
	uint32_t field = AUDIT_PID, value = pid;
	struct au_rule rule;
	int ret;

	ASSERT_GT(4, self->nrules);
	ASSERT_EQ(0, au_rule_init(&rule, sys, 2, &field, &value, 1, AU_KEY));
	ASSERT_GE(sizeof(self->rules[0]), rule.len);
	memcpy(self->rules[self->nrules], rule.data, rule.len);
	self->rule_len[self->nrules] = rule.len;
	ret = au_rule_add(&rule);
	au_rule_free(&rule);
	ASSERT_EQ(0, ret) TH_LOG("AUDIT_ADD_RULE always,exit -S openat,creat -F pid=%d -k %s: %s",
				 pid, AU_KEY, strerror(-ret));
	self->nrules++;
}

#define ADD_RULE(pid) add_rule(_metadata, self, pid)

/* A new file name (removed by the teardown). */
static const char *new_path(FIXTURE_DATA(au) *self)
{
	char *p = self->paths[self->npaths < 4 ? self->npaths++ : 3];

	snprintf(p, sizeof(self->paths[0]), "/tmp/credpass-audit-%d-%d",
		 getpid(), self->npaths);
	unlink(p);
	return p;
}

#define BARRIER() AU_BARRIER(&self->r, &self->l)
#define EXPECT_CG(c) AU_EXPECT_CG(&self->l, c)

/* ================================================================== */
/* one exact record per fate                                            */

/* issue at queueing (receiver_pid 0), accept by the receiving process */
TEST_F(au, fate_issue_accept)
{
	struct actor g, r;
	struct known k;
	struct au_cg c;
	uint64_t id;

	A_START(&g, AUID_CLIENT);
	A_START(&r, AUID_SERVICE);
	k = known_plain(&g, CREDGRANT_UID | CREDGRANT_GID, 1234, 1235);
	A_SEND(&g, self->s, k.kind, k.uid, k.gid, 0);
	id = A_RECV(&r, self->rv, &k);
	ASSERT_NE(0, id);
	A_OK(&r, A_ACCEPT, self->rv, 0, 0, NULL);
	EXPECT_EQ(1234, rep.ids.ruid);
	EXPECT_EQ(1235, rep.ids.rgid);
	BARRIER();
	c = cg_want("issue", id, &k, 0);
	EXPECT_CG(&c);
	c = cg_want("accept", id, &k, r.pid);
	EXPECT_CG(&c);
	AU_EXPECT_OPS(&self->l, id, "issue", "accept");
	EXPECT_EQ(0, actor_stop(&g));
	EXPECT_EQ(0, actor_stop(&r));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(au, fate_reject)
{
	struct actor g, r;
	struct known k;
	struct au_cg c;
	uint64_t id;

	A_START(&g, AUID_CLIENT);
	A_START(&r, AUID_SERVICE);
	k = known_plain(&g, CREDGRANT_UID, 1234, AU_UNSET);
	A_SEND(&g, self->s, k.kind, k.uid, 0, 0);
	id = A_RECV(&r, self->rv, &k);
	ASSERT_NE(0, id);
	A_OK(&r, A_ACCEPT, self->rv, ACCEPTID_REJECT, 0, NULL);
	EXPECT_EQ(0, rep.ids.ruid) TH_LOG("a rejected grant changed the uid");
	BARRIER();
	c = cg_want("issue", id, &k, 0);
	EXPECT_CG(&c);
	c = cg_want("reject", id, &k, r.pid);
	EXPECT_CG(&c);
	AU_EXPECT_OPS(&self->l, id, "issue", "reject");
	EXPECT_EQ(0, actor_stop(&g));
	EXPECT_EQ(0, actor_stop(&r));
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

/* A failed acceptid: op=accept err=E res=0, the grant used up. */
TEST_F(au, fate_failed_accept)
{
	struct actor g, r;
	struct known k;
	struct au_cg c;
	uint64_t id;

	A_START(&g, AUID_CLIENT);
	A_START(&r, AUID_SERVICE);
	k = known_plain(&g, CREDGRANT_GID, AU_UNSET, 1235);
	A_SEND(&g, self->s, k.kind, 0, k.gid, 0);
	id = A_RECV(&r, self->rv, &k);
	ASSERT_NE(0, id);
	/* a description that is not the one delivered */
	ASSERT_EQ(ESTALE, A_DO(&r, A_ACCEPT, self->rv, 0, 1, NULL));
	EXPECT_EQ(ENOENT, A_DO(&r, A_ACCEPT, self->rv, 0, 0, NULL))
		TH_LOG("the grant was not used up by the failed acceptid");
	BARRIER();
	c = cg_want("accept", id, &k, r.pid);
	c.err = ESTALE;
	EXPECT_CG(&c);
	AU_EXPECT_OPS(&self->l, id, "issue", "accept");
	EXPECT_EQ(0, actor_stop(&g));
	EXPECT_EQ(0, actor_stop(&r));
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

struct cg_match {
	const char *id, *op;
};

static bool pred_cg(const struct au_rec *rec, const void *arg)
{
	const struct cg_match *m = arg;

	return rec->type == AUDIT_CREDGRANT &&
	       au_field_is(rec->body, "grant", m->id) &&
	       au_field_is(rec->body, "op", m->op);
}

/* The record of grant id and op: read already, or waited for (bounded). */
static int wait_cg(struct __test_metadata *_metadata, int line,
		   FIXTURE_DATA(au) *self, uint64_t id, const char *op)
{
	char text[32];
	struct cg_match m = { .id = text, .op = op };
	int i, ret;

	snprintf(text, sizeof(text), "%llu", (unsigned long long)id);
	for (i = 0; i < self->l.n; i++)
		if (pred_cg(&self->l.v[i], &m))
			return i;
	ret = au_read_until(&self->r, &self->l, pred_cg, &m);
	EXPECT_LE(0, ret) TH_LOG("line %d: waiting for op=%s grant=%s: %s", line,
				 op, text, strerror(-ret));
	return ret;
}

#define WAIT_CG(id, op) wait_cg(_metadata, __LINE__, self, id, op)

/*
 * The expiry timer reaps a grant nobody read (receiver_pid 0) and one
 * that was read (the receiver's pid); neither record shares its serial
 * with anything (no audit context) or carries obo fields.
 */
TEST_F(au, fate_expire)
{
	struct actor g, r;
	struct known k;
	struct au_cg c;
	uint64_t id1 = 0, id2, t;
	unsigned long long v;
	char pid[16];
	int at, i, same;

	A_START(&g, AUID_CLIENT);
	A_START(&r, AUID_SERVICE);
	k = known_plain(&g, CREDGRANT_UID | CREDGRANT_GID, 1234, 1235);
	/* unread: on rv2 */
	A_SEND(&g, self->s2, k.kind, k.uid, k.gid, 50);
	/* read, then left to expire: long enough to be read first */
	A_SEND(&g, self->s, k.kind, k.uid, k.gid, 3000);
	id2 = A_RECV(&r, self->rv, &k);
	ASSERT_NE(0, id2);
	t = cg_boottime_ns();
	ASSERT_LT(t, rep.desc[2])	/* struct credgrant.expires_ns */
		TH_LOG("the 3000 ms grant was received after its expiry: cannot tell the receiver's pid");
	at = WAIT_CG(id2, "expire");
	ASSERT_LE(0, at);
	c = cg_want("expire", id2, &k, r.pid);
	EXPECT_CG(&c);
	for (i = 0, same = 0; i < self->l.n; i++)
		same += self->l.v[i].serial == self->l.v[at].serial &&
			self->l.v[i].sec == self->l.v[at].sec;
	EXPECT_EQ(1, same) TH_LOG("the timer's record shares audit(%llu.%03u:%u) with another record",
				  (unsigned long long)self->l.v[at].sec,
				  self->l.v[at].msec, self->l.v[at].serial);
	/* acceptid now finds the marker: ETIME, and no second record */
	EXPECT_EQ(ETIME, A_DO(&r, A_ACCEPT, self->rv, 0, 0, NULL));
	/* the unread one: its id is in the actor's other issue record */
	BARRIER();
	snprintf(pid, sizeof(pid), "%d", g.pid);
	for (i = 0; i < self->l.n; i++)
		if (self->l.v[i].type == AUDIT_CREDGRANT &&
		    au_field_is(self->l.v[i].body, "op", "issue") &&
		    au_field_is(self->l.v[i].body, "granter_pid", pid) &&
		    !au_field_ull(self->l.v[i].body, "grant", &v) && v != id2)
			id1 = v;
	ASSERT_NE(0, id1) TH_LOG("no issue record of the unread grant");
	ASSERT_LE(0, WAIT_CG(id1, "expire"));
	BARRIER();
	c = cg_want("expire", id1, &k, 0);
	EXPECT_CG(&c);
	AU_EXPECT_OPS(&self->l, id1, "issue", "expire");
	AU_EXPECT_OPS(&self->l, id2, "issue", "expire");
	EXPECT_EQ(0, actor_stop(&g));
	EXPECT_EQ(0, actor_stop(&r));
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 2, 0);
}

/* Close the receiving socket with the grant unread: op=drop. */
TEST_F(au, fate_drop_unread)
{
	struct actor g;
	struct known k;
	struct au_cg c;
	int i, n = 0;
	char pid[16];

	A_START(&g, AUID_CLIENT);
	k = known_plain(&g, CREDGRANT_UID | CREDGRANT_GID, 1234, 1235);
	/* the actor's copy of the receiving end goes first */
	A_OK(&g, A_CLOSE, self->rv2, 0, 0, NULL);
	A_SEND(&g, self->s2, k.kind, k.uid, k.gid, 0);
	ASSERT_EQ(0, close(self->rv2));
	self->rv2 = -1;
	BARRIER();
	/* the id is only in the records: the issue record of this actor */
	snprintf(pid, sizeof(pid), "%d", g.pid);
	for (i = 0; i < self->l.n; i++) {
		unsigned long long id;

		if (self->l.v[i].type != AUDIT_CREDGRANT ||
		    !au_field_is(self->l.v[i].body, "op", "issue") ||
		    !au_field_is(self->l.v[i].body, "granter_pid", pid) ||
		    au_field_ull(self->l.v[i].body, "grant", &id))
			continue;
		n++;
		c = cg_want("drop", id, &k, 0);
		EXPECT_CG(&c);
		AU_EXPECT_OPS(&self->l, id, "issue", "drop");
	}
	EXPECT_EQ(1, n) TH_LOG("issue records of the actor");
	EXPECT_EQ(0, actor_stop(&g));
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
}

/*
 * ACCEPTID_EXEC: op=accept exec=1, then op=exec exec=1 at the execve; a
 * staged grant whose thread exits: op=unstage exec=1.
 */
TEST_F(au, fate_exec_and_unstage)
{
	struct actor g, r, r2;
	struct known k;
	struct au_cg c;
	uint64_t id1, id2;
	int32_t rpid, r2pid;

	A_START(&g, AUID_CLIENT);
	A_START(&r, AUID_SERVICE);
	A_START(&r2, AUID_SERVICE);
	k = known_plain(&g, CREDGRANT_UID | CREDGRANT_GID, 1234, 1235);
	A_SEND(&g, self->s, k.kind, k.uid, k.gid, 0);
	id1 = A_RECV(&r, self->rv, &k);
	ASSERT_NE(0, id1);
	A_OK(&r, A_ACCEPT, self->rv, ACCEPTID_EXEC, 0, NULL);
	EXPECT_EQ(0, rep.ids.ruid) TH_LOG("ACCEPTID_EXEC changed ids at once");
	rpid = r.pid;
	A_OK(&r, A_EXEC, -1, 0, 0, NULL);
	EXPECT_EQ(rpid, rep.pid);
	EXPECT_EQ(1234, rep.ids.ruid) TH_LOG("the staged grant was not applied at execve");
	A_SEND(&g, self->s2, k.kind, k.uid, k.gid, 0);
	id2 = A_RECV(&r2, self->rv2, &k);
	ASSERT_NE(0, id2);
	A_OK(&r2, A_ACCEPT, self->rv2, ACCEPTID_EXEC, 0, NULL);
	r2pid = r2.pid;
	EXPECT_EQ(0, actor_stop(&r2));
	BARRIER();
	c = cg_want("accept", id1, &k, rpid);
	c.exec = true;
	EXPECT_CG(&c);
	c.op = "exec";
	EXPECT_CG(&c);
	AU_EXPECT_OPS(&self->l, id1, "issue", "accept", "exec");
	c = cg_want("accept", id2, &k, r2pid);
	c.exec = true;
	EXPECT_CG(&c);
	c.op = "unstage";
	EXPECT_CG(&c);
	AU_EXPECT_OPS(&self->l, id2, "issue", "accept", "unstage");
	EXPECT_EQ(0, actor_stop(&g));
	EXPECT_EQ(0, actor_stop(&r));
	EXPECT_COUNTERS(&self->before, 2, 2, 0, 0, 0);
}

/* ================================================================== */
/* audit-only grants                                                    */

/*
 * Issuing needs no privilege (uid 1000 without capabilities); accepting
 * succeeds and changes no uid, gid, group, capability, loginuid or
 * sessionid.  Records: issue (origin = the client) and accept (with the
 * subject it set).
 */
TEST_F(au, audit_accept_changes_no_id)
{
	struct actor cl, sv;
	struct cg_idset before;
	struct known k;
	struct au_cg c;
	uint64_t id;

	A_START(&cl, AUID_CLIENT);
	A_OK(&cl, A_BECOME, -1, 0, UID_CLIENT, NULL);
	EXPECT_EQ(0, rep.ids.cap_eff);
	EXPECT_EQ(0, rep.ids.cap_prm);
	A_START(&sv, AUID_SERVICE);
	k = known_audit(&cl, UID_CLIENT, UID_CLIENT);
	A_SEND(&cl, self->s, CREDGRANT_AUDIT, 0, 0, 0);
	id = A_RECV(&sv, self->rv, &k);
	ASSERT_NE(0, id);
	before = rep.ids;
	ASSERT_EQ(0, A_DO(&sv, A_ACCEPT, self->rv, 0, 0, NULL))
		TH_LOG("acceptid of an audit-only grant: %s", strerror(rep.err));
	EXPECT_EQ(0, memcmp(&before, &rep.ids, sizeof(before)))
		TH_LOG("ids after: uid %u/%u/%u/%u gid %u/%u/%u/%u groups %d caps %#llx/%#llx loginuid %u sessionid %u; before: uid %u gid %u loginuid %u sessionid %u",
		       rep.ids.ruid, rep.ids.euid, rep.ids.suid, rep.ids.fsuid,
		       rep.ids.rgid, rep.ids.egid, rep.ids.sgid, rep.ids.fsgid,
		       rep.ids.ngroups, (unsigned long long)rep.ids.cap_eff,
		       (unsigned long long)rep.ids.cap_prm, rep.ids.loginuid,
		       rep.ids.sessionid, before.ruid, before.rgid,
		       before.loginuid, before.sessionid);
	EXPECT_EQ(AUID_SERVICE, rep.ids.loginuid);
	EXPECT_EQ(sv.ses, rep.ids.sessionid);
	BARRIER();
	c = cg_want("issue", id, &k, 0);
	EXPECT_CG(&c);
	c = cg_want("accept", id, &k, sv.pid);
	c.obo = obo_of(&k);
	EXPECT_CG(&c);
	AU_EXPECT_OPS(&self->l, id, "issue", "accept");
	EXPECT_EQ(0, actor_stop(&cl));
	EXPECT_EQ(0, actor_stop(&sv));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* A service accepts its client's audit-only grant: the subject is set. */
static uint64_t serve(struct __test_metadata *_metadata,
		      FIXTURE_DATA(au) *self, struct actor *cl,
		      struct actor *sv, struct known *k)
{
	uint64_t id;

	A_SEND(cl, self->s, CREDGRANT_AUDIT, 0, 0, 0);
	id = A_RECV(sv, self->rv, k);
	EXPECT_NE(0, id);
	EXPECT_EQ(0, A_DO(sv, A_ACCEPT, self->rv, 0, 0, NULL))
		TH_LOG("acceptid of an audit-only grant: %s", strerror(rep.err));
	return id;
}

/* A client (uid 1000, its own login) and a root service (another login). */
#define CLIENT_AND_SERVICE(cl, sv, k) do { \
	A_START(cl, AUID_CLIENT); \
	A_OK(cl, A_BECOME, -1, 0, UID_CLIENT, NULL); \
	A_START(sv, AUID_SERVICE); \
	k = known_audit(cl, UID_CLIENT, UID_CLIENT); \
} while (0)

/*
 * What the service logs itself (USER_MSG over NETLINK_AUDIT, as
 * dbus-daemon or polkit do through libaudit) and the SYSCALL record of a
 * file it creates carry the client's auid, ses, pid and uid as obo_*;
 * before the accept, none.
 */
TEST_F(au, audit_subject_in_user_msg_and_syscall)
{
	struct actor cl, sv;
	struct known k;
	struct au_obo o;
	const char *p1 = new_path(self), *p2 = new_path(self);

	CLIENT_AND_SERVICE(&cl, &sv, k);
	ADD_RULE(sv.pid);
	A_MSG_CHECK(&sv, A_MSG, &no_obo);
	A_OK(&sv, A_CREATE, -1, 0, 0, p1);
	serve(_metadata, self, &cl, &sv, &k);
	o = obo_of(&k);
	A_MSG_CHECK(&sv, A_MSG, &o);
	A_MSG_TYPE_CHECK(&sv, AU_USER_CMD, &o);
	A_OK(&sv, A_CREATE, -1, 0, 0, p2);
	BARRIER();
	EXPECT_CREATE_RECORD(sv.pid, p1, AUID_SERVICE, sv.ses, &no_obo);
	EXPECT_CREATE_RECORD(sv.pid, p2, AUID_SERVICE, sv.ses, &o);
	EXPECT_EQ(0, actor_stop(&cl));
	EXPECT_EQ(0, actor_stop(&sv));
}

/*
 * ACCEPTID_AUDIT_POP ends it (op=pop with the subject), then a USER_MSG
 * carries no obo fields; a second pop: ENOENT and no record.  Bad
 * arguments: EINVAL, and the subject stays.
 */
TEST_F(au, audit_pop)
{
	struct actor cl, sv;
	struct known k;
	struct au_obo o;
	char want[256], pid[16];
	uint64_t desc[(CG_DESC_MAX + 7) / 8] = { 0 };
	int i, n;

	CLIENT_AND_SERVICE(&cl, &sv, k);
	serve(_metadata, self, &cl, &sv, &k);
	o = obo_of(&k);
	/* bad arguments, in the service itself (raw syscalls) */
	{
		static const struct { int fd; bool expect; size_t size;
				      unsigned int flags; } bad[] = {
			{ 0, false, 0, ACCEPTID_AUDIT_POP },
			{ -1, true, 0, ACCEPTID_AUDIT_POP },
			{ -1, false, CREDGRANT_SIZE_VER0, ACCEPTID_AUDIT_POP },
			{ -1, false, 0, ACCEPTID_AUDIT_POP | ACCEPTID_REJECT },
			{ -1, false, 0, ACCEPTID_AUDIT_POP | ACCEPTID_EXEC },
			{ -1, false, 0, ACCEPTID_AUDIT_POP | 0x80 },
		};
		/* run them in the test process too: EINVAL before any state */
		for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
			long ret;

			errno = 0;
			ret = cg_acceptid_raw(bad[i].fd, bad[i].expect ? desc : NULL,
					      bad[i].size, bad[i].flags);
			EXPECT_EQ(-1, ret) TH_LOG("bad pop %d", i);
			EXPECT_EQ(EINVAL, errno) TH_LOG("bad pop %d: %s", i,
							strerror(errno));
		}
	}
	A_MSG_CHECK(&sv, A_MSG, &o);
	EXPECT_EQ(0, A_DO(&sv, A_POP, -1, 0, 0, NULL))
		TH_LOG("ACCEPTID_AUDIT_POP: %s", strerror(rep.err));
	A_MSG_CHECK(&sv, A_MSG, &no_obo);
	EXPECT_EQ(ENOENT, A_DO(&sv, A_POP, -1, 0, 0, NULL));
	BARRIER();
	au_pop_fmt(want, sizeof(want), sv.pid, &o);
	snprintf(pid, sizeof(pid), "%d", sv.pid);
	n = 0;
	for (i = 0; i < self->l.n; i++) {
		if (self->l.v[i].type != AUDIT_CREDGRANT ||
		    !au_field_is(self->l.v[i].body, "op", "pop"))
			continue;
		n++;
		EXPECT_STREQ(want, self->l.v[i].body);
	}
	EXPECT_EQ(1, n) TH_LOG("op=pop records: one for the pop, none for the ENOENT");
	EXPECT_EQ(0, actor_stop(&cl));
	EXPECT_EQ(0, actor_stop(&sv));
}

/* The same bad pop arguments from a thread with a subject: it stays. */
TEST_F(au, audit_pop_einval_keeps_subject)
{
	struct actor cl, sv;
	struct known k;
	struct au_obo o;

	CLIENT_AND_SERVICE(&cl, &sv, k);
	serve(_metadata, self, &cl, &sv, &k);
	o = obo_of(&k);
	/* fd 0 with the pop flag: EINVAL through the actor's raw call */
	EXPECT_EQ(EINVAL, A_DO(&sv, A_ACCEPT, 0, ACCEPTID_AUDIT_POP, 0, NULL));
	EXPECT_EQ(EINVAL, A_DO(&sv, A_ACCEPT, self->rv,
			       ACCEPTID_AUDIT_POP | ACCEPTID_REJECT, 0, NULL));
	A_MSG_CHECK(&sv, A_MSG, &o);
	EXPECT_EQ(0, A_DO(&sv, A_POP, -1, 0, 0, NULL));
	EXPECT_EQ(0, actor_stop(&cl));
	EXPECT_EQ(0, actor_stop(&sv));
}

/*
 * A second audit-only accept while a subject is set: EBUSY, that grant
 * used up (op=accept err=16 res=0, with the subject in force), the first
 * subject stays.  ACCEPTID_EXEC with an audit-only grant: EINVAL, used up.
 * ACCEPTID_REJECT of one: 0, no subject.
 */
TEST_F(au, audit_second_accept_ebusy_exec_einval)
{
	struct actor cl, cl2, sv, sv2;
	struct known k, k2;
	struct au_obo o;
	struct au_cg c;
	uint64_t id2, id3, id4;

	CLIENT_AND_SERVICE(&cl, &sv, k);
	A_START(&cl2, AUID_CLIENT2);
	k2 = known_audit(&cl2, 0, 0);
	A_START(&sv2, AUID_SERVICE);
	serve(_metadata, self, &cl, &sv, &k);
	o = obo_of(&k);
	A_SEND(&cl2, self->s, CREDGRANT_AUDIT, 0, 0, 0);
	id2 = A_RECV(&sv, self->rv, &k2);
	ASSERT_NE(0, id2);
	EXPECT_EQ(EBUSY, A_DO(&sv, A_ACCEPT, self->rv, 0, 0, NULL));
	EXPECT_EQ(ENOENT, A_DO(&sv, A_ACCEPT, self->rv, 0, 0, NULL))
		TH_LOG("the refused grant was not used up");
	A_MSG_CHECK(&sv, A_MSG, &o);
	/* ACCEPTID_EXEC in a service without a subject */
	A_SEND(&cl2, self->s2, CREDGRANT_AUDIT, 0, 0, 0);
	id3 = A_RECV(&sv2, self->rv2, &k2);
	ASSERT_NE(0, id3);
	EXPECT_EQ(EINVAL, A_DO(&sv2, A_ACCEPT, self->rv2, ACCEPTID_EXEC, 0, NULL));
	EXPECT_EQ(ENOENT, A_DO(&sv2, A_ACCEPT, self->rv2, 0, 0, NULL));
	A_SEND(&cl2, self->s2, CREDGRANT_AUDIT, 0, 0, 0);
	id4 = A_RECV(&sv2, self->rv2, &k2);
	ASSERT_NE(0, id4);
	EXPECT_EQ(0, A_DO(&sv2, A_ACCEPT, self->rv2, ACCEPTID_REJECT, 0, NULL));
	A_MSG_CHECK(&sv2, A_MSG, &no_obo);
	EXPECT_EQ(ENOENT, A_DO(&sv2, A_POP, -1, 0, 0, NULL));
	BARRIER();
	c = cg_want("accept", id2, &k2, sv.pid);
	c.obo = o;
	c.err = EBUSY;
	EXPECT_CG(&c);
	AU_EXPECT_OPS(&self->l, id2, "issue", "accept");
	c = cg_want("accept", id3, &k2, sv2.pid);
	c.err = EINVAL;
	EXPECT_CG(&c);
	AU_EXPECT_OPS(&self->l, id3, "issue", "accept");
	c = cg_want("reject", id4, &k2, sv2.pid);
	EXPECT_CG(&c);
	AU_EXPECT_OPS(&self->l, id4, "issue", "reject");
	EXPECT_EQ(0, actor_stop(&cl));
	EXPECT_EQ(0, actor_stop(&cl2));
	EXPECT_EQ(0, actor_stop(&sv));
	EXPECT_EQ(0, actor_stop(&sv2));
	EXPECT_COUNTERS(&self->before, 4, 1, 3, 0, 0);
}

/*
 * Inheritance: a forked child (a service that forks per request) and a
 * new thread act for the same client; an execve keeps the subject.
 */
TEST_F(au, audit_fork_thread_exec_inherit)
{
	struct actor cl, sv;
	struct known k;
	struct au_obo o;
	int32_t pid;

	CLIENT_AND_SERVICE(&cl, &sv, k);
	serve(_metadata, self, &cl, &sv, &k);
	o = obo_of(&k);
	A_MSG_CHECK(&sv, A_FORK_MSG, &o);
	EXPECT_NE(sv.pid, rep.pid) TH_LOG("the USER_MSG came from the service, not its child");
	A_MSG_CHECK(&sv, A_THREAD_MSG, &o);
	EXPECT_NE(rep.pid, rep.tid);
	pid = sv.pid;
	A_OK(&sv, A_EXEC, -1, 0, 0, NULL);
	EXPECT_EQ(pid, rep.pid);
	A_MSG_CHECK(&sv, A_MSG, &o);
	EXPECT_EQ(0, A_DO(&sv, A_POP, -1, 0, 0, NULL));
	A_MSG_CHECK(&sv, A_FORK_MSG, &no_obo);
	EXPECT_EQ(0, actor_stop(&cl));
	EXPECT_EQ(0, actor_stop(&sv));
}

/*
 * A drop at close is written by whichever task lets go last, not in a
 * syscall of the grant's sender or receiver: no obo_* even when that task
 * acts for someone (docs/semantics.md; the issue's first spec had obo_*
 * on every record a thread with a subject writes).
 */
TEST_F(au, audit_drop_by_closer_without_obo)
{
	struct actor cl, sv;
	struct known k;
	struct au_cg c;
	unsigned long long v;
	uint64_t id1, id2 = 0;
	char pid[16];
	int i, rv2;

	CLIENT_AND_SERVICE(&cl, &sv, k);
	id1 = serve(_metadata, self, &cl, &sv, &k);
	ASSERT_NE(0, id1);
	/* the service, acting for the client, holds the last copy of rv2 */
	A_OK(&cl, A_CLOSE, self->rv2, 0, 0, NULL);
	A_SEND(&cl, self->s2, CREDGRANT_AUDIT, 0, 0, 0);
	rv2 = self->rv2;
	ASSERT_EQ(0, close(rv2));
	self->rv2 = -1;
	A_OK(&sv, A_CLOSE, rv2, 0, 0, NULL);
	BARRIER();
	snprintf(pid, sizeof(pid), "%d", cl.pid);
	for (i = 0; i < self->l.n; i++)
		if (self->l.v[i].type == AUDIT_CREDGRANT &&
		    au_field_is(self->l.v[i].body, "op", "issue") &&
		    au_field_is(self->l.v[i].body, "granter_pid", pid) &&
		    !au_field_ull(self->l.v[i].body, "grant", &v) && v != id1)
			id2 = v;
	ASSERT_NE(0, id2) TH_LOG("no issue record of the second grant");
	c = cg_want("drop", id2, &k, 0);
	EXPECT_CG(&c);
	AU_EXPECT_OPS(&self->l, id2, "issue", "drop");
	EXPECT_EQ(0, actor_stop(&cl));
	EXPECT_EQ(0, actor_stop(&sv));
}

/* The subject belongs to the thread that accepted, not its process. */
TEST_F(au, audit_subject_per_thread)
{
	struct actor cl, sv;
	struct known k;
	struct au_obo o;
	char text[96];
	int ret;

	CLIENT_AND_SERVICE(&cl, &sv, k);
	A_SEND(&cl, self->s, CREDGRANT_AUDIT, 0, 0, 0);
	ASSERT_NE(0, A_RECV(&sv, self->rv, &k));
	o = obo_of(&k);
	au_marker(text, sizeof(text), "thread");
	EXPECT_EQ(0, A_DO(&sv, A_THREAD_ACCEPT, self->rv, 0, 0, text))
		TH_LOG("acceptid in a new thread: %s", strerror(rep.err));
	ASSERT_EQ(0, rep.ret2) TH_LOG("USER_MSG from that thread: %s",
				      strerror(rep.err2));
	ret = au_read_until(&self->r, &self->l, pred_user_msg, text);
	ASSERT_LE(0, ret);
	EXPECT_USER_MSG(&self->l, text, sv.pid, 0, AUID_SERVICE, sv.ses, &o);
	A_MSG_CHECK(&sv, A_MSG, &no_obo);
	EXPECT_EQ(ENOENT, A_DO(&sv, A_POP, -1, 0, 0, NULL))
		TH_LOG("the main thread had a subject to pop");
	EXPECT_EQ(0, actor_stop(&cl));
	EXPECT_EQ(0, actor_stop(&sv));
}

/* Copy the test binary to path as a set-user-ID root file. */
static int make_setuid_copy(const char *path)
{
	char buf[65536];
	int in, out, ret = 0;
	ssize_t n;

	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if ((ret = cg_write_full(out, buf, n)))
			break;
	if (n < 0)
		ret = -errno;
	if (!ret && (fchown(out, 0, 0) || fchmod(out, 04755)))
		ret = -errno;
	close(in);
	close(out);
	return ret;
}

/*
 * An execve that gains privilege ends the subject: a set-user-ID root
 * file run by uid 1000, and an ACCEPTID_EXEC grant applied at execve.
 * The SYSCALL records of files created before and after show it.
 */
TEST_F(au, audit_privileged_exec_clears)
{
	struct actor cl, sv, sv2, g;
	struct known k, kg;
	struct au_obo o;
	const char *suid = new_path(self);
	const char *p1 = new_path(self), *p2 = new_path(self);
	int32_t pid;
	int ret;

	ret = make_setuid_copy(suid);
	ASSERT_EQ(0, ret) TH_LOG("set-user-ID copy %s: %s", suid, strerror(-ret));
	CLIENT_AND_SERVICE(&cl, &sv, k);
	ADD_RULE(sv.pid);
	serve(_metadata, self, &cl, &sv, &k);
	o = obo_of(&k);
	/* dropping to uid 1000 keeps it (no exec) */
	A_OK(&sv, A_BECOME, -1, 0, UID_CLIENT, NULL);
	A_OK(&sv, A_CREATE, -1, 0, 0, p1);
	pid = sv.pid;
	A_OK(&sv, A_EXEC, -1, 0, 0, suid);
	EXPECT_EQ(pid, rep.pid);
	EXPECT_EQ(UID_CLIENT, rep.ids.ruid);
	EXPECT_EQ(0, rep.ids.euid) TH_LOG("the set-user-ID exec did not run as root (nosuid /tmp?)");
	A_MSG_CHECK(&sv, A_MSG, &no_obo);
	A_OK(&sv, A_CREATE, -1, 0, 0, p2);
	BARRIER();
	EXPECT_CREATE_RECORD(sv.pid, p1, AUID_SERVICE, sv.ses, &o);
	EXPECT_CREATE_RECORD(sv.pid, p2, AUID_SERVICE, sv.ses, &no_obo);

	/* a grant staged with ACCEPTID_EXEC: root to root, still secureexec */
	A_START(&sv2, AUID_SERVICE);
	A_START(&g, AUID_BUS);
	A_SEND(&cl, self->s2, CREDGRANT_AUDIT, 0, 0, 0);
	ASSERT_NE(0, A_RECV(&sv2, self->rv2, &k));
	ASSERT_EQ(0, A_DO(&sv2, A_ACCEPT, self->rv2, 0, 0, NULL));
	A_MSG_CHECK(&sv2, A_MSG, &o);
	kg = known_plain(&g, CREDGRANT_UID | CREDGRANT_GID, 0, 0);
	A_SEND(&g, self->s2, kg.kind, 0, 0, 0);
	ASSERT_NE(0, A_RECV(&sv2, self->rv2, &kg));
	ASSERT_EQ(0, A_DO(&sv2, A_ACCEPT, self->rv2, ACCEPTID_EXEC, 0, NULL));
	A_MSG_CHECK(&sv2, A_MSG, &o);
	A_OK(&sv2, A_EXEC, -1, 0, 0, NULL);
	A_MSG_CHECK(&sv2, A_MSG, &no_obo);
	EXPECT_EQ(0, actor_stop(&cl));
	EXPECT_EQ(0, actor_stop(&sv));
	EXPECT_EQ(0, actor_stop(&sv2));
	EXPECT_EQ(0, actor_stop(&g));
}

/*
 * A -> bus -> service: the bus acts for A and issues an audit-only grant
 * to the service, which then acts for A (auid, ses, pid, uid), not for
 * the bus.  The bus's issue record: origin_* and obo_* are A's,
 * granter_pid/granter_uid the bus's.
 */
TEST_F(au, audit_chain_names_first)
{
	struct actor a, bus, sv;
	struct known ka, kb;
	struct au_obo o;
	struct au_cg c;
	const char *p = new_path(self);
	uint64_t id1, id2;

	A_START(&a, AUID_CLIENT);
	A_OK(&a, A_BECOME, -1, 0, UID_CLIENT, NULL);
	A_START(&bus, AUID_BUS);
	A_START(&sv, AUID_SERVICE);
	ADD_RULE(sv.pid);
	ka = known_audit(&a, UID_CLIENT, UID_CLIENT);
	o = obo_of(&ka);
	A_SEND(&a, self->s, CREDGRANT_AUDIT, 0, 0, 0);
	id1 = A_RECV(&bus, self->rv, &ka);
	ASSERT_NE(0, id1);
	ASSERT_EQ(0, A_DO(&bus, A_ACCEPT, self->rv, 0, 0, NULL))
		TH_LOG("the bus's acceptid: %s", strerror(rep.err));
	/* the bus forwards: the grant carries A's subject */
	kb = ka;
	kb.granter = &bus;
	kb.granter_euid = 0;
	A_SEND(&bus, self->s2, CREDGRANT_AUDIT, 0, 0, 0);
	id2 = A_RECV(&sv, self->rv2, &kb);
	ASSERT_NE(0, id2);
	ASSERT_EQ(0, A_DO(&sv, A_ACCEPT, self->rv2, 0, 0, NULL));
	A_MSG_CHECK(&sv, A_MSG, &o);
	A_OK(&sv, A_CREATE, -1, 0, 0, p);
	BARRIER();
	/* A's grant: issued by A (no subject of its own), taken by the bus */
	c = cg_want("issue", id1, &ka, 0);
	EXPECT_CG(&c);
	c = cg_want("accept", id1, &ka, bus.pid);
	c.obo = o;
	EXPECT_CG(&c);
	/* the bus's grant: A's subject, the bus as sender */
	c = cg_want("issue", id2, &kb, 0);
	c.obo = o;
	EXPECT_CG(&c);
	c = cg_want("accept", id2, &kb, sv.pid);
	c.obo = o;
	EXPECT_CG(&c);
	EXPECT_CREATE_RECORD(sv.pid, p, AUID_SERVICE, sv.ses, &o);
	EXPECT_EQ(0, actor_stop(&a));
	EXPECT_EQ(0, actor_stop(&bus));
	EXPECT_EQ(0, actor_stop(&sv));
}

/* CREDGRANT_AUDIT with any other kind: EINVAL, nothing issued. */
TEST_F(au, audit_mixed_kinds_einval_no_record)
{
	static const uint32_t kinds[] = {
		CREDGRANT_AUDIT | CREDGRANT_UID,
		CREDGRANT_AUDIT | CREDGRANT_GID,
		CREDGRANT_AUDIT | CREDGRANT_UID | CREDGRANT_GID,
	};
	struct actor g;
	char pid[16];
	int i;

	A_START(&g, AUID_CLIENT);
	for (i = 0; i < 3; i++)
		A_SEND_FAILS(&g, self->s, kinds[i], 1234, 1235, EINVAL);
	BARRIER();
	snprintf(pid, sizeof(pid), "%d", g.pid);
	EXPECT_EQ(0, au_list_count(&self->l, AUDIT_CREDGRANT, "granter_pid",
				   pid, NULL));
	EXPECT_EQ(0, actor_stop(&g));
	EXPECT_COUNTERS(&self->before, 0, 0, 0, 0, 0);
}

/*
 * Without auditd the kernel prints each record (printk_ratelimit off):
 * the kernel log has "audit: type=1341 " and the very record text the
 * multicast group got.
 */
TEST_F(au, kmsg_fallback)
{
	struct audit_status st;
	struct actor g, r;
	struct known k;
	char line[AU_TEXT_MAX + 64], want[AU_TEXT_MAX + 64], id[48], num[32];
	const char *needles[3];
	int kfd, ret, at;
	uint64_t gid;
	struct cg_match m = { .id = num, .op = "issue" };

	ASSERT_EQ(0, au_get_status(&st));
	ASSERT_EQ(0, st.pid) TH_LOG("an audit daemon (pid %u) is registered: records do not go to the kernel log",
				    st.pid);
	ASSERT_EQ(0, cg_read_file(PRINTK_RATELIMIT, self->ratelimit,
				  sizeof(self->ratelimit)));
	ASSERT_EQ(0, cg_write_file(PRINTK_RATELIMIT, "0"));
	kfd = au_kmsg_open_end();
	ASSERT_LE(0, kfd) TH_LOG("/dev/kmsg: %s", strerror(-kfd));
	A_START(&g, AUID_CLIENT);
	A_START(&r, AUID_SERVICE);
	k = known_plain(&g, CREDGRANT_UID | CREDGRANT_GID, 1234, 1235);
	A_SEND(&g, self->s, k.kind, k.uid, k.gid, 0);
	gid = A_RECV(&r, self->rv, &k);
	ASSERT_NE(0, gid);
	snprintf(id, sizeof(id), "grant=%llu ", (unsigned long long)gid);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)gid);
	at = au_read_until(&self->r, &self->l, pred_cg, &m);
	ASSERT_LE(0, at);
	needles[0] = "audit: type=1341 ";
	needles[1] = id;
	needles[2] = NULL;
	ret = au_kmsg_find(kfd, needles, line, sizeof(line));
	ASSERT_EQ(0, ret) TH_LOG("no 'audit: type=1341 ... %s' in /dev/kmsg: %s",
				 id, strerror(-ret));
	snprintf(want, sizeof(want), "audit: type=1341 %s", self->l.v[at].text);
	EXPECT_STREQ(want, line);
	close(kfd);
	A_OK(&r, A_ACCEPT, self->rv, ACCEPTID_REJECT, 0, NULL);
	EXPECT_EQ(0, actor_stop(&g));
	EXPECT_EQ(0, actor_stop(&r));
}

/* ================================================================== */
/* auditd: Debian's daemon, its log, ausearch                           */

#define AUDITD_CONF_DIR	"/etc/credpass/audit"
#define AUDITD_RULES	AUDITD_CONF_DIR "/credpass.rules"
#define AUDITD_LOG_DIR	"/var/log/audit"
#define AUDITD_LOG	AUDITD_LOG_DIR "/audit.log"
#define AUDITD_WATCHED	"/tmp/credpass-auditd"	/* in credpass.rules */
#define AUDITD_FILE	AUDITD_WATCHED "/for-client"

/* argv[0] with stdout to out and stderr to err (files); its pid. */
static pid_t spawn(const char *out, const char *err, char *const argv[])
{
	pid_t pid = cg_fork();

	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Run argv to its end: its exit status (see cg_wait), or -errno. */
static int run(const char *out, const char *err, char *const argv[])
{
	pid_t pid = spawn(out, err, argv);

	return pid < 0 ? -errno : cg_wait(pid);
}

/* auditctl -D: delete every rule (ours: the auditd case's watch). */
static int auditctl_clear(void)
{
	static char *const argv[] = { "/sbin/auditctl", "-D", NULL };

	return run("/tmp/auditctl.out", "/tmp/auditctl.err", argv);
}

/* A whole file, NUL-terminated (free it), or NULL. */
static char *slurp(const char *path)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			char *b = realloc(buf, 2 * cap + 1);

			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/*
 * Wait until auditd has written needle to its log.  auditd gives no
 * event for that (and the test kernel has no inotify): read the log again
 * after each short pause, until it is there; AU_WAIT_MS bounds it.  Only
 * the finding orders anything, never the pause.  0 or -ETIMEDOUT.
 */
static int wait_log(const char *needle)
{
	int64_t deadline = au_now_ms() + AU_WAIT_MS;

	for (;;) {
		char *log = slurp(AUDITD_LOG);
		bool found = log && strstr(log, needle);

		free(log);
		if (found)
			return 0;
		if (au_now_ms() > deadline)
			return -ETIMEDOUT;
		cg_poll_pause();
	}
}

/* Print a program's output as TAP comments, each line prefixed. */
static void print_output(const char *what, const char *text)
{
	const char *p = text, *e;

	printf("# ---- %s\n", what);
	while (p && *p) {
		e = strchr(p, '\n');
		printf("# %.*s\n", (int)(e ? e - p : (long)strlen(p)), p);
		p = e ? e + 1 : NULL;
	}
	fflush(stdout);
}

/* Does text have a line that holds every one of the strings? */
static bool has_line(const char *text, const char *const *parts, int n)
{
	const char *p = text;

	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *line = strndup(p, len);
		int i;

		for (i = 0; line && i < n; i++)
			if (!strstr(line, parts[i]))
				break;
		free(line);
		if (i == n)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static bool pred_auditd_registered(const struct au_rec *rec, const void *arg)
{
	return rec->type == AUDIT_CONFIG_CHANGE &&
	       au_field_is(rec->body, "audit_pid", arg) &&
	       au_field_is(rec->body, "res", "1");
}

/*
 * The issue's scenario with the real daemon: auditd (Debian's, started
 * with a fixed config and rules file) logs a service that accepted its
 * client's audit-only grant and created a file for it; ausearch (-m 1341
 * and 1107: libaudit 3.0.9 knows neither CREDGRANT nor USER_MSG by name,
 * it calls 1107 USER_AVC) and ausearch -k show the client's auid in the
 * grant's records, in the service's own message and in the SYSCALL
 * record of the file's creation.
 */
TEST_F(au, auditd_ausearch_names_client)
{
	static char *const auditd_argv[] = {
		"/sbin/auditd", "-n", "-c", AUDITD_CONF_DIR, NULL,
	};
	static char *const rules_argv[] = {
		"/sbin/auditctl", "-R", AUDITD_RULES, NULL,
	};
	static char *const search_m_argv[] = {
		"/sbin/ausearch", "-if", AUDITD_LOG, "-m", "1341,1107", NULL,
	};
	static char *const search_k_argv[] = {
		"/sbin/ausearch", "-if", AUDITD_LOG, "-k", "credpass", NULL,
	};
	static char *const search_i_argv[] = {
		"/sbin/ausearch", "-if", AUDITD_LOG, "-m", "1341,1107", "-i",
		NULL,
	};
	const char *msg = "op=credpass-demo-create path=" AUDITD_FILE " res=success";
	struct audit_status st;
	struct actor cl, sv;
	struct known k;
	struct au_obo o;
	struct au_cg c;
	char want[1024], obo[128], pid[16], end[256], *out_m, *out_k, *out_i;
	const char *parts[4];
	uint64_t id;
	int ret, i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, access(i == 0 ? "/sbin/auditd" : i == 1 ?
				    "/sbin/auditctl" : "/sbin/ausearch", X_OK))
			TH_LOG("Debian's auditd package is not in the guest (scripts/mkinitramfs.sh)");
	ASSERT_EQ(0, au_get_status(&st));
	ASSERT_EQ(0, st.pid) TH_LOG("an audit daemon (pid %u) is already registered",
				    st.pid);
	unlink(AUDITD_FILE);
	rmdir(AUDITD_WATCHED);
	ASSERT_EQ(0, mkdir(AUDITD_WATCHED, 0755));
	/* the teardown removes both */
	snprintf(self->paths[self->npaths++], sizeof(self->paths[0]), AUDITD_FILE);
	snprintf(self->paths[self->npaths++], sizeof(self->paths[0]), AUDITD_WATCHED);
	unlink(AUDITD_LOG);

	/* auditd: registered once the kernel logs its audit_pid */
	self->auditd = spawn("/tmp/auditd.out", "/tmp/auditd.err", auditd_argv);
	ASSERT_LT(0, self->auditd);
	snprintf(pid, sizeof(pid), "%d", self->auditd);
	ret = au_read_until(&self->r, &self->l, pred_auditd_registered, pid);
	ASSERT_LE(0, ret) TH_LOG("auditd (pid %d) did not register: %s", self->auditd,
				 strerror(-ret));
	self->auditd_rules = true;
	ASSERT_EQ(0, run("/tmp/auditctl.out", "/tmp/auditctl.err", rules_argv))
		TH_LOG("auditctl -R " AUDITD_RULES " failed");

	/* the service creates a file for its client */
	CLIENT_AND_SERVICE(&cl, &sv, k);
	id = serve(_metadata, self, &cl, &sv, &k);
	ASSERT_NE(0, id);
	o = obo_of(&k);
	EXPECT_EQ(0, A_DO(&sv, A_MSG, -1, 0, 0, msg));
	A_OK(&sv, A_CREATE, -1, 0, 0, AUDITD_FILE);
	EXPECT_EQ(0, A_DO(&sv, A_POP, -1, 0, 0, NULL));

	/* everything before this message is in the log once it is */
	au_marker(end, sizeof(end), "auditd_end");
	ASSERT_EQ(0, au_user_msg(end));
	ret = wait_log(end);
	ASSERT_EQ(0, ret) TH_LOG("auditd did not log '%s': %s", end, strerror(-ret));

	ret = run("/tmp/ausearch-m.txt", "/tmp/ausearch-m.err", search_m_argv);
	EXPECT_EQ(0, ret) TH_LOG("ausearch -m 1341,1107: exit %d", ret);
	ret = run("/tmp/ausearch-k.txt", "/tmp/ausearch-k.err", search_k_argv);
	EXPECT_EQ(0, ret) TH_LOG("ausearch -k credpass: exit %d", ret);
	ret = run("/tmp/ausearch-i.txt", "/tmp/ausearch-i.err", search_i_argv);
	EXPECT_EQ(0, ret) TH_LOG("ausearch -i: exit %d", ret);
	out_m = slurp("/tmp/ausearch-m.txt");
	out_k = slurp("/tmp/ausearch-k.txt");
	out_i = slurp("/tmp/ausearch-i.txt");
	ASSERT_NE(NULL, out_m);
	ASSERT_NE(NULL, out_k);
	ASSERT_NE(NULL, out_i);
	print_output("ausearch -if " AUDITD_LOG " -m 1341,1107", out_m);
	print_output("ausearch -if " AUDITD_LOG " -k credpass", out_k);
	print_output("ausearch -if " AUDITD_LOG " -m 1341,1107 -i", out_i);

	/* the grant's records, exactly, in auditd's raw format */
	parts[0] = "type=UNKNOWN[1341] msg=audit(";
	parts[1] = want;
	c = cg_want("issue", id, &k, 0);
	au_cg_fmt(want + 3, sizeof(want) - 3, &c);
	memcpy(want, "): ", 3);
	EXPECT_TRUE(has_line(out_m, parts, 2)) TH_LOG("no line with %s", want);
	c = cg_want("accept", id, &k, sv.pid);
	c.obo = o;
	au_cg_fmt(want + 3, sizeof(want) - 3, &c);
	EXPECT_TRUE(has_line(out_m, parts, 2)) TH_LOG("no line with %s", want);
	/* the service's own message names the client */
	au_obo_fmt(obo, sizeof(obo), &o);
	snprintf(want, sizeof(want), "): pid=%d uid=0 auid=%u ses=%u%s msg='%s'",
		 sv.pid, AUID_SERVICE, sv.ses, obo, msg);
	parts[0] = "type=USER_AVC msg=audit(";
	EXPECT_TRUE(has_line(out_m, parts, 2)) TH_LOG("no line with %s", want);
	/* and the SYSCALL record of the file it created */
	snprintf(pid, sizeof(pid), " pid=%d ", sv.pid);
	snprintf(want, sizeof(want), " auid=%u ", AUID_SERVICE);
	snprintf(end, sizeof(end), " ses=%u%s comm=", sv.ses, obo);
	parts[0] = "type=SYSCALL msg=audit(";
	parts[1] = pid;
	parts[2] = want;
	parts[3] = end;
	EXPECT_TRUE(has_line(out_k, parts, 4))
		TH_LOG("no SYSCALL line with '%s', '%s' and '%s'", pid, want, end);
	parts[0] = "type=PATH msg=audit(";
	parts[1] = "name=\"" AUDITD_FILE "\"";
	EXPECT_TRUE(has_line(out_k, parts, 2));
	free(out_m);
	free(out_k);
	free(out_i);

	EXPECT_EQ(0, auditctl_clear());
	self->auditd_rules = false;
	ASSERT_EQ(0, kill(self->auditd, SIGTERM));
	EXPECT_EQ(0, cg_wait(self->auditd)) TH_LOG("auditd's exit status");
	self->auditd = 0;
	ASSERT_EQ(0, au_get_status(&st));
	EXPECT_EQ(0, st.pid) TH_LOG("auditd is still registered after its exit");
	EXPECT_EQ(0, actor_stop(&cl));
	EXPECT_EQ(0, actor_stop(&sv));
}

/* Everything the suite issued has met its fate. */
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
	if (argc == 4 && !strcmp(argv[1], "--actor")) {
		int cmd = atoi(argv[2]), repfd = atoi(argv[3]);

		/* a new image: answer the A_EXEC, then take commands */
		arep_fill(&rep, A_EXEC, 0, 0);
		if (cg_write_full(repfd, &rep, sizeof(rep)))
			return 1;
		actor_loop(cmd, repfd);
		return 0;
	}
	return test_harness_run(argc, argv);
}
