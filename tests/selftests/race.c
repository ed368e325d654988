// SPDX-License-Identifier: GPL-2.0
/*
 * Real races around acceptid(): two threads pinned to different CPUs,
 * released together by a barrier, on the same grant or socket; acceptid
 * against the expiry timer on another CPU; and everything at once (two
 * acceptids, close, execve and the timer).  Each round must end in exactly
 * one fate per grant, with the counters to match.
 *
 * Needs at least two online CPUs; with one it skips and says so (the
 * harness fails a boot that has fewer CPUs than it asked for).
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "credgrant_util.h"

#define ROUNDS		200

struct racer {
	pthread_t th;
	int cpu;
	pthread_barrier_t *go;
	pthread_barrier_t *done;
	/* per round, set by the main thread before releasing */
	int op;			/* RACE_ACCEPT, RACE_CLOSE */
	int fd;
	const void *desc;
	size_t size;
	/* per round, result */
	long ret;
	int err;
	int pin_err;		/* sched_setaffinity() of the racer */
	bool quit;
};

enum { RACE_ACCEPT, RACE_CLOSE };

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void *racer_fn(void *arg)
{
	struct racer *r = arg;

	if (pin(r->cpu))
		r->pin_err = errno;
	for (;;) {
		pthread_barrier_wait(r->go);
		if (r->quit)
			break;
		errno = 0;
		if (r->op == RACE_ACCEPT)
			r->ret = cg_acceptid(r->fd, r->desc, r->size, 0);
		else
			r->ret = close(r->fd);
		r->err = r->ret ? errno : 0;
		pthread_barrier_wait(r->done);
	}
	return NULL;
}

FIXTURE(race) {
	pthread_barrier_t go, done;
	struct racer a, b;
	struct cg_counters before;
};

FIXTURE_VARIANT(race) {
	int type;
};

FIXTURE_VARIANT_ADD(race, stream) { .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(race, dgram) { .type = SOCK_DGRAM };
FIXTURE_VARIANT_ADD(race, seqpacket) { .type = SOCK_SEQPACKET };

FIXTURE_SETUP(race)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(&self->a, 0, sizeof(self->a));
	memset(&self->b, 0, sizeof(self->b));
	require_credpass(_metadata);
	if (cpus < 2)
		SKIP(return, "%ld CPU online: these races need two", cpus);
	cg_counters_fd = open(CG_COUNTERS, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, cg_counters_fd);
	ASSERT_EQ(0, pthread_barrier_init(&self->go, NULL, 3));
	ASSERT_EQ(0, pthread_barrier_init(&self->done, NULL, 3));
	self->a.cpu = 0;
	self->b.cpu = 1;
	self->a.go = self->b.go = &self->go;
	self->a.done = self->b.done = &self->done;
	ASSERT_EQ(0, pthread_create(&self->a.th, NULL, racer_fn, &self->a));
	ASSERT_EQ(0, pthread_create(&self->b.th, NULL, racer_fn, &self->b));
	ASSERT_EQ(0, cg_counters_now(&self->before));
}

FIXTURE_TEARDOWN(race)
{
	struct cg_counters c;

	if (!self->a.th)
		return;
	self->a.quit = self->b.quit = true;
	pthread_barrier_wait(&self->go);
	pthread_join(self->a.th, NULL);
	pthread_join(self->b.th, NULL);
	EXPECT_EQ(0, self->a.pin_err);
	EXPECT_EQ(0, self->b.pin_err);
	EXPECT_EQ(0, cg_counters_now(&c));
	expect_balanced(_metadata, &c);
}

/* One round: both racers run at once; the main thread waits for both. */
static void run_round(FIXTURE_DATA(race) *self)
{
	pthread_barrier_wait(&self->go);
	pthread_barrier_wait(&self->done);
}

static void socketpair_optin(struct __test_metadata *_metadata, int type,
			     int *s, int *r)
{
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, type, 0, sv));
	*s = sv[0];
	*r = sv[1];
	ASSERT_EQ(0, cg_set_passcredgrant(*r, 1));
}

/* Send a uid-0 grant (the suite runs as root: no change, no gain). */
static void issue_recv(struct __test_metadata *_metadata, int s, int r,
		       uint32_t ttl_ms, struct cg_rcv *rcv)
{
	struct cg_req req;

	cg_req_init(&req, CREDGRANT_UID, 0, 0, ttl_ms, NULL, 0);
	char buf[MSGLEN];

	ASSERT_EQ(MSGLEN, cg_send_grant(s, MSG, MSGLEN, &req, 0));
	ASSERT_EQ(MSGLEN, cg_recv(r, buf, sizeof(buf), 0, CG_CTRL_BIG, rcv));
	ASSERT_EQ(1, rcv->ngrants);
}

static const struct credgrant *desc_of(const struct cg_rcv *rcv)
{
	return (const struct credgrant *)rcv->desc;
}

/* The same description accepted by two CPUs at once: exactly one wins. */
TEST_F(race, same_grant_two_cpus)
{
	int s, r, i, wins = 0;
	struct cg_rcv rcv;
	struct cg_counters c;

	socketpair_optin(_metadata, variant->type, &s, &r);
	for (i = 0; i < ROUNDS; i++) {
		issue_recv(_metadata, s, r, 0, &rcv);
		self->a.op = self->b.op = RACE_ACCEPT;
		self->a.fd = self->b.fd = r;
		self->a.desc = self->b.desc = rcv.desc;
		self->a.size = self->b.size = rcv.grant_len;
		run_round(self);
		ASSERT_EQ(1, !self->a.ret + !self->b.ret)
			TH_LOG("round %d: %ld (%s) and %ld (%s)", i,
			       self->a.ret, strerror(self->a.err),
			       self->b.ret, strerror(self->b.err));
		ASSERT_EQ(ENOENT, self->a.ret ? self->a.err : self->b.err);
		wins += !self->a.ret;
		cg_rcv_close(&rcv);
	}
	TH_LOG("CPU 0 won %d of %d rounds", wins, ROUNDS);
	close(s);
	close(r);
	ASSERT_EQ(0, cg_counters_now(&c));
	EXPECT_EQ(self->before.issued + ROUNDS, c.issued);
	EXPECT_EQ(self->before.accepted + ROUNDS, c.accepted);
	EXPECT_EQ(self->before.rejected, c.rejected);
	EXPECT_EQ(self->before.dropped, c.dropped);
}

/*
 * acceptid on one CPU, close() of the socket on the other: the grant is
 * accepted (the lookup came first) or dropped with the socket, never both,
 * never neither.
 */
TEST_F(race, accept_vs_close)
{
	int i, s, r, d, accepted = 0, dropped = 0;
	struct cg_counters c, prev;
	struct cg_rcv rcv;

	for (i = 0; i < ROUNDS; i++) {
		socketpair_optin(_metadata, variant->type, &s, &r);
		issue_recv(_metadata, s, r, 0, &rcv);
		/* the racer closes a duplicate: the last reference to r */
		d = dup(r);
		ASSERT_LE(0, d);
		ASSERT_EQ(0, close(r));
		ASSERT_EQ(0, cg_counters_now(&prev));
		self->a.op = RACE_ACCEPT;
		self->a.fd = d;
		self->a.desc = rcv.desc;
		self->a.size = rcv.grant_len;
		self->b.op = RACE_CLOSE;
		self->b.fd = d;
		run_round(self);
		ASSERT_EQ(0, self->b.ret);
		ASSERT_EQ(0, cg_counters_now(&c));
		if (!self->a.ret) {
			accepted++;
			EXPECT_EQ(prev.accepted + 1, c.accepted);
			EXPECT_EQ(prev.dropped, c.dropped);
		} else {
			/* closed before the lookup: the close dropped it */
			ASSERT_EQ(EBADF, self->a.err)
				TH_LOG("round %d: %s", i, strerror(self->a.err));
			dropped++;
			EXPECT_EQ(prev.accepted, c.accepted);
			EXPECT_EQ(prev.dropped + 1, c.dropped);
		}
		EXPECT_EQ(prev.outstanding - 1, c.outstanding);
		cg_rcv_close(&rcv);
		close(s);
	}
	TH_LOG("%d accepted, %d dropped by the close", accepted, dropped);
}

/*
 * acceptid on one CPU while the grant's expiry timer fires on the other:
 * a 0 is an accepted grant, ETIME an expired one; nothing else, and the
 * counters say the same as the return value every time.
 */
TEST_F(race, accept_vs_expiry)
{
	int i, s, r, ok = 0, late = 0, early = 0;
	struct cg_counters c, prev, base;
	struct cg_rcv rcv;
	uint64_t now, at;

	/* this thread issues on CPU 1, so the timer is armed there */
	ASSERT_EQ(0, pin(1));
	socketpair_optin(_metadata, variant->type, &s, &r);
	for (i = 0; i < ROUNDS; i++) {
		ASSERT_EQ(0, cg_counters_now(&base));
		issue_recv(_metadata, s, r, 20, &rcv);
		ASSERT_EQ(0, cg_counters_now(&prev));
		if (prev.expired != base.expired) {
			/* a slow kernel: expired before the race was set up */
			EXPECT_EQ(-1, cg_acceptid(r, rcv.desc, rcv.grant_len, 0));
			EXPECT_EQ(ETIME, errno);
			ASSERT_EQ(0, cg_counters_now(&c));
			EXPECT_EQ(prev.expired, c.expired);
			EXPECT_EQ(prev.outstanding, c.outstanding);
			cg_rcv_close(&rcv);
			early++;
			continue;
		}
		/* aim from 1.5 ms before to 0.5 ms after the expiry */
		at = desc_of(&rcv)->expires_ns - 1500000 + (i % 20) * 100000;
		do
			now = cg_boottime_ns();
		while (now < at);
		self->a.op = RACE_ACCEPT;
		self->a.fd = r;
		self->a.desc = rcv.desc;
		self->a.size = rcv.grant_len;
		self->b.op = RACE_ACCEPT;	/* a second racer: ENOENT */
		self->b.fd = r;
		self->b.desc = rcv.desc;
		self->b.size = rcv.grant_len;
		run_round(self);
		ASSERT_EQ(0, cg_counters_now(&c));
		/* one racer found the grant, the other ENOENT */
		EXPECT_TRUE(self->a.ret == 0 || self->a.err == ENOENT ||
			    self->a.err == ETIME);
		EXPECT_TRUE(self->b.ret == 0 || self->b.err == ENOENT ||
			    self->b.err == ETIME);
		EXPECT_EQ(1, (self->a.err != ENOENT) + (self->b.err != ENOENT))
			TH_LOG("round %d: %s / %s", i, strerror(self->a.err),
			       strerror(self->b.err));
		if (!self->a.ret || !self->b.ret) {
			ok++;
			EXPECT_EQ(prev.accepted + 1, c.accepted);
			EXPECT_EQ(prev.expired, c.expired);
		} else {
			late++;
			EXPECT_EQ(prev.accepted, c.accepted);
			EXPECT_EQ(prev.expired + 1, c.expired);
		}
		EXPECT_EQ(prev.outstanding - 1, c.outstanding);
		cg_rcv_close(&rcv);
	}
	TH_LOG("%d accepted in time, %d too late, %d expired before the race",
	       ok, late, early);
	close(s);
	close(r);
}

/*
 * Everything at once on one grant. A child process receives it; one of
 * its threads calls acceptid, another closes the child's descriptor of the
 * receiving socket, and its main thread execs /bin/true (which kills the
 * threads it finds still running and drops the process's pending grants).
 * At the same time this process's racers call acceptid on the same socket
 * (another process: a claim that ends in EPERM) and close this process's
 * descriptor, so the last close drops what is left on the socket; and the
 * grant's expiry timer fires around the same moment. Each party starts
 * after its own delay, different every round. Whichever wins, the grant
 * gets exactly one fate, the one the calls that returned reported (0:
 * accepted; ETIME: expired; EPERM: rejected, or expired when the timer
 * came first), and nothing is left outstanding once the child is reaped.
 */
#define ALL_ROUNDS	60

enum { ALL_TAKE, ALL_CLOSE, ALL_RACERS };

struct all_shared {
	long ret[ALL_RACERS];
	int err[ALL_RACERS];
	int done[ALL_RACERS];
	int ready;		/* the child has the grant: at and desc are set */
	int setup;		/* the child's step that failed, or 0 */
	int setup_err;
	uint64_t at;
	uint32_t desc_len;
	uint64_t desc[(CG_DESC_MAX + 7) / 8];
};

struct all_racer {
	pthread_t th;
	int which;
	int fd;
	uint64_t at;
	pthread_barrier_t *go;
	struct all_shared *sh;
};

static void spin_until(uint64_t at)
{
	while (cg_boottime_ns() < at)
		;
}

/* 0 to 350 us in steps of 50, different for each party and round */
static uint64_t all_delay(int round, int party)
{
	return ((round * 7 + party * 5) % 8) * 50000ULL;
}

static void *all_racer_fn(void *arg)
{
	struct all_racer *r = arg;
	long ret;

	pin(r->which & 1);
	pthread_barrier_wait(r->go);
	spin_until(r->at);
	errno = 0;
	if (r->which == ALL_CLOSE)
		ret = close(r->fd);
	else
		ret = cg_acceptid(r->fd, r->sh->desc, r->sh->desc_len, 0);
	r->sh->err[r->which] = ret ? errno : 0;
	r->sh->ret[r->which] = ret;
	__atomic_store_n(&r->sh->done[r->which], 1, __ATOMIC_RELEASE);
	return NULL;
}

static void __attribute__((noreturn))
all_child(int r, int round, struct all_shared *sh)
{
	static char *const argv[] = { "true", NULL };
	static struct all_racer racers[ALL_RACERS];
	static struct cg_rcv rcv;
	pthread_barrier_t go;
	char buf[MSGLEN];
	int i;

	sh->setup = 1;
	if (cg_recv(r, buf, sizeof(buf), 0, CG_CTRL_BIG, &rcv) != MSGLEN ||
	    rcv.ngrants != 1 || rcv.grant_len > sizeof(sh->desc)) {
		sh->setup_err = rcv.ret < 0 ? rcv.err : EPROTO;
		_exit(1);
	}
	memcpy(sh->desc, rcv.desc, rcv.grant_len);
	sh->desc_len = rcv.grant_len;
	/* from 1.5 ms before to 0.5 ms after the expiry, as accept_vs_expiry */
	sh->at = desc_of(&rcv)->expires_ns - 1500000 + (round % 20) * 100000;
	sh->setup = 2;
	if (pthread_barrier_init(&go, NULL, ALL_RACERS + 1)) {
		sh->setup_err = EAGAIN;
		_exit(1);
	}
	for (i = 0; i < ALL_RACERS; i++) {
		racers[i].which = i;
		racers[i].fd = r;
		racers[i].at = sh->at + all_delay(round, i);
		racers[i].go = &go;
		racers[i].sh = sh;
		sh->setup = 3;
		if (pthread_create(&racers[i].th, NULL, all_racer_fn,
				   &racers[i])) {
			sh->setup_err = EAGAIN;
			_exit(1);
		}
	}
	pin(1);
	sh->setup = 0;
	__atomic_store_n(&sh->ready, 1, __ATOMIC_RELEASE);
	pthread_barrier_wait(&go);
	spin_until(sh->at + all_delay(round, ALL_RACERS));
	execv("/bin/true", argv);
	sh->setup = 4;
	sh->setup_err = errno;
	_exit(1);
}

TEST_F_TIMEOUT(race, take_expiry_close_exec, 240)
{
	int i, n, s, r, status, taken = 0, etime = 0, rejected = 0, none = 0;
	int late = 0;
	uint32_t ttl_ms = 20;
	struct cg_counters c, prev;
	struct all_shared *sh;
	struct cg_req req;
	uint64_t limit;
	pid_t pid;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	for (i = 0; i < ALL_ROUNDS; i++) {
		cg_req_init(&req, CREDGRANT_UID, 0, 0, ttl_ms, NULL, 0);
		memset(sh, 0, sizeof(*sh));
		socketpair_optin(_metadata, variant->type, &s, &r);
		ASSERT_EQ(0, cg_counters_now(&prev));
		ASSERT_EQ(MSGLEN, cg_send_grant(s, MSG, MSGLEN, &req, 0));
		pid = cg_fork();
		ASSERT_LE(0, pid);
		if (!pid)
			all_child(r, i, sh);
		/* this process's racers: acceptid from another process, close */
		limit = cg_boottime_ns() + 10000000000ULL;
		while (!__atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE) &&
		       !sh->setup_err && cg_boottime_ns() < limit)
			;
		/*
		 * A slow kernel (KASAN) may take longer than the ttl to fork
		 * and receive: the race then comes after the expiry. Give
		 * the next rounds more time.
		 */
		if (sh->ready && cg_boottime_ns() > sh->at) {
			late++;
			if (ttl_ms < 320)
				ttl_ms *= 2;
		}
		if (sh->ready) {
			self->a.op = RACE_ACCEPT;
			self->a.fd = r;
			self->a.desc = sh->desc;
			self->a.size = sh->desc_len;
			self->b.op = RACE_CLOSE;
			self->b.fd = r;
			/* 0 to 1.9 ms after the child's start: into its exec */
			spin_until(sh->at + ((i * 13) % 20) * 100000ULL);
			run_round(self);
		} else {
			close(r);
		}
		status = cg_wait(pid);
		ASSERT_EQ(0, sh->setup)
			TH_LOG("round %d: child step %d: %s", i, sh->setup,
			       strerror(sh->setup_err));
		ASSERT_EQ(0, status) TH_LOG("round %d: /bin/true: %d", i, status);
		ASSERT_EQ(0, self->b.ret);
		ASSERT_EQ(0, cg_counters_now(&c));
		expect_balanced(_metadata, &c);
		EXPECT_EQ(prev.issued + 1, c.issued);
		EXPECT_EQ(prev.outstanding, c.outstanding);
		EXPECT_EQ(1, (c.accepted - prev.accepted) +
			     (c.rejected - prev.rejected) +
			     (c.expired - prev.expired) +
			     (c.dropped - prev.dropped))
			TH_LOG("round %d: accepted +%llu, rejected +%llu, expired +%llu, dropped +%llu",
			       i,
			       (unsigned long long)(c.accepted - prev.accepted),
			       (unsigned long long)(c.rejected - prev.rejected),
			       (unsigned long long)(c.expired - prev.expired),
			       (unsigned long long)(c.dropped - prev.dropped));
		/* what the acceptids that returned said */
		n = 0;
		if (sh->done[ALL_TAKE]) {
			if (!sh->ret[ALL_TAKE]) {
				n++;
				EXPECT_EQ(prev.accepted + 1, c.accepted);
			} else if (sh->err[ALL_TAKE] == ETIME) {
				n++;
				EXPECT_EQ(prev.expired + 1, c.expired);
			} else {
				EXPECT_TRUE(sh->err[ALL_TAKE] == ENOENT ||
					    sh->err[ALL_TAKE] == EBADF)
					TH_LOG("round %d: acceptid: %s", i,
					       strerror(sh->err[ALL_TAKE]));
			}
		}
		if (self->a.ret && self->a.err == EPERM) {
			n++;
			EXPECT_EQ(1, (c.rejected - prev.rejected) +
				     (c.expired - prev.expired))
				TH_LOG("round %d: EPERM, yet neither rejected nor expired",
				       i);
		} else {
			/* EBADF: this process's close came first */
			EXPECT_EQ(-1, self->a.ret);
			EXPECT_TRUE(self->a.err == ENOENT || self->a.err == EBADF)
				TH_LOG("round %d: acceptid from another process: %s",
				       i, strerror(self->a.err));
		}
		EXPECT_GE(1, n) TH_LOG("round %d: two acceptids found it", i);
		if (sh->done[ALL_CLOSE])
			EXPECT_EQ(0, sh->ret[ALL_CLOSE]);
		if (c.accepted != prev.accepted)
			taken++;
		else if (c.rejected != prev.rejected)
			rejected++;
		else if (c.expired != prev.expired)
			etime++;
		else
			none++;
		close(s);
	}
	TH_LOG("%d accepted, %d rejected (EPERM), %d expired, %d dropped (close or exec); %d rounds set up after the expiry, ttl %u ms at the end",
	       taken, rejected, etime, none, late, ttl_ms);
	munmap(sh, sizeof(*sh));
}

TEST_HARNESS_MAIN
