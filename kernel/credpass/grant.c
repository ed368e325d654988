// SPDX-License-Identifier: GPL-2.0
/*
 * credpass: credential grants issued by the kernel.
 *
 * A grant is built from an SCM_CREDGRANT request at sendmsg, counted as
 * issued when it is queued to a receiver that opted in, bound to the
 * receiving socket and process when recvmsg delivers its description, and
 * ends exactly once: accepted, rejected, expired or dropped.  No lock is
 * global: each grant's life is one atomic word, the grants of a socket and
 * of a process have a lock each, the id table is read under RCU, and the
 * counters are per CPU (see "Locking and references" below).  Every
 * operation is O(1) in the number of outstanding grants: the id table is a
 * resizable hash table, pending grants hang off their socket and their
 * process, and each grant carries its own expiry timer.  An expired grant
 * that nobody took shrinks to a tombstone: its group list is freed at once,
 * so unread grants cost about what the messages carrying them cost; live
 * ones are bounded by the issuers' quota (UCOUNT_CREDGRANTS,
 * /proc/sys/user/max_credgrants).
 *
 * Ids are a keyed permutation of a counter: unique and never reused,
 * since the permutation is a bijection, and unpredictable, so that neither
 * a process sharing a receiving socket nor a container can guess the next
 * id or read the host's grant rate off them.
 */

/*
 * Locking and references
 *
 * A grant's life word (cred_grant.life) holds its state (NEW, QUEUED,
 * BOUND, TAKEN, GONE; grant.h) and its fate (LIVE, then ACCEPTED, REJECTED,
 * EXPIRED or DROPPED). It changes only by cmpxchg (cg_life_move(),
 * cg_life_expire()), so a change of state and a change of fate never
 * interleave:
 *
 *  - issue:  NEW -> QUEUED, by the carrier while nothing else can reach it.
 *  - bind:   QUEUED -> BOUND, by the carrier at recvmsg, fate kept.
 *  - claim:  BOUND -> TAKEN (acceptid) or BOUND -> GONE (close, exec, exit,
 *            failed delivery, eviction of the oldest marker). One claimer
 *            wins; only it unlinks the grant from its socket's list, its
 *            owner's list and the id table (others skip it).
 *  - end:    NEW/QUEUED -> GONE (the carrier lets go), TAKEN -> GONE
 *            (acceptid is done), GONE -> GONE (a dropping claimer),
 *            deciding the fate if it is still LIVE.
 *  - expire: fate LIVE -> EXPIRED while QUEUED or BOUND, by the timer only.
 *            A TAKEN grant's fate is acceptid's alone: once acceptid has
 *            claimed a grant it can apply it, and the grant is then never
 *            counted expired.
 *
 * The fate is decided once. Whoever decides it (cg_settle()) counts it,
 * releases the quota and the timer, and owes the audit record, written
 * with cg_audit_fate() once every lock is dropped.
 *
 * Locks, in this order (all with BHs off: the expiry timer takes them):
 *
 *   cg_sockq.lock           a socket's pending and marker lists and
 *                           nr_markers; cred_grant.cs_node and .marker
 *     credgrant_owner.lock  a process's list; cred_grant.owner_node
 *
 * Only credgrant_bind() nests them: it links the grant into both lists,
 * inserts it into the id table and makes it BOUND with both held, so that
 * a claimer sees all of it or none of it. Everything else holds one at a
 * time. cred_grant.lock guards cred_grant.groups against tombstoning by
 * the timer while describe/size readers look at a QUEUED or BOUND grant;
 * it nests nothing (a TAKEN or NEW grant's groups never change, so
 * acceptid, check_expect, apply and the security modules read them
 * without it). The id table is read under RCU (grants are freed after a
 * grace period) and written under its own bucket locks.
 *
 * References on a grant (cred_grant.ref), each named where it is taken:
 *
 *  - carrier: credgrant_create()'s, held by the scm cookie, then by the
 *    skb; dropped by credgrant_release(), or it becomes the binding.
 *  - binding: a BOUND grant's, held by its place on the lists and in the
 *    table; whoever claims the grant holds it from then on (acceptid until
 *    credgrant_finish(), a drop until it has unlinked the grant).
 *  - timer:  taken at issue; held while the timer is pending or running,
 *    dropped by the callback or by whoever deletes the pending timer.
 *  - peek:   MSG_PEEK's (scm_cookie.peek_grant), and recvmsg's own while
 *    it copies a description out after binding.
 *  - lookup: acceptid's, refcount_inc_not_zero() under RCU, until it has
 *    claimed the grant (then the binding is its) or given up.
 *  - staged: task_struct.credgrant_exec's, until that thread's execve or
 *    exit.
 *
 * From credgrant_bind() until it is freed, a grant holds a reference on
 * its socket's cg_sockq (the sockq reference) and on its owner (the owner
 * reference), so that its claimer can lock them after the socket was
 * released or the process exited, and so that neither address is reused
 * while a grant could be compared with it. The socket holds its cg_sockq
 * until credgrant_sock_release(), the process its owner until its exit.
 * Both drain their list without waiting: under the list's lock they claim
 * what is still BOUND and move it to a private list, skipping what another
 * claimer holds (that claimer unlinks it under the same lock); then,
 * unlocked, each claimed grant leaves the other list and the table, is
 * dropped, recorded and put.
 *
 * Counters are per CPU (cg_counts): issued, accepted, rejected, expired,
 * dropped; outstanding is issued minus the fates. issued is counted before
 * the issue transition, a fate after the transition that decided it. Every
 * transition is a fully ordered cmpxchg of the life word, and each reads
 * the value of the one before it (issue, bind, claim, end; or the timer's),
 * which the grant reached its decider through (the receive queue's lock,
 * the id table, the timer base): through that chain a grant's issued
 * increment is visible on every CPU before its fate increment is. A reader that sums
 * the fates first and issued after an smp_rmb() (credgrant_stats_read())
 * therefore finds the issue of every fate it counted: outstanding is never
 * negative, and issued = accepted + rejected + expired + dropped +
 * outstanding holds in every read by construction. A read is not one
 * instant (a grant decided while it reads may show as outstanding), which
 * the invariant does not need; no seqcount, so no writer waits for a
 * reader or another writer.
 */

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/init.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/security.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>

#include "grant.h"

/* Expired grants kept per socket so that acceptid can say ETIME. */
#define CG_MARKERS_MAX	64

/* Default of /proc/sys/user/max_credgrants in the initial namespace. */
#define CG_QUOTA_DEFAULT	1024

/*
 * The counters, per CPU: see "Counters" above. (A 32-bit machine could
 * read another CPU's counter torn; credpass's kernels are 64-bit.)
 */
struct cg_counts {
	u64 issued;
	u64 accepted;
	u64 rejected;
	u64 expired;
	u64 dropped;
};

static DEFINE_PER_CPU(struct cg_counts, cg_counts);
static atomic64_t cg_id_counter = ATOMIC64_INIT(0);
static siphash_key_t cg_id_key __ro_after_init;
static siphash_key_t cg_desc_key __ro_after_init;
static struct kmem_cache *cg_cache __ro_after_init;

/*
 * Ids are a keyed permutation of a counter (cg_next_id()): uniform and
 * unknown to user space already, so folding one to 32 bits is hash enough;
 * jhash2() over it again only costs time on every bind, lookup and remove.
 */
static u32 cg_id_hashfn(const void *data, u32 len, u32 seed)
{
	u64 id = *(const u64 *)data;

	return lower_32_bits(id) ^ upper_32_bits(id) ^ seed;
}

static const struct rhashtable_params cg_ht_params = {
	.key_len		= sizeof(u64),
	.key_offset		= offsetof(struct cred_grant, id),
	.head_offset		= offsetof(struct cred_grant, hnode),
	.hashfn			= cg_id_hashfn,
	.automatic_shrinking	= true,
};

static struct rhashtable cg_table;		/* BOUND grants by id */

/* ---- Pure helpers, shared with the KUnit suite ---- */

/*
 * A four-round Feistel network over 64 bits with SipHash as the round
 * function: a permutation for any key, pseudo-random for a secret one.
 */
static u64 cg_permute_id(u64 x, const siphash_key_t *key)
{
	u32 l = upper_32_bits(x), r = lower_32_bits(x), t;
	int i;

	for (i = 0; i < 4; i++) {
		t = l ^ (u32)siphash_2u32(r, i, key);
		l = r;
		r = t;
	}
	return ((u64)l << 32) | r;
}

/* Grant ids: unique per boot, never reused, never 0, unpredictable. */
static u64 cg_next_id(void)
{
	u64 id;

	do {
		id = cg_permute_id(atomic64_inc_return(&cg_id_counter),
				   &cg_id_key);
	} while (unlikely(!id));
	return id;
}

/**
 * credgrant_fixed_len - the fixed part of an extensible credpass struct
 * @buf: the struct, @len bytes long
 * @len: its length, already checked against the struct's size field
 * @known: the fixed part this kernel knows (CREDGRANT_*_SIZE_VER0)
 * @ngroups: how many groups follow the fixed part
 *
 * Sizes are checked as openat2() checks struct open_how: the fixed part,
 * @len - 4 * @ngroups, may be larger than @known when its unknown bytes
 * are zero.
 * Return: the fixed part's length, -EINVAL, or -E2BIG.
 */
ssize_t credgrant_fixed_len(const void *buf, size_t len, size_t known,
			    u32 ngroups)
{
	size_t fixed;

	if (ngroups > CREDGRANT_NGROUPS_MAX ||
	    len < known + sizeof(u32) * ngroups)
		return -EINVAL;
	fixed = len - sizeof(u32) * ngroups;
	if (memchr_inv((const u8 *)buf + known, 0, fixed - known))
		return -E2BIG;
	return fixed;
}

/**
 * credgrant_parse_request - validate an SCM_CREDGRANT request
 * @buf: the cmsg payload
 * @len: its length
 * @req: filled in on success; @req->groups points into @buf
 *
 * Checks sizes and kinds only; ids and privileges are the caller's.
 * Return: 0, -EINVAL for a malformed request, -E2BIG when bytes of a
 * larger (future) fixed part are not zero.
 */
int credgrant_parse_request(const void *buf, size_t len,
			    struct credgrant_request *req)
{
	const struct credgrant_req *r = buf;
	ssize_t fixed;

	if (len < CREDGRANT_REQ_SIZE_VER0 || r->size != len)
		return -EINVAL;
	fixed = credgrant_fixed_len(buf, len, CREDGRANT_REQ_SIZE_VER0,
				    r->ngroups);
	if (fixed < 0)
		return fixed;

	if (!r->kind || (r->kind & ~(CREDGRANT_FULL | CREDGRANT_AUDIT)))
		return -EINVAL;
	if ((r->kind & CREDGRANT_AUDIT) && r->kind != CREDGRANT_AUDIT)
		return -EINVAL;
	if (r->ngroups && !(r->kind & CREDGRANT_GROUPS))
		return -EINVAL;
	if (!(r->kind & CREDGRANT_UID) && r->uid)
		return -EINVAL;
	if (!(r->kind & CREDGRANT_GID) && r->gid)
		return -EINVAL;

	req->kind = r->kind;
	req->uid = r->uid;
	req->gid = r->gid;
	req->ttl_ms = r->ttl_ms;
	req->ngroups = r->ngroups;
	req->groups = (const u32 *)((const u8 *)buf + fixed);
	return 0;
}

/* The lifetime of a grant: 0 means the default; never above the maximum. */
u32 credgrant_ttl_ms(u32 ttl_ms, u32 ttl_default_ms, u32 ttl_max_ms)
{
	if (!ttl_ms)
		ttl_ms = ttl_default_ms;
	return min(ttl_ms, ttl_max_ms);
}

/* Issued exactly ttl_ms before its deadline (credgrant_issue()). */
static u64 cg_issued_ns(const struct cred_grant *g)
{
	return g->expires_ns - (u64)g->ttl_ms * NSEC_PER_MSEC;
}

/*
 * The fixed part of a description, hashed with a key secret to user space:
 * a caller cannot find a different description with the same hash.
 */
static u64 cg_desc_hash(const struct credgrant *d)
{
	return siphash(d, sizeof(*d), &cg_desc_key);
}

bool credgrant_expired(const struct cred_grant *g, u64 now_ns)
{
	return now_ns >= g->expires_ns;
}

/* Groups a grant carries now: none without GROUPS, none in a tombstone. */
static u32 cg_ngroups(const struct cred_grant *g)
{
	return g->groups ? g->groups->ngroups : 0;
}

/**
 * credgrant_check_expect - is @expect exactly what the receiver was shown?
 * @expect: the caller's description, normalised to sizeof + 4 * ngroups
 * @size: its size
 * @g: a taken grant (its groups cannot change any more)
 *
 * The fixed part is compared with the one recorded at delivery; the
 * groups are translated again into the caller's user namespace, which is
 * the receiver's unless it moved since.
 * Return: 0 or -ESTALE.
 */
int credgrant_check_expect(const struct credgrant *expect, size_t size,
			   const struct cred_grant *g)
{
	struct user_namespace *ns = current_user_ns();
	u32 i, n = cg_ngroups(g);

	if (size != sizeof(*expect) + sizeof(u32) * n ||
	    cg_desc_hash(expect) != g->desc_hash)
		return -ESTALE;
	for (i = 0; i < n; i++)
		if (expect->groups[i] !=
		    from_kgid_munged(ns, g->groups->gid[i]))
			return -ESTALE;
	return 0;
}

/* Same list, same order (both sorted by groups_sort()). */
bool credgrant_groups_equal(const struct group_info *a,
			    const struct group_info *b)
{
	return a->ngroups == b->ngroups &&
	       !memcmp(a->gid, b->gid, sizeof(kgid_t) * a->ngroups);
}

/* ---- Read access for security modules ---- */

u64 credgrant_id(const struct cred_grant *g)
{
	return g->id;
}

u32 credgrant_kind(const struct cred_grant *g)
{
	return g->kind;
}

/* INVALID_UID unless the grant has CREDGRANT_UID. */
kuid_t credgrant_uid(const struct cred_grant *g)
{
	return g->uid;
}

/* INVALID_GID unless the grant has CREDGRANT_GID. */
kgid_t credgrant_gid(const struct cred_grant *g)
{
	return g->gid;
}

/*
 * NULL unless the grant has CREDGRANT_GROUPS. The hooks see a NEW grant
 * (credgrant_issue) or a TAKEN one (credgrant_accept), whose groups no
 * timer changes any more.
 */
const struct group_info *credgrant_groups(const struct cred_grant *g)
{
	return g->groups;
}

/* ---- Counters and audit ---- */

void credgrant_stats_read(struct credgrant_stats *st)
{
	const struct cg_counts *c;
	u64 fates;
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(&cg_counts, cpu);
		st->accepted += READ_ONCE(c->accepted);
		st->rejected += READ_ONCE(c->rejected);
		st->expired += READ_ONCE(c->expired);
		st->dropped += READ_ONCE(c->dropped);
	}
	/*
	 * The fates before issued: every fate counted above was issued
	 * before it was decided, so issued read now includes it ("Counters"
	 * at the top). Pairs with the fully ordered life transitions.
	 */
	smp_rmb();
	for_each_possible_cpu(cpu)
		st->issued += READ_ONCE(per_cpu_ptr(&cg_counts, cpu)->issued);
	fates = st->accepted + st->rejected + st->expired + st->dropped;
	st->outstanding = st->issued - fates;
}

/*
 * One AUDIT_CREDGRANT record. Never under a lock: the caller holds
 * a reference, and what the record shows is settled (the issue record is
 * written before the grant is queued, a fate's once it is decided).
 *
 * @actor: written by the grant's sender or receiver in the syscall that
 * decided it (sendmsg, recvmsg, acceptid): only then do the writer's
 * on-behalf-of subject fields belong in it. A drop at close, exec or exit
 * may be written by whichever task lets go last, one that neither sent
 * nor received the grant.
 * @gfp: GFP_KERNEL only in acceptid and recvmsg, where waiting for audit's
 * backlog throttles the caller itself; records written at exec, exit,
 * close or from the timer never wait for it.
 */
static void cg_audit(const struct cred_grant *g, const char *op, int err,
		     gfp_t gfp, bool actor)
{
	struct audit_buffer *ab;

	if (!audit_enabled)
		return;
	/*
	 * An expiry from the timer is no part of whatever syscall the timer
	 * interrupted, nor done for anyone: no context and no subject
	 * outside task context.
	 */
	ab = audit_log_start(in_task() ? audit_context() : NULL, gfp,
			     AUDIT_CREDGRANT);
	if (!ab)
		return;
	audit_log_format(ab,
			 "op=%s grant=%llu kind=0x%x uid=%u gid=%u ngroups=%u granter_pid=%d granter_uid=%u granter_auid=%u granter_ses=%u receiver_pid=%d",
			 op, g->id, g->kind,
			 from_kuid(&init_user_ns, g->uid),
			 from_kgid(&init_user_ns, g->gid),
			 g->ngroups, g->granter_pid_init,
			 from_kuid(&init_user_ns, g->granter_euid),
			 from_kuid(&init_user_ns, g->granter_auid),
			 g->granter_ses, READ_ONCE(g->receiver_pid_init));
	if (g->kind & CREDGRANT_AUDIT)
		audit_log_format(ab, " origin_pid=%d origin_uid=%u",
				 g->origin_pid,
				 from_kuid(&init_user_ns, g->origin_uid));
	if (g->staged)
		audit_log_format(ab, " exec=1");
	if (actor && in_task())
		audit_log_obo(ab);
	if (err)
		audit_log_format(ab, " err=%d", -err);
	audit_log_format(ab, " res=%d", !err);
	audit_log_end(ab);
}

/* The record of the fate cg_settle() decided, once the locks are dropped. */
static void cg_audit_fate(const struct cred_grant *g, gfp_t gfp, bool actor)
{
	static const char *const ops[] = {
		[CG_ACCEPTED]	= "accept",
		[CG_REJECTED]	= "reject",
		[CG_EXPIRED]	= "expire",
		[CG_DROPPED]	= "drop",
	};
	enum credgrant_fate fate = cg_life_fate(atomic_read(&g->life));
	int err = g->fate_err;

	if (WARN_ON_ONCE(fate == CG_LIVE))
		return;
	/* A rejection with an error is an acceptid that failed. */
	cg_audit(g, fate == CG_REJECTED && err ? "accept" : ops[fate],
		 err, gfp, actor);
}

/* A staged grant meets execve (op=exec) or its thread's exit (op=unstage). */
void credgrant_audit_exec(const struct cred_grant *g, const char *op, int err)
{
	/* Under cred_guard_mutex at exec: never wait for the backlog. */
	cg_audit(g, op, err, GFP_ATOMIC, false);
}

/*
 * The on-behalf-of subject of the calling thread (task_struct.audit_obo):
 * only the thread itself reads or writes it, and fork copies it.
 */
int credgrant_obo_set(const struct cred_grant *g)
{
	struct audit_obo *obo = &current->audit_obo;

	if (obo->set)
		return -EBUSY;
	obo->auid = g->granter_auid;
	obo->ses = g->granter_ses;
	obo->uid = g->origin_uid;
	obo->pid = g->origin_pid;
	obo->set = true;
	return 0;
}

/* ACCEPTID_AUDIT_POP: end the subject, with a record naming it. */
int credgrant_obo_pop(void)
{
	struct audit_obo *obo = &current->audit_obo;
	struct audit_buffer *ab;

	if (!obo->set)
		return -ENOENT;
	if (audit_enabled) {
		ab = audit_log_start(audit_context(), GFP_KERNEL,
				     AUDIT_CREDGRANT);
		if (ab) {
			audit_log_format(ab, "op=pop pid=%d",
					 task_tgid_nr(current));
			audit_log_obo(ab);
			audit_log_format(ab, " res=1");
			audit_log_end(ab);
		}
	}
	memset(obo, 0, sizeof(*obo));
	return 0;
}

/* ---- Quota ---- */

/*
 * One live grant of the issuer, counted per user namespace and euid and
 * up the chain of namespace owners, as inotify instances are: a
 * namespace's owner pays for what its users issue.
 *
 * cred->ucounts is the (user_ns, real uid) entry of the ucounts table,
 * held by the cred. When the euid is that uid it is the very entry
 * inc_ucount() would look up, so charge it directly: the lookup takes
 * the global ucounts_lock, once per message otherwise.
 */
static int cg_quota_charge(struct cred_grant *g, const struct cred *cred)
{
	struct ucounts *own = cred->ucounts;

	if (own->ns == cred->user_ns && uid_eq(own->uid, cred->euid))
		g->ucounts = inc_ucount_ref(own, UCOUNT_CREDGRANTS);
	else
		g->ucounts = inc_ucount(cred->user_ns, cred->euid,
					UCOUNT_CREDGRANTS);
	return g->ucounts ? 0 : -EDQUOT;
}

static void cg_quota_release(struct cred_grant *g)
{
	if (!g->ucounts)
		return;
	dec_ucount(g->ucounts, UCOUNT_CREDGRANTS);
	g->ucounts = NULL;
}

/* ---- Object life ---- */

static void cg_timer_fn(struct timer_list *t);

/* A new grant, without groups, holding the carrier's reference. */
static struct cred_grant *cg_alloc(u32 kind)
{
	struct cred_grant *g;

	g = kmem_cache_zalloc(cg_cache, GFP_KERNEL);
	if (!g)
		return NULL;
	refcount_set(&g->ref, 1);	/* the carrier's */
	atomic_set(&g->life, cg_life(CG_NEW, CG_LIVE));
	spin_lock_init(&g->lock);
	g->kind = kind;
	g->uid = INVALID_UID;
	g->gid = INVALID_GID;
	INIT_LIST_HEAD(&g->cs_node);
	INIT_LIST_HEAD(&g->owner_node);
	timer_setup(&g->timer, cg_timer_fn, 0);
	return g;
}

static void cg_sockq_put(struct cg_sockq *q)
{
	if (!q || !refcount_dec_and_test(&q->ref))
		return;
	WARN_ON_ONCE(!list_empty(&q->pending) || !list_empty(&q->markers));
	kfree(q);
}

static void cg_owner_put(struct credgrant_owner *owner)
{
	if (!owner || !refcount_dec_and_test(&owner->ref))
		return;
	WARN_ON_ONCE(!list_empty(&owner->grants));
	kfree(owner);
}

static void cg_free(struct cred_grant *g)
{
	if (g->groups)
		put_group_info(g->groups);
	put_pid(g->granter_tgid);
	cg_quota_release(g);
	if (g->exec_ns)
		put_user_ns(g->exec_ns);
	if (g->issuer_ns)
		put_user_ns(g->issuer_ns);
	cg_sockq_put(g->sockq);		/* the sockq reference */
	cg_owner_put(g->owner);		/* the owner reference */
	/*
	 * The id table may still be walked by a concurrent lookup or resize.
	 * kfree_rcu() takes slab objects since 6.12 and frees them in batches.
	 */
	kfree_rcu(g, rcu);
}

struct cred_grant *credgrant_get(struct cred_grant *g)
{
	if (g)
		refcount_inc(&g->ref);
	return g;
}

void credgrant_put(struct cred_grant *g)
{
	if (g && refcount_dec_and_test(&g->ref))
		cg_free(g);
}

/* ---- The life word ---- */

static enum credgrant_state cg_state(const struct cred_grant *g)
{
	return cg_life_state(atomic_read(&g->life));
}

static enum credgrant_fate cg_fate(const struct cred_grant *g)
{
	return cg_life_fate(atomic_read(&g->life));
}

/*
 * Move @g from a state in @from (a mask of BIT(state)) to @to and, if its
 * fate is still LIVE, to @fate (CG_LIVE keeps it). Fully ordered when it
 * succeeds.
 * Return: the life word it replaced, or -1 when the state was not in @from
 * (nothing changed).
 */
static int cg_life_move(struct cred_grant *g, unsigned int from,
			enum credgrant_state to, enum credgrant_fate fate)
{
	int old = atomic_read(&g->life);
	enum credgrant_fate keep;

	do {
		if (!(from & BIT(cg_life_state(old))))
			return -1;
		keep = cg_life_fate(old);
	} while (!atomic_try_cmpxchg(&g->life, &old,
				     cg_life(to, keep == CG_LIVE ? fate : keep)));
	return old;
}

/*
 * Claim a BOUND grant for @to (CG_TAKEN or CG_GONE): true for the one
 * claimer that wins. The binding reference is the winner's, and so is
 * unlinking the grant (cg_unlink()).
 */
static bool cg_claim(struct cred_grant *g, enum credgrant_state to)
{
	return cg_life_move(g, BIT(CG_BOUND), to, CG_LIVE) >= 0;
}

/*
 * The timer's transition: fate LIVE -> EXPIRED, only while QUEUED or
 * BOUND. Return: the state it expired in, or -1.
 */
static int cg_life_expire(struct cred_grant *g)
{
	int old = atomic_read(&g->life);
	enum credgrant_state state;

	do {
		state = cg_life_state(old);
		if (cg_life_fate(old) != CG_LIVE ||
		    (state != CG_QUEUED && state != CG_BOUND))
			return -1;
	} while (!atomic_try_cmpxchg(&g->life, &old,
				     cg_life(state, CG_EXPIRED)));
	return state;
}

/*
 * After a transition from @old that set @fate: if it was the one that
 * decided the fate, count it and release quota and timer. @err is the
 * failure that decided it, if any; a rejection with an error is an
 * acceptid that failed. The caller holds a reference of its own.
 * Return: true when the caller owes the audit record (cg_audit_fate(),
 * with no lock held).
 */
static bool cg_settle(struct cred_grant *g, int old, enum credgrant_fate fate,
		      int err)
{
	if (old < 0 || cg_life_fate(old) != CG_LIVE || fate == CG_LIVE)
		return false;
	g->fate_err = err;
	cg_quota_release(g);
	if (cg_life_state(old) == CG_NEW)
		return false;		/* never issued: not counted */

	/* After the transition: see "Counters" at the top. */
	switch (fate) {
	case CG_ACCEPTED:
		this_cpu_inc(cg_counts.accepted);
		break;
	case CG_REJECTED:
		this_cpu_inc(cg_counts.rejected);
		break;
	case CG_EXPIRED:
		this_cpu_inc(cg_counts.expired);
		break;
	default:
		this_cpu_inc(cg_counts.dropped);
		break;
	}
	/* The timer's reference, unless its callback is what runs now. */
	if (timer_delete(&g->timer))
		refcount_dec(&g->ref);
	return true;
}

/*
 * End @g, which the caller owns in a state of @from: GONE, with @fate
 * unless its fate was decided before.
 * Return: true when the caller owes the audit record.
 */
static bool cg_end(struct cred_grant *g, unsigned int from,
		   enum credgrant_fate fate, int err)
{
	int old = cg_life_move(g, from, CG_GONE, fate);

	WARN_ON_ONCE(old < 0);
	return cg_settle(g, old, fate, err);
}

/* ---- Lists and the id table ---- */

/* Off the socket's lists; by @g's claimer. */
static void cg_sockq_unlink_locked(struct cred_grant *g)
{
	struct cg_sockq *q = g->sockq;

	lockdep_assert_held(&q->lock);
	list_del_init(&g->cs_node);
	if (g->marker) {
		g->marker = false;
		q->nr_markers--;
	}
}

static void cg_sockq_unlink(struct cred_grant *g)
{
	spin_lock_bh(&g->sockq->lock);
	cg_sockq_unlink_locked(g);
	spin_unlock_bh(&g->sockq->lock);
}

static void cg_owner_unlink(struct cred_grant *g)
{
	spin_lock_bh(&g->owner->lock);
	list_del_init(&g->owner_node);
	spin_unlock_bh(&g->owner->lock);
}

static void cg_table_remove(struct cred_grant *g)
{
	rhashtable_remove_fast(&cg_table, &g->hnode, cg_ht_params);
}

/* Everything a claimer undoes of credgrant_bind(). */
static void cg_unlink(struct cred_grant *g)
{
	cg_sockq_unlink(g);
	cg_owner_unlink(g);
	cg_table_remove(g);
}

/*
 * Keep an expired BOUND grant as a marker on its socket; it stays on its
 * process's list, so that exec and exit drop it too. Beyond
 * CG_MARKERS_MAX the oldest goes: it is claimed here and returned, off the
 * socket's lists, for cg_put_evicted() once the lock is dropped. When the
 * oldest is claimed already, its claimer is about to unlink it: nothing
 * else is evicted for it.
 */
static struct cred_grant *cg_make_marker(struct cred_grant *g)
{
	struct cg_sockq *q = g->sockq;
	struct cred_grant *old;

	lockdep_assert_held(&q->lock);
	list_move_tail(&g->cs_node, &q->markers);
	g->marker = true;
	if (++q->nr_markers <= CG_MARKERS_MAX)
		return NULL;
	old = list_first_entry(&q->markers, struct cred_grant, cs_node);
	if (!cg_claim(old, CG_GONE))
		return NULL;
	cg_sockq_unlink_locked(old);
	return old;
}

/* An evicted marker: expired (and recorded) before, now unlinked and put. */
static void cg_put_evicted(struct cred_grant *old)
{
	if (!old)
		return;
	cg_owner_unlink(old);
	cg_table_remove(old);
	credgrant_put(old);		/* the binding reference */
}

/* What an expiry leaves to record and free once the locks are dropped. */
struct cg_reap {
	struct cred_grant *evict;
	struct group_info *groups;
	bool audit;
};

static void cg_reap(struct cred_grant *g, struct cg_reap *r)
{
	if (r->audit)
		cg_audit_fate(g, GFP_ATOMIC, false);
	cg_put_evicted(r->evict);
	if (r->groups)
		put_group_info(r->groups);
}

/*
 * Expire @g if its time has come (false if it has not): count it, make it
 * a tombstone, keep it as a marker if it was delivered. A grant acceptid
 * has taken is left alone: acceptid decides its fate. Takes no lock around
 * the decision; the marker is made under the socket's lock, unless a
 * claimer got the grant first (it unlinks it then).
 */
static bool cg_expire(struct cred_grant *g, u64 now, struct cg_reap *r)
{
	int life = atomic_read(&g->life);
	struct cg_sockq *q;
	int state;

	state = cg_life_state(life);
	if (cg_life_fate(life) != CG_LIVE ||
	    (state != CG_QUEUED && state != CG_BOUND))
		return true;
	if (!credgrant_expired(g, now))
		return false;
	state = cg_life_expire(g);
	if (state < 0)
		return true;		/* decided or claimed meanwhile */
	r->audit = cg_settle(g, cg_life(state, CG_LIVE), CG_EXPIRED, 0);

	spin_lock_bh(&g->lock);
	r->groups = g->groups;
	g->groups = NULL;
	spin_unlock_bh(&g->lock);

	/* A QUEUED one becomes a marker when it is bound (credgrant_bind()). */
	if (state != CG_BOUND)
		return true;
	q = g->sockq;
	spin_lock_bh(&q->lock);
	if (cg_state(g) == CG_BOUND)
		r->evict = cg_make_marker(g);
	spin_unlock_bh(&q->lock);
	return true;
}

static void cg_timer_fn(struct timer_list *t)
{
	struct cred_grant *g = from_timer(g, t, timer);
	u64 now = ktime_get_boottime_ns();
	struct cg_reap r = {};

	if (!cg_expire(g, now, &r)) {
		/*
		 * Jiffies ran ahead of CLOCK_BOOTTIME: keep the reference. A
		 * fate decided meanwhile found the timer not pending; the next
		 * run finds nothing to do and drops the reference.
		 */
		mod_timer(&g->timer,
			  jiffies + nsecs_to_jiffies(g->expires_ns - now) + 1);
		return;
	}
	cg_reap(g, &r);
	credgrant_put(g);		/* the timer reference */
}

/* ---- Issuing ---- */

/* Is @uid one of @c's real, effective and saved uids (setresuid's test)? */
bool credgrant_uid_is_own(const struct cred *c, kuid_t uid)
{
	return uid_eq(uid, c->uid) || uid_eq(uid, c->euid) ||
	       uid_eq(uid, c->suid);
}

/* Likewise for gids. */
bool credgrant_gid_is_own(const struct cred *c, kgid_t gid)
{
	return gid_eq(gid, c->gid) || gid_eq(gid, c->egid) ||
	       gid_eq(gid, c->sgid);
}

/*
 * The group list of a request, in the kernel's order (groups_sort(): by
 * kernel gid). The sender's own list as getgroups(2) returns it (that
 * order, translated into the sender's namespace) is the sender's
 * group_info itself, shared: a group_info never changes once a cred has
 * it, and the grant needs no copy of its own.
 */
static struct group_info *cg_request_groups(const struct credgrant_request *req,
					    const struct cred *cred)
{
	struct user_namespace *ns = cred->user_ns;
	struct group_info *gi = cred->group_info;
	u32 i;

	if (req->ngroups == gi->ngroups) {
		for (i = 0; i < req->ngroups; i++) {
			kgid_t gid = make_kgid(ns, req->groups[i]);

			/* Invalid is refused below, whatever a list holds. */
			if (!gid_valid(gid) || !gid_eq(gid, gi->gid[i]))
				break;
		}
		if (i == req->ngroups)
			return get_group_info(gi);
	}

	gi = groups_alloc(req->ngroups);
	if (!gi)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < req->ngroups; i++) {
		gi->gid[i] = make_kgid(ns, req->groups[i]);
		if (!gid_valid(gi->gid[i])) {
			put_group_info(gi);
			return ERR_PTR(-EINVAL);
		}
	}
	groups_sort(gi);
	return gi;
}

/*
 * Ids and privileges of a parsed request, checked against the sender
 * (rule 3). A uid or gid other than the sender's own needs CAP_SETUID or
 * CAP_SETGID. A group list needs what setgroups(2) needs unless it is
 * exactly the sender's current list: dropping a group is no less a
 * privilege than adding one, since files can deny access to a group.
 */
static int cg_fill_ids(struct cred_grant *g, const struct credgrant_request *req,
		       const struct cred *cred)
{
	struct user_namespace *ns = cred->user_ns;
	struct group_info *groups;

	if (req->kind & CREDGRANT_UID) {
		g->uid = req->uid == CREDGRANT_SELF ? cred->euid :
						      make_kuid(ns, req->uid);
		if (!uid_valid(g->uid))
			return -EINVAL;
		if (!credgrant_uid_is_own(cred, g->uid) && !ns_capable(ns, CAP_SETUID))
			return -EPERM;
	}
	if (req->kind & CREDGRANT_GID) {
		g->gid = req->gid == CREDGRANT_SELF ? cred->egid :
						      make_kgid(ns, req->gid);
		if (!gid_valid(g->gid))
			return -EINVAL;
		if (!credgrant_gid_is_own(cred, g->gid) && !ns_capable(ns, CAP_SETGID))
			return -EPERM;
	}
	if (!(req->kind & CREDGRANT_GROUPS))
		return 0;
	groups = cg_request_groups(req, cred);
	if (IS_ERR(groups))
		return PTR_ERR(groups);
	g->groups = groups;
	if (groups != cred->group_info &&
	    !credgrant_groups_equal(groups, cred->group_info) &&
	    !(ns_capable(ns, CAP_SETGID) && userns_may_setgroups(ns)))
		return -EPERM;
	return 0;
}

/*
 * The issuer is the task's own identity. Refused: credentials overridden
 * for the task (override_creds(), an io_uring personality), and sends an
 * io_uring thread executes for its ring (SQPOLL runs with the ring
 * creator's credentials whoever filled the ring; io-wq with whatever the
 * request carried): the kernel cannot tell there whose identity it is.
 */
static bool cg_issuer_is_self(const struct cred *cred)
{
	return cred == current_real_cred() &&
	       !(current->flags & PF_IO_WORKER);
}

/*
 * The audit subject a grant carries: the issuer's own login identity; for
 * an audit-only grant from a thread that acts for someone, that subject,
 * so that a chain (client -> bus -> service) names the client at every
 * step, never a relay (the relay is in the records: the grant's
 * granter_pid, and the obo fields of its issue record). A grant of ids
 * always names its issuer: it is the issuer's ids it vouches for. Issuing
 * an audit-only grant needs no privilege: what it carries is the kernel's
 * record, as trustworthy as loginuid itself (which a task whose loginuid
 * is unset may set once, without privilege: a fresh session shows it).
 */
static void cg_fill_subject(struct cred_grant *g, const struct cred *cred)
{
	const struct audit_obo *obo = &current->audit_obo;

	if (g->kind == CREDGRANT_AUDIT && obo->set) {
		g->granter_auid = obo->auid;
		g->granter_ses = obo->ses;
		g->origin_uid = obo->uid;
		g->origin_pid = obo->pid;
		return;
	}
	g->granter_auid = audit_get_loginuid(current);
	g->granter_ses = audit_get_sessionid(current);
	g->origin_uid = cred->uid;
	g->origin_pid = g->granter_pid_init;
}

/**
 * credgrant_create - build a grant from a request, for the calling task
 * @buf: the struct credgrant_req (in kernel memory)
 * @len: its length
 * @ttl_default_ms: the lifetime of a request that names none
 * @ttl_max_ms: the longest lifetime
 *
 * Return: the grant, not yet issued, or an ERR_PTR with nothing kept.
 */
struct cred_grant *credgrant_create(const void *buf, size_t len,
				    u32 ttl_default_ms, u32 ttl_max_ms)
{
	const struct cred *cred = current_cred();
	struct credgrant_request req;
	struct cred_grant *g;
	int err;

	if (!cg_issuer_is_self(cred))
		return ERR_PTR(-EPERM);
	err = credgrant_parse_request(buf, len, &req);
	if (err)
		return ERR_PTR(err);

	g = cg_alloc(req.kind);
	if (!g)
		return ERR_PTR(-ENOMEM);
	if (req.kind & CREDGRANT_GROUPS)
		g->ngroups = req.ngroups;
	err = cg_fill_ids(g, &req, cred);
	if (err)
		goto fail;

	g->ttl_ms = credgrant_ttl_ms(req.ttl_ms, ttl_default_ms, ttl_max_ms);
	g->granter_euid = cred->euid;
	g->granter_egid = cred->egid;
	g->issuer_ns = get_user_ns(cred->user_ns);
	g->granter_tgid = get_pid(task_tgid(current));
	g->granter_pid_init = task_tgid_nr(current);
	cg_fill_subject(g, cred);

	err = cg_quota_charge(g, cred);
	if (err)
		goto fail;
	g->id = cg_next_id();

	/* Security modules see the grant as it will be issued. */
	err = security_credgrant_issue(g);
	if (err)
		goto fail;
	return g;
fail:
	credgrant_put(g);
	return ERR_PTR(err);
}

/*
 * Queued to a receiver that opted in: the grant is issued now. Its record
 * comes first, while nothing else can reach the grant.
 */
void credgrant_issue(struct cred_grant *g)
{
	u64 now = ktime_get_boottime_ns();

	cg_audit(g, "issue", 0, GFP_ATOMIC, true);
	g->expires_ns = now + (u64)g->ttl_ms * NSEC_PER_MSEC;
	/* Before the transition: see "Counters" at the top. */
	this_cpu_inc(cg_counts.issued);
	WARN_ON_ONCE(cg_life_move(g, BIT(CG_NEW), CG_QUEUED, CG_LIVE) < 0);
	refcount_inc(&g->ref);		/* the timer reference */
	mod_timer(&g->timer, jiffies + msecs_to_jiffies(g->ttl_ms) + 1);
}

/* The carrier drops @g: recorded as the syscall's own when @actor. */
static void cg_drop_carried(struct cred_grant *g, int err, gfp_t gfp,
			    bool actor)
{
	if (cg_end(g, BIT(CG_NEW) | BIT(CG_QUEUED), CG_DROPPED, err))
		cg_audit_fate(g, gfp, actor);
	credgrant_put(g);		/* the carrier reference */
}

/* The carrier (scm cookie or skb) lets go of a grant it did not deliver. */
void credgrant_release(struct cred_grant *g)
{
	if (g)
		cg_drop_carried(g, 0, GFP_ATOMIC, false);
}

/* ---- Receiving ---- */

/* The size of @g's description now; it only shrinks (to a tombstone's). */
size_t credgrant_desc_size(struct cred_grant *g)
{
	size_t size;

	spin_lock_bh(&g->lock);
	size = sizeof(struct credgrant) + sizeof(u32) * cg_ngroups(g);
	spin_unlock_bh(&g->lock);
	return size;
}

/* Describe @g for the caller into @d (@size bytes). */
static void cg_describe(struct cred_grant *g, struct credgrant *d, size_t size)
{
	struct user_namespace *ns = current_user_ns();
	u32 i, n;

	spin_lock_bh(&g->lock);
	n = cg_ngroups(g);
	if (WARN_ON_ONCE(size < sizeof(*d) + sizeof(u32) * n))
		n = 0;
	memset(d, 0, sizeof(*d));
	d->id = g->id;
	d->issued_ns = cg_issued_ns(g);
	d->expires_ns = g->expires_ns;
	d->size = sizeof(*d) + sizeof(u32) * n;
	d->kind = g->kind;
	d->uid = (g->kind & CREDGRANT_UID) ? from_kuid_munged(ns, g->uid) :
					      (u32)-1;
	d->gid = (g->kind & CREDGRANT_GID) ? from_kgid_munged(ns, g->gid) :
					      (u32)-1;
	d->granter_uid = from_kuid_munged(ns, g->granter_euid);
	d->granter_gid = from_kgid_munged(ns, g->granter_egid);
	d->granter_pid = pid_nr_ns(g->granter_tgid, task_active_pid_ns(current));
	d->granter_auid = uid_valid(g->granter_auid) ?
			  from_kuid_munged(ns, g->granter_auid) : (u32)-1;
	d->granter_ses = g->granter_ses;
	d->ngroups = n;
	for (i = 0; i < n; i++)
		d->groups[i] = from_kgid_munged(ns, g->groups->gid[i]);
	spin_unlock_bh(&g->lock);
}

/**
 * credgrant_describe - describe a grant without taking it (MSG_PEEK)
 * @g: the grant, referenced by the caller
 * @d: where to write; d->size tells how much was written
 * @size: the room at @d, at least credgrant_desc_size() of a moment ago
 */
void credgrant_describe(struct cred_grant *g, struct credgrant *d, size_t size)
{
	cg_describe(g, d, size);
}

/*
 * The calling process's owner, or a new one (NULL without memory). Only
 * its own threads install it, and only its exit removes it.
 */
static struct credgrant_owner *cg_owner_of(struct signal_struct *sig)
{
	struct credgrant_owner *owner, *fresh;

	/* Pairs with the cmpxchg() below: the owner is initialised. */
	owner = smp_load_acquire(&sig->credgrant);
	if (owner)
		return owner;
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return NULL;
	refcount_set(&fresh->ref, 1);	/* the process's */
	spin_lock_init(&fresh->lock);
	INIT_LIST_HEAD(&fresh->grants);
	owner = cmpxchg(&sig->credgrant, NULL, fresh);
	if (!owner)
		return fresh;
	kfree(fresh);
	return owner;
}

/* @cs's grants, allocated at the first bind (NULL without memory). */
static struct cg_sockq *cg_sockq_of(struct credgrant_sock *cs)
{
	struct cg_sockq *q, *fresh;

	/* Pairs with the cmpxchg() below: the queue is initialised. */
	q = smp_load_acquire(&cs->q);
	if (q)
		return q;
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return NULL;
	refcount_set(&fresh->ref, 1);	/* the socket's */
	spin_lock_init(&fresh->lock);
	INIT_LIST_HEAD(&fresh->pending);
	INIT_LIST_HEAD(&fresh->markers);
	q = cmpxchg(&cs->q, NULL, fresh);
	if (!q)
		return fresh;
	kfree(fresh);
	return q;
}

/**
 * credgrant_bind - make a delivered grant pending on @cs for this process
 * @g: the grant, whose carrier reference passes to the binding
 * @cs: the receiving socket's grants
 * @d: where to describe it for the caller (d->size tells how much)
 * @size: the room at @d
 *
 * On failure the grant is dropped.
 * Return: 0 or a negative errno.
 */
int credgrant_bind(struct cred_grant *g, struct credgrant_sock *cs,
		   struct credgrant *d, size_t size)
{
	struct credgrant_owner *owner;
	struct cred_grant *evict = NULL;
	struct cg_sockq *q;
	int err, life;

	owner = cg_owner_of(current->signal);
	q = owner ? cg_sockq_of(cs) : NULL;
	if (!q) {
		cg_drop_carried(g, -ENOMEM, GFP_KERNEL, true);
		return -ENOMEM;
	}
	/* Before the table has it: lookups compare the queue. */
	refcount_inc(&q->ref);
	g->sockq = q;			/* the sockq reference */
	refcount_inc(&owner->ref);
	g->owner = owner;		/* the owner reference */
	cg_describe(g, d, size);
	g->desc_hash = cg_desc_hash(d);

	spin_lock_bh(&q->lock);
	spin_lock(&owner->lock);
	/*
	 * Only a queued grant binds: linked but not BOUND, nobody could ever
	 * claim it. Checked before it is linked anywhere.
	 */
	if (WARN_ON_ONCE(cg_life_state(atomic_read(&g->life)) != CG_QUEUED))
		err = -EINVAL;
	else
		err = rhashtable_insert_fast(&cg_table, &g->hnode,
					     cg_ht_params);
	if (err) {
		spin_unlock(&owner->lock);
		spin_unlock_bh(&q->lock);
		cg_drop_carried(g, err, GFP_KERNEL, true);
		return err;
	}
	g->exec_id = current->self_exec_id;
	WRITE_ONCE(g->receiver_pid_init, task_tgid_nr(current));
	list_add_tail(&g->cs_node, &q->pending);
	list_add_tail(&g->owner_node, &owner->grants);
	/* The carrier reference is the binding reference from here on. */
	life = cg_life_move(g, BIT(CG_QUEUED), CG_BOUND, CG_LIVE);
	spin_unlock(&owner->lock);
	/* Expired on the way (already a tombstone): a marker from the start. */
	if (!WARN_ON_ONCE(life < 0) && cg_life_fate(life) != CG_LIVE)
		evict = cg_make_marker(g);
	spin_unlock_bh(&q->lock);
	cg_put_evicted(evict);
	return 0;
}

/* A bound grant whose description could not be delivered. */
void credgrant_unbind_drop(struct cred_grant *g, int err)
{
	/* Unless another thread took it already: then it is that one's. */
	if (!cg_claim(g, CG_GONE))
		return;
	cg_unlink(g);
	if (cg_end(g, BIT(CG_GONE), CG_DROPPED, err))
		cg_audit_fate(g, GFP_KERNEL, true);
	credgrant_put(g);		/* the binding reference */
}

/* ---- Pending grants of sockets and processes ---- */

void credgrant_sock_init(struct credgrant_sock *cs)
{
	cs->q = NULL;
	cs->embryo_optin = false;
}

/* A grant a drain claimed and unlinked: dropped, recorded, put. */
static void cg_drop_claimed(struct cred_grant *g)
{
	if (cg_end(g, BIT(CG_GONE), CG_DROPPED, 0))
		cg_audit_fate(g, GFP_ATOMIC, false);
	credgrant_put(g);		/* the binding reference */
}

/* Claim what is claimable on @list (a socket's) onto @claimed. */
static void cg_sockq_claim(struct cg_sockq *q, struct list_head *list,
			   struct list_head *claimed)
{
	struct cred_grant *g, *n;

	lockdep_assert_held(&q->lock);
	list_for_each_entry_safe(g, n, list, cs_node) {
		if (!cg_claim(g, CG_GONE))
			continue;	/* its claimer unlinks it */
		cg_sockq_unlink_locked(g);
		list_add_tail(&g->cs_node, claimed);
	}
}

void credgrant_sock_release(struct credgrant_sock *cs)
{
	struct cg_sockq *q = cs->q;
	struct cred_grant *g, *n;
	LIST_HEAD(claimed);

	if (!q)
		return;
	spin_lock_bh(&q->lock);
	cg_sockq_claim(q, &q->pending, &claimed);
	cg_sockq_claim(q, &q->markers, &claimed);
	spin_unlock_bh(&q->lock);
	list_for_each_entry_safe(g, n, &claimed, cs_node) {
		list_del_init(&g->cs_node);
		cg_owner_unlink(g);
		cg_table_remove(g);
		cg_drop_claimed(g);
	}
	WRITE_ONCE(cs->q, NULL);
	cg_sockq_put(q);		/* the socket's */
}

/* Drop every claimable grant of a process (exec, exit). */
static void cg_owner_drain(struct credgrant_owner *owner)
{
	struct cred_grant *g, *n;
	LIST_HEAD(claimed);

	spin_lock_bh(&owner->lock);
	list_for_each_entry_safe(g, n, &owner->grants, owner_node) {
		if (!cg_claim(g, CG_GONE))
			continue;	/* its claimer unlinks it */
		list_move_tail(&g->owner_node, &claimed);
	}
	spin_unlock_bh(&owner->lock);
	list_for_each_entry_safe(g, n, &claimed, owner_node) {
		list_del_init(&g->owner_node);
		cg_sockq_unlink(g);
		cg_table_remove(g);
		cg_drop_claimed(g);
	}
}

/*
 * exec: the new image may not use what the old one received, and every
 * old id, expired ones included, answers ENOENT (rule 9).
 */
void credgrant_task_exec(struct task_struct *tsk)
{
	struct credgrant_owner *owner = READ_ONCE(tsk->signal->credgrant);

	if (owner)
		cg_owner_drain(owner);
}

/* A thread exits: its staged grant; with the last one, the process's. */
void credgrant_task_exit(struct task_struct *tsk, bool group_dead)
{
	struct credgrant_owner *owner;
	struct cred_grant *staged = tsk->credgrant_exec;

	if (staged) {
		tsk->credgrant_exec = NULL;
		credgrant_audit_exec(staged, "unstage", 0);
		credgrant_put(staged);	/* the staged reference */
	}
	if (!group_dead)
		return;
	/* No thread is left to bind another grant to it. */
	owner = READ_ONCE(tsk->signal->credgrant);
	if (!owner)
		return;
	cg_owner_drain(owner);
	WRITE_ONCE(tsk->signal->credgrant, NULL);
	cg_owner_put(owner);		/* the process's */
}

/* ---- acceptid's side ---- */

/**
 * credgrant_take - take a grant pending (or expired) on @cs by id
 * @cs: the socket's grants
 * @id: the id from the caller's description
 * @other_process: set when the caller is not the process (and exec
 *                 generation) the grant was delivered to
 *
 * From here on only the caller decides the grant's fate: the expiry timer
 * leaves a TAKEN grant alone. The grant holds a reference on its owner, so
 * the owner's address cannot belong to another process while it is
 * compared.
 * Return: the grant, unlinked, with the binding reference now the
 * caller's; NULL when there is no such grant on this socket.
 */
struct cred_grant *credgrant_take(struct credgrant_sock *cs, u64 id,
				  bool *other_process)
{
	struct cg_sockq *q = READ_ONCE(cs->q);
	struct cred_grant *g;

	if (!q)
		return NULL;
	rcu_read_lock();
	g = rhashtable_lookup(&cg_table, &id, cg_ht_params);
	if (g && !refcount_inc_not_zero(&g->ref))
		g = NULL;		/* else: the lookup reference */
	rcu_read_unlock();
	if (!g)
		return NULL;
	/* g->sockq is referenced by g: its address is not another queue's. */
	if (g->sockq != q || !cg_claim(g, CG_TAKEN)) {
		credgrant_put(g);
		return NULL;
	}
	/* The binding reference is ours: the lookup reference goes. */
	refcount_dec(&g->ref);
	*other_process = g->owner != READ_ONCE(current->signal->credgrant) ||
			 g->exec_id != current->self_exec_id;
	cg_unlink(g);
	return g;
}

/* Record @fate for a taken grant and release it. */
void credgrant_finish(struct cred_grant *g, enum credgrant_fate fate, int err)
{
	if (cg_end(g, BIT(CG_TAKEN), fate, err))
		cg_audit_fate(g, GFP_KERNEL, true);
	credgrant_put(g);		/* the binding reference */
}

/* Is a taken grant expired (by its timer earlier, or by now)? */
bool credgrant_check_expired(struct cred_grant *g, u64 now)
{
	enum credgrant_fate fate = cg_fate(g);

	return fate == CG_EXPIRED ||
	       (fate == CG_LIVE && credgrant_expired(g, now));
}

static int __init credgrant_init(void)
{
	/* The sizes user space was told are the structs' (openat2 style). */
	BUILD_BUG_ON(sizeof(struct credgrant_req) != CREDGRANT_REQ_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct credgrant) != CREDGRANT_SIZE_VER0);
	/* af_unix keeps two marks (UNIX_SKB_GRANT_ENDS) in its low bits. */
	BUILD_BUG_ON(__alignof__(struct cred_grant) < 4);
	/* What an outstanding grant costs, kept (grant.h); lock debugging adds. */
	BUILD_BUG_ON(IS_ENABLED(CONFIG_64BIT) && !IS_ENABLED(CONFIG_LOCKDEP) &&
		     sizeof(spinlock_t) == 4 && sizeof(struct cred_grant) > 240);
	cg_cache = KMEM_CACHE(cred_grant, SLAB_ACCOUNT | SLAB_PANIC);
	get_random_bytes(&cg_id_key, sizeof(cg_id_key));
	get_random_bytes(&cg_desc_key, sizeof(cg_desc_key));
	init_user_ns.ucount_max[UCOUNT_CREDGRANTS] = CG_QUOTA_DEFAULT;
	return rhashtable_init(&cg_table, &cg_ht_params);
}
fs_initcall(credgrant_init);

#if IS_ENABLED(CONFIG_CREDPASS_KUNIT_TEST)
#include "grant_kunit.c"
#endif
