/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credpass: the grant object, private to kernel/credpass/.
 */
#ifndef _KERNEL_CREDPASS_GRANT_H
#define _KERNEL_CREDPASS_GRANT_H

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/credpass.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/uidgid.h>

/*
 * Where a grant is: the low bits of cred_grant.life (see "Locking and
 * references" at the top of grant.c). Every change is a cmpxchg of the
 * whole word, so that it never interleaves with a change of the fate.
 *
 * NEW:    built by sendmsg, quota charged, carried by the scm cookie and
 *         then by the skb; not counted yet.
 * QUEUED: on the receiving socket's queue: counted issued and outstanding,
 *         expiry timer armed; still carried by the skb.
 * BOUND:  delivered by recvmsg: on the socket's pending list (or, once
 *         expired, its marker list), on the receiving process's list and
 *         in the id table.
 * TAKEN:  claimed by acceptid, which alone decides its fate: the timer
 *         may no longer expire it.
 * GONE:   claimed by a drop (close, exec, exit, failed delivery, marker
 *         eviction) or let go by its carrier or by acceptid: nobody else
 *         can reach it; only references remain.
 *
 * An expired grant (QUEUED or BOUND) is a tombstone: its group list is
 * freed and its description shows no groups.
 */
enum credgrant_state {
	CG_NEW,
	CG_QUEUED,
	CG_BOUND,
	CG_TAKEN,
	CG_GONE,
};

/* What finally happened to an issued grant (the high bits of life). */
enum credgrant_fate {
	CG_LIVE,
	CG_ACCEPTED,
	CG_REJECTED,
	CG_EXPIRED,
	CG_DROPPED,
};

#define CG_STATE_BITS	3
#define CG_STATE_MASK	((1 << CG_STATE_BITS) - 1)

static inline int cg_life(enum credgrant_state state, enum credgrant_fate fate)
{
	return state | fate << CG_STATE_BITS;
}

static inline enum credgrant_state cg_life_state(int life)
{
	return life & CG_STATE_MASK;
}

static inline enum credgrant_fate cg_life_fate(int life)
{
	return life >> CG_STATE_BITS;
}

/*
 * The grants of one receiving socket (credgrant_sock.q), allocated at the
 * first one bound there. Referenced by the socket until it is released
 * and by every grant bound there until the grant is freed.
 */
struct cg_sockq {
	refcount_t ref;
	spinlock_t lock;		/* the lists, nr_markers; BHs off */
	struct list_head pending;	/* BOUND grants, oldest first */
	struct list_head markers;	/* expired BOUND grants, oldest first */
	unsigned int nr_markers;
};

/*
 * Grants bound to one process (thread group), from signal_struct.credgrant.
 * Referenced by the process until its exit and by every grant bound to it
 * until the grant is freed.
 */
struct credgrant_owner {
	refcount_t ref;
	spinlock_t lock;		/* grants; BHs off; after cg_sockq.lock */
	struct list_head grants;	/* pending grants and markers */
};

/*
 * 240 bytes on x86_64 without lock debugging (17 to a slab page): the
 * description the receiver was shown is kept as a keyed hash, the issue
 * time is derived from the deadline and the lifetime, and the RCU head of
 * a freed grant reuses its socket list node.
 */
struct cred_grant {
	refcount_t ref;
	atomic_t life;			/* cg_life(state, fate) */
	spinlock_t lock;		/* groups, against the tombstoning timer */
	u32 ttl_ms;			/* lifetime, fixed at create */
	int fate_err;			/* what decided the fate, for audit */
	u32 kind;
	bool marker;			/* on the marker list; under sockq->lock */
	bool staged;			/* accepted for the next execve */
	u32 ngroups;			/* as issued, for audit records */
	u64 id;
	u64 expires_ns;			/* CLOCK_BOOTTIME; issued ttl_ms before */
	kuid_t uid;
	kgid_t gid;
	/*
	 * Sorted; NULL unless CREDGRANT_GROUPS, and NULL again in a
	 * tombstone. Read under @lock while the timer may still expire the
	 * grant (QUEUED, BOUND); fixed once NEW or TAKEN.
	 */
	struct group_info *groups;

	/* The granter, at send. */
	kuid_t granter_euid;
	kgid_t granter_egid;
	struct pid *granter_tgid;
	pid_t granter_pid_init;		/* for audit records */
	/*
	 * The audit subject: the granter's loginuid and session, real uid
	 * and tgid (initial namespaces), or the subject it acts for itself.
	 */
	kuid_t granter_auid;
	unsigned int granter_ses;
	kuid_t origin_uid;
	pid_t origin_pid;
	pid_t receiver_pid_init;	/* for audit records */

	/* Quota: the issuer's UCOUNT_CREDGRANTS while live. */
	struct ucounts *ucounts;
	/* Where the issuer's privilege was checked: acceptable there and below. */
	struct user_namespace *issuer_ns;

	/* The receiver, once bound; both referenced until the grant is freed. */
	struct cg_sockq *sockq;
	union {
		struct list_head cs_node;	/* under sockq->lock */
		struct rcu_head rcu;		/* freeing: on no list any more */
	};
	struct credgrant_owner *owner;
	struct list_head owner_node;	/* under owner->lock */
	u64 exec_id;
	struct user_namespace *exec_ns;	/* staged: where acceptid checked it */
	struct rhash_head hnode;

	/*
	 * The fixed part of the description the receiver was shown, as a
	 * keyed hash (cg_desc_hash()); groups are compared live.
	 */
	u64 desc_hash;

	struct timer_list timer;
};

/* A parsed request, before any privilege check. */
struct credgrant_request {
	u32 kind;
	u32 uid;
	u32 gid;
	u32 ttl_ms;
	u32 ngroups;
	const u32 *groups;	/* points into the caller's buffer */
};

ssize_t credgrant_fixed_len(const void *buf, size_t len, size_t known,
			    u32 ngroups);
int credgrant_parse_request(const void *buf, size_t len,
			    struct credgrant_request *req);
u32 credgrant_ttl_ms(u32 ttl_ms, u32 ttl_default_ms, u32 ttl_max_ms);
bool credgrant_expired(const struct cred_grant *g, u64 now_ns);
int credgrant_check_expect(const struct credgrant *expect, size_t size,
			   const struct cred_grant *g);
int credgrant_set_ids(const struct cred_grant *g, struct cred *new);
int credgrant_apply(const struct cred_grant *g, struct cred *new);
bool credgrant_uid_is_own(const struct cred *c, kuid_t uid);
bool credgrant_gid_is_own(const struct cred *c, kgid_t gid);
bool credgrant_groups_equal(const struct group_info *a,
			    const struct group_info *b);

/* Lookup and fate, for acceptid. */
bool credgrant_check_expired(struct cred_grant *g, u64 now);
void credgrant_finish(struct cred_grant *g, enum credgrant_fate fate,
		      int err);
void credgrant_audit_exec(const struct cred_grant *g, const char *op,
			  int err);
int credgrant_obo_set(const struct cred_grant *g);
int credgrant_obo_pop(void);

#endif /* _KERNEL_CREDPASS_GRANT_H */
