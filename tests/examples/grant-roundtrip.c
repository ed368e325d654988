// SPDX-License-Identifier: GPL-2.0
/*
 * grant-roundtrip: issue, receive and accept one credential grant with
 * libcredpass.
 *
 * Built as a user would, against what `make install` installs, found
 * through pkg-config:
 *
 *	make install DESTDIR=/tmp/x PREFIX=/usr
 *	export PKG_CONFIG_SYSROOT_DIR=/tmp/x PKG_CONFIG_LIBDIR=/tmp/x/usr/lib/pkgconfig
 *	gcc -static -O2 -Wall tests/examples/grant-roundtrip.c -o grant-roundtrip \
 *		$(pkg-config --cflags --libs --static credpass)
 *	tests/vm/run --add grant-roundtrip -- grant-roundtrip
 *
 * Run as root.  A child process stays root and issues a grant "become uid
 * 1234" over a socketpair; the parent first drops to uid/gid 1000 with no
 * capabilities (so it could never setuid(1234) itself), then receives the
 * grant's description, prints it and accepts it.  Becoming an id the
 * process could not take itself is a gain: it is staged with ACCEPTID_EXEC
 * and applied when the parent executes itself again, where the kernel
 * guards the new identity (new memory, not dumpable, AT_SECURE, no tracer
 * without CAP_SYS_PTRACE); the new image prints its ids.  Exit status 0
 * when the new image runs as uid 1234.
 */
#define _GNU_SOURCE
#include <credpass.h>
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

#define GRANT_UID	1234
#define DROP_UID	1000
#define AFTER_EXEC	"--after-exec"

static int fail(const char *what, int err)
{
	fprintf(stderr, "grant-roundtrip: %s: %s\n", what,
		credpass_strerror(err));
	return 1;
}

/* Child: still root; ask the kernel to issue "become uid 1234". */
static int issue(int fd)
{
	struct credpass_request req = {
		.kind = CREDGRANT_UID,
		.uid = GRANT_UID,
		.ttl_ms = 10000,
	};
	ssize_t n = credpass_send(fd, &req, "hello", 5, NULL, 0, MSG_NOSIGNAL);

	if (n != 5)
		return fail("credpass_send", n < 0 ? (int)n : -EIO);
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
		return fail("dropping to uid 1000", -errno);
	if (syscall(SYS_capget, &hdr, caps))
		return fail("capget", -errno);
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
	char line[512];
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
	credpass_describe(g, 0, line, sizeof(line));
	printf("  log line    %s\n", line);
}

/* The ids now; 0 when they are uid 1234 throughout. */
static int report_ids(const char *when)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	if (getresuid(&r, &e, &s) || getresgid(&gr, &ge, &gs))
		return fail("getresuid", -errno);
	printf("parent %d: %s: uid %u/%u/%u gid %u/%u/%u AT_SECURE %lu dumpable %d\n",
	       getpid(), when, r, e, s, gr, ge, gs, getauxval(AT_SECURE),
	       prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	if (r != GRANT_UID || e != GRANT_UID || s != GRANT_UID ||
	    getauxval(AT_SECURE) != 1) {
		fprintf(stderr, "grant-roundtrip: ids did not change\n");
		return 1;
	}
	return 0;
}

/* Parent: receive the description, inspect it, accept it. */
static int receive_and_accept(int fd, pid_t child, const char *self)
{
	const struct credgrant *g;
	struct credpass_msg msg;
	char data[16] = "";
	int status, ret;
	ssize_t n;

	n = credpass_recv(fd, data, sizeof(data) - 1, NULL, 0, &msg, 0);
	if (n < 0)
		return fail("credpass_recv", n);
	if (msg.msg_flags & MSG_CTRUNC) {
		fprintf(stderr, "grant-roundtrip: control data truncated\n");
		return 1;
	}
	g = credpass_msg_grant(&msg);
	if (!g) {
		fprintf(stderr, "grant-roundtrip: no SCM_CREDGRANT with the data \"%s\"\n",
			data);
		return 1;
	}
	printf("parent %d: data \"%s\"\n", getpid(), data);
	print_description(g);
	if (waitpid(child, &status, 0) != child)
		return fail("waitpid", -errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "grant-roundtrip: the issuing child failed\n");
		return 1;
	}

	/* inspect before accepting: only what we asked for, from whom we expect */
	if (g->kind != CREDGRANT_UID || g->uid != GRANT_UID ||
	    g->granter_pid != (uint32_t)child || g->granter_uid != 0) {
		fprintf(stderr, "grant-roundtrip: unexpected grant, rejecting it\n");
		credpass_reject(fd, g);
		return 1;
	}
	/* uid 1234 is a gain for uid 1000: take it now, apply it at execve */
	ret = credpass_accept(fd, g, ACCEPTID_EXEC);
	if (ret)
		return fail("credpass_accept(ACCEPTID_EXEC)", ret);
	printf("parent %d: accepted with ACCEPTID_EXEC; uid still %u until execve\n",
	       getpid(), (unsigned)getuid());
	/* single use: a second acceptid finds nothing */
	ret = credpass_accept(fd, g, 0);
	if (ret != -ENOENT) {
		fprintf(stderr, "grant-roundtrip: replayed acceptid did not fail with ENOENT\n");
		return 1;
	}
	printf("parent %d: replay: %s\n", getpid(), credpass_strerror(ret));
	execl(self, "grant-roundtrip", AFTER_EXEC, (char *)NULL);
	return fail("execve", -errno);
}

int main(int argc, char *argv[])
{
	int sv[2], ret;
	pid_t child;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && !strcmp(argv[1], AFTER_EXEC)) {
		ret = report_ids("after execve");
		printf("grant-roundtrip: %s\n", ret ? "FAILED" : "ok");
		return ret;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "grant-roundtrip: run as root\n");
		return 1;
	}
	ret = credpass_probe();
	if (ret <= 0)
		return fail("credpass_probe", ret ? ret : -ENOSYS);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return fail("socketpair", -errno);
	/* the receiver opts in before anything can be sent to it */
	ret = credpass_set_passcredgrant(sv[0], 1);
	if (ret)
		return fail("credpass_set_passcredgrant", ret);

	child = fork();
	if (child < 0)
		return fail("fork", -errno);
	if (child == 0) {
		close(sv[0]);
		_exit(issue(sv[1]));
	}
	close(sv[1]);

	ret = drop_privileges();
	if (!ret)
		ret = receive_and_accept(sv[0], child, "/proc/self/exe");
	if (ret)
		printf("grant-roundtrip: FAILED\n");
	return ret;
}
