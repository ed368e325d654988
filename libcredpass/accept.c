// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * acceptid(2) wrappers.  Syscall 463 is acceptid only on a kernel with
 * credgrant (on newer upstream kernels that number is another syscall), so
 * it is called only after credpass_probe() said yes.
 */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

static int acceptid(int sockfd, const struct credgrant *grant, size_t size,
		    unsigned int flags)
{
	int ret = credpass__need();

	if (ret)
		return ret;
#ifdef __NR_acceptid
	/* every argument as a long, as syscall(2) reads them */
	if (syscall(__NR_acceptid, (long)sockfd, grant, (unsigned long)size,
		    (unsigned long)flags) < 0)
		return -errno;
	return 0;
#else
	(void)sockfd;
	(void)grant;
	(void)size;
	(void)flags;
	return -ENOSYS;
#endif
}

int credpass_accept(int sockfd, const struct credgrant *grant,
		    unsigned int flags)
{
	if (!grant)
		return -EINVAL;
	return acceptid(sockfd, grant, grant->size, flags);
}

int credpass_reject(int sockfd, const struct credgrant *grant)
{
	if (!grant)
		return -EINVAL;
	return acceptid(sockfd, grant, grant->size, ACCEPTID_REJECT);
}

int credpass_audit_pop(void)
{
	return acceptid(-1, NULL, 0, ACCEPTID_AUDIT_POP);
}
