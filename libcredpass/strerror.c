// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * credpass_strerror(): what an errno means for credgrant (sendmsg with a
 * grant request, recvmsg, acceptid, and the library itself), else the C
 * library's description.  Static strings only: thread-safe.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static const struct {
	int err;
	const char *text;
} texts[] = {
	{ ENOSYS, "the running kernel has no credgrant (SO_PASSCREDGRANT, SCM_CREDGRANT, acceptid)" },
	{ ENOENT, "not found: no such grant pending on this socket (unknown id, already used, or dropped), or no such user or group" },
	{ ETIME, "the grant has expired (it is used up)" },
	{ ESTALE, "the description differs from the grant the kernel delivered (the grant is used up)" },
	{ EPERM, "not permitted: the receiver did not opt in (SO_PASSCREDGRANT), the sender may not issue these ids, the grant belongs to another process, it would give ids the caller could not take in place, or a security module refused it" },
	{ EOVERFLOW, "an id of the grant is not mapped in the caller's user namespace (the grant is used up)" },
	{ EAGAIN, "RLIMIT_NPROC of the new user is reached (the grant is used up), or no message is waiting" },
	{ EINVAL, "invalid request, flags or size: empty or unknown kind, CREDGRANT_AUDIT mixed with other kinds, ids given for a kind that does not use them, too many groups or descriptors, or not an AF_UNIX socket" },
	{ E2BIG, "non-zero bytes in an extension of the structure that this kernel does not know" },
	{ EDQUOT, "the issuing user has too many live grants (max_credgrants)" },
	{ EBADMSG, "malformed control data (every descriptor it carried was closed)" },
	{ EOPNOTSUPP, "not supported by this kernel" },
	{ ENOPROTOOPT, "SO_PASSCREDGRANT works only on AF_UNIX sockets" },
	{ ENOBUFS, "the buffer is too small" },
	{ ERANGE, "the user has more groups than the buffer holds" },
	{ ENOTSOCK, "the descriptor is not a socket" },
	{ EBADF, "bad file descriptor" },
	{ EFAULT, "bad address" },
	{ EPROTO, "the kernel answered in an unexpected form" },
};

const char *credpass_strerror(int err)
{
	const char *s;
	size_t i;

	if (err < 0)
		err = -err;
	if (err == 0)
		return "success";
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].err == err)
			return texts[i].text;
	s = strerrordesc_np(err);
	return s ? s : "unknown error";
}
