// SPDX-License-Identifier: GPL-2.0
/*
 * credpass: SCM_CREDGRANT on AF_UNIX sockets.
 *
 * The receiver's opt-in is checked when a grant is queued (EPERM at
 * sendmsg) and again when it is read; a grant that cannot be delivered as a
 * control message is dropped, never kept for a later read.
 */

#include <linux/credpass.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/af_unix.h>
#include <net/compat.h>
#include <net/sock.h>

#include "grant.h"

static bool cg_optin(const struct socket *sock)
{
	return sock && test_bit(SOCK_PASSCREDGRANT, &sock->flags);
}

/**
 * credgrant_queue - issue a grant to the socket it is queued to
 * @g: the message's grant, or NULL
 * @other: the receiving socket, locked with unix_state_lock()
 *
 * A socket not yet accepted has no struct socket: the listener's opt-in,
 * taken at connect, decides; the accepted socket's is checked at read.
 * Return: 0, or -EPERM when the receiver did not opt in.
 */
int credgrant_queue(struct cred_grant *g, struct sock *other)
{
	bool optin;

	if (!g)
		return 0;
	if (other->sk_socket)
		optin = cg_optin(other->sk_socket);
	else
		optin = READ_ONCE(unix_sk(other)->credgrant.embryo_optin);
	if (!optin)
		return -EPERM;
	credgrant_issue(g);
	return 0;
}

/* Called under unix_state_lock(@listener) while it accepts @embryo. */
void credgrant_sock_connect(struct credgrant_sock *embryo,
			    const struct sock *listener)
{
	WRITE_ONCE(embryo->embryo_optin, cg_optin(listener->sk_socket));
}

/**
 * credgrant_filtered - the receiver's socket filter dropped a grant's message
 * @g: the message's grant, or NULL
 * @other: the receiving socket, not locked
 *
 * The filter is the receiver's own choice: a grant it drops is issued and
 * dropped (counted, audited), and a receiver that did not opt in refuses
 * it with EPERM, as when the message is queued.
 * Return: 0 or -EPERM.
 */
int credgrant_filtered(struct cred_grant *g, struct sock *other)
{
	int err;

	if (!g)
		return 0;
	unix_state_lock(other);
	err = credgrant_queue(g, other);
	unix_state_unlock(other);
	return err;
}

static void cg_let_go(struct cred_grant *g, bool peek)
{
	if (peek)
		credgrant_put(g);
	else
		credgrant_release(g);
}

/**
 * credgrant_recv - deliver a grant's description at recvmsg
 * @sock: the receiving socket
 * @msg: the message being received
 * @g: the grant, owned (real read) or referenced (MSG_PEEK)
 * @peek: true for MSG_PEEK: describe, consume nothing
 */
void credgrant_recv(struct socket *sock, struct msghdr *msg,
		    struct cred_grant *g, bool peek)
{
	struct credgrant *d;
	size_t size, len;
	int err;

	if (!cg_optin(sock)) {
		cg_let_go(g, peek);
		return;
	}
	size = credgrant_desc_size(g);
	if (msg->msg_flags & MSG_CMSG_COMPAT)
		len = sizeof(struct compat_cmsghdr) + size;
	else
		len = sizeof(struct cmsghdr) + size;
	if (!msg->msg_control || msg->msg_controllen < len) {
		msg->msg_flags |= MSG_CTRUNC;
		cg_let_go(g, peek);
		return;
	}
	d = kmalloc(size, GFP_KERNEL);
	if (!d) {
		msg->msg_flags |= MSG_CTRUNC;
		cg_let_go(g, peek);
		return;
	}

	if (peek) {
		credgrant_describe(g, d, size);
		put_cmsg(msg, SOL_SOCKET, SCM_CREDGRANT, d->size, d);
		credgrant_put(g);
		kfree(d);
		return;
	}

	/* Once bound, another thread may take it: hold it while copying. */
	credgrant_get(g);
	err = credgrant_bind(g, &unix_sk(sock->sk)->credgrant, d, size);
	if (!err) {
		err = put_cmsg(msg, SOL_SOCKET, SCM_CREDGRANT, d->size, d);
		if (err)
			credgrant_unbind_drop(g, err);
	} else {
		/* Dropped: say that control data was lost, as for MSG_PEEK. */
		msg->msg_flags |= MSG_CTRUNC;
	}
	credgrant_put(g);
	kfree(d);
}
