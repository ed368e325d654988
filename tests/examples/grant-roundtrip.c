// SPDX-License-Identifier: GPL-2.0
/*
 * grant-roundtrip: issue, receive and accept one credential grant.
 *
 * Built against the installed ABI header only:
 *
 *	gcc -static -O2 -Wall -I include/uapi \
 *		tests/examples/grant-roundtrip.c -o build/grant-roundtrip
 *	tests/vm/run --add build/grant-roundtrip:/grant-roundtrip -- /grant-roundtrip
 *
 * Run as root.  A child process stays root and issues a grant "become uid
 * 1234" over a socketpair; the parent first drops to uid/gid 1000 with no
 * capabilities (so it could never setuid(1234) itself), then receives the
 * grant's description, prints it and accepts it with
 * acceptid(ACCEPTID_EXEC): a grant that gives a process ids it could not
 * take itself is applied at its next execve, where the kernel guards the
 * new identity (new memory, not dumpable, AT_SECURE, no tracer without
 * CAP_SYS_PTRACE).  Until then nothing changes.  The parent then
 * re-executes itself; the new image prints its ids.  Exit status 0 when
 * the new image runs as uid 1234.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/credpass.h>

#ifndef __NR_acceptid
#error "no __NR_acceptid for this architecture"
#endif

#define GRANT_UID	1234
#define DROP_UID	1000

static int fail(const char *what)
{
	fprintf(stderr, "grant-roundtrip: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Child: still root; ask the kernel to issue "become uid 1234". */
static int issue(int fd)
{
	struct credgrant_req req = {
		.size = sizeof(req),
		.kind = CREDGRANT_UID,
		.uid = GRANT_UID,
		.ttl_ms = 10000,
	};
	union {
		char buf[CMSG_SPACE(sizeof(struct credgrant_req))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = "hello", .iov_len = 5 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cmsg;

	memset(&ctl, 0, sizeof(ctl));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_CREDGRANT;
	cmsg->cmsg_len = CMSG_LEN(sizeof(req));
	memcpy(CMSG_DATA(cmsg), &req, sizeof(req));
	if (sendmsg(fd, &msg, 0) != 5)
		return fail("sendmsg(SCM_CREDGRANT)");
	printf("child  %d: issued a grant for uid %d\n", getpid(), GRANT_UID);
	return 0;
}

/* Parent: become uid/gid 1000, no supplementary groups, no capabilities. */
static int drop_privileges(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct caps[2];

	if (setgroups(0, NULL) || setresgid(DROP_UID, DROP_UID, DROP_UID) ||
	    setresuid(DROP_UID, DROP_UID, DROP_UID))
		return fail("dropping to uid 1000");
	if (syscall(SYS_capget, &hdr, caps))
		return fail("capget");
	if (caps[0].effective & (1U << CAP_SETUID)) {
		fprintf(stderr, "grant-roundtrip: CAP_SETUID still effective\n");
		return 1;
	}
	/* the proof: this process cannot become uid 1234 by itself */
	if (setresuid(GRANT_UID, GRANT_UID, GRANT_UID) == 0 || errno != EPERM) {
		fprintf(stderr, "grant-roundtrip: setresuid(1234) did not fail with EPERM\n");
		return 1;
	}
	printf("parent %d: dropped to uid %d, CAP_SETUID gone (setresuid(%d): EPERM)\n",
	       getpid(), DROP_UID, GRANT_UID);
	return 0;
}

static void print_description(const struct credgrant *g)
{
	uint32_t i;

	printf("parent %d: received grant\n", getpid());
	printf("  id          %" PRIu64 "\n", (uint64_t)g->id);
	printf("  issued_ns   %" PRIu64 "\n", (uint64_t)g->issued_ns);
	printf("  expires_ns  %" PRIu64 " (ttl %" PRIu64 " ms)\n",
	       (uint64_t)g->expires_ns,
	       (uint64_t)(g->expires_ns - g->issued_ns) / 1000000);
	printf("  size        %u\n", g->size);
	printf("  kind        0x%x\n", g->kind);
	printf("  uid         %u\n", g->uid);
	printf("  gid         %u\n", g->gid);
	printf("  granter     uid %u gid %u pid %u auid %u ses %u\n",
	       g->granter_uid, g->granter_gid, g->granter_pid,
	       g->granter_auid, g->granter_ses);
	printf("  ngroups     %u", g->ngroups);
	for (i = 0; i < g->ngroups; i++)
		printf(" %u", g->groups[i]);
	printf("\n");
}

/* Parent: receive the description, inspect it, accept it. */
static int receive_and_accept(int fd, pid_t child)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct credgrant) +
				    4 * CREDGRANT_NGROUPS_MAX)];
		struct cmsghdr align;
	} ctl;
	union {
		struct credgrant g;
		char buf[sizeof(struct credgrant) + 4 * CREDGRANT_NGROUPS_MAX];
	} desc;
	char data[16] = "";
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cmsg;
	uid_t r, e, s;
	gid_t gr, ge, gs;
	int found = 0;

	if (recvmsg(fd, &msg, 0) < 0)
		return fail("recvmsg");
	if (msg.msg_flags & MSG_CTRUNC) {
		fprintf(stderr, "grant-roundtrip: control data truncated\n");
		return 1;
	}
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		size_t len = cmsg->cmsg_len - CMSG_LEN(0);

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_CREDGRANT ||
		    len < sizeof(struct credgrant) || len > sizeof(desc))
			continue;
		memcpy(&desc, CMSG_DATA(cmsg), len);
		if (desc.g.size == len)
			found = 1;
	}
	if (!found) {
		fprintf(stderr, "grant-roundtrip: no SCM_CREDGRANT with the data \"%s\"\n",
			data);
		return 1;
	}
	printf("parent %d: data \"%s\"\n", getpid(), data);
	print_description(&desc.g);

	/* inspect before accepting: only what we asked for, from whom we expect */
	if (desc.g.kind != CREDGRANT_UID || desc.g.uid != GRANT_UID ||
	    desc.g.granter_pid != (uint32_t)child || desc.g.granter_uid != 0) {
		fprintf(stderr, "grant-roundtrip: unexpected grant, rejecting it\n");
		syscall(__NR_acceptid, fd, &desc, desc.g.size, ACCEPTID_REJECT);
		return 1;
	}
	/* a gain: taken now, applied at this thread's next execve */
	if (syscall(__NR_acceptid, fd, &desc, desc.g.size, ACCEPTID_EXEC))
		return fail("acceptid(ACCEPTID_EXEC)");

	if (getresuid(&r, &e, &s) || getresgid(&gr, &ge, &gs))
		return fail("getresuid");
	printf("parent %d: accepted for exec: uid %u/%u/%u gid %u/%u/%u until execve\n",
	       getpid(), r, e, s, gr, ge, gs);
	if (r != DROP_UID || e != DROP_UID || s != DROP_UID) {
		fprintf(stderr, "grant-roundtrip: ids changed before execve\n");
		return 1;
	}
	/* single use: a second acceptid finds nothing */
	if (syscall(__NR_acceptid, fd, &desc, desc.g.size, 0) != -1 ||
	    errno != ENOENT) {
		fprintf(stderr, "grant-roundtrip: replayed acceptid did not fail with ENOENT\n");
		return 1;
	}
	printf("parent %d: replay: ENOENT\n", getpid());
	return 0;
}

/* The re-executed image: the grant's identity, as the kernel applied it. */
static int after_exec(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	if (getresuid(&r, &e, &s) || getresgid(&gr, &ge, &gs))
		return fail("getresuid");
	printf("after execve %d: uid %u/%u/%u gid %u/%u/%u AT_SECURE %lu dumpable %d\n",
	       getpid(), r, e, s, gr, ge, gs, getauxval(AT_SECURE),
	       prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	if (r != GRANT_UID || e != GRANT_UID || s != GRANT_UID ||
	    getauxval(AT_SECURE) != 1) {
		fprintf(stderr, "grant-roundtrip: the new image does not run as uid %d\n",
			GRANT_UID);
		printf("grant-roundtrip: FAILED\n");
		return 1;
	}
	printf("grant-roundtrip: ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	int sv[2], on = 1, status, ret;
	pid_t child;

	if (argc == 2 && !strcmp(argv[1], "--after-exec"))
		return after_exec();

	if (geteuid() != 0) {
		fprintf(stderr, "grant-roundtrip: run as root\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return fail("socketpair");
	/* the receiver opts in before anything can be sent to it */
	if (setsockopt(sv[0], SOL_SOCKET, SO_PASSCREDGRANT, &on, sizeof(on)))
		return fail("setsockopt(SO_PASSCREDGRANT)");

	child = fork();
	if (child < 0)
		return fail("fork");
	if (child == 0) {
		close(sv[0]);
		_exit(issue(sv[1]));
	}
	close(sv[1]);

	ret = drop_privileges();
	if (!ret)
		ret = receive_and_accept(sv[0], child);
	if (waitpid(child, &status, 0) != child)
		return fail("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "grant-roundtrip: the issuing child failed\n");
		return 1;
	}
	if (ret) {
		printf("grant-roundtrip: FAILED\n");
		return ret;
	}
	printf("parent %d: execve(/proc/self/exe --after-exec)\n", getpid());
	execl("/proc/self/exe", argv[0], "--after-exec", (char *)NULL);
	return fail("execve");
}
