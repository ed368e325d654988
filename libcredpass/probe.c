// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * credpass_probe(): does the running kernel have credgrant?  And the
 * receiver opt-in, SO_PASSCREDGRANT, which is only touched once the probe
 * has said yes (on another kernel that option number may mean something
 * else).
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

/* 0: not probed yet, 1: credgrant, 2: no credgrant. */
static int probe_cache;

void credpass__probe_reset(void)
{
	__atomic_store_n(&probe_cache, 0, __ATOMIC_RELAXED);
}

int credpass_probe(void)
{
	int cached = __atomic_load_n(&probe_cache, __ATOMIC_RELAXED);
	int fd, val = -1, ret, err;
	socklen_t len = sizeof(val);

	if (cached)
		return cached == 1;
#ifndef SO_PASSCREDGRANT
	ret = 0;
	(void)fd;
	(void)len;
	(void)err;
#else
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;	/* cannot tell: not cached */
	ret = getsockopt(fd, SOL_SOCKET, SO_PASSCREDGRANT, &val, &len);
	err = errno;
	close(fd);
	if (ret == 0) {
		/* an int that is 0 on a new socket, nothing else */
		ret = len == sizeof(val) && val == 0;
	} else if (err == ENOPROTOOPT) {
		ret = 0;
	} else {
		return -err;	/* cannot tell: not cached */
	}
#endif
	__atomic_store_n(&probe_cache, ret ? 1 : 2, __ATOMIC_RELAXED);
	return ret;
}

/* 0 when credgrant is there, else -ENOSYS or the probe's error. */
int credpass__need(void)
{
	int p = credpass_probe();

	if (p < 0)
		return p;
	return p ? 0 : -ENOSYS;
}

int credpass_set_passcredgrant(int sockfd, int on)
{
	int ret = credpass__need();

	if (ret)
		return ret;
	on = !!on;
	if (setsockopt(sockfd, SOL_SOCKET, SO_PASSCREDGRANT, &on, sizeof(on)))
		return -errno;
	return 0;
}

int credpass_get_passcredgrant(int sockfd)
{
	int ret = credpass__need(), val = 0;
	socklen_t len = sizeof(val);

	if (ret)
		return ret;
	if (getsockopt(sockfd, SOL_SOCKET, SO_PASSCREDGRANT, &val, &len))
		return -errno;
	if (len != sizeof(val))
		return -EPROTO;
	return !!val;
}
