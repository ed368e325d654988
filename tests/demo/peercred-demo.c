// SPDX-License-Identifier: GPL-2.0
/*
 * peercred-demo: a readable transcript of what AF_UNIX peer credentials say
 * across user and pid namespaces today (the baseline credgrant improves
 * on).  Run as root in the test VM (`make demo`).  The same facts are
 * pinned as exact assertions in tests/selftests/peercred.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

static void die(const char *what)
{
	fprintf(stderr, "peercred-demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void show_peer(const char *who, int fd)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	gid_t groups[16];
	socklen_t glen = sizeof(groups);
	unsigned int i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len))
		die("SO_PEERCRED");
	say("    %-37s pid=%d uid=%u gid=%u", who, uc.pid, uc.uid, uc.gid);
	if (!getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen)) {
		say(" groups=");
		for (i = 0; i < glen / sizeof(gid_t); i++)
			say("%s%u", i ? "," : "", groups[i]);
		if (!glen)
			say("(none)");
	}
	say("\n");
}

static void send_fd(int sock, int fd)
{
	char c = 'F';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr a; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		die("sendmsg(SCM_RIGHTS)");
}

static int recv_fd(int sock)
{
	char c;
	int fd = -1;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr a; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;

	if (recvmsg(sock, &msg, 0) != 1)
		die("recvmsg(SCM_RIGHTS)");
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		die("no descriptor");
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static void wait_byte(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		die("sync read");
}

static void post_byte(int fd)
{
	if (write(fd, "s", 1) != 1)
		die("sync write");
}

static void write_map(pid_t pid, const char *file, const char *map)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
		die(path);
	close(fd);
}

/*
 * Fork a child in new namespaces; it runs fn(ctl) with ctl a socket to the
 * parent, after the parent wrote the id maps (uid N inside = 100000 + N
 * outside, gid N = 200000 + N).  Returns the child's pid; *ctl the
 * parent's end.
 */
static pid_t spawn(unsigned long flags, void (*fn)(int), int *ctl)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
	pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0)
		die("clone");
	if (pid == 0) {
		close(sv[0]);
		wait_byte(sv[1]);
		fn(sv[1]);
		exit(0);
	}
	close(sv[1]);
	if (flags & CLONE_NEWUSER) {
		write_map(pid, "uid_map", "0 100000 10000\n");
		write_map(pid, "gid_map", "0 200000 10000\n");
	}
	post_byte(sv[0]);
	*ctl = sv[0];
	return pid;
}

static void reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("child failed");
}

/* --- scene 1: a socketpair made inside a user namespace --------------- */
static void scene1_child(int ctl)
{
	static const gid_t groups[] = { 0, 5 };
	int sv[2];

	if (setgroups(2, groups) || setresgid(0, 0, 0) || setresuid(0, 0, 0))
		die("set ids");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
	show_peer("inside the namespace, own end:", sv[0]);
	send_fd(ctl, sv[1]);
	wait_byte(ctl);
}

/* --- scene 2: the host's socketpair, read inside the namespace -------- */
static void scene2_child(int ctl)
{
	int fd;

	if (setgroups(0, NULL) || setresgid(0, 0, 0) || setresuid(0, 0, 0))
		die("set ids");
	fd = recv_fd(ctl);
	show_peer("inside the user namespace:", fd);
	post_byte(ctl);
}

/* --- scene 3: pid namespaces --------------------------------------------- */
static void scene3_child(int ctl)
{
	int sv[2], fd;

	say("    (the child sees itself as pid %d)\n", getpid());
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
	show_peer("inside the pid namespace, own end:", sv[0]);
	send_fd(ctl, sv[1]);
	fd = recv_fd(ctl);
	show_peer("inside, the host's socketpair:", fd);
	post_byte(ctl);
}

/* --- scene 4: identity frozen at connect() -------------------------------- */
static void scene4(void)
{
	static const char name[] = "credpass-peercred-demo";
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	int l, cfd, one = 1;
	char ch, cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { .iov_base = &ch, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	struct ucred uc;
	pid_t h;

	memcpy(addr.sun_path + 1, name, strlen(name));
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&addr, alen) || listen(l, 1))
		die("listen");
	h = fork();
	if (h < 0)
		die("fork");
	if (h == 0) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);

		/* uid 1000, keeping saved uid 0 to be able to change later */
		if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 0))
			die("set ids");
		if (c < 0 || connect(c, (struct sockaddr *)&addr, alen))
			die("connect");
		if (write(c, "1", 1) != 1 || read(c, &ch, 1) != 1)
			die("sync");
		if (setresuid(-1, 0, -1) || setresuid(1500, 1500, 1500))
			die("setresuid");
		if (write(c, "2", 1) != 1 || read(c, &ch, 1) != 1)
			die("sync");
		exit(0);
	}
	cfd = accept(l, NULL, NULL);
	if (cfd < 0 || setsockopt(cfd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)))
		die("accept");
	if (read(cfd, &ch, 1) != 1)
		die("read");
	show_peer("client connected as uid 1000:", cfd);
	if (write(cfd, "a", 1) != 1 || recvmsg(cfd, &m, 0) != 1)
		die("sync");
	show_peer("after it became uid 1500:", cfd);
	cm = CMSG_FIRSTHDR(&m);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
		memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
		say("    %-37s pid=%d uid=%u gid=%u\n",
		    "SCM_CREDENTIALS of its next message:", uc.pid, uc.uid, uc.gid);
	}
	if (write(cfd, "b", 1) != 1)
		die("write");
	reap(h);
	close(cfd);
	close(l);
}

int main(void)
{
	int ctl, fd, sv[2];
	pid_t pid;
	struct ucred uc;
	socklen_t len;

	if (getuid() != 0) {
		fprintf(stderr, "peercred-demo: run me as root (in the test VM: make demo)\n");
		return 1;
	}
	if (setgroups(0, NULL))
		die("setgroups");

	say("SO_PEERCRED and friends across namespaces, Linux %s\n", "6.12");
	say("The demo runs as root, pid %d. User namespaces below map uid N inside\n"
	    "to 100000+N outside, gid N to 200000+N.\n\n", getpid());

	say("1. A process in a user namespace (root in there) makes a socketpair.\n");
	pid = spawn(CLONE_NEWUSER, scene1_child, &ctl);
	fd = recv_fd(ctl);
	show_peer("from the host, the other end:", fd);
	say("   Same process, same socket: each reader sees the ids in its own namespace.\n\n");
	close(fd);
	post_byte(ctl);
	reap(pid);
	close(ctl);

	say("2. The host (root) makes a socketpair and hands one end into the namespace.\n");
	pid = spawn(CLONE_NEWUSER, scene2_child, &ctl);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
	send_fd(ctl, sv[1]);
	close(sv[1]);
	wait_byte(ctl);
	say("   Host uid 0 is not mapped in there: it shows as the overflow id 65534.\n"
	    "   Nobody can tell \"real root\" from \"nobody\" from inside.\n\n");
	reap(pid);
	close(ctl);
	close(sv[0]);

	say("3. A process in a new pid namespace.\n");
	pid = spawn(CLONE_NEWPID, scene3_child, &ctl);
	fd = recv_fd(ctl);
	show_peer("from the host, the other end:", fd);
	close(fd);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
	send_fd(ctl, sv[1]);
	close(sv[1]);
	wait_byte(ctl);
	say("   The host sees pid %d, the child itself pid 1, and the host is pid 0\n"
	    "   (invisible) from inside.\n\n", pid);
	reap(pid);
	close(ctl);
	close(sv[0]);

	say("4. SO_PEERCRED is a snapshot taken at connect().\n");
	scene4();
	say("   SO_PEERCRED still names uid 1000: a claim about the past.\n\n");

	say("5. After the peer exits, its pid number outlives it.\n");
	{
		pid_t c;
		int pidfd = -1;

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			die("socketpair");
		c = fork();
		if (c < 0)
			die("fork");
		if (c == 0) {
			int p[2];

			/* the child re-creates the pair so it is the recorded peer */
			if (socketpair(AF_UNIX, SOCK_STREAM, 0, p))
				die("socketpair");
			send_fd(sv[1], p[1]);
			exit(0);
		}
		fd = recv_fd(sv[0]);
		reap(c);
		len = sizeof(uc);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len))
			die("SO_PEERCRED");
		say("    %-37s pid=%d (process %d has exited and was reaped)\n",
		    "SO_PEERCRED:", uc.pid, c);
		len = sizeof(pidfd);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len))
			say("    %-37s fails: %s\n", "SO_PEERPIDFD:", strerror(errno));
		else
			say("    %-37s pidfd %d\n", "SO_PEERPIDFD:", pidfd);
		close(fd);
		close(sv[0]);
		close(sv[1]);
	}
	say("   A pid can be reused by anyone; only a pidfd taken while the peer\n"
	    "   lived is a stable reference.\n\n");

	say("Summary: peer credentials are inert claims, translated per namespace,\n"
	    "frozen at connect(), lossy (65534, pid 0) across namespaces.\n"
	    "credgrant makes identity an explicit, kernel-checked, single-use grant.\n");
	return 0;
}
