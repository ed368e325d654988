// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Ids from names through NSS (getpwnam_r, getgrnam_r, getgrouplist), or
 * from decimal numbers.  Thread-safe: only the reentrant NSS calls.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define NSS_BUF_MAX	(1 << 20)

/* A decimal id: 1 and *id set, 0 not a number, -EINVAL out of range. */
static int parse_id(const char *s, uint32_t *id)
{
	unsigned long long v = 0;
	const char *p;

	if (!*s)
		return 0;
	for (p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	for (p = s; *p; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v >= CREDGRANT_SELF)	/* (uid_t)-1 is no id */
			return -EINVAL;
	}
	*id = v;
	return 1;
}

static size_t nss_buf_size(int name)
{
	long n = sysconf(name);

	return n > 0 && n < NSS_BUF_MAX ? (size_t)n : 1024;
}

/* getpwnam_r (name) or getpwuid_r (name NULL): 0, -ENOENT or -errno. */
static int get_passwd(const char *name, uid_t uid, struct passwd *pw,
		      char **buf)
{
	size_t size = nss_buf_size(_SC_GETPW_R_SIZE_MAX);
	struct passwd *res;
	int err;

	*buf = NULL;
	for (;;) {
		char *b = realloc(*buf, size);

		if (!b) {
			free(*buf);
			*buf = NULL;
			return -ENOMEM;
		}
		*buf = b;
		res = NULL;
		err = name ? getpwnam_r(name, pw, b, size, &res) :
			     getpwuid_r(uid, pw, b, size, &res);
		if (err != ERANGE || size >= NSS_BUF_MAX)
			break;
		size *= 2;
	}
	if (!err && res)
		return 0;
	free(*buf);
	*buf = NULL;
	return err ? -err : -ENOENT;
}

static int get_group(const char *name, struct group *gr, char **buf)
{
	size_t size = nss_buf_size(_SC_GETGR_R_SIZE_MAX);
	struct group *res;
	int err;

	*buf = NULL;
	for (;;) {
		char *b = realloc(*buf, size);

		if (!b) {
			free(*buf);
			*buf = NULL;
			return -ENOMEM;
		}
		*buf = b;
		res = NULL;
		err = getgrnam_r(name, gr, b, size, &res);
		if (err != ERANGE || size >= NSS_BUF_MAX)
			break;
		size *= 2;
	}
	if (!err && res)
		return 0;
	free(*buf);
	*buf = NULL;
	return err ? -err : -ENOENT;
}

int credpass_uid_from_name(const char *name, uid_t *uid)
{
	struct passwd pw;
	uint32_t id;
	char *buf;
	int ret;

	if (!name || !uid)
		return -EINVAL;
	ret = parse_id(name, &id);
	if (ret < 0)
		return ret;
	if (ret) {
		*uid = id;
		return 0;
	}
	ret = get_passwd(name, 0, &pw, &buf);
	if (ret)
		return ret;
	*uid = pw.pw_uid;
	free(buf);
	return 0;
}

int credpass_gid_from_name(const char *name, gid_t *gid)
{
	struct group gr;
	uint32_t id;
	char *buf;
	int ret;

	if (!name || !gid)
		return -EINVAL;
	ret = parse_id(name, &id);
	if (ret < 0)
		return ret;
	if (ret) {
		*gid = id;
		return 0;
	}
	ret = get_group(name, &gr, &buf);
	if (ret)
		return ret;
	*gid = gr.gr_gid;
	free(buf);
	return 0;
}

int credpass_request_for_user(const char *user, struct credpass_request *req,
			      gid_t *groups, size_t groups_max)
{
	struct passwd pw;
	uint32_t id;
	char *buf;
	int ret, n;

	if (!user || !req || (groups_max && !groups))
		return -EINVAL;
	ret = parse_id(user, &id);
	if (ret < 0)
		return ret;
	ret = ret ? get_passwd(NULL, id, &pw, &buf) :
		    get_passwd(user, 0, &pw, &buf);
	if (ret)
		return ret;
	if (groups_max > CREDGRANT_NGROUPS_MAX)
		groups_max = CREDGRANT_NGROUPS_MAX;
	n = groups_max;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0) {
		free(buf);
		return -ERANGE;
	}
	memset(req, 0, sizeof(*req));
	req->kind = CREDGRANT_FULL;
	req->uid = pw.pw_uid;
	req->gid = pw.pw_gid;
	req->groups = groups;
	req->ngroups = n;
	free(buf);
	return 0;
}

int credpass__uid_name(uint32_t uid, char *out, size_t size)
{
	struct passwd pw;
	char *buf;
	int ret = get_passwd(NULL, uid, &pw, &buf);

	if (ret)
		return ret;
	if (strlen(pw.pw_name) >= size) {
		free(buf);
		return -ERANGE;
	}
	strcpy(out, pw.pw_name);
	free(buf);
	return 0;
}

int credpass__gid_name(uint32_t gid, char *out, size_t size)
{
	size_t bsize = nss_buf_size(_SC_GETGR_R_SIZE_MAX);
	struct group gr, *res;
	char *buf = NULL;
	int err;

	for (;;) {
		char *b = realloc(buf, bsize);

		if (!b) {
			free(buf);
			return -ENOMEM;
		}
		buf = b;
		res = NULL;
		err = getgrgid_r(gid, &gr, buf, bsize, &res);
		if (err != ERANGE || bsize >= NSS_BUF_MAX)
			break;
		bsize *= 2;
	}
	if (err || !res || strlen(gr.gr_name) >= size) {
		free(buf);
		return err ? -err : res ? -ERANGE : -ENOENT;
	}
	strcpy(out, gr.gr_name);
	free(buf);
	return 0;
}
