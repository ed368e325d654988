// SPDX-License-Identifier: GPL-2.0
/*
 * credpass-timeout SECONDS CMD [ARGS...]: run CMD with a time limit, as
 * kselftest's runner does for every program (its own `timeout`).
 *
 * CMD runs in a process group of its own.  If it has not exited after
 * SECONDS, the whole group is killed (SIGKILL: a hung program may ignore
 * or block anything else), a line saying so goes to stderr, and the exit
 * status is 124 (as coreutils' timeout).  Otherwise the status is CMD's:
 * its exit code, or 128 + the signal that killed it, as in sh; 126 / 127
 * if it could not be executed / found.  Whatever CMD left running in its
 * group is killed too, so that nothing of one program outlives it into the
 * next.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t expired;

static void on_alarm(int sig)
{
	(void)sig;
	expired = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	unsigned long secs;
	char *end;
	pid_t pid;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: credpass-timeout SECONDS CMD [ARGS...]\n");
		return 2;
	}
	errno = 0;
	secs = strtoul(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || secs == 0 || secs > 86400) {
		fprintf(stderr, "credpass-timeout: bad SECONDS '%s' (1 to 86400)\n", argv[1]);
		return 2;
	}

	pid = fork();
	if (pid < 0) {
		perror("credpass-timeout: fork");
		return 125;
	}
	if (pid == 0) {
		setpgid(0, 0);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "credpass-timeout: %s: %s\n", argv[2], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* both sides set the group: no window in which the child has none */
	setpgid(pid, pid);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: waitpid returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned int)secs);

	for (;;) {
		pid_t r = waitpid(pid, &status, 0);

		if (r == pid)
			break;
		if (r < 0 && errno == EINTR && expired) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			fprintf(stderr, "credpass-timeout: %s timed out after %lu s, killed\n",
				argv[2], secs);
			return 124;
		}
		if (r < 0 && errno != EINTR) {
			perror("credpass-timeout: waitpid");
			kill(-pid, SIGKILL);
			return 125;
		}
	}
	alarm(0);
	/* leftovers of CMD in its group */
	kill(-pid, SIGKILL);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125;
}
