// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * credpass_describe(): one log line for a grant description, e.g.
 *
 *   grant 0x1f3a... kind=uid,gid,groups uid=1000(alice) gid=1000(alice)
 *   groups=1000(alice),27(sudo) ttl=30000ms from pid=42 uid=0(root)
 *   gid=0(root) auid=1000 ses=3
 *
 * (on one line).  snprintf-like: returns the length of the whole line,
 * writes at most size bytes including the NUL.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct out {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
		      o->len < o->size ? o->size - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += n;
}

static void put_id(struct out *o, const char *key, uint32_t id, int gid,
		   unsigned int flags)
{
	char name[256];

	if (key)
		put(o, " %s=", key);
	if (id == CREDGRANT_SELF) {
		put(o, "unset");
		return;
	}
	put(o, "%" PRIu32, id);
	if (!(flags & CREDPASS_DESCRIBE_NAMES))
		return;
	if ((gid ? credpass__gid_name(id, name, sizeof(name)) :
		   credpass__uid_name(id, name, sizeof(name))) == 0)
		put(o, "(%s)", name);
}

int credpass_describe(const struct credgrant *g, unsigned int flags,
		      char *buf, size_t size)
{
	static const char *const kinds[] = { "uid", "gid", "groups", "audit" };
	struct out o = { .buf = buf, .size = buf ? size : 0 };
	const char *sep = "";
	uint32_t i;

	if (!g || g->ngroups > CREDGRANT_NGROUPS_MAX ||
	    g->size != CREDGRANT_SIZE_VER0 + 4 * g->ngroups ||
	    (flags & ~CREDPASS_DESCRIBE_NAMES))
		return -EINVAL;
	if (o.size)
		o.buf[0] = '\0';
	put(&o, "grant 0x%016" PRIx64 " kind=", (uint64_t)g->id);
	for (i = 0; i < 4; i++) {
		if (g->kind & (1U << i)) {
			put(&o, "%s%s", sep, kinds[i]);
			sep = ",";
		}
	}
	if (g->kind & ~0xfU)
		put(&o, "%s0x%" PRIx32, sep, g->kind & ~0xfU);
	else if (!*sep)
		put(&o, "none");
	if (g->kind & CREDGRANT_UID)
		put_id(&o, "uid", g->uid, 0, flags);
	if (g->kind & CREDGRANT_GID)
		put_id(&o, "gid", g->gid, 1, flags);
	if (g->kind & CREDGRANT_GROUPS) {
		put(&o, " groups=");
		if (!g->ngroups)
			put(&o, "none");
		for (i = 0; i < g->ngroups; i++) {
			if (i)
				put(&o, ",");
			put_id(&o, NULL, g->groups[i], 1, flags);
		}
	}
	put(&o, " ttl=%" PRIu64 "ms from pid=%" PRIu32,
	    (uint64_t)(g->expires_ns - g->issued_ns) / 1000000, g->granter_pid);
	put_id(&o, "uid", g->granter_uid, 0, flags);
	put_id(&o, "gid", g->granter_gid, 1, flags);
	put_id(&o, "auid", g->granter_auid, 0, 0);
	put_id(&o, "ses", g->granter_ses, 0, 0);
	return o.len > INT32_MAX ? -EOVERFLOW : (int)o.len;
}
