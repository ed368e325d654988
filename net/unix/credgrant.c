// SPDX-License-Identifier: GPL-2.0
/*
 * credpass: SCM_CREDGRANT on AF_UNIX sockets.
 *
 * The receiver's opt-in is checked when a grant is queued (EPERM at
 * sendmsg) and again when it is read; a grant that cannot be delivered as a
 * control message is dropped, never kept for a later read.
 */

#include <linux/capability.h>
#include <linux/credpass.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/net.h>
#include <linux/overflow.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/sysctl.h>
#include <net/af_unix.h>
#include <net/compat.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/scm.h>
#include <net/sock.h>

static unsigned int credgrant_ttl_default_ms = 30000;
static unsigned int credgrant_ttl_max_ms = 120000;

static bool cg_optin(const struct socket *sock)
{
	return sock && test_bit(SOCK_PASSCREDGRANT, &sock->flags);
}

/**
 * credgrant_scm_send - build a grant from an SCM_CREDGRANT cmsg
 * @sock: the sending socket
 * @cmsg: the control message (in kernel memory)
 * @scm: the message's scm cookie, which carries the grant
 *
 * Return: 0, or a negative errno with nothing kept.
 */
int credgrant_scm_send(struct socket *sock, struct cmsghdr *cmsg,
		       struct scm_cookie *scm)
{
	const struct proto_ops *ops = READ_ONCE(sock->ops);
	struct cred_grant *g;

	/* One per message, on AF_UNIX only (scm.c sees every family). */
	if (!ops || ops->family != PF_UNIX || scm->grant)
		return -EINVAL;
	g = credgrant_create(CMSG_DATA(cmsg),
			     cmsg->cmsg_len - CMSG_ALIGN(sizeof(*cmsg)),
			     READ_ONCE(credgrant_ttl_default_ms),
			     READ_ONCE(credgrant_ttl_max_ms));
	if (IS_ERR(g))
		return PTR_ERR(g);
	scm->grant = g;
	return 0;
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
	DEFINE_RAW_FLEX(struct credgrant, onstack, groups,
			CREDGRANT_ONSTACK_GROUPS);
	struct credgrant *d = onstack;
	size_t size, len;
	int err;

	if (!cg_optin(sock))
		goto let_go;
	size = credgrant_desc_size(g);
	if (msg->msg_flags & MSG_CMSG_COMPAT)
		len = sizeof(struct compat_cmsghdr) + size;
	else
		len = sizeof(struct cmsghdr) + size;
	if (!msg->msg_control || msg->msg_controllen < len)
		goto truncated;
	/* A constant bound, whatever the compiler makes of the object. */
	if (size > struct_size_t(struct credgrant, groups,
				 CREDGRANT_ONSTACK_GROUPS)) {
		d = kmalloc(size, GFP_KERNEL);
		if (!d)
			goto truncated;
	}

	if (peek) {
		credgrant_describe(g, d, size);
		if (put_cmsg(msg, SOL_SOCKET, SCM_CREDGRANT, d->size, d))
			msg->msg_flags |= MSG_CTRUNC;
		credgrant_put(g);
		goto out;
	}

	/*
	 * Once bound, another thread may take it: hold it while copying
	 * (recvmsg's own reference, besides the carrier's it binds).
	 */
	credgrant_get(g);
	err = credgrant_bind(g, &unix_sk(sock->sk)->credgrant, d, size);
	if (!err) {
		err = put_cmsg(msg, SOL_SOCKET, SCM_CREDGRANT, d->size, d);
		if (err) {
			credgrant_unbind_drop(g, err);
			msg->msg_flags |= MSG_CTRUNC;
		}
	} else {
		/* Dropped: say that control data was lost, as for MSG_PEEK. */
		msg->msg_flags |= MSG_CTRUNC;
	}
	credgrant_put(g);
out:
	if (d != onstack)
		kfree(d);
	return;

truncated:
	msg->msg_flags |= MSG_CTRUNC;
let_go:
	cg_let_go(g, peek);
}

/**
 * credgrant_take_fd - take a grant pending on a socket, for acceptid(2)
 * @fd: the socket's descriptor
 * @id: the grant's id
 * @other_process: set when the grant was received by another process image
 *
 * The socket is not needed once the grant is taken: a taken grant is
 * unlinked from it.
 * Return: the grant, now the caller's, or ERR_PTR(-EBADF, -ENOTSOCK or
 * -ENOENT: no such grant on a UNIX domain socket).
 */
struct cred_grant *credgrant_take_fd(int fd, u64 id, bool *other_process)
{
	struct cred_grant *g = NULL;
	struct socket *sock;
	int err;

	sock = sockfd_lookup(fd, &err);
	if (!sock)
		return ERR_PTR(err);
	if (sock->sk->sk_family == AF_UNIX)
		g = credgrant_take(&unix_sk(sock->sk)->credgrant, id,
				   other_process);
	sockfd_put(sock);
	return g ?: ERR_PTR(-ENOENT);
}

/* ---- /proc/net/credgrant and /proc/sys/net/unix/credgrant_* ---- */

static int cg_proc_show(struct seq_file *m, void *v)
{
	struct credgrant_stats st;

	credgrant_stats_read(&st);
	seq_printf(m, "issued %llu\n", st.issued);
	seq_printf(m, "accepted %llu\n", st.accepted);
	seq_printf(m, "rejected %llu\n", st.rejected);
	seq_printf(m, "expired %llu\n", st.expired);
	seq_printf(m, "dropped %llu\n", st.dropped);
	seq_printf(m, "outstanding %llu\n", st.outstanding);
	return 0;
}

static unsigned int cg_ttl_limit = 3600000;	/* one hour */

/*
 * Grant lifetimes are credential policy: writing them takes CAP_SYS_ADMIN,
 * not the CAP_NET_ADMIN that opens net.* sysctls for writing.
 */
static int cg_ttl_sysctl(const struct ctl_table *table, int write,
			 void *buffer, size_t *lenp, loff_t *ppos)
{
	if (write && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	return proc_douintvec_minmax(table, write, buffer, lenp, ppos);
}

static struct ctl_table cg_sysctl_table[] = {
	{
		.procname	= "credgrant_ttl_default_ms",
		.data		= &credgrant_ttl_default_ms,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= cg_ttl_sysctl,
		.extra1		= SYSCTL_ONE,
		.extra2		= &cg_ttl_limit,
	},
	{
		.procname	= "credgrant_ttl_max_ms",
		.data		= &credgrant_ttl_max_ms,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= cg_ttl_sysctl,
		.extra1		= SYSCTL_ONE,
		.extra2		= &cg_ttl_limit,
	},
};

struct cg_net {
	struct ctl_table_header *sysctl;
};

static unsigned int cg_net_id __read_mostly;

/*
 * The values are global: other network namespaces may only read them.
 * The counters are the host's: /proc/net/credgrant exists in the initial
 * network namespace only, so that a container does not watch the host's
 * grant activity.
 */
static int __net_init cg_net_init(struct net *net)
{
	struct cg_net *cn = net_generic(net, cg_net_id);
	struct ctl_table *table = cg_sysctl_table;
	size_t i;

	if (!net_eq(net, &init_net)) {
		table = kmemdup(cg_sysctl_table, sizeof(cg_sysctl_table),
				GFP_KERNEL);
		if (!table)
			return -ENOMEM;
		for (i = 0; i < ARRAY_SIZE(cg_sysctl_table); i++)
			table[i].mode = 0444;
	}
	cn->sysctl = register_net_sysctl_sz(net, "net/unix", table,
					    ARRAY_SIZE(cg_sysctl_table));
	if (!cn->sysctl)
		goto err_table;
	if (net_eq(net, &init_net) &&
	    !proc_create_net_single("credgrant", 0444, net->proc_net,
				    cg_proc_show, NULL))
		goto err_sysctl;
	return 0;

err_sysctl:
	unregister_net_sysctl_table(cn->sysctl);
err_table:
	if (table != cg_sysctl_table)
		kfree(table);
	return -ENOMEM;
}

static void __net_exit cg_net_exit(struct net *net)
{
	struct cg_net *cn = net_generic(net, cg_net_id);
	const struct ctl_table *table = cn->sysctl->ctl_table_arg;

	if (net_eq(net, &init_net))
		remove_proc_entry("credgrant", net->proc_net);
	unregister_net_sysctl_table(cn->sysctl);
	if (table != cg_sysctl_table)
		kfree(table);
}

static struct pernet_operations cg_net_ops = {
	.init	= cg_net_init,
	.exit	= cg_net_exit,
	.id	= &cg_net_id,
	.size	= sizeof(struct cg_net),
};

static int __init credgrant_net_init(void)
{
	return register_pernet_subsys(&cg_net_ops);
}
fs_initcall(credgrant_net_init);
