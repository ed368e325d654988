/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credpass: kernel-issued credential grants over AF_UNIX.
 *
 * The hooks that upstream files call. The grant object itself is private to
 * kernel/credpass/; callers only carry pointers to it.
 */
#ifndef _LINUX_CREDPASS_H
#define _LINUX_CREDPASS_H

#include <linux/errno.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/uidgid_types.h>
#include <uapi/linux/credpass.h>

struct cg_sockq;
struct cred_grant;
struct cmsghdr;
struct group_info;
struct linux_binprm;
struct msghdr;
struct scm_cookie;
struct sock;
struct socket;
struct task_struct;

/*
 * A description of up to this many groups is built on the stack, 128
 * bytes, where it is delivered (recvmsg) and where acceptid(2) compares
 * it; a larger one is allocated.
 */
#define CREDGRANT_ONSTACK_GROUPS	16

#ifdef CONFIG_CREDPASS
/*
 * Grants received on one AF_UNIX socket and not yet accepted, and markers
 * of the ones that expired there; lives in struct unix_sock. The lists
 * are in a struct cg_sockq of their own (kernel/credpass/grant.h),
 * allocated at the first grant bound to the socket: a grant can outlive
 * the socket, and whoever claims it must still lock its list.
 */
struct credgrant_sock {
	struct cg_sockq *q;	/* NULL until a grant is bound here */
	bool embryo_optin;	/* listener's opt-in, for a not yet accepted socket */
};
#else
struct credgrant_sock { };	/* takes no room in struct unix_sock */
#endif

#ifdef CONFIG_CREDPASS

/* What a grant gives, for security modules (see credgrant_* LSM hooks). */
u64 credgrant_id(const struct cred_grant *g);
u32 credgrant_kind(const struct cred_grant *g);
kuid_t credgrant_uid(const struct cred_grant *g);
kgid_t credgrant_gid(const struct cred_grant *g);
const struct group_info *credgrant_groups(const struct cred_grant *g);

int credgrant_scm_send(struct socket *sock, struct cmsghdr *cmsg,
		       struct scm_cookie *scm);

/*
 * The grant's life, for the AF_UNIX side (net/unix/credgrant.c), which
 * owns everything about sockets: it creates grants from SCM_CREDGRANT,
 * issues them when they are queued, binds them at recvmsg, and finds them
 * for acceptid(2) (credgrant_take_fd()).
 */
struct credgrant_stats {
	u64 issued;
	u64 accepted;
	u64 rejected;
	u64 expired;
	u64 dropped;
	u64 outstanding;
};

struct cred_grant *credgrant_create(const void *buf, size_t len,
				    u32 ttl_default_ms, u32 ttl_max_ms);
void credgrant_issue(struct cred_grant *g);
size_t credgrant_desc_size(struct cred_grant *g);
void credgrant_describe(struct cred_grant *g, struct credgrant *d,
			size_t size);
int credgrant_bind(struct cred_grant *g, struct credgrant_sock *cs,
		   struct credgrant *d, size_t size);
void credgrant_unbind_drop(struct cred_grant *g, int err);
struct cred_grant *credgrant_take(struct credgrant_sock *cs, u64 id,
				  bool *other_process);
struct cred_grant *credgrant_take_fd(int fd, u64 id, bool *other_process);
void credgrant_stats_read(struct credgrant_stats *st);
struct cred_grant *credgrant_get(struct cred_grant *g);
void credgrant_put(struct cred_grant *g);
void credgrant_release(struct cred_grant *g);
int credgrant_queue(struct cred_grant *g, struct sock *other);
int credgrant_filtered(struct cred_grant *g, struct sock *other);
void credgrant_recv(struct socket *sock, struct msghdr *msg,
		    struct cred_grant *g, bool peek);
void credgrant_sock_init(struct credgrant_sock *cs);
void credgrant_sock_connect(struct credgrant_sock *embryo,
			    const struct sock *listener);
void credgrant_sock_release(struct credgrant_sock *cs);
void credgrant_task_exec(struct task_struct *tsk);
void credgrant_task_exit(struct task_struct *tsk, bool group_dead);
int credgrant_bprm_creds(struct linux_binprm *bprm);
void credgrant_bprm_release(struct linux_binprm *bprm);

#else /* !CONFIG_CREDPASS */

static inline int credgrant_scm_send(struct socket *sock, struct cmsghdr *cmsg,
				     struct scm_cookie *scm)
{
	return -EINVAL;
}

static inline struct cred_grant *credgrant_get(struct cred_grant *g)
{
	return g;
}

static inline void credgrant_put(struct cred_grant *g) { }
static inline void credgrant_release(struct cred_grant *g) { }

static inline int credgrant_queue(struct cred_grant *g, struct sock *other)
{
	return 0;
}

static inline int credgrant_filtered(struct cred_grant *g, struct sock *other)
{
	return 0;
}

static inline void credgrant_recv(struct socket *sock, struct msghdr *msg,
				  struct cred_grant *g, bool peek) { }
static inline void credgrant_sock_init(struct credgrant_sock *cs) { }
static inline void credgrant_sock_connect(struct credgrant_sock *embryo,
					  const struct sock *listener) { }
static inline void credgrant_sock_release(struct credgrant_sock *cs) { }
static inline void credgrant_task_exec(struct task_struct *tsk) { }
static inline void credgrant_task_exit(struct task_struct *tsk,
				       bool group_dead) { }

static inline int credgrant_bprm_creds(struct linux_binprm *bprm)
{
	return 0;
}

static inline void credgrant_bprm_release(struct linux_binprm *bprm) { }

#endif /* CONFIG_CREDPASS */

#endif /* _LINUX_CREDPASS_H */
