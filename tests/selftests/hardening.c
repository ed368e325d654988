// SPDX-License-Identifier: GPL-2.0
/*
 * hardening selftests: one or more tests per hole the security review of
 * 2026-11-29 found, written against the fixed semantics (design card rules
 * 3, 9, 12, 14 of 2026-11-29 and the review notes), so that every test here
 * fails on the kernel before the fix and passes on the fixed one.  Where
 * the old kernel lets an attack through, the test goes on far enough to
 * show it (TH_LOG "hole: ...") before it fails.
 *
 *  1 rule 3: a group list other than the sender's own needs CAP_SETGID and
 *    setgroups allowed (dropping a group is a privilege too)
 *  2 rule 12: in place only what setresuid/setresgid/setgroups would allow;
 *    gains go through ACCEPTID_EXEC and the execve guards (ptrace,
 *    /proc/PID/mem, CLONE_VM and CLONE_FS sharers)
 *  3 rule 14: expired grants shrink to tombstones
 *  4 expiry racing acceptid: KUnit in the kernel (and credgrant.c's
 *    misc.expiry_races_acceptid_on_two_cpus, which holds on both kernels)
 *  5 quota: /proc/sys/user/max_credgrants, ucounts, hierarchical
 *  6 ids unpredictable
 *  7 exec drops expired markers too
 *  8 io_uring SQPOLL/io-wq, socket filters, sysctl and /proc/net access
 *
 * Runs as root in the test VM; every test runs in its own process.
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
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <stddef.h>

/* see credgrant.c: harness-internal -Wextra noise */
#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "credgrant_util.h"

#define USER_MAX_CREDGRANTS	CG_USER_MAX_CREDGRANTS
#define OLD_MAX_PER_USER	CG_SYSCTL_DIR "credgrant_max_per_user"
#define H_VAR_INIT		0x1111111111111111ULL
#define H_VAR_POKED		0x4242424242424242ULL
#define H_VAR_SHARER		0x5151515151515151ULL

/* ------------------------------------------------------------------ */
/* reports from children and re-executed images                        */

/* A variable children and the images they exec report and others poke. */
static volatile uint64_t h_var = H_VAR_INIT;

struct hrep {
	int64_t ret;
	int32_t err;
	int32_t step;		/* the command answered; 'H': a new image */
	uint64_t at_secure;
	int32_t dumpable;
	int32_t nnp;
	uint64_t addr;		/* &h_var */
	uint64_t val;		/* h_var, or what the command read */
	uint64_t cap_bnd;
	int64_t ret2;		/* a second result of the same command */
	int32_t err2;
	int32_t pad;
	struct cg_idset ids;
};

static uint64_t cap_bounding_set(void)
{
	char val[64];

	if (cg_status_field("/proc/self/status", "CapBnd:", val, sizeof(val)))
		return 0;
	return strtoull(val, NULL, 16);
}

static void hrep_fill(struct hrep *h, int step, long ret, int err)
{
	memset(h, 0, sizeof(*h));
	h->ret = ret;
	h->err = err;
	h->step = step;
	h->at_secure = getauxval(AT_SECURE);
	h->dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	h->nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	h->addr = (uintptr_t)&h_var;
	h->val = h_var;
	h->cap_bnd = cap_bounding_set();
	cg_get_ids(&h->ids);
}

static int hrep_send(int fd, int step, long ret, int err)
{
	struct hrep h;

	hrep_fill(&h, step, ret, err);
	return cg_write_full(fd, &h, sizeof(h));
}

/* 0 on EOF or error: a child whose test went away just exits. */
static char ch_wait(int fd)
{
	char c;

	if (cg_read_full(fd, &c, 1))
		return 0;
	return c;
}

static void exec_helper(const char *mode, int a, int b)
{
	char sa[16], sb[16];

	snprintf(sa, sizeof(sa), "%d", a);
	snprintf(sb, sizeof(sb), "%d", b);
	execl("/proc/self/exe", "hardening", "--cg-helper", mode, sa, sb,
	      (char *)NULL);
}

/*
 * The test binary re-executed: "report REPFD CMDFD" reports the new
 * image's credentials, then answers 'V' (report again) until 'q' or EOF.
 * "accept REPFD DESCFD" reads SOCKFD, u32 size and a description from
 * DESCFD, calls acceptid and reports.
 */
static int helper_main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[2], "report")) {
		int rep = atoi(argv[3]), cmd = atoi(argv[4]);
		char c;

		if (hrep_send(rep, 'H', 0, 0))
			return 2;
		if (cmd < 0)
			return 0;
		while ((c = ch_wait(cmd)) && c != 'q')
			if (hrep_send(rep, 'H', 0, 0))
				return 3;
		return 0;
	}
	if (argc == 5 && !strcmp(argv[2], "accept")) {
		int rep = atoi(argv[3]), dfd = atoi(argv[4]);
		uint64_t desc[(CG_DESC_MAX + 7) / 8];
		int32_t sock;
		uint32_t size;
		long ret;

		if (cg_read_full(dfd, &sock, sizeof(sock)) ||
		    cg_read_full(dfd, &size, sizeof(size)) ||
		    size > sizeof(desc) || cg_read_full(dfd, desc, size))
			return 2;
		errno = 0;
		ret = cg_acceptid(sock, desc, size, 0);
		return hrep_send(rep, 'H', ret, ret < 0 ? errno : 0) ? 3 : 0;
	}
	fprintf(stderr, "unknown helper mode\n");
	return 99;
}

/* ------------------------------------------------------------------ */
/* children driven through pipes                                       */

struct kid {
	pid_t pid;
	int cmd;		/* test -> child */
	int rep;		/* child -> test */
};

typedef void (*kid_fn)(int cmd, int rep, void *arg);

/* The child's ends have no O_CLOEXEC: an exec'd image keeps using them. */
static int kid_start(struct kid *k, kid_fn fn, void *arg)
{
	int c[2], r[2];

	k->pid = -1;
	k->cmd = k->rep = -1;
	if (pipe(c) || pipe(r))
		return -errno;
	k->pid = cg_fork();
	if (k->pid < 0)
		return -errno;
	if (k->pid == 0) {
		close(c[1]);
		close(r[0]);
		signal(SIGPIPE, SIG_IGN);
		fn(c[0], r[1], arg);
		_exit(0);
	}
	close(c[0]);
	close(r[1]);
	fcntl(c[1], F_SETFD, FD_CLOEXEC);
	fcntl(r[0], F_SETFD, FD_CLOEXEC);
	k->cmd = c[1];
	k->rep = r[0];
	return 0;
}

static int kid_send(struct kid *k, char c)
{
	return cg_write_full(k->cmd, &c, 1);
}

static int kid_read(struct kid *k, struct hrep *h)
{
	return cg_read_full(k->rep, h, sizeof(*h));
}

static int kid_call(struct kid *k, char c, struct hrep *h)
{
	int ret = kid_send(k, c);

	return ret ? ret : kid_read(k, h);
}

/* Close the pipes (the child sees EOF and exits) and reap it. */
static int kid_end(struct kid *k)
{
	int ret = 0;

	if (k->cmd >= 0)
		close(k->cmd);
	if (k->rep >= 0)
		close(k->rep);
	k->cmd = k->rep = -1;
	if (k->pid > 0)
		ret = cg_wait(k->pid);
	k->pid = -1;
	return ret;
}

#define KID_START(k, fn, arg) ASSERT_EQ(0, kid_start(k, fn, arg))
#define KID_CALL(k, c, h) ASSERT_EQ(0, kid_call(k, c, h)) \
	TH_LOG("child command '%c': no answer", c)
#define KID_READ(k, h) ASSERT_EQ(0, kid_read(k, h)) TH_LOG("no report")

/* ------------------------------------------------------------------ */
/* the victim: a uid-1000 process that receives and accepts grants     */

struct victim_opts {
	struct cg_ids ids;
	int sock;		/* receiving socket */
	int sh_cmd, sh_ack;	/* sharer pipes (O_CLOEXEC), or -1 */
};

static uint64_t v_desc[(CG_DESC_MAX + 7) / 8];
static uint32_t v_size;
static int v_sock = -1, v_rep = -1, v_cmd = -1;
static int v_sh_cmd = -1, v_sh_ack = -1;

/* Run by a sharer: 'w' writes h_var (in the memory it shares), 'q' ends. */
static int sharer_fn(void *arg)
{
	char c;

	(void)arg;
	for (;;) {
		if (syscall(SYS_read, v_sh_cmd, &c, 1) != 1 || c == 'q')
			syscall(SYS_exit, 0);
		if (c == 'w')
			h_var = H_VAR_SHARER;
		c = 'k';
		if (syscall(SYS_write, v_sh_ack, &c, 1) != 1)
			syscall(SYS_exit, 1);
	}
	return 0;
}

static pid_t start_sharer(int flags)
{
	size_t sz = 256 * 1024;
	char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

	if (stack == MAP_FAILED)
		return -1;
	return clone(sharer_fn, stack + sz, flags | SIGCHLD, NULL);
}

/* Planted by the tracer in the (root) tracee: proof of control. */
static void hijacked(void)
{
	hrep_send(v_rep, 'J', 0, 0);
	_exit(0);
}

/*
 * A seccomp filter that hands getpgid() to a listener and allows the
 * rest; the listener stays open in this process (an attacker would have
 * been passed it). Returns the listener or -1.
 */
static long install_listener(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getpgid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(f) / sizeof(f[0]), .filter = f,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		       SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

static void *thread_exec(void *arg)
{
	(void)arg;
	exec_helper("report", v_rep, v_cmd);
	hrep_send(v_rep, 'T', -1, errno);
	return NULL;
}

/*
 * Commands: 'R' receive one grant, 'A' acceptid in place, 'X' with
 * ACCEPTID_EXEC, 'B' ACCEPTID_EXEC|ACCEPTID_REJECT, 'C'
 * ACCEPTID_EXEC|ACCEPTID_AUDIT_POP, 'E' execve the helper (answers from
 * the new image, or 'E' with the error), 'N' execve a missing file, 'V'
 * report, 'F' a forked child execs the helper (its report, then 'F'),
 * 'T' another thread execs the helper, 'S'/'s' start a CLONE_VM / CLONE_FS
 * sharer, 'P' set no_new_privs, 'Z' execve the helper that calls acceptid
 * with the received description, 'L' no_new_privs and a seccomp filter
 * with a user-notification listener (kept open), 'U' unshare a new user
 * namespace.  Each answers one hrep.
 */
static void victim_main(int cmd, int rep, void *arg)
{
	const struct victim_opts *o = arg;
	char buf[CG_DATA_MAX];
	struct cg_rcv rcv;
	pthread_t th;
	long ret;
	pid_t pid;
	char c;

	v_sock = o->sock;
	v_rep = rep;
	v_cmd = cmd;
	v_sh_cmd = o->sh_cmd;
	v_sh_ack = o->sh_ack;
	if (cg_become(&o->ids))
		_exit(CG_AGENT_SETUP_FAIL);
	/* setresuid() from root left it non-dumpable: an ordinary process */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		_exit(CG_AGENT_SETUP_FAIL);
	while ((c = ch_wait(cmd)) && c != 'q') {
		errno = 0;
		switch (c) {
		case 'R':
			ret = cg_recv(v_sock, buf, sizeof(buf), MSG_DONTWAIT,
				      CG_CTRL_BIG, &rcv);
			if (ret >= 0 && rcv.ngrants == 1) {
				v_size = rcv.grant_len;
				memcpy(v_desc, rcv.desc, v_size);
			}
			hrep_send(rep, c, ret, ret < 0 ? rcv.err : 0);
			break;
		case 'A':
		case 'X':
		case 'B':
		case 'C': {
			unsigned int fl = c == 'A' ? 0 : c == 'X' ? ACCEPTID_EXEC :
					  c == 'B' ? ACCEPTID_EXEC | ACCEPTID_REJECT :
					  ACCEPTID_EXEC | ACCEPTID_AUDIT_POP;

			ret = cg_acceptid(v_sock, v_desc, v_size, fl);
			hrep_send(rep, c, ret, ret < 0 ? errno : 0);
			break;
		}
		case 'E':
			exec_helper("report", rep, cmd);
			hrep_send(rep, c, -1, errno);
			break;
		case 'N':
			ret = execl("/nonexistent/hardening", "x", (char *)NULL);
			hrep_send(rep, c, ret, errno);
			break;
		case 'F':
			pid = fork();
			if (pid == 0) {
				exec_helper("report", rep, -1);
				hrep_send(rep, 'f', -1, errno);
				_exit(1);
			}
			hrep_send(rep, c, pid < 0 ? -1 : cg_wait(pid),
				  pid < 0 ? errno : 0);
			break;
		case 'T':
			/* the new image answers; this thread dies in de_thread */
			ret = pthread_create(&th, NULL, thread_exec, NULL);
			if (ret)
				hrep_send(rep, c, -1, ret);
			else
				pthread_join(th, NULL);
			break;
		case 'S':
		case 's':
			ret = start_sharer(c == 'S' ? CLONE_VM : CLONE_FS);
			hrep_send(rep, c, ret, ret < 0 ? errno : 0);
			break;
		case 'Z': {
			int dp[2];
			int32_t sock = v_sock;

			if (pipe(dp) || cg_write_full(dp[1], &sock, sizeof(sock)) ||
			    cg_write_full(dp[1], &v_size, sizeof(v_size)) ||
			    cg_write_full(dp[1], v_desc, v_size)) {
				hrep_send(rep, c, -1, errno);
				break;
			}
			exec_helper("accept", rep, dp[0]);
			hrep_send(rep, c, -1, errno);
			break;
		}
		case 'P':
			ret = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
			hrep_send(rep, c, ret, ret < 0 ? errno : 0);
			break;
		case 'L':
			ret = install_listener();
			hrep_send(rep, c, ret, ret < 0 ? errno : 0);
			break;
		case 'U':
			ret = unshare(CLONE_NEWUSER);
			hrep_send(rep, c, ret, ret < 0 ? errno : 0);
			break;
		default:
			hrep_send(rep, c, -1, EINVAL);
		}
	}
	_exit(0);
}

static struct victim_opts victim_default(int sock)
{
	struct victim_opts o = {
		.ids = cg_ids_plain(1000, 1000, 0),
		.sock = sock, .sh_cmd = -1, .sh_ack = -1,
	};

	return o;
}

/* ------------------------------------------------------------------ */
/* the prober: a uid-1000 process that traces or opens /proc/PID/mem   */

struct prober_opts {
	pid_t target;
	uint64_t addr;		/* &h_var in the target */
};

static int p_memfd = -1;

static void prober_main(int cmd, int rep, void *arg)
{
	const struct prober_opts *o = arg;
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	struct user_regs_struct regs;
	char path[64];
	uint64_t v;
	long ret;
	int st;
	char c;

	if (cg_become(&ids))
		_exit(CG_AGENT_SETUP_FAIL);
	snprintf(path, sizeof(path), "/proc/%d/mem", o->target);
	while ((c = ch_wait(cmd)) && c != 'q') {
		struct hrep h;

		errno = 0;
		switch (c) {
		case 'S':
			ret = ptrace(PTRACE_SEIZE, o->target, 0, 0);
			hrep_send(rep, c, ret, ret < 0 ? errno : 0);
			break;
		case 'a':
			ret = ptrace(PTRACE_ATTACH, o->target, 0, 0);
			hrep_send(rep, c, ret, ret < 0 ? errno : 0);
			break;
		case 'M':
			ret = open(path, O_RDWR | O_CLOEXEC);
			if (ret >= 0)
				p_memfd = ret;
			hrep_send(rep, c, ret, ret < 0 ? errno : 0);
			break;
		case 'm':	/* a fresh open, closed again */
			ret = open(path, O_RDWR | O_CLOEXEC);
			hrep_send(rep, c, ret, ret < 0 ? errno : 0);
			if (ret >= 0)
				close(ret);
			break;
		case 'W':
			v = H_VAR_POKED;
			ret = pwrite(p_memfd, &v, sizeof(v), o->addr);
			hrep_send(rep, c, ret, ret < 0 ? errno : 0);
			break;
		case 'r':
			v = 0;
			ret = pread(p_memfd, &v, sizeof(v), o->addr);
			hrep_fill(&h, c, ret, ret < 0 ? errno : 0);
			h.val = v;
			cg_write_full(rep, &h, sizeof(h));
			break;
		case 'H':
			/*
			 * Stop the tracee, peek and poke h_var, and make it
			 * run hijacked(): ret = PEEKDATA errno (0: worked),
			 * val = what it read, ret2 = POKEDATA errno, err2 =
			 * SETREGS errno.
			 */
			hrep_fill(&h, c, 0, 0);
			if (ptrace(PTRACE_INTERRUPT, o->target, 0, 0) ||
			    waitpid(o->target, &st, __WALL) != o->target) {
				h.ret = -1;
				h.err = errno;
				cg_write_full(rep, &h, sizeof(h));
				break;
			}
			errno = 0;
			h.val = ptrace(PTRACE_PEEKDATA, o->target,
				       (void *)(uintptr_t)o->addr, 0);
			h.ret = errno;
			errno = 0;
			ptrace(PTRACE_POKEDATA, o->target,
			       (void *)(uintptr_t)o->addr,
			       (void *)(uintptr_t)H_VAR_POKED);
			h.ret2 = errno;
			errno = 0;
			if (!ptrace(PTRACE_GETREGS, o->target, 0, &regs)) {
				regs.rip = (uintptr_t)hijacked;
				regs.orig_rax = -1;
				regs.rsp = ((regs.rsp - 1024) & ~15UL) - 8;
				ptrace(PTRACE_SETREGS, o->target, 0, &regs);
			}
			h.err2 = errno;
			ptrace(PTRACE_DETACH, o->target, 0, 0);
			cg_write_full(rep, &h, sizeof(h));
			break;
		default:
			hrep_send(rep, c, -1, EINVAL);
		}
	}
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* fixture                                                             */

FIXTURE(h)
{
	int s, r;
	struct cg_counters before;
	/* sysctls the test changed, restored by the teardown */
	const char *restore_path[2];
	char restore_val[2][32];
};

FIXTURE_SETUP(h)
{
	int sv[2];

	self->s = self->r = -1;
	self->restore_path[0] = self->restore_path[1] = NULL;
	signal(SIGPIPE, SIG_IGN);
	require_credpass(_metadata);
	cg_counters_fd = open(CG_COUNTERS, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, cg_counters_fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	self->s = sv[0];
	self->r = sv[1];
	ASSERT_EQ(0, cg_set_passcredgrant(self->r, 1));
	ASSERT_EQ(0, geteuid()) TH_LOG("the suite runs as root");
	ASSERT_EQ(0, cg_counters_now(&self->before));
}

FIXTURE_TEARDOWN(h)
{
	struct cg_counters c;
	int i;

	if (self->s >= 0)
		close(self->s);
	if (self->r >= 0)
		close(self->r);
	for (i = 0; i < 2; i++) {
		if (!self->restore_path[i])
			continue;
		EXPECT_EQ(0, cg_write_file(self->restore_path[i],
					   self->restore_val[i]))
			TH_LOG("restoring %s", self->restore_path[i]);
	}
	EXPECT_EQ(0, cg_counters_now(&c));
	expect_balanced(_metadata, &c);
}

static void send_grant(struct __test_metadata *_metadata, int line, int s,
		       uint32_t kind, uint32_t uid, uint32_t gid,
		       const uint32_t *groups, uint32_t n, uint32_t ttl)
{
	struct cg_req req;

	cg_req_init(&req, kind, uid, gid, ttl, groups, n);
	send_ok(_metadata, line, s, MSG, &req);
}

#define SEND_GRANT(kind, uid, gid, groups, n, ttl) \
	send_grant(_metadata, __LINE__, self->s, kind, uid, gid, groups, n, ttl)

static void expect_hids(struct __test_metadata *_metadata, int line,
			const struct cg_idset *s, uint32_t uid, uint32_t gid,
			const uint32_t *groups, int ngroups)
{
	int i;

	EXPECT_EQ(uid, s->ruid) TH_LOG("line %d", line);
	EXPECT_EQ(uid, s->euid) TH_LOG("line %d", line);
	EXPECT_EQ(uid, s->suid) TH_LOG("line %d", line);
	EXPECT_EQ(uid, s->fsuid) TH_LOG("line %d", line);
	EXPECT_EQ(gid, s->rgid) TH_LOG("line %d", line);
	EXPECT_EQ(gid, s->egid) TH_LOG("line %d", line);
	EXPECT_EQ(gid, s->sgid) TH_LOG("line %d", line);
	EXPECT_EQ(gid, s->fsgid) TH_LOG("line %d", line);
	ASSERT_EQ(ngroups, s->ngroups) TH_LOG("line %d: getgroups", line);
	for (i = 0; i < ngroups; i++)
		EXPECT_EQ(groups[i], s->groups[i])
			TH_LOG("line %d: group %d", line, i);
}

#define EXPECT_HIDS(h, uid, gid, groups, n) \
	expect_hids(_metadata, __LINE__, &(h)->ids, uid, gid, groups, n)

static void expect_ok(struct __test_metadata *_metadata, int line,
		      const struct hrep *h, const char *what)
{
	EXPECT_EQ(0, h->ret) TH_LOG("line %d: %s: %s", line, what,
				    strerror(h->err));
}

static void expect_err(struct __test_metadata *_metadata, int line,
		       const struct hrep *h, int err, const char *what)
{
	EXPECT_EQ(-1, h->ret) TH_LOG("line %d: %s returned %lld, expected %s",
				     line, what, (long long)h->ret,
				     strerror(err));
	EXPECT_EQ(err, h->err) TH_LOG("line %d: %s: errno %d (%s), expected %d (%s)",
				      line, what, h->err, strerror(h->err),
				      err, strerror(err));
}

#define EXPECT_OK(h, what) expect_ok(_metadata, __LINE__, h, what)
#define EXPECT_ERR(h, err, what) expect_err(_metadata, __LINE__, h, err, what)
#define ASSERT_OK(h, what) do { EXPECT_OK(h, what); \
	ASSERT_EQ(0, (h)->ret); } while (0)

static void accept_fails_h(struct __test_metadata *_metadata, int line,
			   int fd, const void *desc, size_t size,
			   unsigned int flags, int err)
{
	long ret;

	errno = 0;
	ret = cg_acceptid(fd, desc, size, flags);
	EXPECT_EQ(-1, ret) TH_LOG("line %d: acceptid succeeded, expected %s",
				  line, strerror(err));
	EXPECT_EQ(err, errno) TH_LOG("line %d: acceptid: errno %d (%s), expected %d (%s)",
				     line, errno, strerror(errno), err,
				     strerror(err));
}

#define ACCEPT_FAILS_H(fd, desc, size, flags, err) \
	accept_fails_h(_metadata, __LINE__, fd, desc, size, flags, err)

/* The victim receives one grant the test sent. */
#define VICTIM_RECV(k, h) do { \
	KID_CALL(k, 'R', h); \
	ASSERT_EQ(MSGLEN, (h)->ret) TH_LOG("victim recvmsg: %s", \
					  strerror((h)->err)); \
} while (0)

/* ================================================================== */
/* hole 1, rule 3: a group list needs privilege unless it is the own one */

struct sender_opts {
	struct cg_ids ids;
	int s, r;
	const char *file;	/* open()ed before and after, if set */
	int nreq;
	struct { uint32_t n; uint32_t g[4]; } req[6];
};

/* Per request: send on s; 'a' also receives on r, accepts, opens file. */
struct sender_out {
	int open_before;	/* errno, 0: opened */
	int send[6];		/* errno, 0: sent */
	int recv;		/* errno */
	int accept;		/* errno */
	int open_after;		/* errno */
};

static void sender_main(int cmd, int rep, void *arg)
{
	const struct sender_opts *o = arg;
	struct sender_out out;
	struct cg_req req;
	struct cg_rcv rcv;
	char buf[64];
	int i, fd;

	memset(&out, 0, sizeof(out));
	if (cg_become(&o->ids))
		_exit(CG_AGENT_SETUP_FAIL);
	if (ch_wait(cmd) != 'g')
		_exit(1);
	if (o->file) {
		fd = open(o->file, O_RDONLY);
		out.open_before = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < o->nreq; i++) {
		cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, o->req[i].g,
			    o->req[i].n);
		out.send[i] = cg_send_grant(o->s, MSG, MSGLEN, &req,
					    MSG_DONTWAIT) == MSGLEN ? 0 : errno;
	}
	if (o->file && !out.send[0]) {
		/* only on a kernel that issued it: use the grant */
		out.recv = cg_recv(o->r, buf, sizeof(buf), MSG_DONTWAIT,
				   CG_CTRL_BIG, &rcv) == MSGLEN &&
			   rcv.ngrants == 1 ? 0 : (rcv.err ? rcv.err : EPROTO);
		out.accept = !out.recv && cg_acceptid(o->r, rcv.desc,
						      rcv.grant_len, 0) ? errno : 0;
		fd = open(o->file, O_RDONLY);
		out.open_after = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
	}
	cg_write_full(rep, &out, sizeof(out));
	_exit(0);
}

static void run_sender(struct __test_metadata *_metadata,
		       struct sender_opts *o, struct sender_out *out)
{
	struct kid k;

	KID_START(&k, sender_main, o);
	ASSERT_EQ(0, kid_send(&k, 'g'));
	ASSERT_EQ(0, cg_read_full(k.rep, out, sizeof(*out)))
		TH_LOG("sender child failed (exit %d)", kid_end(&k));
	ASSERT_EQ(0, kid_end(&k));
}

/*
 * The attack: uid 1000 in group 1500 cannot read a 0604 root:1500 file
 * (the group bits deny it); dropping the group through a grant to itself
 * would open it.
 */
TEST_F(h, groups_drop_own_group_eperm)
{
	char path[64];
	struct sender_opts o = {
		.ids = cg_ids_plain(1000, 1000, 0),
		.s = self->s, .r = self->r, .file = path,
		.nreq = 2, .req = { { .n = 0 }, { 1, { 1500 } } },
	};
	struct sender_out out;
	struct cg_rcv rcv;
	int fd;

	o.ids.ngroups = 1;
	o.ids.groups[0] = 1500;
	snprintf(path, sizeof(path), "/tmp/hardening-secret-%d", getpid());
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0604);
	ASSERT_LE(0, fd);
	ASSERT_EQ(6, write(fd, "secret", 6));
	ASSERT_EQ(0, fchown(fd, 0, 1500));
	ASSERT_EQ(0, fchmod(fd, 0604));
	close(fd);
	o.r = self->r;
	run_sender(_metadata, &o, &out);
	unlink(path);
	ASSERT_EQ(EACCES, out.open_before)
		TH_LOG("uid 1000 in group 1500 opened the 0604 root:1500 file: %s",
		       strerror(out.open_before));
	EXPECT_EQ(EPERM, out.send[0])
		TH_LOG("sendmsg of an empty CREDGRANT_GROUPS list by uid 1000 with groups {1500}, no caps: %s, expected EPERM",
		       out.send[0] ? strerror(out.send[0]) : "issued");
	if (!out.send[0])
		TH_LOG("hole: the grant was issued; recvmsg %s, acceptid %s, then open() of the 0604 root:1500 file: %s",
		       strerror(out.recv), strerror(out.accept),
		       out.open_after ? strerror(out.open_after) : "OPENED");
	/* the own list exactly, {1500}, needs nothing */
	EXPECT_EQ(0, out.send[1]) TH_LOG("own list {1500}: %s",
					 strerror(out.send[1]));
	RECV_GRANT(self->r, MSG, &rcv);
	ASSERT_EQ(1, cg_desc(&rcv)->ngroups);
	EXPECT_EQ(1500, cg_desc(&rcv)->groups[0]);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/* Rule 3: exactly the own list (sorted) is free; a subset or other is not. */
TEST_F(h, groups_own_list_only)
{
	static const uint32_t own[] = { 1500, 1600 };
	struct sender_opts o = {
		.ids = cg_ids_plain(1000, 1000, 0),
		.s = self->s, .r = -1, .nreq = 6,
		.req = {
			{ 2, { 1600, 1500 } },		/* own, unsorted: ok */
			{ 1, { 1500 } },		/* subset */
			{ 1, { 1600 } },		/* subset */
			{ 0, { 0 } },			/* empty */
			{ 3, { 1500, 1600, 1600 } },	/* same gids, longer */
			{ 3, { 1500, 1600, 1700 } },	/* superset */
		},
	};
	static const char *const what[] = {
		"own list {1600,1500}", "subset {1500}", "subset {1600}",
		"empty list", "{1500,1600,1600}", "superset {1500,1600,1700}",
	};
	struct sender_out out;
	struct cg_rcv rcv;
	int i;

	o.ids.ngroups = 2;
	o.ids.groups[0] = 1500;
	o.ids.groups[1] = 1600;
	run_sender(_metadata, &o, &out);
	EXPECT_EQ(0, out.send[0]) TH_LOG("%s: %s", what[0],
					 strerror(out.send[0]));
	for (i = 1; i < 6; i++) {
		int e = out.send[i];
		const char *w = what[i];

		EXPECT_EQ(EPERM, e)
			TH_LOG("uid 1000 groups {1500,1600} no caps, %s: %s, expected EPERM",
			       w, e ? strerror(e) : "issued");
	}
	RECV_GRANT(self->r, MSG, &rcv);
	ASSERT_EQ(2, cg_desc(&rcv)->ngroups);
	EXPECT_EQ(own[0], cg_desc(&rcv)->groups[0]);
	EXPECT_EQ(own[1], cg_desc(&rcv)->groups[1]);
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
}

/*
 * CAP_SETGID in a namespace that allows setgroups covers any list; in a
 * user namespace whose setgroups is "deny" it covers none but the own.
 */
struct ns_sender_opts {
	int s;
	int nreq;
	struct { uint32_t n; uint32_t g[2]; } req[3];
};

static void ns_sender_main(int cmd, int rep, void *arg)
{
	const struct ns_sender_opts *o = arg;
	struct cg_req req;
	int res[3] = { 0 }, i, ret;

	ret = setgroups(0, NULL) ? errno : 0;
	if (!ret && unshare(CLONE_NEWUSER))
		ret = errno;
	cg_write_full(rep, &ret, sizeof(ret));
	if (ret || ch_wait(cmd) != 'g')
		_exit(1);
	for (i = 0; i < o->nreq; i++) {
		cg_req_init(&req, CREDGRANT_GROUPS, 0, 0, 0, o->req[i].g,
			    o->req[i].n);
		res[i] = cg_send_grant(o->s, MSG, MSGLEN, &req,
				       MSG_DONTWAIT) == MSGLEN ? 0 : errno;
	}
	cg_write_full(rep, res, sizeof(res));
	_exit(0);
}

static void ns_sender(struct __test_metadata *_metadata, int s,
		      const char *setgroups, int *res)
{
	struct ns_sender_opts o = {
		.s = s, .nreq = 3,
		.req = { { 1, { 5 } }, { 0, { 0 } }, { 2, { 5, 6 } } },
	};
	char path[64];
	struct kid k;
	int ret;

	KID_START(&k, ns_sender_main, &o);
	ASSERT_EQ(0, cg_read_full(k.rep, &ret, sizeof(ret)));
	ASSERT_EQ(0, ret) TH_LOG("unshare(CLONE_NEWUSER): %s", strerror(ret));
	snprintf(path, sizeof(path), "/proc/%d/setgroups", k.pid);
	ASSERT_EQ(0, cg_write_file(path, setgroups));
	ASSERT_EQ(0, cg_write_maps(k.pid, "0 100000 10\n", "0 100000 10\n"));
	ASSERT_EQ(0, kid_send(&k, 'g'));
	ASSERT_EQ(0, cg_read_full(k.rep, res, 3 * sizeof(int)));
	ASSERT_EQ(0, kid_end(&k));
}

TEST_F(h, groups_cap_setgid_and_setgroups_deny)
{
	struct sender_opts o = {
		.ids = cg_ids_plain(1000, 1000, CG_CAP(CAP_SETGID)),
		.s = self->s, .r = -1, .nreq = 2,
		.req = { { 0, { 0 } }, { 2, { 99, 1500 } } },
	};
	struct sender_out out;
	struct cg_rcv rcv;
	int res[3];

	o.ids.ngroups = 1;
	o.ids.groups[0] = 1500;
	run_sender(_metadata, &o, &out);
	EXPECT_EQ(0, out.send[0]) TH_LOG("CAP_SETGID, empty list: %s",
					 strerror(out.send[0]));
	EXPECT_EQ(0, out.send[1]) TH_LOG("CAP_SETGID, {99,1500}: %s",
					 strerror(out.send[1]));
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(0, cg_desc(&rcv)->ngroups);
	RECV_GRANT(self->r, MSG, &rcv);
	EXPECT_EQ(2, cg_desc(&rcv)->ngroups);
	EXPECT_COUNTERS(&self->before, 2, 0, 0, 0, 0);

	/* user namespace root (CAP_SETGID there), setgroups "allow" */
	ns_sender(_metadata, self->s, "allow", res);
	EXPECT_EQ(0, res[0]) TH_LOG("userns, setgroups allow, {5}: %s",
				    strerror(res[0]));
	EXPECT_EQ(0, res[1]) TH_LOG("userns, setgroups allow, own empty list: %s",
				    strerror(res[1]));
	EXPECT_EQ(0, res[2]) TH_LOG("userns, setgroups allow, {5,6}: %s",
				    strerror(res[2]));
	/* ... "deny": only the own (empty) list */
	ns_sender(_metadata, self->s, "deny", res);
	EXPECT_EQ(EPERM, res[0])
		TH_LOG("userns with setgroups deny, CAP_SETGID there, {5}: %s, expected EPERM",
		       res[0] ? strerror(res[0]) : "issued");
	EXPECT_EQ(0, res[1]) TH_LOG("userns, setgroups deny, own empty list: %s",
				    strerror(res[1]));
	EXPECT_EQ(EPERM, res[2])
		TH_LOG("userns with setgroups deny, CAP_SETGID there, {5,6}: %s, expected EPERM",
		       res[2] ? strerror(res[2]) : "issued");
	EXPECT_COUNTERS(&self->before, 6, 0, 0, 0, 0);
}

/* ================================================================== */
/* hole 2, rule 12: in place only what the caller could do itself      */

/* A gain in place: EPERM and the grant is used up; nothing changes. */
TEST_F(h, inplace_gain_eperm_used_up)
{
	static const uint32_t g[] = { 4000 };
	struct victim_opts o = victim_default(self->r);
	struct hrep h;
	struct kid k;
	int i;

	KID_START(&k, victim_main, &o);
	for (i = 0; i < 4; i++) {
		static const char *const what[] = {
			"UID 0", "UID 1234", "GID 2345", "GROUPS {4000}",
		};

		switch (i) {
		case 0:
			SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL,
				   0, 0);
			break;
		case 1:
			SEND_GRANT(CREDGRANT_UID, 1234, 0, NULL, 0, 0);
			break;
		case 2:
			SEND_GRANT(CREDGRANT_GID, 0, 2345, NULL, 0, 0);
			break;
		case 3:
			SEND_GRANT(CREDGRANT_GROUPS, 0, 0, g, 1, 0);
			break;
		}
		VICTIM_RECV(&k, &h);
		KID_CALL(&k, 'A', &h);
		EXPECT_ERR(&h, EPERM, what[i]);
		if (!h.ret)
			TH_LOG("hole: uid 1000 without capabilities took %s in place: uid %u/%u/%u gid %u",
			       what[i], h.ids.ruid, h.ids.euid, h.ids.suid,
			       h.ids.egid);
		EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
		/* used up */
		KID_CALL(&k, 'A', &h);
		EXPECT_ERR(&h, ENOENT, "second acceptid");
	}
	ASSERT_EQ(0, kid_end(&k));
	EXPECT_COUNTERS(&self->before, 4, 0, 4, 0, 0);
}

/*
 * (a) ptrace: a uid-1000 tracer seized the uid-1000 tracee before it
 * accepts a uid-0 grant in place.  Fixed: EPERM.  Old: the tracee became
 * root and its tracer still controls it (here: makes it run hijacked()).
 */
TEST_F(h, ptrace_tracee_inplace_gain_eperm)
{
	struct victim_opts vo = victim_default(self->r);
	struct prober_opts po;
	struct hrep h, j;
	struct kid v, p;

	KID_START(&v, victim_main, &vo);
	KID_CALL(&v, 'V', &h);
	EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
	po.target = v.pid;
	po.addr = h.addr;
	KID_START(&p, prober_main, &po);
	KID_CALL(&p, 'S', &h);
	ASSERT_OK(&h, "PTRACE_SEIZE of the uid-1000 victim by uid 1000");
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'A', &h);
	EXPECT_ERR(&h, EPERM, "acceptid of a uid-0 grant in place by a tracee of a uid-1000 tracer");
	EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
	/* what the tracer can do to the tracee now */
	KID_CALL(&p, 'H', &j);
	ASSERT_EQ(0, j.err) TH_LOG("PTRACE_INTERRUPT/waitpid: %s",
				   strerror(j.err));
	TH_LOG("tracer on the tracee (euid %u): PEEKDATA %s (read %#llx), POKEDATA %s, SETREGS %s",
	       h.ids.euid, j.ret ? strerror(j.ret) : "ok",
	       (unsigned long long)j.val, j.ret2 ? strerror(j.ret2) : "ok",
	       j.err2 ? strerror(j.err2) : "ok");
	if (!j.err2) {
		KID_READ(&v, &h);
		EXPECT_EQ('J', h.step);
		EXPECT_NE(0, h.ids.euid)
			TH_LOG("hole: the uid-1000 tracer made the tracee run code of its choice with uid %u/%u/%u (h_var %#llx)",
			       h.ids.ruid, h.ids.euid, h.ids.suid,
			       (unsigned long long)h.val);
	}
	EXPECT_EQ(0, kid_end(&p));
	kid_end(&v);
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

/* ACCEPTID_EXEC under a tracer without CAP_SYS_PTRACE: execve EPERM. */
TEST_F(h, ptrace_traced_exec_eperm_staging_discarded)
{
	struct victim_opts vo = victim_default(self->r);
	struct prober_opts po;
	struct hrep h;
	struct kid v, p;

	KID_START(&v, victim_main, &vo);
	KID_CALL(&v, 'V', &h);
	po.target = v.pid;
	po.addr = h.addr;
	KID_START(&p, prober_main, &po);
	KID_CALL(&p, 'S', &h);
	ASSERT_OK(&h, "PTRACE_SEIZE by uid 1000");
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "acceptid(ACCEPTID_EXEC) of a uid-0 grant");
	EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
	KID_CALL(&v, 'E', &h);
	EXPECT_EQ('E', h.step)
		TH_LOG("the traced execve ran the new image: uid %u/%u/%u",
		       h.ids.ruid, h.ids.euid, h.ids.suid);
	EXPECT_ERR(&h, EPERM, "execve under a uid-1000 tracer with a staged uid-0 grant");
	EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
	/* the tracer goes away; the staging went with the failed execve */
	EXPECT_EQ(0, kid_end(&p));
	KID_CALL(&v, 'E', &h);
	ASSERT_EQ('H', h.step) TH_LOG("untraced execve: %s", strerror(h.err));
	EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
	EXPECT_EQ(0, h.at_secure);
	ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* After an ACCEPTID_EXEC execve the uid-1000 process can neither attach nor open mem. */
TEST_F(h, exec_image_not_attachable)
{
	struct victim_opts vo = victim_default(self->r);
	struct prober_opts po;
	struct hrep h;
	struct kid v, p;

	KID_START(&v, victim_main, &vo);
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "acceptid(ACCEPTID_EXEC)");
	KID_CALL(&v, 'E', &h);
	ASSERT_EQ('H', h.step) TH_LOG("execve: %s", strerror(h.err));
	EXPECT_HIDS(&h, 0, 0, NULL, 0);
	po.target = v.pid;
	po.addr = h.addr;
	KID_START(&p, prober_main, &po);
	KID_CALL(&p, 'a', &h);
	EXPECT_ERR(&h, EPERM, "PTRACE_ATTACH by uid 1000 after the exec");
	KID_CALL(&p, 'S', &h);
	EXPECT_ERR(&h, EPERM, "PTRACE_SEIZE by uid 1000 after the exec");
	KID_CALL(&p, 'm', &h);
	EXPECT_ERR(&h, EACCES, "open(/proc/PID/mem) by uid 1000 after the exec");
	EXPECT_EQ(0, kid_end(&p));
	ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/*
 * (b) /proc/PID/mem opened by uid 1000 before the victim gains uid 0 in
 * place.  Fixed: EPERM.  Old: the old descriptor writes into root's memory.
 */
TEST_F(h, procmem_opener_inplace_gain_eperm)
{
	struct victim_opts vo = victim_default(self->r);
	struct prober_opts po;
	struct hrep h, w;
	struct kid v, p;

	KID_START(&v, victim_main, &vo);
	KID_CALL(&v, 'V', &h);
	po.target = v.pid;
	po.addr = h.addr;
	KID_START(&p, prober_main, &po);
	KID_CALL(&p, 'M', &h);
	ASSERT_LE(0, h.ret) TH_LOG("open(/proc/PID/mem, O_RDWR) by uid 1000: %s",
				   strerror(h.err));
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'A', &h);
	EXPECT_ERR(&h, EPERM, "acceptid of a uid-0 grant in place with /proc/PID/mem open by uid 1000");
	EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
	KID_CALL(&p, 'W', &w);
	KID_CALL(&v, 'V', &h);
	EXPECT_FALSE(h.ids.euid == 0 && h.val == H_VAR_POKED)
		TH_LOG("hole: pwrite through the descriptor opened before (%lld) changed the variable the uid-%u process reads: %#llx",
		       (long long)w.ret, h.ids.euid, (unsigned long long)h.val);
	EXPECT_EQ(0, kid_end(&p));
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

/* With ACCEPTID_EXEC the old mem descriptor does not reach the new image. */
TEST_F(h, procmem_opener_exec_new_mm)
{
	struct victim_opts vo = victim_default(self->r);
	struct prober_opts po;
	struct hrep h, w;
	struct kid v, p;

	KID_START(&v, victim_main, &vo);
	KID_CALL(&v, 'V', &h);
	po.target = v.pid;
	po.addr = h.addr;
	KID_START(&p, prober_main, &po);
	KID_CALL(&p, 'M', &h);
	ASSERT_LE(0, h.ret) TH_LOG("open(/proc/PID/mem): %s", strerror(h.err));
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "acceptid(ACCEPTID_EXEC)");
	KID_CALL(&v, 'E', &h);
	ASSERT_EQ('H', h.step) TH_LOG("execve: %s", strerror(h.err));
	EXPECT_HIDS(&h, 0, 0, NULL, 0);
	EXPECT_EQ(po.addr, h.addr);
	KID_CALL(&p, 'W', &w);
	EXPECT_GE(0, w.ret) TH_LOG("pwrite through the old descriptor wrote %lld bytes",
				   (long long)w.ret);
	KID_CALL(&p, 'r', &w);
	EXPECT_GE(0, w.ret) TH_LOG("pread through the old descriptor read %lld bytes (%#llx)",
				   (long long)w.ret, (unsigned long long)w.val);
	KID_CALL(&p, 'm', &w);
	EXPECT_ERR(&w, EACCES, "a fresh open(/proc/PID/mem) by uid 1000");
	KID_CALL(&v, 'V', &h);
	EXPECT_EQ(H_VAR_INIT, h.val);
	EXPECT_EQ(0, kid_end(&p));
	ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* (c) a CLONE_VM sharer (a process, not a thread) of the accepting process */
static void sharer_pipes(struct __test_metadata *_metadata,
			 struct victim_opts *vo, int *cmd_w, int *ack_r)
{
	int c[2], a[2];

	ASSERT_EQ(0, pipe2(c, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(a, O_CLOEXEC));
	vo->sh_cmd = c[0];
	vo->sh_ack = a[1];
	*cmd_w = c[1];
	*ack_r = a[0];
}

static void sharer_write(struct __test_metadata *_metadata, int cmd_w,
			 int ack_r)
{
	char c;

	ASSERT_EQ(1, write(cmd_w, "w", 1));
	ASSERT_EQ(1, read(ack_r, &c, 1));
}

TEST_F(h, clone_vm_sharer_inplace_gain_eperm)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;
	int cmd_w, ack_r;

	sharer_pipes(_metadata, &vo, &cmd_w, &ack_r);
	KID_START(&v, victim_main, &vo);
	KID_CALL(&v, 'S', &h);
	ASSERT_LT(0, h.ret) TH_LOG("clone(CLONE_VM): %s", strerror(h.err));
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'A', &h);
	EXPECT_ERR(&h, EPERM, "acceptid of a uid-0 grant in place with a CLONE_VM sharer");
	EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
	sharer_write(_metadata, cmd_w, ack_r);
	KID_CALL(&v, 'V', &h);
	if (h.ids.euid == 0)
		TH_LOG("hole: the uid-1000 CLONE_VM sharer writes the memory of a uid-0 process (h_var %#llx)",
		       (unsigned long long)h.val);
	ASSERT_EQ(1, write(cmd_w, "q", 1));
	EXPECT_EQ(0, kid_end(&v));
	close(cmd_w);
	close(ack_r);
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
}

TEST_F(h, clone_vm_sharer_exec_own_mm)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;
	int cmd_w, ack_r;

	sharer_pipes(_metadata, &vo, &cmd_w, &ack_r);
	KID_START(&v, victim_main, &vo);
	KID_CALL(&v, 'S', &h);
	ASSERT_LT(0, h.ret) TH_LOG("clone(CLONE_VM): %s", strerror(h.err));
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "acceptid(ACCEPTID_EXEC) with a CLONE_VM sharer");
	KID_CALL(&v, 'E', &h);
	ASSERT_EQ('H', h.step) TH_LOG("execve: %s", strerror(h.err));
	EXPECT_HIDS(&h, 0, 0, NULL, 0);
	EXPECT_EQ(H_VAR_INIT, h.val);
	sharer_write(_metadata, cmd_w, ack_r);
	KID_CALL(&v, 'V', &h);
	EXPECT_EQ(H_VAR_INIT, h.val) TH_LOG("the sharer's write reached the new image");
	ASSERT_EQ(1, write(cmd_w, "q", 1));
	ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	close(cmd_w);
	close(ack_r);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* A CLONE_FS sharer: the staged execve fails EPERM. */
TEST_F(h, clone_fs_sharer_exec_eperm)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;
	int cmd_w, ack_r;

	sharer_pipes(_metadata, &vo, &cmd_w, &ack_r);
	KID_START(&v, victim_main, &vo);
	KID_CALL(&v, 's', &h);
	ASSERT_LT(0, h.ret) TH_LOG("clone(CLONE_FS): %s", strerror(h.err));
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "acceptid(ACCEPTID_EXEC) with a CLONE_FS sharer");
	KID_CALL(&v, 'E', &h);
	EXPECT_EQ('E', h.step)
		TH_LOG("execve with a CLONE_FS sharer ran the new image: uid %u",
		       h.ids.euid);
	EXPECT_ERR(&h, EPERM, "execve with a staged grant and a CLONE_FS sharer");
	ASSERT_EQ(1, write(cmd_w, "q", 1));
	if (h.step == 'H')
		ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	close(cmd_w);
	close(ack_r);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* ACCEPTID_EXEC: ids, groups, AT_SECURE, dumpability, root's capabilities. */
TEST_F(h, exec_applies_full_grant)
{
	static const uint32_t g[] = { 10, 20 };
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;

	KID_START(&v, victim_main, &vo);
	SEND_GRANT(CREDGRANT_FULL, 0, 0, g, 2, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "acceptid(ACCEPTID_EXEC)");
	/* checked and counted now, applied at exec */
	EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
	EXPECT_EQ(0, h.ids.cap_prm);
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
	KID_CALL(&v, 'X', &h);
	EXPECT_ERR(&h, ENOENT, "the same description again");
	KID_CALL(&v, 'E', &h);
	ASSERT_EQ('H', h.step) TH_LOG("execve: %s", strerror(h.err));
	EXPECT_HIDS(&h, 0, 0, g, 2);
	EXPECT_EQ(1, h.at_secure);
	EXPECT_EQ(0, h.dumpable);
	EXPECT_NE(0, h.cap_bnd);
	EXPECT_EQ(h.cap_bnd, h.ids.cap_prm);
	EXPECT_EQ(h.cap_bnd, h.ids.cap_eff);
	ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

TEST_F(h, exec_applies_uid_only_grant)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;

	KID_START(&v, victim_main, &vo);
	SEND_GRANT(CREDGRANT_UID, 2000, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "acceptid(ACCEPTID_EXEC)");
	KID_CALL(&v, 'E', &h);
	ASSERT_EQ('H', h.step) TH_LOG("execve: %s", strerror(h.err));
	EXPECT_HIDS(&h, 2000, 1000, NULL, 0);
	EXPECT_EQ(1, h.at_secure);
	EXPECT_EQ(0, h.dumpable);
	EXPECT_EQ(0, h.ids.cap_prm);
	ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* no_new_privs: ids applied, capabilities no more than permitted before. */
TEST_F(h, exec_no_new_privs_caps_limited)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;

	vo.ids.caps = CG_CAP(CAP_NET_ADMIN);
	KID_START(&v, victim_main, &vo);
	KID_CALL(&v, 'P', &h);
	ASSERT_OK(&h, "PR_SET_NO_NEW_PRIVS");
	EXPECT_EQ(CG_CAP(CAP_NET_ADMIN), h.ids.cap_prm);
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "acceptid(ACCEPTID_EXEC) under no_new_privs");
	KID_CALL(&v, 'E', &h);
	ASSERT_EQ('H', h.step) TH_LOG("execve: %s", strerror(h.err));
	EXPECT_HIDS(&h, 0, 0, NULL, 0);
	EXPECT_EQ(1, h.nnp);
	EXPECT_EQ(1, h.at_secure);
	EXPECT_EQ(CG_CAP(CAP_NET_ADMIN), h.ids.cap_prm);
	EXPECT_EQ(CG_CAP(CAP_NET_ADMIN), h.ids.cap_eff);
	ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/*
 * A seccomp listener answers the thread's syscalls and can add descriptors
 * to it: a staged gain must not run under it (the execve fails EPERM, the
 * staging is gone); no_new_privs alone does not block (above).
 */
TEST_F(h, seccomp_listener_exec_eperm)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;

	KID_START(&v, victim_main, &vo);
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "acceptid(ACCEPTID_EXEC)");
	KID_CALL(&v, 'L', &h);
	ASSERT_LE(0, h.ret) TH_LOG("seccomp listener: %s", strerror(h.err));
	KID_CALL(&v, 'E', &h);
	EXPECT_EQ('E', h.step)
		TH_LOG("execve under a seccomp listener ran the new image: uid %u",
		       h.ids.euid);
	EXPECT_ERR(&h, EPERM, "execve with a staged grant and a seccomp listener");
	if (h.step == 'H') {
		ASSERT_EQ(0, kid_send(&v, 'q'));
	} else {
		/* the staging is gone: the next execve keeps uid 1000 */
		KID_CALL(&v, 'E', &h);
		ASSERT_EQ('H', h.step) TH_LOG("execve: %s", strerror(h.err));
		EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
		ASSERT_EQ(0, kid_send(&v, 'q'));
	}
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/*
 * Staged in one user namespace, exec'd in another (whose owner holds every
 * capability over the process there): EPERM.
 */
TEST_F(h, exec_in_other_userns_eperm)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;

	KID_START(&v, victim_main, &vo);
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "acceptid(ACCEPTID_EXEC)");
	KID_CALL(&v, 'U', &h);
	ASSERT_OK(&h, "unshare(CLONE_NEWUSER)");
	KID_CALL(&v, 'E', &h);
	EXPECT_EQ('E', h.step)
		TH_LOG("execve in another user namespace ran the new image: euid %u",
		       h.ids.euid);
	EXPECT_ERR(&h, EPERM, "execve of a grant staged in another user namespace");
	if (h.step == 'H')
		ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/*
 * A grant issued inside a user namespace (root there, any of its ids) is
 * not applied in an ancestor: there the subordinate uid would be a user
 * of its own, outside the owner's limits. Root of the initial namespace
 * receives a uid-100000 grant from a container's root: EPERM, used up.
 */
TEST_F(h, grant_from_child_userns_not_applied_outside)
{
	struct credgrant d;
	struct cg_counters c;
	struct cg_rcv rcv;
	int go[2], ready[2];
	char buf[MSGLEN], ch;
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct cg_req req;

		close(self->r);
		if (unshare(CLONE_NEWUSER) || write(ready[1], "u", 1) != 1 ||
		    read(go[0], &ch, 1) != 1 || setresgid(0, 0, 0) ||
		    setresuid(0, 0, 0))
			_exit(10);
		cg_req_init(&req, CREDGRANT_UID | CREDGRANT_GID, CREDGRANT_SELF,
			    CREDGRANT_SELF, 0, NULL, 0);
		_exit(cg_send_grant(self->s, MSG, MSGLEN, &req, 0) == MSGLEN ?
		      0 : 11);
	}
	ASSERT_EQ(1, read(ready[0], &ch, 1));
	ASSERT_EQ(0, cg_write_maps(pid, "0 100000 10\n", "0 100000 10\n"));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(0, cg_wait(pid));
	ASSERT_EQ(MSGLEN, cg_recv(self->r, buf, sizeof(buf), 0, CG_CTRL_BIG,
				  &rcv));
	ASSERT_EQ(1, rcv.ngrants);
	memcpy(&d, rcv.desc, sizeof(d));
	EXPECT_EQ(100000, d.uid);
	EXPECT_EQ(100000, d.granter_uid);
	/* root here could setresuid(100000) itself: not a gain, still no */
	errno = 0;
	EXPECT_EQ(-1, cg_acceptid(self->r, rcv.desc, rcv.grant_len, 0))
		TH_LOG("hole: root of the initial namespace took uid %u from a container's grant (now uid %u)",
		       d.uid, getuid());
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, getuid());
	errno = 0;
	EXPECT_EQ(-1, cg_acceptid(self->r, rcv.desc, rcv.grant_len, 0));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, cg_counters_now(&c));
	EXPECT_COUNTERS(&self->before, 1, 0, 1, 0, 0);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
}

/* EXEC with REJECT or AUDIT_POP: EINVAL before any lookup. */
TEST_F(h, exec_flag_combinations_einval)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;

	KID_START(&v, victim_main, &vo);
	SEND_GRANT(CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'B', &h);
	EXPECT_ERR(&h, EINVAL, "ACCEPTID_EXEC|ACCEPTID_REJECT");
	KID_CALL(&v, 'C', &h);
	EXPECT_ERR(&h, EINVAL, "ACCEPTID_EXEC|ACCEPTID_AUDIT_POP");
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	KID_CALL(&v, 'X', &h);
	EXPECT_OK(&h, "ACCEPTID_EXEC after the refused combinations");
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
	KID_CALL(&v, 'E', &h);
	ASSERT_EQ('H', h.step) TH_LOG("execve: %s", strerror(h.err));
	EXPECT_HIDS(&h, 1234, 1000, NULL, 0);
	ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
}

/* A second ACCEPTID_EXEC while one is staged: EBUSY, that grant used up. */
TEST_F(h, exec_second_staging_ebusy)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;

	KID_START(&v, victim_main, &vo);
	SEND_GRANT(CREDGRANT_UID, 1234, 0, NULL, 0, 0);
	SEND_GRANT(CREDGRANT_UID, 2345, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "first ACCEPTID_EXEC");
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	EXPECT_ERR(&h, EBUSY, "second ACCEPTID_EXEC while one is staged");
	KID_CALL(&v, 'X', &h);
	EXPECT_ERR(&h, ENOENT, "the refused grant again");
	EXPECT_COUNTERS(&self->before, 2, 1, 1, 0, 0);
	KID_CALL(&v, 'E', &h);
	ASSERT_EQ('H', h.step) TH_LOG("execve: %s", strerror(h.err));
	EXPECT_HIDS(&h, 1234, 1000, NULL, 0);
	ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 2, 1, 1, 0, 0);
}

/* A forked child inherits no staging; the stager's own execve applies it. */
TEST_F(h, exec_staging_not_inherited_by_fork)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;

	KID_START(&v, victim_main, &vo);
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "ACCEPTID_EXEC");
	KID_CALL(&v, 'F', &h);
	ASSERT_EQ('H', h.step) TH_LOG("the forked child's execve: %s",
				      strerror(h.err));
	EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
	EXPECT_EQ(0, h.at_secure);
	KID_READ(&v, &h);
	EXPECT_EQ('F', h.step);
	EXPECT_EQ(0, h.ret);
	KID_CALL(&v, 'E', &h);
	ASSERT_EQ('H', h.step) TH_LOG("execve: %s", strerror(h.err));
	EXPECT_HIDS(&h, 0, 0, NULL, 0);
	EXPECT_EQ(1, h.at_secure);
	ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* Another thread's execve: the staging thread dies, its staging goes. */
TEST_F(h, exec_by_other_thread_discards_staging)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;

	KID_START(&v, victim_main, &vo);
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "ACCEPTID_EXEC");
	KID_CALL(&v, 'T', &h);
	ASSERT_EQ('H', h.step) TH_LOG("the other thread's execve: %s",
				      strerror(h.err));
	EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
	EXPECT_EQ(0, h.at_secure);
	ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* An execve that fails early keeps the staging. */
TEST_F(h, exec_enoent_keeps_staging)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;

	KID_START(&v, victim_main, &vo);
	SEND_GRANT(CREDGRANT_UID | CREDGRANT_GID, 0, 0, NULL, 0, 0);
	VICTIM_RECV(&v, &h);
	KID_CALL(&v, 'X', &h);
	ASSERT_OK(&h, "ACCEPTID_EXEC");
	KID_CALL(&v, 'N', &h);
	EXPECT_ERR(&h, ENOENT, "execve of a missing file");
	EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
	KID_CALL(&v, 'E', &h);
	ASSERT_EQ('H', h.step) TH_LOG("execve: %s", strerror(h.err));
	EXPECT_HIDS(&h, 0, 0, NULL, 0);
	EXPECT_EQ(1, h.at_secure);
	ASSERT_EQ(0, kid_send(&v, 'q'));
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 1, 0, 0, 0);
}

/* ================================================================== */
/* hole 3, rule 14: an expired grant shrinks to a tombstone             */

TEST_F(h, expired_grant_described_as_tombstone)
{
	static const uint32_t g[] = { 10, 20, 30 };
	struct cg_rcv p, rd;
	struct credgrant *pd = cg_desc(&p), *d = cg_desc(&rd);

	SEND_GRANT(CREDGRANT_FULL, 1234, 2345, g, 3, 50);
	PEEK_GRANT(self->r, MSG, &p);
	ASSERT_EQ(CREDGRANT_SIZE_VER0 + 12, pd->size);
	ASSERT_EQ(0, cg_sleep_until_boottime(pd->expires_ns));
	wait_expired(_metadata, &self->before, 1);
	RECV_GRANT(self->r, MSG, &rd);
	EXPECT_EQ(CREDGRANT_SIZE_VER0, rd.grant_len);
	EXPECT_EQ(CREDGRANT_SIZE_VER0, d->size);
	EXPECT_EQ(0, d->ngroups) TH_LOG("an expired grant still carries its %u groups",
					d->ngroups);
	EXPECT_EQ(pd->id, d->id);
	EXPECT_EQ(CREDGRANT_FULL, d->kind);
	EXPECT_EQ(1234, d->uid);
	EXPECT_EQ(2345, d->gid);
	EXPECT_EQ(pd->issued_ns, d->issued_ns);
	EXPECT_EQ(pd->expires_ns, d->expires_ns);
	EXPECT_EQ(pd->granter_pid, d->granter_pid);
	EXPECT_GE(cg_boottime_ns(), d->expires_ns);
	ACCEPT_FAILS_H(self->r, rd.desc, rd.grant_len, 0, ETIME);
	ACCEPT_FAILS_H(self->r, rd.desc, rd.grant_len, 0, ENOENT);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 1, 0);
}

static long sunreclaim_kb(void)
{
	char text[4096], *p;
	int ret = cg_read_file("/proc/meminfo", text, sizeof(text));

	if (ret)
		return ret;
	p = strstr(text, "SUnreclaim:");
	if (!p)
		return -ENOENT;
	return strtol(p + strlen("SUnreclaim:"), NULL, 10);
}

/* Raise the grant quota of one issuing user, restored by the teardown. */
static void save_sysctl(struct __test_metadata *_metadata,
			FIXTURE_DATA(h) *self, int slot, const char *path)
{
	char *nl;

	ASSERT_EQ(0, cg_read_file(path, self->restore_val[slot],
				  sizeof(self->restore_val[slot])))
		TH_LOG("reading %s", path);
	nl = strchr(self->restore_val[slot], '\n');
	if (nl)
		*nl = '\0';
	self->restore_path[slot] = path;
}

static void set_quota(struct __test_metadata *_metadata,
		      FIXTURE_DATA(h) *self, unsigned long v, bool fallback)
{
	const char *path = USER_MAX_CREDGRANTS;
	char text[32];

	if (access(path, F_OK)) {
		EXPECT_EQ(0, access(path, F_OK))
			TH_LOG("%s: %s", path, strerror(errno));
		if (!fallback)
			return;
		/* the old kernel's knob, so that the rest shows its behaviour */
		path = OLD_MAX_PER_USER;
		TH_LOG("falling back to %s", path);
	}
	save_sysctl(_metadata, self, 0, path);
	snprintf(text, sizeof(text), "%lu\n", v);
	ASSERT_EQ(0, cg_write_file(path, text)) TH_LOG("writing %s", path);
}

/* Poll the counters until n more grants expired (bounded). */
static void wait_expired_n(struct __test_metadata *_metadata,
			   const struct cg_counters *b, uint64_t n,
			   int max_polls)
{
	struct cg_counters c;
	int i;

	for (i = 0; i < max_polls; i++) {
		ASSERT_EQ(0, cg_counters_now(&c));
		if (c.expired - b->expired >= n)
			return;
		cg_poll_pause();
	}
	ASSERT_EQ(n, c.expired - b->expired)
		TH_LOG("not reaped after %d polls", max_polls);
}

/* Unreclaimable slab per grant now vs base, lowest over a bounded poll. */
static long slab_per_grant(long base_kb, long n)
{
	long best = LONG_MAX, now;
	int i;

	for (i = 0; i < 200; i++) {
		now = sunreclaim_kb();
		if (now >= 0 && now < best)
			best = now;
		if ((best - base_kb) * 1024 / n < 2000)
			break;
		usleep(10000);	/* RCU-deferred frees: a bounded poll */
	}
	return (best - base_kb) * 1024 / n;
}

/*
 * KASAN's redzones and kmemleak's records multiply what every object
 * costs (4616 bytes per tombstone measured on the debug kernel): each
 * kind of kernel has its bound, both far below the 256 KiB a grant of
 * CREDGRANT_NGROUPS_MAX groups costs while it is live.
 */
#define TOMBSTONE_MAX_BYTES	(slab_debugged() ? 8192 : 2000)

static bool slab_debugged(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " kasan_report\n") ||
			strstr(line, " kmemleak_alloc\n");
	fclose(f);
	return found;
}

#define MEM_PAIRS	40
#define MEM_PER_PAIR	50
#define MEM_GRANTS	(MEM_PAIRS * MEM_PER_PAIR)

static uint32_t big_groups[CREDGRANT_NGROUPS_MAX];

TEST_F_TIMEOUT(h, expired_queued_grants_cost_tombstones, 300)
{
	int sv[MEM_PAIRS][2], i, j;
	struct cg_req req;
	long base, per;

	set_quota(_metadata, self, 100000, true);
	for (i = 0; i < CREDGRANT_NGROUPS_MAX; i++)
		big_groups[i] = 10000 + i;
	cg_req_init(&req, CREDGRANT_FULL, 1234, 2345, 1, big_groups,
		    CREDGRANT_NGROUPS_MAX);
	for (i = 0; i < MEM_PAIRS; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv[i]));
		ASSERT_EQ(0, cg_set_passcredgrant(sv[i][1], 1));
	}
	base = sunreclaim_kb();
	ASSERT_LT(0, base);
	for (i = 0; i < MEM_PAIRS; i++)
		for (j = 0; j < MEM_PER_PAIR; j++)
			send_ok(_metadata, __LINE__, sv[i][0], MSG, &req);
	wait_expired_n(_metadata, &self->before, MEM_GRANTS, 60000);
	per = slab_per_grant(base, MEM_GRANTS);
	TH_LOG("%d expired grants of %d groups queued, unread: SUnreclaim +%ld bytes per grant",
	       MEM_GRANTS, CREDGRANT_NGROUPS_MAX, per);
	EXPECT_GT(TOMBSTONE_MAX_BYTES, per);
	for (i = 0; i < MEM_PAIRS; i++) {
		close(sv[i][0]);
		close(sv[i][1]);
	}
	EXPECT_COUNTERS(&self->before, MEM_GRANTS, 0, 0, MEM_GRANTS, 0);
}

#define MARK_PAIRS	32
#define MARK_PER_PAIR	64
#define MARK_GRANTS	(MARK_PAIRS * MARK_PER_PAIR)

TEST_F_TIMEOUT(h, expired_markers_cost_tombstones, 300)
{
	int sv[MARK_PAIRS][2], i, j;
	struct cg_req req;
	struct cg_rcv rcv;
	long base, per;

	set_quota(_metadata, self, 100000, true);
	for (i = 0; i < CREDGRANT_NGROUPS_MAX; i++)
		big_groups[i] = 10000 + i;
	cg_req_init(&req, CREDGRANT_FULL, 1234, 2345, 1000, big_groups,
		    CREDGRANT_NGROUPS_MAX);
	for (i = 0; i < MARK_PAIRS; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv[i]));
		ASSERT_EQ(0, cg_set_passcredgrant(sv[i][1], 1));
	}
	base = sunreclaim_kb();
	ASSERT_LT(0, base);
	/* received: pending on the socket, then ETIME markers */
	for (i = 0; i < MARK_PAIRS; i++) {
		for (j = 0; j < MARK_PER_PAIR; j++)
			send_ok(_metadata, __LINE__, sv[i][0], MSG, &req);
		for (j = 0; j < MARK_PER_PAIR; j++)
			recv_grant(_metadata, __LINE__, sv[i][1], MSG, 0, &rcv);
	}
	wait_expired_n(_metadata, &self->before, MARK_GRANTS, 60000);
	per = slab_per_grant(base, MARK_GRANTS);
	TH_LOG("%d ETIME markers (%d per socket) of grants of %d groups: SUnreclaim +%ld bytes per grant",
	       MARK_GRANTS, MARK_PER_PAIR, CREDGRANT_NGROUPS_MAX, per);
	EXPECT_GT(TOMBSTONE_MAX_BYTES, per);
	/* still markers: the last one received says ETIME */
	ACCEPT_FAILS_H(sv[MARK_PAIRS - 1][1], rcv.desc, rcv.grant_len, 0, ETIME);
	for (i = 0; i < MARK_PAIRS; i++) {
		close(sv[i][0]);
		close(sv[i][1]);
	}
	EXPECT_COUNTERS(&self->before, MARK_GRANTS, 0, 0, MARK_GRANTS, 0);
}

/* ================================================================== */
/* hole 5: the quota is a ucounts limit, hierarchical                    */

enum { Q_SEND = 1, Q_SYSCTL };

struct quota_opts {
	int s;
	int nops;
	struct { int op, uid, count; unsigned long value; } op[6];
};

/*
 * uid 1000 creates a user namespace (the test writes "0 100000 10"),
 * becomes 0 there and runs the ops: Q_SEND forks a process as uid
 * op.uid inside that sends op.count CREDGRANT_SELF grants; Q_SYSCTL
 * writes its namespace's max_credgrants.  Results (errno per grant /
 * per write, 0: ok) in order, 32 ints.
 */
static void quota_main(int cmd, int rep, void *arg)
{
	const struct quota_opts *o = arg;
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	int res[32], k = 0, i, j, ret;

	memset(res, 0xff, sizeof(res));
	ret = cg_become(&ids);
	if (!ret && unshare(CLONE_NEWUSER))
		ret = -errno;
	cg_write_full(rep, &ret, sizeof(ret));
	if (ret || ch_wait(cmd) != 'g')
		_exit(1);
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
		_exit(2);
	for (i = 0; i < o->nops; i++) {
		if (o->op[i].op == Q_SYSCTL) {
			char text[32];

			snprintf(text, sizeof(text), "%lu\n", o->op[i].value);
			res[k++] = -cg_write_file(USER_MAX_CREDGRANTS, text);
			continue;
		}
		for (j = 0; j < o->op[i].count; j++) {
			int p[2], err = EPROTO;
			pid_t pid;

			if (pipe(p))
				_exit(3);
			pid = fork();
			if (pid == 0) {
				struct cg_req req;
				uid_t u = o->op[i].uid;

				cg_req_init(&req, CREDGRANT_UID, CREDGRANT_SELF,
					    0, 0, NULL, 0);
				err = setresuid(u, u, u) ? errno :
				      cg_send_grant(o->s, MSG, MSGLEN, &req,
						    MSG_DONTWAIT) == MSGLEN ?
				      0 : errno;
				_exit(cg_write_full(p[1], &err, sizeof(err)));
			}
			close(p[1]);
			cg_read_full(p[0], &err, sizeof(err));
			close(p[0]);
			cg_wait(pid);
			res[k++] = err;
		}
	}
	cg_write_full(rep, res, sizeof(res));
	_exit(0);
}

static void run_quota(struct __test_metadata *_metadata,
		      const struct quota_opts *o, int *res)
{
	struct kid k;
	int ret;

	KID_START(&k, quota_main, (void *)o);
	ASSERT_EQ(0, cg_read_full(k.rep, &ret, sizeof(ret)));
	ASSERT_EQ(0, ret) TH_LOG("uid 1000: unshare(CLONE_NEWUSER): %s",
				 strerror(-ret));
	ASSERT_EQ(0, cg_write_maps(k.pid, "0 100000 10\n", "0 100000 10\n"));
	ASSERT_EQ(0, kid_send(&k, 'g'));
	ASSERT_EQ(0, cg_read_full(k.rep, res, 32 * sizeof(int)));
	ASSERT_EQ(0, kid_end(&k));
}

TEST_F(h, quota_sysctl_moved_to_user_max_credgrants)
{
	unsigned long v = 0;

	errno = 0;
	EXPECT_EQ(-1, access(OLD_MAX_PER_USER, F_OK))
		TH_LOG("%s still exists", OLD_MAX_PER_USER);
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, cg_read_ulong_file(USER_MAX_CREDGRANTS, &v))
		TH_LOG("%s: %s", USER_MAX_CREDGRANTS, strerror(errno));
	EXPECT_EQ(1024, v);
}

/* Grants issued inside a user namespace count against its owner. */
TEST_F(h, quota_userns_counts_against_owner)
{
	struct quota_opts o = {
		.s = self->s, .nops = 6,
		.op = {
			{ Q_SEND, 0, 2, 0 }, { Q_SEND, 1, 2, 0 },
			{ Q_SEND, 2, 2, 0 }, { Q_SEND, 3, 2, 0 },
			{ Q_SEND, 9, 2, 0 }, { Q_SEND, 0, 1, 0 },
		},
	};
	int res[32], i, nok = 0;

	set_quota(_metadata, self, 4, true);
	run_quota(_metadata, &o, res);
	for (i = 0; i < 11; i++) {
		nok += !res[i];
		EXPECT_EQ(i < 4 ? 0 : EDQUOT, res[i])
			TH_LOG("grant %d (uid %d in the namespace of uid 1000): %s",
			       i, i < 10 ? (i / 2 == 4 ? 9 : i / 2) : 0,
			       res[i] ? strerror(res[i]) : "issued");
	}
	TH_LOG("max_credgrants 4: uid 1000's namespace issued %d grants as uids 0-3 and 9", nok);
	EXPECT_COUNTERS(&self->before, nok, 0, 0, 0, 0);
	close(self->r);
	self->r = -1;
	EXPECT_COUNTERS(&self->before, nok, 0, 0, 0, nok);
}

/* A namespace may lower its users' limit, never raise the owner's. */
TEST_F(h, quota_userns_lower_never_raise)
{
	struct quota_opts o = {
		.s = self->s, .nops = 5,
		.op = {
			{ Q_SYSCTL, 0, 0, 2 }, { Q_SEND, 0, 3, 0 },
			{ Q_SEND, 1, 3, 0 }, { Q_SYSCTL, 0, 0, 1000 },
			{ Q_SEND, 2, 1, 0 },
		},
	};
	static const int want[] = { 0, 0, 0, EDQUOT, 0, 0, EDQUOT, -1,
				    EDQUOT };
	int res[32], i, nok = 0;

	set_quota(_metadata, self, 4, false);
	run_quota(_metadata, &o, res);
	EXPECT_EQ(0, res[0]) TH_LOG("lowering max_credgrants to 2 inside: %s",
				    strerror(res[0]));
	TH_LOG("writing 1000 inside: %s", res[7] ? strerror(res[7]) : "ok");
	for (i = 1; i < 9; i++) {
		if (i == 7)
			continue;
		nok += !res[i];
		EXPECT_EQ(want[i], res[i]) TH_LOG("step %d: %s", i,
						  res[i] ? strerror(res[i]) :
						  "issued");
	}
	EXPECT_COUNTERS(&self->before, nok, 0, 0, 0, 0);
}

/* ================================================================== */
/* hole 6: ids are unpredictable                                         */

TEST_F(h, ids_unpredictable)
{
	struct cg_req req;
	struct cg_rcv rcv;
	uint64_t id[64];
	int i, j, down = 0, near = 0;

	cg_req_init(&req, CREDGRANT_UID, CREDGRANT_SELF, 0, 0, NULL, 0);
	for (i = 0; i < 64; i++) {
		SEND_OK(self->s, MSG, &req);
		RECV_GRANT(self->r, MSG, &rcv);
		id[i] = cg_desc(&rcv)->id;
		EXPECT_NE(0, id[i]);
		for (j = 0; j < i; j++)
			EXPECT_NE(id[j], id[i]);
	}
	for (i = 1; i < 64; i++) {
		uint64_t d = id[i] > id[i - 1] ? id[i] - id[i - 1] :
						 id[i - 1] - id[i];

		down += id[i] < id[i - 1];
		near += d < (1ULL << 32);
	}
	TH_LOG("ids %#llx %#llx %#llx %#llx ...: %d of 63 steps down, %d within 2^32",
	       (unsigned long long)id[0], (unsigned long long)id[1],
	       (unsigned long long)id[2], (unsigned long long)id[3], down,
	       near);
	EXPECT_LT(0, down) TH_LOG("64 consecutive ids are monotonic");
	EXPECT_EQ(0, near);
	EXPECT_COUNTERS(&self->before, 64, 0, 0, 0, 0);
}

/* ================================================================== */
/* hole 7: exec drops expired markers too                                */

TEST_F(h, exec_drops_expired_marker)
{
	struct victim_opts vo = victim_default(self->r);
	struct hrep h;
	struct kid v;

	KID_START(&v, victim_main, &vo);
	SEND_GRANT(CREDGRANT_UID, 1234, 0, NULL, 0, 50);
	VICTIM_RECV(&v, &h);
	wait_expired(_metadata, &self->before, 1);
	KID_CALL(&v, 'Z', &h);
	ASSERT_EQ('H', h.step) TH_LOG("execve: %s", strerror(h.err));
	EXPECT_ERR(&h, ENOENT, "acceptid after exec on the grant that expired before it");
	EXPECT_HIDS(&h, 1000, 1000, NULL, 0);
	EXPECT_EQ(0, kid_end(&v));
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 1, 0);
}

/* ================================================================== */
/* hole 8: io_uring, socket filters, sysctl and /proc/net access         */

struct uring {
	int fd;
	bool sqpoll;
	void *sq, *cq;
	struct io_uring_sqe *sqes;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
};

static int uring_init(struct uring *u, bool sqpoll)
{
	struct io_uring_params p;
	size_t sq_sz, cq_sz;

	memset(&p, 0, sizeof(p));
	memset(u, 0, sizeof(*u));
	if (sqpoll) {
		p.flags = IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 2000;
	}
	u->sqpoll = sqpoll;
	u->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (u->fd < 0)
		return -errno;
	sq_sz = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (cq_sz > sq_sz)
			sq_sz = cq_sz;
		cq_sz = sq_sz;
	}
	u->sq = mmap(NULL, sq_sz, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
	if (u->sq == MAP_FAILED)
		return -errno;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		u->cq = u->sq;
	} else {
		u->cq = mmap(NULL, cq_sz, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_POPULATE, u->fd,
			     IORING_OFF_CQ_RING);
		if (u->cq == MAP_FAILED)
			return -errno;
	}
	u->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		       u->fd, IORING_OFF_SQES);
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

/* Submit one sendmsg and wait for its completion: 0 and *res, or -errno. */
static int uring_sendmsg(struct uring *u, int fd, struct msghdr *msg,
			 unsigned int sqe_flags, int *res)
{
	unsigned int tail = *u->sq_tail, idx = tail & *u->sq_mask, head;
	struct io_uring_sqe *sqe = &u->sqes[idx];
	unsigned int enter = IORING_ENTER_GETEVENTS;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_SENDMSG;
	sqe->flags = sqe_flags;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)msg;
	sqe->len = 1;
	sqe->msg_flags = MSG_NOSIGNAL | MSG_DONTWAIT;
	sqe->user_data = 42;
	u->sq_array[idx] = idx;
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (u->sqpoll)
		enter |= IORING_ENTER_SQ_WAKEUP;
	if (syscall(__NR_io_uring_enter, u->fd, 1, 1, enter, NULL, 0) < 0)
		return -errno;
	head = *u->cq_head;
	if (head == __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
		return -EIO;
	*res = u->cqes[head & *u->cq_mask].res;
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

struct grant_msg {
	struct cg_req req;
	struct msghdr msg;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(struct credgrant_req))];
		struct cmsghdr align;
	} ctl;
};

static void grant_msg_init(struct grant_msg *m, uint32_t kind, uint32_t uid)
{
	struct cmsghdr *c;

	memset(m, 0, sizeof(*m));
	cg_req_init(&m->req, kind, uid, 0, 0, NULL, 0);
	m->iov.iov_base = MSG;
	m->iov.iov_len = MSGLEN;
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = m->ctl.buf;
	m->msg.msg_controllen = sizeof(m->ctl.buf);
	c = CMSG_FIRSTHDR(&m->msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDGRANT;
	c->cmsg_len = CMSG_LEN(m->req.len);
	memcpy(CMSG_DATA(c), m->req.buf, m->req.len);
}

/*
 * Rings set up as root, then the process drops to uid 1000: SQPOLL and
 * io-wq submissions must not issue with the ring creator's credentials.
 */
TEST_F(h, io_uring_sqpoll_and_async_use_submitter_creds)
{
	struct cg_ids ids = cg_ids_plain(1000, 1000, 0);
	struct uring sq, plain;
	struct grant_msg m;
	struct cg_rcv rcv;
	int ret, res = 0, n = 0;

	ret = uring_init(&sq, true);
	if (ret == -ENOSYS)
		SKIP(return, "io_uring_setup: ENOSYS: the kernel needs CONFIG_IO_URING=y for this test");
	ASSERT_EQ(0, ret) TH_LOG("io_uring_setup(SQPOLL): %s", strerror(-ret));
	ASSERT_EQ(0, uring_init(&plain, false));
	ASSERT_EQ(0, cg_become(&ids));

	grant_msg_init(&m, CREDGRANT_UID, 0);
	ASSERT_EQ(0, uring_sendmsg(&sq, self->s, &m.msg, 0, &res));
	EXPECT_EQ(-EPERM, res) TH_LOG("uid 1000, SQPOLL ring of root, IORING_OP_SENDMSG uid-0 grant: %d (%s)",
				      res, res < 0 ? strerror(-res) : "sent");
	if (res == MSGLEN) {
		RECV_GRANT(self->r, MSG, &rcv);
		n++;
		TH_LOG("hole: uid 1000 issued through SQPOLL: uid %u, granter_uid %u",
		       cg_desc(&rcv)->uid, cg_desc(&rcv)->granter_uid);
	}
	grant_msg_init(&m, CREDGRANT_UID, 0);
	ASSERT_EQ(0, uring_sendmsg(&sq, self->s, &m.msg, IOSQE_ASYNC, &res));
	EXPECT_EQ(-EPERM, res) TH_LOG("uid 1000, SQPOLL ring, IOSQE_ASYNC uid-0 grant: %d (%s)",
				      res, res < 0 ? strerror(-res) : "sent");
	if (res == MSGLEN) {
		RECV_GRANT(self->r, MSG, &rcv);
		n++;
		TH_LOG("hole: uid 1000 issued through io-wq: uid %u, granter_uid %u",
		       cg_desc(&rcv)->uid, cg_desc(&rcv)->granter_uid);
	}
	/* inline, no personality: the task's own (new) credentials */
	grant_msg_init(&m, CREDGRANT_UID, CREDGRANT_SELF);
	ASSERT_EQ(0, uring_sendmsg(&plain, self->s, &m.msg, 0, &res));
	EXPECT_EQ(MSGLEN, res) TH_LOG("inline io_uring sendmsg: %s",
				      strerror(-res));
	if (res == MSGLEN) {
		RECV_GRANT(self->r, MSG, &rcv);
		EXPECT_EQ(1000, cg_desc(&rcv)->uid);
		EXPECT_EQ(1000, cg_desc(&rcv)->granter_uid);
		n++;
	}
	EXPECT_EMPTY(self->r);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 0);
	TH_LOG("%d grants issued through io_uring", n);
	close(sq.fd);
	close(plain.fd);
}

static void attach_drop_all(struct __test_metadata *_metadata, int fd)
{
	struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = code };

	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
				sizeof(prog))) TH_LOG("%s", strerror(errno));
}

/* A filter that drops everything does not skip the opt-in check. */
TEST_F(h, socket_filter_without_optin_eperm)
{
	struct cg_req req;
	int sv[2];
	ssize_t n;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	attach_drop_all(_metadata, sv[1]);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	errno = 0;
	n = cg_send_grant(sv[0], MSG, MSGLEN, &req, MSG_DONTWAIT);
	EXPECT_EQ(-1, n) TH_LOG("sendmsg with a grant to a dgram receiver without SO_PASSCREDGRANT and a drop-all filter returned %zd",
				n);
	EXPECT_EQ(EPERM, errno);
	EXPECT_COUNTERS(&self->before, 0, 0, 0, 0, 0);
	close(sv[0]);
	close(sv[1]);
}

/* ... and a grant the filter drops was issued, then dropped: counted. */
TEST_F(h, socket_filter_drop_counted)
{
	struct cg_req req;
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	ASSERT_EQ(0, cg_set_passcredgrant(sv[1], 1));
	attach_drop_all(_metadata, sv[1]);
	cg_req_init(&req, CREDGRANT_UID, 1234, 0, 0, NULL, 0);
	SEND_OK(sv[0], MSG, &req);
	EXPECT_EMPTY(sv[1]);
	EXPECT_COUNTERS(&self->before, 1, 0, 0, 0, 1);
	close(sv[0]);
	close(sv[1]);
}

/* CAP_NET_ADMIN alone does not set the credgrant sysctls. */
static void netadmin_main(int cmd, int rep, void *arg)
{
	struct cg_ids ids = cg_ids_plain(1000, 1000, CG_CAP(CAP_NET_ADMIN));
	const char *path = arg;
	struct hrep h;
	long fd, n;

	if (cg_become(&ids) || ch_wait(cmd) != 'g')
		_exit(1);
	errno = 0;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	hrep_fill(&h, 'w', fd, fd < 0 ? errno : 0);
	if (fd >= 0) {
		errno = 0;
		n = write(fd, "4321\n", 5);
		h.ret2 = n;
		h.err2 = n < 0 ? errno : 0;
		close(fd);
	}
	cg_write_full(rep, &h, sizeof(h));
	_exit(0);
}

TEST_F(h, sysctl_needs_cap_sys_admin)
{
	static const char path[] = CG_SYSCTL_DIR CG_TTL_MAX;
	unsigned long v = 0;
	struct hrep h;
	struct kid k;

	save_sysctl(_metadata, self, 1, path);
	KID_START(&k, netadmin_main, (void *)path);
	ASSERT_EQ(0, kid_call(&k, 'g', &h));
	ASSERT_EQ(0, kid_end(&k));
	EXPECT_LE(0, h.ret) TH_LOG("uid 1000 with CAP_NET_ADMIN: open(%s, O_WRONLY): %s",
				   path, strerror(h.err));
	EXPECT_EQ(-1, h.ret2) TH_LOG("uid 1000 with only CAP_NET_ADMIN wrote %s (%lld)",
				     path, (long long)h.ret2);
	EXPECT_EQ(EPERM, h.err2) TH_LOG("write: %s", strerror(h.err2));
	ASSERT_EQ(0, cg_read_ulong_file(path, &v));
	EXPECT_NE(4321, v) TH_LOG("hole: %s is now 4321", path);
	/* root (CAP_SYS_ADMIN) still can */
	ASSERT_EQ(0, cg_write_file(path, "4322\n"));
	ASSERT_EQ(0, cg_read_ulong_file(path, &v));
	EXPECT_EQ(4322, v);
}

/* /proc/net/credgrant: host counters only in the initial net namespace. */
static void netns_main(int cmd, int rep, void *arg)
{
	char text[1024] = "";
	struct hrep h;
	long fd;

	(void)arg;
	if (ch_wait(cmd) != 'g')
		_exit(1);
	if (unshare(CLONE_NEWNET)) {
		hrep_send(rep, 'u', -1, errno);
		_exit(0);
	}
	errno = 0;
	fd = open(CG_COUNTERS, O_RDONLY | O_CLOEXEC);
	hrep_fill(&h, 'o', fd, fd < 0 ? errno : 0);
	if (fd >= 0) {
		h.ret2 = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	cg_write_full(rep, &h, sizeof(h));
	if (fd >= 0)
		cg_write_full(rep, text, sizeof(text));
	_exit(0);
}

TEST_F(h, proc_net_credgrant_initial_netns_only)
{
	char text[1024];
	struct hrep h;
	struct kid k;
	int fd;

	fd = open(CG_COUNTERS, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("in the initial net namespace: %s",
				strerror(errno));
	close(fd);
	KID_START(&k, netns_main, NULL);
	ASSERT_EQ(0, kid_call(&k, 'g', &h));
	ASSERT_EQ('o', h.step) TH_LOG("unshare(CLONE_NEWNET): %s",
				      strerror(h.err));
	EXPECT_EQ(-1, h.ret) TH_LOG("a new net namespace opened " CG_COUNTERS);
	EXPECT_EQ(ENOENT, h.err) TH_LOG("%s", strerror(h.err));
	if (h.ret >= 0) {
		ASSERT_EQ(0, cg_read_full(k.rep, text, sizeof(text)));
		TH_LOG("hole: a new net namespace reads the host counters: %s",
		       text);
	}
	ASSERT_EQ(0, kid_end(&k));
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
