/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the long-running suites (stress.c, fuzz.c,
 * faultinject.c): a seeded PRNG, parameters from the environment, the
 * deliberate-break switch that proves each check can fail, and bounded
 * polls on /proc/net/credgrant.  Include after credgrant_util.h.
 *
 * Parameters (environment; in `make check` they can be set on the guest
 * kernel command line, e.g. VM_APPEND="CREDPASS_STRESS_SECONDS=300", since
 * the kernel passes unknown NAME=VALUE words to init's environment):
 *   CREDPASS_SEED            seed of stress and fuzz (default: from the clock;
 *                            always printed)
 *   CREDPASS_BREAK           name of one check to break on purpose (see
 *                            cg_break() callers); the suite must then fail
 */
#ifndef CG_STRESS_H
#define CG_STRESS_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* PRNG: splitmix64, one state per thread or process                    */

struct cg_rng {
	uint64_t s;
};

static inline uint64_t cg_rng_next(struct cg_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static inline uint32_t cg_rng_below(struct cg_rng *r, uint32_t n)
{
	return (uint32_t)(((cg_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability pct percent. */
static inline bool cg_rng_pct(struct cg_rng *r, uint32_t pct)
{
	return cg_rng_below(r, 100) < pct;
}

static inline struct cg_rng cg_rng_derive(uint64_t seed, uint64_t stream)
{
	struct cg_rng r = { .s = seed ^ (stream * 0xd1342543de82ef95ULL) };

	cg_rng_next(&r);
	return r;
}

/* ------------------------------------------------------------------ */
/* parameters                                                           */

static inline unsigned long cg_env_ulong(const char *name, unsigned long def)
{
	const char *v = getenv(name);
	char *end;
	unsigned long x;

	if (!v || !*v)
		return def;
	errno = 0;
	x = strtoul(v, &end, 0);
	if (errno || *end)
		return def;
	return x;
}

/* The run's seed: CREDPASS_SEED, else one from the clock. */
static inline uint64_t cg_seed(void)
{
	const char *v = getenv("CREDPASS_SEED");
	struct timespec ts;

	if (v && *v)
		return strtoull(v, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec ^
	       ((uint64_t)getpid() << 32);
}

/* Is the named check to be broken on purpose (CREDPASS_BREAK=name)? */
static inline bool cg_break(const char *name)
{
	const char *v = getenv("CREDPASS_BREAK");

	return v && !strcmp(v, name);
}

static inline uint64_t cg_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* counters                                                             */

/*
 * Poll /proc/net/credgrant until outstanding is back to want, at most
 * bound_ms (1 ms steps).  0 when reached; -ETIMEDOUT, or the read error.
 * *last holds the last reading.
 */
static inline int cg_wait_outstanding(uint64_t want, uint64_t bound_ms,
				      struct cg_counters *last)
{
	uint64_t end = cg_mono_ms() + bound_ms;
	int ret;

	for (;;) {
		ret = cg_counters_read(last);
		if (ret)
			return ret;
		if (last->outstanding == want)
			return 0;
		if (cg_mono_ms() >= end)
			return -ETIMEDOUT;
		cg_poll_pause();
	}
}

#define CG_COUNTERS_FMT \
	"issued %llu accepted %llu rejected %llu expired %llu dropped %llu outstanding %llu"
#define CG_COUNTERS_ARGS(c) \
	(unsigned long long)(c)->issued, (unsigned long long)(c)->accepted, \
	(unsigned long long)(c)->rejected, (unsigned long long)(c)->expired, \
	(unsigned long long)(c)->dropped, (unsigned long long)(c)->outstanding

/* Is errno e in the zero-terminated list? */
static inline bool cg_errno_in(int e, const int *allowed)
{
	for (; *allowed; allowed++)
		if (*allowed == e)
			return true;
	return false;
}

/* Same ids: the three uids, three gids and the group list. */
static inline bool cg_ids_same(const struct cg_idset *a,
			       const struct cg_idset *b)
{
	int i;

	if (a->ruid != b->ruid || a->euid != b->euid || a->suid != b->suid ||
	    a->fsuid != b->fsuid || a->rgid != b->rgid || a->egid != b->egid ||
	    a->sgid != b->sgid || a->fsgid != b->fsgid ||
	    a->ngroups != b->ngroups)
		return false;
	for (i = 0; i < a->ngroups && i < CG_MAX_GROUPS; i++)
		if (a->groups[i] != b->groups[i])
			return false;
	return true;
}

/* Only what cg_ids_same() compares: cheap enough for every call. */
static inline int cg_get_ids_light(struct cg_idset *s)
{
	uid_t r, e, sv;
	gid_t gr, ge, gs, groups[CG_MAX_GROUPS];
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
	s->fsuid = syscall(SYS_setfsuid, -1);
	s->fsgid = syscall(SYS_setfsgid, -1);
	n = getgroups(CG_MAX_GROUPS, groups);
	if (n < 0)
		return -errno;
	s->ngroups = n;
	for (i = 0; i < n; i++)
		s->groups[i] = groups[i];
	return 0;
}

static inline int cg_ids_fmt(char *buf, size_t len, const struct cg_idset *s)
{
	int n = snprintf(buf, len, "uid %u/%u/%u/%u gid %u/%u/%u/%u groups",
			 s->ruid, s->euid, s->suid, s->fsuid, s->rgid, s->egid,
			 s->sgid, s->fsgid);
	int i;

	for (i = 0; i < s->ngroups && i < CG_MAX_GROUPS && n < (int)len; i++)
		n += snprintf(buf + n, len - n, " %u", s->groups[i]);
	if (!s->ngroups && n < (int)len)
		n += snprintf(buf + n, len - n, " (none)");
	return n;
}

#endif /* CG_STRESS_H */
