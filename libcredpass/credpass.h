/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcredpass: user-space library for credential grants over AF_UNIX
 * (SCM_CREDGRANT control messages and the acceptid(2) system call).
 *
 * Conventions (see libcredpass(3)):
 *  - Every function that can fail returns a negative errno value
 *    (-EINVAL, -ENOENT, ...) on failure and 0 or a non-negative count on
 *    success.  errno is not part of the interface: it is left unspecified.
 *  - -ENOSYS means "the running kernel has no credgrant" (see
 *    credpass_probe()); the library never calls syscall 463 on such a
 *    kernel.
 *  - All functions are thread-safe.  The only global state is the
 *    probe's cached answer.
 *  - Descriptors the library receives are created close-on-exec, and none
 *    is ever left open without being handed to the caller.
 */
#ifndef CREDPASS_H
#define CREDPASS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <linux/credpass.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest grant description: struct credgrant with the most groups. */
#define CREDPASS_GRANT_MAX	(CREDGRANT_SIZE_VER0 + 4 * CREDGRANT_NGROUPS_MAX)

/* Most descriptors in one SCM_RIGHTS message (the kernel's SCM_MAX_FD). */
#define CREDPASS_FDS_MAX	253

/* Does the running kernel have credgrant?  1 yes, 0 no, -errno unknown. */
int credpass_probe(void);

/* Receiver opt-in (SO_PASSCREDGRANT). */
int credpass_set_passcredgrant(int sockfd, int on);
int credpass_get_passcredgrant(int sockfd);

/* What to ask the kernel to issue. */
struct credpass_request {
	uint32_t kind;		/* CREDGRANT_UID | CREDGRANT_GID | ..., or CREDGRANT_AUDIT */
	uint32_t uid;		/* with CREDGRANT_UID: an id or CREDGRANT_SELF; else 0 */
	uint32_t gid;		/* with CREDGRANT_GID: an id or CREDGRANT_SELF; else 0 */
	uint32_t ttl_ms;	/* 0: the kernel's default */
	const gid_t *groups;	/* with CREDGRANT_GROUPS: ngroups ids */
	size_t ngroups;		/* at most CREDGRANT_NGROUPS_MAX */
};

/*
 * Send len bytes of data with a grant request (req may be NULL: no grant)
 * and nfds descriptors (SCM_RIGHTS) in one message.  Bytes sent or -errno.
 */
ssize_t credpass_send(int sockfd, const struct credpass_request *req,
		      const void *data, size_t len,
		      const int *fds, size_t nfds, int flags);

/* SCM_CREDENTIALS as struct ucred (which needs _GNU_SOURCE) lays it out. */
struct credpass_ucred {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/* What one received message carried besides its data. */
struct credpass_msg {
	size_t len;		/* bytes of data received */
	int msg_flags;		/* recvmsg's msg_flags: MSG_TRUNC, MSG_CTRUNC, ... */
	unsigned int has;	/* CREDPASS_HAS_* */
	int *fds;		/* the caller's array, nfds descriptors in it */
	size_t nfds;
	size_t fds_closed;	/* arrived but did not fit in fds: closed */
	struct credpass_ucred creds;	/* with CREDPASS_HAS_CREDS */
	int pidfd;		/* with CREDPASS_HAS_PIDFD, else -1 */
	uint64_t grant_buf[(CREDPASS_GRANT_MAX + 7) / 8];	/* see credpass_msg_grant() */
};

#define CREDPASS_HAS_GRANT	0x1	/* an SCM_CREDGRANT description */
#define CREDPASS_HAS_CREDS	0x2	/* SCM_CREDENTIALS (SO_PASSCRED) */
#define CREDPASS_HAS_PIDFD	0x4	/* SCM_PIDFD (SO_PASSPIDFD) */

/*
 * Receive one message: data into data/len, descriptors into fds (room for
 * fds_max), the rest into *msg.  Bytes received or -errno.
 */
ssize_t credpass_recv(int sockfd, void *data, size_t len, int *fds,
		      size_t fds_max, struct credpass_msg *msg, int flags);

/* Parse the control data of a message the caller received itself. */
int credpass_parse(const struct msghdr *mh, int *fds, size_t fds_max,
		   struct credpass_msg *msg);

/* Control buffer that always holds what credpass_parse() understands. */
#define CREDPASS_CONTROL_SIZE	(CMSG_SPACE(CREDPASS_GRANT_MAX) + \
				 CMSG_SPACE(sizeof(int) * CREDPASS_FDS_MAX) + \
				 CMSG_SPACE(sizeof(struct credpass_ucred)) + \
				 CMSG_SPACE(sizeof(int)) + 1024)

/* The grant description in msg, or NULL when the message had none. */
const struct credgrant *credpass_msg_grant(const struct credpass_msg *msg);

/* Close every descriptor msg holds (fds and pidfd). */
void credpass_msg_close(struct credpass_msg *msg);

/* acceptid(2): apply (flags 0) or stage for the next execve (ACCEPTID_EXEC). */
int credpass_accept(int sockfd, const struct credgrant *grant,
		    unsigned int flags);
int credpass_reject(int sockfd, const struct credgrant *grant);
int credpass_audit_pop(void);

/* Names: a user or group name (NSS), or a decimal id. */
int credpass_uid_from_name(const char *name, uid_t *uid);
int credpass_gid_from_name(const char *name, gid_t *gid);
/* A CREDGRANT_FULL request for user: uid, primary gid, its groups. */
int credpass_request_for_user(const char *user, struct credpass_request *req,
			      gid_t *groups, size_t groups_max);

/* One line describing a grant, snprintf-like; flags CREDPASS_DESCRIBE_*. */
#define CREDPASS_DESCRIBE_NAMES	0x1	/* add (name) after ids, via NSS */
int credpass_describe(const struct credgrant *grant, unsigned int flags,
		      char *buf, size_t size);

/* What a credpass errno (positive or negative) means, in words. */
const char *credpass_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* CREDPASS_H */
