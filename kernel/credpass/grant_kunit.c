// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for credpass grants. Included from grant.c, so that the
 * static quota and expiry paths can be driven with a controlled clock.
 */

#include <kunit/test.h>
#include <linux/sort.h>

/* A request buffer: header, optional zero extension, groups. */
struct cg_test_req {
	struct credgrant_req hdr;
	u32 tail[8];
};

static size_t cg_test_req_fill(struct cg_test_req *r, u32 kind, u32 uid,
			       u32 gid, u32 ngroups)
{
	u32 i;

	memset(r, 0, sizeof(*r));
	r->hdr.size = sizeof(r->hdr) + sizeof(u32) * ngroups;
	r->hdr.kind = kind;
	r->hdr.uid = uid;
	r->hdr.gid = gid;
	r->hdr.ngroups = ngroups;
	for (i = 0; i < ngroups; i++)
		r->hdr.groups[i] = 100 + i;
	return r->hdr.size;
}

/* A new grant, with room for @ngroups groups if @kind has GROUPS. */
static struct cred_grant *cg_test_alloc(u32 kind, u32 ngroups)
{
	struct cred_grant *g = cg_alloc(kind);

	if (g && (kind & CREDGRANT_GROUPS)) {
		g->groups = groups_alloc(ngroups);
		if (!g->groups) {
			credgrant_put(g);
			return NULL;
		}
	}
	return g;
}

static void cg_test_parse_valid(struct kunit *test)
{
	struct credgrant_request req;
	struct cg_test_req r;
	size_t len = cg_test_req_fill(&r, CREDGRANT_FULL, 1, 2, 3);

	KUNIT_ASSERT_EQ(test, credgrant_parse_request(&r, len, &req), 0);
	KUNIT_EXPECT_EQ(test, req.kind, (u32)CREDGRANT_FULL);
	KUNIT_EXPECT_EQ(test, req.uid, 1U);
	KUNIT_EXPECT_EQ(test, req.gid, 2U);
	KUNIT_EXPECT_EQ(test, req.ngroups, 3U);
	KUNIT_EXPECT_PTR_EQ(test, req.groups, (const u32 *)r.hdr.groups);
	KUNIT_EXPECT_EQ(test, req.groups[2], 102U);

	len = cg_test_req_fill(&r, CREDGRANT_GROUPS, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, len, &req), 0);
	len = cg_test_req_fill(&r, CREDGRANT_AUDIT, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, len, &req), 0);
}

static void cg_test_parse_invalid(struct kunit *test)
{
	struct credgrant_request req;
	struct cg_test_req r;
	size_t len;

	len = cg_test_req_fill(&r, CREDGRANT_UID, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, len - 4, &req),
			-EINVAL);
	r.hdr.size = len + 4;
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, len, &req), -EINVAL);

	len = cg_test_req_fill(&r, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, len, &req), -EINVAL);
	len = cg_test_req_fill(&r, 0x10, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, len, &req), -EINVAL);
	len = cg_test_req_fill(&r, CREDGRANT_AUDIT | CREDGRANT_UID, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, len, &req), -EINVAL);
	len = cg_test_req_fill(&r, CREDGRANT_UID, 1, 0, 1);
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, len, &req), -EINVAL);
	len = cg_test_req_fill(&r, CREDGRANT_GID, 7, 1, 0);
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, len, &req), -EINVAL);
	len = cg_test_req_fill(&r, CREDGRANT_UID, 1, 7, 0);
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, len, &req), -EINVAL);

	/* More groups than allowed, and more than the buffer holds. */
	len = cg_test_req_fill(&r, CREDGRANT_GROUPS, 0, 0, 0);
	r.hdr.ngroups = CREDGRANT_NGROUPS_MAX + 1;
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, len, &req), -EINVAL);
	r.hdr.ngroups = 2;
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, len, &req), -EINVAL);
}

static void cg_test_parse_extension(struct kunit *test)
{
	struct credgrant_request req;
	struct cg_test_req r;

	/* A future 32-byte fixed part, then one group. */
	cg_test_req_fill(&r, CREDGRANT_GROUPS, 0, 0, 0);
	r.hdr.size = sizeof(r.hdr) + 8 + 4;
	r.hdr.ngroups = 1;
	r.tail[2] = 55;
	KUNIT_ASSERT_EQ(test, credgrant_parse_request(&r, r.hdr.size, &req), 0);
	KUNIT_EXPECT_EQ(test, req.groups[0], 55U);
	r.tail[1] = 1;
	KUNIT_EXPECT_EQ(test, credgrant_parse_request(&r, r.hdr.size, &req),
			-E2BIG);
}

static void cg_test_ttl(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, credgrant_ttl_ms(0, 30000, 120000), 30000U);
	KUNIT_EXPECT_EQ(test, credgrant_ttl_ms(5, 30000, 120000), 5U);
	KUNIT_EXPECT_EQ(test, credgrant_ttl_ms(500000, 30000, 120000), 120000U);
	KUNIT_EXPECT_EQ(test, credgrant_ttl_ms(0, 200, 100), 100U);
}

static void cg_test_expired_clock(struct kunit *test)
{
	struct cred_grant g = { .expires_ns = 1000 };

	KUNIT_EXPECT_FALSE(test, credgrant_expired(&g, 0));
	KUNIT_EXPECT_FALSE(test, credgrant_expired(&g, 999));
	KUNIT_EXPECT_TRUE(test, credgrant_expired(&g, 1000));
	KUNIT_EXPECT_TRUE(test, credgrant_expired(&g, U64_MAX));
}

static int cg_test_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Ids: a permutation of the counter, so unique; not in counter order. */
static void cg_test_ids_unique(struct kunit *test)
{
	const size_t n = 4096;
	siphash_key_t key = {}, other = { { 1, 2 } };
	size_t i, up = 0;
	u64 *ids;

	ids = kunit_kcalloc(test, n, sizeof(*ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	for (i = 0; i < n; i++) {
		ids[i] = cg_next_id();
		KUNIT_EXPECT_NE(test, ids[i], 0ULL);
		if (i && ids[i] > ids[i - 1])
			up++;
	}
	/* Counter order would make every step go up. */
	KUNIT_EXPECT_LT(test, up, n - 1 - n / 4);
	KUNIT_EXPECT_GT(test, up, n / 4);
	sort(ids, n, sizeof(*ids), cg_test_cmp_u64, NULL);
	for (i = 1; i < n; i++)
		KUNIT_ASSERT_NE(test, ids[i], ids[i - 1]);

	/* The key decides the permutation. */
	KUNIT_EXPECT_EQ(test, cg_permute_id(42, &key), cg_permute_id(42, &key));
	KUNIT_EXPECT_NE(test, cg_permute_id(42, &key),
			cg_permute_id(42, &other));
}

static void cg_test_check_expect(struct kunit *test)
{
	size_t size = sizeof(struct credgrant) + 2 * sizeof(u32);
	struct cred_grant *g;
	struct credgrant *e;
	u32 *w;
	size_t i;

	g = cg_test_alloc(CREDGRANT_GROUPS, 2);
	KUNIT_ASSERT_NOT_NULL(test, g);
	e = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	g->groups->gid[0] = KGIDT_INIT(7);
	g->groups->gid[1] = KGIDT_INIT(33);
	e->id = 9;
	e->size = size;
	e->ngroups = 2;
	g->desc_hash = cg_desc_hash(e);
	e->groups[0] = 7;
	e->groups[1] = 33;
	KUNIT_EXPECT_EQ(test, credgrant_check_expect(e, size, g), 0);
	KUNIT_EXPECT_EQ(test, credgrant_check_expect(e, size - 4, g), -ESTALE);

	/* Any single word changed is a different description. */
	w = (u32 *)e;
	for (i = 0; i < size / sizeof(u32); i++) {
		w[i] ^= 1;
		KUNIT_EXPECT_EQ(test, credgrant_check_expect(e, size, g),
				-ESTALE);
		w[i] ^= 1;
	}
	credgrant_put(g);
}

static void cg_test_quota(struct kunit *test)
{
	long saved = init_user_ns.ucount_max[UCOUNT_CREDGRANTS];
	struct cred_grant a = {}, b = {}, c = {};
	struct cred *cred = prepare_creds();

	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->euid = KUIDT_INIT(0x7ffff00d);
	init_user_ns.ucount_max[UCOUNT_CREDGRANTS] = 2;
	KUNIT_EXPECT_EQ(test, cg_quota_charge(&a, cred), 0);
	KUNIT_EXPECT_EQ(test, cg_quota_charge(&b, cred), 0);
	KUNIT_EXPECT_EQ(test, cg_quota_charge(&c, cred), -EDQUOT);
	KUNIT_EXPECT_NULL(test, c.ucounts);
	KUNIT_EXPECT_PTR_EQ(test, a.ucounts, b.ucounts);
	if (a.ucounts)
		KUNIT_EXPECT_EQ(test,
				atomic_long_read(&a.ucounts->ucount[UCOUNT_CREDGRANTS]),
				2L);

	cg_quota_release(&a);
	KUNIT_EXPECT_NULL(test, a.ucounts);
	KUNIT_EXPECT_EQ(test, cg_quota_charge(&c, cred), 0);
	cg_quota_release(&b);
	cg_quota_release(&c);

	/* A quota of zero refuses. */
	init_user_ns.ucount_max[UCOUNT_CREDGRANTS] = 0;
	KUNIT_EXPECT_EQ(test, cg_quota_charge(&a, cred), -EDQUOT);
	init_user_ns.ucount_max[UCOUNT_CREDGRANTS] = saved;
	abort_creds(cred);
}

/*
 * A cred whose euid is its uid is charged on its own ucounts, without the
 * lookup; one whose euid differs is charged on the euid's entry, which is
 * the same counter: the quota holds across both ways in.
 */
static void cg_test_quota_own(struct kunit *test)
{
	long saved = init_user_ns.ucount_max[UCOUNT_CREDGRANTS];
	struct cred_grant a = {}, b = {}, c = {};
	kuid_t uid = KUIDT_INIT(0x7ffff00e);
	struct cred *own = prepare_creds();
	struct cred *other = prepare_creds();
	struct ucounts *mine;

	KUNIT_ASSERT_NOT_NULL(test, own);
	KUNIT_ASSERT_NOT_NULL(test, other);
	mine = alloc_ucounts(&init_user_ns, uid);
	KUNIT_ASSERT_NOT_NULL(test, mine);
	put_ucounts(own->ucounts);
	own->ucounts = mine;
	own->uid = uid;
	own->euid = uid;
	other->euid = uid;	/* its ucounts stay its uid's */
	KUNIT_ASSERT_FALSE(test, uid_eq(other->ucounts->uid, uid));

	init_user_ns.ucount_max[UCOUNT_CREDGRANTS] = 2;
	KUNIT_EXPECT_EQ(test, cg_quota_charge(&a, own), 0);
	KUNIT_EXPECT_PTR_EQ(test, a.ucounts, mine);
	KUNIT_EXPECT_EQ(test, cg_quota_charge(&b, other), 0);
	KUNIT_EXPECT_PTR_EQ(test, b.ucounts, mine);
	KUNIT_EXPECT_EQ(test, cg_quota_charge(&c, own), -EDQUOT);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mine->ucount[UCOUNT_CREDGRANTS]),
			2L);
	cg_quota_release(&a);
	cg_quota_release(&b);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mine->ucount[UCOUNT_CREDGRANTS]),
			0L);
	init_user_ns.ucount_max[UCOUNT_CREDGRANTS] = saved;
	abort_creds(other);
	abort_creds(own);
}

/* An issued grant bound to @cs, as recvmsg leaves it; one hour to live. */
static struct cred_grant *cg_test_bound(struct kunit *test,
					struct credgrant_sock *cs)
{
	struct cred_grant *g = cg_test_alloc(CREDGRANT_UID, 0);
	struct credgrant d;

	KUNIT_ASSERT_NOT_NULL(test, g);
	g->uid = GLOBAL_ROOT_UID;
	g->granter_euid = GLOBAL_ROOT_UID;
	g->granter_egid = GLOBAL_ROOT_GID;
	g->granter_tgid = get_pid(task_tgid(current));
	g->ttl_ms = 3600 * MSEC_PER_SEC;
	g->id = cg_next_id();
	credgrant_issue(g);
	KUNIT_ASSERT_EQ(test, credgrant_bind(g, cs, &d, sizeof(d)), 0);
	KUNIT_EXPECT_EQ(test, d.id, g->id);
	return g;
}

static void cg_test_expiry_reap(struct kunit *test)
{
	struct credgrant_stats before, after;
	struct cg_reap r = {};
	struct credgrant_sock cs;
	struct cred_grant *g;
	struct cg_sockq *q;
	bool other = true;

	credgrant_sock_init(&cs);
	credgrant_stats_read(&before);
	g = cg_test_bound(test, &cs);
	q = cs.q;
	KUNIT_ASSERT_NOT_NULL(test, q);

	KUNIT_EXPECT_FALSE(test, cg_expire(g, g->expires_ns - 1, &r));
	KUNIT_EXPECT_EQ(test, cg_fate(g), CG_LIVE);
	KUNIT_EXPECT_TRUE(test, cg_expire(g, g->expires_ns, &r));
	KUNIT_EXPECT_NULL(test, r.evict);
	KUNIT_EXPECT_EQ(test, cg_fate(g), CG_EXPIRED);
	KUNIT_EXPECT_EQ(test, cg_state(g), CG_BOUND);
	KUNIT_EXPECT_TRUE(test, g->marker);
	KUNIT_EXPECT_EQ(test, q->nr_markers, 1U);
	KUNIT_EXPECT_TRUE(test, list_empty(&q->pending));
	/* Still the process's: exec and exit drop markers too. */
	KUNIT_EXPECT_FALSE(test, list_empty(&g->owner_node));
	KUNIT_EXPECT_NULL(test, g->ucounts);
	cg_reap(g, &r);

	credgrant_stats_read(&after);
	KUNIT_EXPECT_EQ(test, after.issued, before.issued + 1);
	KUNIT_EXPECT_EQ(test, after.expired, before.expired + 1);
	KUNIT_EXPECT_EQ(test, after.outstanding, before.outstanding);

	/* The marker answers the lookup once; then it is gone. */
	KUNIT_EXPECT_PTR_EQ(test, credgrant_take(&cs, g->id, &other), g);
	KUNIT_EXPECT_FALSE(test, other);
	KUNIT_EXPECT_EQ(test, q->nr_markers, 0U);
	KUNIT_EXPECT_TRUE(test, list_empty(&g->owner_node));
	KUNIT_EXPECT_NULL(test, credgrant_take(&cs, g->id, &other));
	credgrant_finish(g, CG_EXPIRED, 0);

	credgrant_stats_read(&after);
	KUNIT_EXPECT_EQ(test, after.expired, before.expired + 1);
	KUNIT_EXPECT_EQ(test, after.dropped, before.dropped);
	credgrant_sock_release(&cs);
	KUNIT_EXPECT_NULL(test, cs.q);
}

static void cg_test_markers_bounded(struct kunit *test)
{
	struct credgrant_stats before, after;
	struct cred_grant *first = NULL, *g;
	struct credgrant_sock cs;
	struct cg_sockq *q;
	int i;

	credgrant_sock_init(&cs);
	credgrant_stats_read(&before);
	for (i = 0; i < CG_MARKERS_MAX + 1; i++) {
		g = cg_test_bound(test, &cs);
		if (!first)
			first = g;
		struct cg_reap r = {};

		KUNIT_EXPECT_TRUE(test, cg_expire(g, U64_MAX, &r));
		KUNIT_EXPECT_PTR_EQ(test, r.evict,
				    i == CG_MARKERS_MAX ? first : NULL);
		if (r.evict)
			KUNIT_EXPECT_EQ(test, cg_state(r.evict), CG_GONE);
		cg_reap(g, &r);
	}
	q = cs.q;
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, q->nr_markers, (unsigned int)CG_MARKERS_MAX);
	refcount_inc(&q->ref);		/* to look at it after the release */
	credgrant_sock_release(&cs);
	KUNIT_EXPECT_EQ(test, q->nr_markers, 0U);
	KUNIT_EXPECT_TRUE(test, list_empty(&q->markers));
	cg_sockq_put(q);

	credgrant_stats_read(&after);
	KUNIT_EXPECT_EQ(test, after.issued, before.issued + CG_MARKERS_MAX + 1);
	KUNIT_EXPECT_EQ(test, after.expired,
			before.expired + CG_MARKERS_MAX + 1);
	KUNIT_EXPECT_EQ(test, after.dropped, before.dropped);
	KUNIT_EXPECT_EQ(test, after.outstanding, before.outstanding);
}

/* An expired grant nobody read keeps no group list (rule 14). */
static void cg_test_tombstone(struct kunit *test)
{
	struct credgrant_stats before, after;
	struct cg_reap r = {};
	struct cred_grant *g;

	credgrant_stats_read(&before);
	g = cg_test_alloc(CREDGRANT_GROUPS, 3);
	KUNIT_ASSERT_NOT_NULL(test, g);
	g->granter_tgid = get_pid(task_tgid(current));
	g->ttl_ms = 3600 * MSEC_PER_SEC;
	g->id = cg_next_id();
	credgrant_issue(g);
	KUNIT_EXPECT_EQ(test, credgrant_desc_size(g),
			sizeof(struct credgrant) + 3 * sizeof(u32));

	KUNIT_EXPECT_TRUE(test, cg_expire(g, U64_MAX, &r));
	KUNIT_EXPECT_NULL(test, g->groups);
	KUNIT_EXPECT_EQ(test, cg_state(g), CG_QUEUED);
	KUNIT_EXPECT_NOT_NULL(test, r.groups);
	cg_reap(g, &r);
	KUNIT_EXPECT_EQ(test, credgrant_desc_size(g), sizeof(struct credgrant));

	credgrant_release(g);
	credgrant_stats_read(&after);
	KUNIT_EXPECT_EQ(test, after.expired, before.expired + 1);
	KUNIT_EXPECT_EQ(test, after.dropped, before.dropped);
	KUNIT_EXPECT_EQ(test, after.outstanding, before.outstanding);
}

/*
 * The expiry timer firing after acceptid took a grant leaves its fate to
 * acceptid: a grant applied is counted accepted, never expired.
 */
static void cg_test_taken_not_expired(struct kunit *test)
{
	struct credgrant_stats before, after;
	struct credgrant_sock cs;
	struct cred_grant *g;
	bool other;

	credgrant_sock_init(&cs);
	credgrant_stats_read(&before);
	g = cg_test_bound(test, &cs);
	KUNIT_ASSERT_PTR_EQ(test, credgrant_take(&cs, g->id, &other), g);
	KUNIT_EXPECT_EQ(test, cg_state(g), CG_TAKEN);

	/* Its time comes while acceptid is committing: run the timer now. */
	g->expires_ns = 0;
	KUNIT_ASSERT_EQ(test, timer_delete(&g->timer), 1);
	cg_timer_fn(&g->timer);		/* consumes the timer's reference */
	KUNIT_EXPECT_EQ(test, cg_fate(g), CG_LIVE);

	credgrant_finish(g, CG_ACCEPTED, 0);
	credgrant_stats_read(&after);
	KUNIT_EXPECT_EQ(test, after.accepted, before.accepted + 1);
	KUNIT_EXPECT_EQ(test, after.expired, before.expired);
	KUNIT_EXPECT_EQ(test, after.outstanding, before.outstanding);
	credgrant_sock_release(&cs);
}

/*
 * A claim wins over everything after it: with a grant claimed by acceptid
 * and not yet unlinked, the socket's drain, the process's drain and the
 * expiry all leave it alone, and acceptid's fate is the one counted.
 */
static void cg_test_claimed_skipped(struct kunit *test)
{
	struct credgrant_stats before, after;
	struct credgrant_owner *owner;
	struct credgrant_sock cs;
	struct cg_reap r = {};
	struct cred_grant *g;
	struct cg_sockq *q;

	credgrant_sock_init(&cs);
	credgrant_stats_read(&before);
	g = cg_test_bound(test, &cs);
	q = cs.q;
	owner = g->owner;
	KUNIT_ASSERT_TRUE(test, cg_claim(g, CG_TAKEN));
	KUNIT_EXPECT_FALSE(test, cg_claim(g, CG_GONE));

	KUNIT_EXPECT_TRUE(test, cg_expire(g, U64_MAX, &r));
	KUNIT_EXPECT_EQ(test, cg_fate(g), CG_LIVE);
	KUNIT_EXPECT_FALSE(test, r.audit);
	KUNIT_EXPECT_NULL(test, r.groups);
	cg_owner_drain(owner);
	KUNIT_EXPECT_FALSE(test, list_empty(&g->owner_node));
	refcount_inc(&q->ref);		/* to look at it after the release */
	credgrant_sock_release(&cs);
	KUNIT_EXPECT_FALSE(test, list_empty(&q->pending));
	KUNIT_EXPECT_EQ(test, cg_state(g), CG_TAKEN);

	/* The claimer unlinks it, after the socket has gone. */
	cg_unlink(g);
	KUNIT_EXPECT_TRUE(test, list_empty(&q->pending));
	KUNIT_EXPECT_TRUE(test, list_empty(&g->owner_node));
	credgrant_finish(g, CG_ACCEPTED, 0);
	cg_sockq_put(q);

	credgrant_stats_read(&after);
	KUNIT_EXPECT_EQ(test, after.accepted, before.accepted + 1);
	KUNIT_EXPECT_EQ(test, after.dropped, before.dropped);
	KUNIT_EXPECT_EQ(test, after.expired, before.expired);
	KUNIT_EXPECT_EQ(test, after.outstanding, before.outstanding);
}

static void cg_test_close_drops(struct kunit *test)
{
	struct credgrant_stats before, after;
	struct credgrant_sock cs;
	struct cg_sockq *q;

	credgrant_sock_init(&cs);
	credgrant_stats_read(&before);
	cg_test_bound(test, &cs);
	cg_test_bound(test, &cs);
	credgrant_stats_read(&after);
	KUNIT_EXPECT_EQ(test, after.outstanding, before.outstanding + 2);

	q = cs.q;
	KUNIT_ASSERT_NOT_NULL(test, q);
	refcount_inc(&q->ref);		/* to look at it after the release */
	credgrant_sock_release(&cs);
	credgrant_stats_read(&after);
	KUNIT_EXPECT_EQ(test, after.dropped, before.dropped + 2);
	KUNIT_EXPECT_EQ(test, after.outstanding, before.outstanding);
	KUNIT_EXPECT_TRUE(test, list_empty(&q->pending));
	cg_sockq_put(q);
}

static void cg_test_apply(struct kunit *test)
{
	struct cred_grant *g = cg_test_alloc(CREDGRANT_FULL, 2);
	struct cred *new;

	KUNIT_ASSERT_NOT_NULL(test, g);
	g->uid = KUIDT_INIT(1234);
	g->gid = KGIDT_INIT(5678);
	g->groups->gid[0] = KGIDT_INIT(7);
	g->groups->gid[1] = KGIDT_INIT(8);
	new = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, new);
	KUNIT_EXPECT_EQ(test, credgrant_apply(g, new), 0);
	KUNIT_EXPECT_TRUE(test, uid_eq(new->uid, g->uid));
	KUNIT_EXPECT_TRUE(test, uid_eq(new->euid, g->uid));
	KUNIT_EXPECT_TRUE(test, uid_eq(new->suid, g->uid));
	KUNIT_EXPECT_TRUE(test, uid_eq(new->fsuid, g->uid));
	KUNIT_EXPECT_TRUE(test, gid_eq(new->gid, g->gid));
	KUNIT_EXPECT_TRUE(test, gid_eq(new->egid, g->gid));
	KUNIT_EXPECT_TRUE(test, gid_eq(new->sgid, g->gid));
	KUNIT_EXPECT_TRUE(test, gid_eq(new->fsgid, g->gid));
	KUNIT_EXPECT_PTR_EQ(test, new->group_info, g->groups);
	KUNIT_EXPECT_TRUE(test, uid_eq(new->user->uid, g->uid));
	/* Leaving uid 0 clears capabilities, as setresuid() does. */
	KUNIT_EXPECT_TRUE(test, cap_isclear(new->cap_effective));
	abort_creds(new);

	/* GID alone leaves the uids alone. */
	g->kind = CREDGRANT_GID;
	new = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, new);
	KUNIT_EXPECT_EQ(test, credgrant_apply(g, new), 0);
	KUNIT_EXPECT_TRUE(test, uid_eq(new->euid, current_euid()));
	KUNIT_EXPECT_TRUE(test, gid_eq(new->egid, g->gid));
	KUNIT_EXPECT_PTR_EQ(test, new->group_info, current_cred()->group_info);
	abort_creds(new);
	credgrant_put(g);
}

static struct kunit_case credpass_test_cases[] = {
	KUNIT_CASE(cg_test_parse_valid),
	KUNIT_CASE(cg_test_parse_invalid),
	KUNIT_CASE(cg_test_parse_extension),
	KUNIT_CASE(cg_test_ttl),
	KUNIT_CASE(cg_test_expired_clock),
	KUNIT_CASE(cg_test_ids_unique),
	KUNIT_CASE(cg_test_check_expect),
	KUNIT_CASE(cg_test_quota),
	KUNIT_CASE(cg_test_quota_own),
	KUNIT_CASE(cg_test_expiry_reap),
	KUNIT_CASE(cg_test_markers_bounded),
	KUNIT_CASE(cg_test_tombstone),
	KUNIT_CASE(cg_test_taken_not_expired),
	KUNIT_CASE(cg_test_claimed_skipped),
	KUNIT_CASE(cg_test_close_drops),
	KUNIT_CASE(cg_test_apply),
	{}
};

static struct kunit_suite credpass_test_suite = {
	.name = "credpass",
	.test_cases = credpass_test_cases,
};

kunit_test_suite(credpass_test_suite);
