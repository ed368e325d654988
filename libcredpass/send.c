// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * credpass_send(): data, one SCM_CREDGRANT request and SCM_RIGHTS
 * descriptors in one sendmsg().  The request is passed to the kernel as the
 * caller wrote it (the kernel judges it); the library only refuses what it
 * cannot build.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "internal.h"

#define REQ_MAX		(CREDGRANT_REQ_SIZE_VER0 + 4 * CREDGRANT_NGROUPS_MAX)
#define SEND_CONTROL_MAX (CMSG_SPACE(REQ_MAX) + \
			  CMSG_SPACE(sizeof(int) * CREDPASS_FDS_MAX))

static int check_args(const struct credpass_request *req, const int *fds,
		      size_t nfds)
{
	if (nfds > CREDPASS_FDS_MAX || (nfds && !fds))
		return -EINVAL;
	if (req && (req->ngroups > CREDGRANT_NGROUPS_MAX ||
		    (req->ngroups && !req->groups)))
		return -EINVAL;
	return 0;
}

size_t credpass__control_len(const struct credpass_request *req, size_t nfds)
{
	size_t len = 0;

	if (req)
		len += CMSG_SPACE(CREDGRANT_REQ_SIZE_VER0 + 4 * req->ngroups);
	if (nfds)
		len += CMSG_SPACE(sizeof(int) * nfds);
	return len;
}

ssize_t credpass__build_control(const struct credpass_request *req,
				const int *fds, size_t nfds, void *buf,
				size_t size)
{
	struct cmsghdr *c = buf;
	size_t need;
	int ret = check_args(req, fds, nfds);

	if (ret)
		return ret;
	need = credpass__control_len(req, nfds);
	if (need > size)
		return -ENOBUFS;
	memset(buf, 0, need);
	if (req) {
		struct credgrant_req r = {
			.size = CREDGRANT_REQ_SIZE_VER0 + 4 * req->ngroups,
			.kind = req->kind,
			.uid = req->uid,
			.gid = req->gid,
			.ttl_ms = req->ttl_ms,
			.ngroups = req->ngroups,
		};
		unsigned char *p = CMSG_DATA(c);
		size_t i;

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_CREDGRANT;
		c->cmsg_len = CMSG_LEN(r.size);
		memcpy(p, &r, CREDGRANT_REQ_SIZE_VER0);
		p += CREDGRANT_REQ_SIZE_VER0;
		for (i = 0; i < req->ngroups; i++) {
			uint32_t g = req->groups[i];

			memcpy(p + 4 * i, &g, 4);
		}
		c = (struct cmsghdr *)((char *)c + CMSG_SPACE(r.size));
	}
	if (nfds) {
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	return need;
}

ssize_t credpass_send(int sockfd, const struct credpass_request *req,
		      const void *data, size_t len, const int *fds,
		      size_t nfds, int flags)
{
	union {
		struct cmsghdr align;
		char buf[SEND_CONTROL_MAX];
	} ctl;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	/* never put SCM_CREDGRANT on a socket of a kernel that lacks it */
	if (req) {
		n = credpass__need();
		if (n)
			return n;
	}
	n = credpass__build_control(req, fds, nfds, ctl.buf, sizeof(ctl.buf));
	if (n < 0)
		return n;
	if (n) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = n;
	}
	n = sendmsg(sockfd, &mh, flags);
	return n < 0 ? -errno : n;
}
