/* libcredpass-example: issue, inspect and accept one grant (run as root). */
#include <credpass.h>
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *what, int err)
{
    fprintf(stderr, "libcredpass-example: %s: %s\n", what,
            credpass_strerror(err));
    return 1;
}

int main(int argc, char *argv[])
{
    const char *user = argc > 1 ? argv[1] : "1234";
    struct credpass_msg msg;
    const struct credgrant *g;
    char data[16], line[512];
    int sv[2], ret, status;
    uid_t uid;
    pid_t pid;

    ret = credpass_probe();
    if (ret <= 0)
        return fail("probe", ret ? ret : -ENOSYS);
    ret = credpass_uid_from_name(user, &uid);
    if (ret < 0)
        return fail(user, ret);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return fail("socketpair", -errno);
    /* the receiver opts in before anything is sent to it */
    ret = credpass_set_passcredgrant(sv[0], 1);
    if (ret < 0)
        return fail("SO_PASSCREDGRANT", ret);

    pid = fork();
    if (pid < 0)
        return fail("fork", -errno);
    if (pid == 0) {
        /* the granter: "become uid UID", valid for 10 seconds */
        struct credpass_request req = {
            .kind = CREDGRANT_UID, .uid = uid, .ttl_ms = 10000,
        };
        ssize_t n = credpass_send(sv[1], &req, "hello", 5, NULL, 0,
                                  MSG_NOSIGNAL);

        _exit(n == 5 ? 0 : fail("send", (int)n));
    }

    ret = credpass_recv(sv[0], data, sizeof(data) - 1, NULL, 0, &msg, 0);
    if (ret < 0)
        return fail("recv", ret);
    data[ret] = '\0';
    g = credpass_msg_grant(&msg);
    if (!g)
        return fail("no grant with the message", -EBADMSG);
    credpass_describe(g, CREDPASS_DESCRIBE_NAMES, line, sizeof(line));
    printf("received \"%s\" with %s\n", data, line);

    /* inspect before accepting: exactly what we expect, from whom */
    if (g->kind != CREDGRANT_UID || g->uid != uid ||
        g->granter_pid != (uint32_t)pid || g->granter_uid != 0) {
        credpass_reject(sv[0], g);
        return fail("unexpected grant, rejected", -EPERM);
    }
    ret = credpass_accept(sv[0], g, 0);
    if (ret < 0)
        return fail("accept", ret);
    printf("accepted: uid %u euid %u\n", (unsigned)getuid(),
           (unsigned)geteuid());
    /* a grant is single use */
    ret = credpass_accept(sv[0], g, 0);
    printf("accepting again: %s\n", credpass_strerror(ret));

    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return fail("granter", -ECHILD);
    return getuid() == uid && ret == -ENOENT ? 0 : 1;
}
