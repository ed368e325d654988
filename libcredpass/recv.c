// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * credpass_recv() and credpass_parse(): one message's control data into a
 * struct credpass_msg.  Fail closed: when the control data is malformed,
 * every descriptor it carried is closed and nothing is returned but
 * -EBADMSG.  Descriptors beyond the caller's room are closed and reported
 * (fds_closed, MSG_CTRUNC).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

_Static_assert(sizeof(struct credpass_ucred) == sizeof(struct ucred) &&
	       offsetof(struct credpass_ucred, uid) == offsetof(struct ucred, uid) &&
	       offsetof(struct credpass_ucred, gid) == offsetof(struct ucred, gid),
	       "struct credpass_ucred is struct ucred");

#ifndef SCM_PIDFD
#define SCM_PIDFD	0x04
#endif

#define HDR_LEN		CMSG_LEN(0)	/* aligned struct cmsghdr */

/* One control message as found at off in the buffer. */
struct cm {
	int level, type;
	const unsigned char *data;
	size_t plen;		/* payload bytes */
	int last;		/* ends at the end of the control data */
};

/*
 * The control message at *off: 1 found (and *off advanced), 0 end of the
 * data, -EBADMSG a header that does not fit what the kernel writes.
 */
static int next_cm(const unsigned char *ctl, size_t len, size_t *off,
		   struct cm *cm)
{
	struct cmsghdr h;
	size_t rest, space;

	if (*off >= len || len - *off < sizeof(h))
		return 0;	/* nothing, or padding too short for a header */
	rest = len - *off;
	memcpy(&h, ctl + *off, sizeof(h));
	if (h.cmsg_len < HDR_LEN || h.cmsg_len > rest)
		return -EBADMSG;
	cm->level = h.cmsg_level;
	cm->type = h.cmsg_type;
	cm->data = ctl + *off + HDR_LEN;
	cm->plen = h.cmsg_len - HDR_LEN;
	space = CMSG_ALIGN(h.cmsg_len);
	cm->last = space >= rest;
	*off = space >= rest ? len : *off + space;
	return 1;
}

static int get_int(const unsigned char *p)
{
	int v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Fail closed: close every descriptor the control data carries. */
static void close_all(const unsigned char *ctl, size_t len,
		      int (*closefd)(int))
{
	size_t off = 0, i;
	struct cm cm;

	while (next_cm(ctl, len, &off, &cm) > 0) {
		if (cm.level != SOL_SOCKET)
			continue;
		if (cm.type == SCM_RIGHTS) {
			for (i = 0; i + sizeof(int) <= cm.plen; i += sizeof(int)) {
				int fd = get_int(cm.data + i);

				if (fd >= 0)
					closefd(fd);
			}
		} else if (cm.type == SCM_PIDFD && cm.plen >= sizeof(int)) {
			int fd = get_int(cm.data);

			if (fd >= 0)
				closefd(fd);
		}
	}
}

/*
 * A control message shorter than its type's payload is tolerated only as
 * the kernel's own truncation: the last one, with MSG_CTRUNC.  It is then
 * ignored (the kernel dropped what did not fit).
 */
static int short_cm(const struct cm *cm, int msg_flags)
{
	return cm->last && (msg_flags & MSG_CTRUNC) ? 0 : -EBADMSG;
}

static int parse_grant(const struct cm *cm, struct credpass_msg *msg)
{
	struct credgrant g;

	if (cm->plen < CREDGRANT_SIZE_VER0)
		return short_cm(cm, msg->msg_flags);
	memcpy(&g, cm->data, CREDGRANT_SIZE_VER0);
	if (g.size > cm->plen)
		return short_cm(cm, msg->msg_flags);
	if (g.size != cm->plen || g.ngroups > CREDGRANT_NGROUPS_MAX ||
	    g.size != CREDGRANT_SIZE_VER0 + 4 * g.ngroups)
		return -EBADMSG;
	if (msg->has & CREDPASS_HAS_GRANT)
		return -EBADMSG;	/* one grant per message */
	memcpy(msg->grant_buf, cm->data, cm->plen);
	msg->has |= CREDPASS_HAS_GRANT;
	return 0;
}

int credpass__parse(const void *control, size_t controllen, int msg_flags,
		    int *fds, size_t fds_max, struct credpass_msg *msg,
		    int (*closefd)(int))
{
	const unsigned char *ctl = control;
	size_t off = 0, i, len = msg->len;	/* set by the caller */
	struct cm cm;
	int ret = 0, r;

	memset(msg, 0, sizeof(*msg));
	msg->len = len;
	msg->msg_flags = msg_flags;
	msg->fds = fds;
	msg->pidfd = -1;
	if (!fds)
		fds_max = 0;
	if (!ctl)
		controllen = 0;
	/* first pass: check everything, keep nothing open on failure */
	while ((r = next_cm(ctl, controllen, &off, &cm)) > 0) {
		if (cm.level != SOL_SOCKET)
			continue;
		switch (cm.type) {
		case SCM_CREDGRANT:
			ret = parse_grant(&cm, msg);
			break;
		case SCM_RIGHTS:
			if (cm.plen % sizeof(int))
				ret = -EBADMSG;
			for (i = 0; !ret && i < cm.plen; i += sizeof(int))
				if (get_int(cm.data + i) < 0)
					ret = -EBADMSG;
			break;
		case SCM_CREDENTIALS:
			if (cm.plen < sizeof(struct ucred))
				ret = short_cm(&cm, msg_flags);
			else if (cm.plen != sizeof(struct ucred) ||
				 (msg->has & CREDPASS_HAS_CREDS))
				ret = -EBADMSG;
			else {
				memcpy(&msg->creds, cm.data, sizeof(msg->creds));
				msg->has |= CREDPASS_HAS_CREDS;
			}
			break;
		case SCM_PIDFD:
			if (cm.plen != sizeof(int) ||
			    (msg->has & CREDPASS_HAS_PIDFD) ||
			    get_int(cm.data) < 0)
				ret = -EBADMSG;
			else
				msg->has |= CREDPASS_HAS_PIDFD;
			break;
		default:
			break;	/* SCM_SECURITY and others: not ours */
		}
		if (ret)
			break;
	}
	if (r < 0)
		ret = r;
	if (ret) {
		close_all(ctl, controllen, closefd);
		memset(msg, 0, sizeof(*msg));
		msg->msg_flags = msg_flags;
		msg->fds = fds;
		msg->pidfd = -1;
		return ret;
	}
	/* second pass: hand over the descriptors */
	off = 0;
	while (next_cm(ctl, controllen, &off, &cm) > 0) {
		if (cm.level != SOL_SOCKET)
			continue;
		if (cm.type == SCM_PIDFD) {
			msg->pidfd = get_int(cm.data);
			continue;
		}
		if (cm.type != SCM_RIGHTS)
			continue;
		for (i = 0; i < cm.plen; i += sizeof(int)) {
			int fd = get_int(cm.data + i);

			if (msg->nfds < fds_max) {
				fds[msg->nfds++] = fd;
			} else {
				closefd(fd);
				msg->fds_closed++;
				msg->msg_flags |= MSG_CTRUNC;
			}
		}
	}
	return 0;
}

int credpass_parse(const struct msghdr *mh, int *fds, size_t fds_max,
		   struct credpass_msg *msg)
{
	if (!mh || !msg)
		return -EINVAL;
	msg->len = 0;	/* the data length is recvmsg's result, not known here */
	return credpass__parse(mh->msg_control, mh->msg_controllen,
			       mh->msg_flags, fds, fds_max, msg, close);
}

ssize_t credpass_recv(int sockfd, void *data, size_t len, int *fds,
		      size_t fds_max, struct credpass_msg *msg, int flags)
{
	union {
		struct cmsghdr align;
		char buf[CREDPASS_CONTROL_SIZE];
	} ctl;
	struct iovec iov = { .iov_base = data, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;
	int ret;

	if (!msg)
		return -EINVAL;
	n = recvmsg(sockfd, &mh, flags | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		ret = -errno;
		memset(msg, 0, sizeof(*msg));
		msg->fds = fds;
		msg->pidfd = -1;
		return ret;
	}
	msg->len = n;
	ret = credpass__parse(mh.msg_control, mh.msg_controllen, mh.msg_flags,
			      fds, fds_max, msg, close);
	return ret ? ret : n;
}

const struct credgrant *credpass_msg_grant(const struct credpass_msg *msg)
{
	if (!msg || !(msg->has & CREDPASS_HAS_GRANT))
		return NULL;
	return (const struct credgrant *)msg->grant_buf;
}

void credpass_msg_close(struct credpass_msg *msg)
{
	size_t i;

	if (!msg)
		return;
	for (i = 0; msg->fds && i < msg->nfds; i++) {
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
		msg->fds[i] = -1;
	}
	msg->nfds = 0;
	if (msg->pidfd >= 0)
		close(msg->pidfd);
	msg->pidfd = -1;
	msg->has &= ~CREDPASS_HAS_PIDFD;
}
