/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcredpass internals: not installed, not exported (the version script
 * exports only CREDPASS_1.0).  The unit tests and the fuzz target link the
 * objects directly and may use these.
 */
#ifndef CREDPASS_INTERNAL_H
#define CREDPASS_INTERNAL_H

#include "credpass.h"

#define CP_HIDDEN __attribute__((visibility("hidden")))

/* 0 when the kernel has credgrant, else -ENOSYS or the probe's -errno. */
CP_HIDDEN int credpass__need(void);

/* Forget the probe's cached answer (tests only). */
CP_HIDDEN void credpass__probe_reset(void);

/*
 * Build the control data of a send: one SCM_CREDGRANT (req != NULL) and
 * one SCM_RIGHTS (nfds > 0).  Returns the msg_controllen written into buf
 * (size bytes, aligned for struct cmsghdr), or -errno.
 */
CP_HIDDEN ssize_t credpass__build_control(const struct credpass_request *req,
					  const int *fds, size_t nfds,
					  void *buf, size_t size);

/* Bytes of control data credpass__build_control() needs. */
CP_HIDDEN size_t credpass__control_len(const struct credpass_request *req,
				       size_t nfds);

/*
 * Parse control data (controllen bytes at control, any alignment) with
 * recvmsg's msg_flags; closefd closes a descriptor (close(2) in the
 * library, a recorder in the tests and the fuzz target).
 */
CP_HIDDEN int credpass__parse(const void *control, size_t controllen,
			      int msg_flags, int *fds, size_t fds_max,
			      struct credpass_msg *msg, int (*closefd)(int));

/* describe.c: the NSS name of a uid or gid into out, 0 or -errno. */
CP_HIDDEN int credpass__uid_name(uint32_t uid, char *out, size_t size);
CP_HIDDEN int credpass__gid_name(uint32_t gid, char *out, size_t size);

#endif /* CREDPASS_INTERNAL_H */
