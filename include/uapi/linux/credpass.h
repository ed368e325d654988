/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * credpass: kernel-issued credential grants over AF_UNIX.
 *
 * A sender attaches an SCM_CREDGRANT control message carrying a
 * struct credgrant_req; the kernel checks that the sender may issue it and
 * queues a single-use grant to the receiving socket, which must have opted
 * in with SO_PASSCREDGRANT.  The receiver gets an inert struct credgrant
 * description and applies it only by calling acceptid(2).
 */
#ifndef _UAPI_LINUX_CREDPASS_H
#define _UAPI_LINUX_CREDPASS_H

#include <linux/types.h>

/* Control message type at SOL_SOCKET: request on sendmsg, grant on recvmsg. */
#define SCM_CREDGRANT		0x05

/*
 * Receiver opt-in (int, 0 or 1), AF_UNIX only, inherited by accept().
 * asm-generic value; alpha, mips, parisc and sparc define their own in
 * <asm/socket.h>.
 */
#ifndef SO_PASSCREDGRANT
#if !defined(__alpha__) && !defined(__mips__) && !defined(__hppa__) && \
	!defined(__sparc__)
#define SO_PASSCREDGRANT	86
#endif
#endif

/* acceptid(2) on x86_64, for programs built against this header alone. */
#if defined(__x86_64__) && !defined(__ILP32__) && !defined(__NR_acceptid)
#define __NR_acceptid		463
#endif

/* Audit record type for every fate of a grant. */
#define AUDIT_CREDGRANT		1341

/* Grant kinds (struct credgrant_req.kind, struct credgrant.kind). */
#define CREDGRANT_UID		0x1	/* real, effective, saved and fs uid */
#define CREDGRANT_GID		0x2	/* real, effective, saved and fs gid */
#define CREDGRANT_GROUPS	0x4	/* supplementary group list */
#define CREDGRANT_AUDIT		0x8	/* audit-only on-behalf-of context */
#define CREDGRANT_FULL		(CREDGRANT_UID | CREDGRANT_GID | CREDGRANT_GROUPS)

/* In a request: the sender's own euid or egid. */
#define CREDGRANT_SELF		0xffffffffU

/* Most supplementary groups in one grant. */
#define CREDGRANT_NGROUPS_MAX	1024

/* acceptid(2) flags. */
#define ACCEPTID_REJECT		0x1	/* destroy the grant without applying it */
#define ACCEPTID_AUDIT_POP	0x2	/* end the on-behalf-of audit context */
#define ACCEPTID_EXEC		0x4	/* take now, apply at this thread's next execve */

/* sendmsg payload of SCM_CREDGRANT. */
struct credgrant_req {
	__u32 size;		/* sizeof(struct credgrant_req) + 4 * ngroups */
	__u32 kind;		/* CREDGRANT_* */
	__u32 uid;		/* sender's user-namespace view, or CREDGRANT_SELF */
	__u32 gid;		/* likewise */
	__u32 ttl_ms;		/* 0: default; capped by the sysctl maximum */
	__u32 ngroups;
	__u32 groups[];
};

#define CREDGRANT_REQ_SIZE_VER0	24	/* sizeof first published struct */

/* recvmsg payload of SCM_CREDGRANT, and acceptid(2)'s expect argument. */
struct credgrant {
	__aligned_u64 id;		/* opaque: unique per boot, unpredictable */
	__aligned_u64 issued_ns;	/* CLOCK_BOOTTIME */
	__aligned_u64 expires_ns;	/* CLOCK_BOOTTIME */
	__u32 size;		/* sizeof(struct credgrant) + 4 * ngroups */
	__u32 kind;
	__u32 uid;		/* receiver's user-namespace view */
	__u32 gid;
	__u32 granter_uid;	/* sender's euid at send, receiver's view */
	__u32 granter_gid;	/* sender's egid at send, receiver's view */
	__u32 granter_pid;	/* sender tgid in receiver's pid ns, 0 if not visible */
	__u32 granter_auid;	/* sender's loginuid, or the one it acts for */
	__u32 granter_ses;
	__u32 ngroups;
	__u32 groups[];
};

#define CREDGRANT_SIZE_VER0	64	/* sizeof first published struct */

#endif /* _UAPI_LINUX_CREDPASS_H */
