// SPDX-License-Identifier: GPL-2.0
/*
 * credpass: acceptid(2), apply a grant the caller has inspected.
 *
 * The caller names the grant by the description it received; the kernel
 * compares the description field by field with what it delivered and
 * applies exactly that in one commit_creds(), with the consequences of
 * setresuid(2), setresgid(2) and setgroups(2) for capabilities, keyrings,
 * RLIMIT_NPROC and security modules.  Like those raw system calls it
 * changes the calling thread only.  Once the grant is found it is used up,
 * whatever the outcome.
 *
 * In place, a grant may only do what the caller could do itself with those
 * calls.  A gain (ids or groups the caller could not take) happens only at
 * execve (ACCEPTID_EXEC): the grant is checked and taken now, staged on the
 * calling thread, and applied when that thread next execs, where the kernel
 * guards every gain of privilege: a new mm (no /proc/PID/mem opener or
 * CLONE_VM sharer reaches the new image), de_thread, non-dumpable, perf
 * events removed, AT_SECURE, and no tracer that could not trace the new
 * identity (EPERM, as the cred_guard_mutex held there keeps new ones out).
 */

#include <linux/binfmts.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/personality.h>
#include <linux/sched/signal.h>
#include <linux/seccomp.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "grant.h"

/* The largest description: a future fixed part up to a page, plus groups. */
#define CG_EXPECT_MAX	(PAGE_SIZE + sizeof(u32) * CREDGRANT_NGROUPS_MAX)

/*
 * Copy the caller's description and normalise it to the size this kernel
 * knows: sizeof(struct credgrant) + 4 * ngroups.  A larger fixed part is
 * accepted when its unknown bytes are zero, as openat2() does.  It goes
 * to @room (@room_size bytes) when it fits, else to a kmalloc'ed buffer.
 */
static struct credgrant *cg_copy_expect(const struct credgrant __user *uexpect,
					size_t usize, size_t *sizep,
					struct credgrant *room,
					size_t room_size)
{
	struct credgrant *buf, *expect;
	ssize_t fixed;
	size_t size;
	u32 ngroups;
	int err;

	if (usize < CREDGRANT_SIZE_VER0)
		return ERR_PTR(-EINVAL);
	if (usize > CG_EXPECT_MAX)
		return ERR_PTR(-E2BIG);
	if (usize <= room_size) {
		if (copy_from_user(room, uexpect, usize))
			return ERR_PTR(-EFAULT);
		buf = room;
	} else {
		buf = memdup_user(uexpect, usize);
		if (IS_ERR(buf))
			return buf;
	}

	err = -EINVAL;
	ngroups = buf->ngroups;
	if (buf->size != usize)
		goto fail;
	fixed = credgrant_fixed_len(buf, usize, CREDGRANT_SIZE_VER0, ngroups);
	err = fixed;
	if (fixed < 0)
		goto fail;

	size = CREDGRANT_SIZE_VER0 + sizeof(u32) * ngroups;
	expect = buf;
	if (fixed != CREDGRANT_SIZE_VER0) {
		memmove(expect->groups, (u8 *)buf + fixed,
			sizeof(u32) * ngroups);
		expect->size = size;
	}
	*sizep = size;
	return expect;
fail:
	if (buf != room)
		kfree(buf);
	return ERR_PTR(err);
}

/*
 * The ids must still read the same in the caller's user namespace: an id
 * with no mapping there cannot be taken (never munged into a valid one).
 */
static int cg_check_mapping(const struct cred_grant *g,
			    const struct credgrant *d)
{
	struct user_namespace *ns = current_user_ns();
	u32 i;

	if (g->kind & CREDGRANT_UID) {
		if (!kuid_has_mapping(ns, g->uid))
			return -EOVERFLOW;
		if (from_kuid(ns, g->uid) != d->uid)
			return -ESTALE;
	}
	if (g->kind & CREDGRANT_GID) {
		if (!kgid_has_mapping(ns, g->gid))
			return -EOVERFLOW;
		if (from_kgid(ns, g->gid) != d->gid)
			return -ESTALE;
	}
	for (i = 0; g->groups && i < g->groups->ngroups; i++) {
		if (!kgid_has_mapping(ns, g->groups->gid[i]))
			return -EOVERFLOW;
		if (from_kgid(ns, g->groups->gid[i]) != d->groups[i])
			return -ESTALE;
	}
	return 0;
}

/**
 * credgrant_set_ids - put a grant's ids into credentials being prepared
 * @g: the grant
 * @new: from prepare_creds() or an exec's bprm->cred
 *
 * Return: 0 or -EAGAIN (allocation).
 */
int credgrant_set_ids(const struct cred_grant *g, struct cred *new)
{
	int err;

	if (g->kind & CREDGRANT_UID) {
		new->uid = g->uid;
		new->euid = g->uid;
		new->suid = g->uid;
		new->fsuid = g->uid;
		err = set_user(new);
		if (err)
			return err;
	}
	if (g->kind & CREDGRANT_GID) {
		new->gid = g->gid;
		new->egid = g->gid;
		new->sgid = g->gid;
		new->fsgid = g->gid;
	}
	if (g->kind & CREDGRANT_GROUPS)
		set_groups(new, g->groups);
	return 0;
}

/**
 * credgrant_apply - put a grant's identity into prepared credentials
 * @g: the grant
 * @new: from prepare_creds(), committed by the caller on success
 *
 * Return: 0, -EAGAIN (RLIMIT_NPROC, allocation) or an LSM's refusal.
 */
int credgrant_apply(const struct cred_grant *g, struct cred *new)
{
	const struct cred *old = current_cred();
	int err;

	err = credgrant_set_ids(g, new);
	if (err)
		return err;
	err = security_credgrant_accept(g, new);
	if (err)
		return err;
	if (g->kind & CREDGRANT_UID) {
		err = security_task_fix_setuid(new, old, LSM_SETID_RES);
		if (err)
			return err;
	}
	if (g->kind & CREDGRANT_GID) {
		err = security_task_fix_setgid(new, old, LSM_SETID_RES);
		if (err)
			return err;
	}
	if (g->kind & CREDGRANT_GROUPS) {
		err = security_task_fix_setgroups(new, old);
		if (err)
			return err;
	}
	if (g->kind & CREDGRANT_UID) {
		err = set_cred_ucounts(new);
		if (err)
			return err;
		/*
		 * setresuid() defers this failure to execve() for callers
		 * that ignore its result; acceptid's callers check it.
		 */
		if (cred_nproc_exceeded(new))
			return -EAGAIN;
	}
	return 0;
}

/*
 * Would @g give the caller more than setresuid(2), setresgid(2) and
 * setgroups(2) would let it take? The same checks, in the same order.
 */
static bool cg_is_gain(const struct cred_grant *g, const struct cred *old)
{
	if ((g->kind & CREDGRANT_UID) && !credgrant_uid_is_own(old, g->uid) &&
	    !ns_capable_setid(old->user_ns, CAP_SETUID))
		return true;
	if ((g->kind & CREDGRANT_GID) && !credgrant_gid_is_own(old, g->gid) &&
	    !ns_capable_setid(old->user_ns, CAP_SETGID))
		return true;
	if ((g->kind & CREDGRANT_GROUPS) &&
	    !credgrant_groups_equal(g->groups, old->group_info) &&
	    !may_setgroups())
		return true;
	return false;
}

/* Checks on a taken grant; any failure uses it up. */
static int cg_accept(struct cred_grant *g, bool other_process,
		     const struct credgrant *expect, size_t size,
		     unsigned int flags)
{
	struct cred *new;
	int err;

	if (other_process)
		return -EPERM;
	if (credgrant_check_expired(g, ktime_get_boottime_ns()))
		return -ETIME;
	err = credgrant_check_expect(expect, size, g);
	if (err)
		return err;
	if (flags & ACCEPTID_REJECT)
		return 0;
	/*
	 * An audit-only grant sets the thread's on-behalf-of subject and no
	 * credential: nothing for exec to guard, nothing for the security
	 * modules' credential hook to judge, and, being the kernel's record
	 * of the issuer and not the issuer's choice, acceptable in any user
	 * namespace. One subject at a time: a service pops the last client's
	 * before it acts for the next, or its records would name the wrong
	 * one.
	 */
	if (g->kind & CREDGRANT_AUDIT)
		return (flags & ACCEPTID_EXEC) ? -EINVAL : credgrant_obo_set(g);
	err = cg_check_mapping(g, expect);
	if (err)
		return err;
	/*
	 * Only in the issuer's user namespace or below: ids the issuer was
	 * allowed to give there (its own, or any of the namespace's with
	 * CAP_SETUID there) must not escape to an ancestor or a sibling,
	 * where they would be counted and limited as users of their own, not
	 * as the namespace owner's.
	 */
	if (!in_userns(g->issuer_ns, current_user_ns()))
		return -EPERM;
	if (flags & ACCEPTID_EXEC) {
		/* One staged identity per thread: it cannot be swapped. */
		if (current->credgrant_exec)
			return -EBUSY;
	} else if (cg_is_gain(g, current_cred())) {
		return -EPERM;
	}

	new = prepare_creds();
	if (!new)
		return -ENOMEM;
	err = credgrant_apply(g, new);
	if (err || (flags & ACCEPTID_EXEC)) {
		/* Staged: checked as if applied now, applied at execve. */
		abort_creds(new);
		if (!err) {
			g->exec_ns = get_user_ns(current_user_ns());
			/* The staged reference, until execve or exit. */
			current->credgrant_exec = credgrant_get(g);
		}
		return err;
	}
	commit_creds(new);
	return 0;
}

/*
 * The process moves to the new uid only when the exec commits, long after
 * this point (the binary is read, other threads die in between). Count it
 * under the new uid now, as fork counts a child before it judges
 * RLIMIT_NPROC, so that execs which start together see each other, and
 * judge as setresuid() does (set_user()): the new uid's count without
 * this process over the caller's RLIMIT_NPROC, or a namespace owner's
 * above it over its limit, EAGAIN. Only the uid's own level is counted:
 * the owners above count this process already and the move changes
 * nothing there. The count is held until the exec commits or fails, or
 * given back at once when refused: credgrant_bprm_release().
 */
static int cg_exec_hold_nproc(struct linux_binprm *bprm, struct cred *new)
{
	unsigned long lim = rlimit(RLIMIT_NPROC);
	struct ucounts *held;
	long n;

	if (new->ucounts == current_ucounts() || new->user == INIT_USER)
		return 0;
	held = get_ucounts(new->ucounts);
	if (!held)
		return -EAGAIN;
	bprm->credgrant_nproc = held;
	n = add_rlimit_ucount_self(held, UCOUNT_RLIMIT_NPROC, 1);
	if ((lim < LONG_MAX && n - 1 > (long)lim) ||
	    is_rlimit_overlimit(held->ns->ucounts, UCOUNT_RLIMIT_NPROC,
				get_userns_rlimit_max(held->ns,
						      UCOUNT_RLIMIT_NPROC))) {
		credgrant_bprm_release(bprm);
		return -EAGAIN;
	}
	return 0;
}

/**
 * credgrant_bprm_release - give back the count an exec held for a new uid
 * @bprm: the exec; called once its credentials are committed (counted
 *        there) and again when it is freed, whatever the outcome
 */
void credgrant_bprm_release(struct linux_binprm *bprm)
{
	struct ucounts *held = bprm->credgrant_nproc;

	if (!held)
		return;
	bprm->credgrant_nproc = NULL;
	add_rlimit_ucount_self(held, UCOUNT_RLIMIT_NPROC, -1);
	put_ucounts(held);
}

/**
 * credgrant_bprm_creds - apply the calling thread's staged grant at execve
 * @bprm: the exec; called before its credentials are computed from the
 *        file, under cred_guard_mutex, with bprm->unsafe known
 *
 * The staging is used up by the first exec that gets here, applied or not.
 * The exec fails with EPERM when something could control the new image
 * that could not control the new identity: a tracer without CAP_SYS_PTRACE
 * over it (commoncap's downgrade resets only euid to the real uid, which
 * the grant sets too), a process sharing our fs_struct, a seccomp listener
 * answering our syscalls; and when the thread moved to another user
 * namespace since acceptid, whose owner would hold every capability over
 * the ids it checked there; with EAGAIN when the new uid runs more
 * processes than the caller's RLIMIT_NPROC now (as at acceptid).
 * Return: 0 or -EPERM / -EAGAIN.
 */
int credgrant_bprm_creds(struct linux_binprm *bprm)
{
	struct cred_grant *g = current->credgrant_exec;
	struct cred *new = bprm->cred;
	int err = 0;

	if (!g)
		return 0;
	current->credgrant_exec = NULL;
	if (new->user_ns != g->exec_ns ||
	    (bprm->unsafe & LSM_UNSAFE_SHARE) ||
	    ((bprm->unsafe & LSM_UNSAFE_PTRACE) &&
	     !ptracer_capable(current, new->user_ns)) ||
	    seccomp_has_listener(current))
		err = -EPERM;
	else
		err = credgrant_set_ids(g, new);
	if (!err && (g->kind & CREDGRANT_UID)) {
		err = set_cred_ucounts(new);
		if (!err)
			err = cg_exec_hold_nproc(bprm, new);
	}
	if (!err) {
		/* A gain of privilege, as a set-user-ID exec is. */
		bprm->per_clear |= PER_CLEAR_ON_SETID;
		bprm->secureexec = 1;
		bprm->interp_flags |= BINPRM_FLAGS_ENFORCE_NONDUMP;
	}
	credgrant_audit_exec(g, "exec", err);
	credgrant_put(g);
	return err;
}

SYSCALL_DEFINE4(acceptid, int, fd, const struct credgrant __user *, uexpect,
		size_t, usize, unsigned int, flags)
{
	DEFINE_RAW_FLEX(struct credgrant, onstack, groups,
			CREDGRANT_ONSTACK_GROUPS);
	struct credgrant *expect;
	bool other_process;
	struct cred_grant *g;
	size_t size;
	int err;

	if (flags & ~(ACCEPTID_REJECT | ACCEPTID_AUDIT_POP | ACCEPTID_EXEC))
		return -EINVAL;
	if (flags & ACCEPTID_AUDIT_POP) {
		if (flags != ACCEPTID_AUDIT_POP || fd != -1 || uexpect || usize)
			return -EINVAL;
		return credgrant_obo_pop();
	}
	if ((flags & ACCEPTID_REJECT) && (flags & ACCEPTID_EXEC))
		return -EINVAL;

	expect = cg_copy_expect(uexpect, usize, &size, onstack,
				struct_size_t(struct credgrant, groups,
					      CREDGRANT_ONSTACK_GROUPS));
	if (IS_ERR(expect))
		return PTR_ERR(expect);

	g = credgrant_take_fd(fd, expect->id, &other_process);
	if (IS_ERR(g)) {
		err = PTR_ERR(g);
		goto out_free;
	}

	err = cg_accept(g, other_process, expect, size, flags);
	g->staged = !err && (flags & ACCEPTID_EXEC);
	if (!err)
		credgrant_finish(g, (flags & ACCEPTID_REJECT) ? CG_REJECTED :
								 CG_ACCEPTED, 0);
	else if (err == -ETIME)
		credgrant_finish(g, CG_EXPIRED, 0);
	else
		credgrant_finish(g, CG_REJECTED, err);
out_free:
	if (expect != onstack)
		kfree(expect);
	return err;
}
