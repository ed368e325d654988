// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: libcredpass's control-message parser (what
 * credpass_recv() and credpass_parse() run on recvmsg's control data), and
 * credpass_describe() on every description it accepts.
 *
 * Input: byte 0 bit 0 sets MSG_CTRUNC in msg_flags; byte 1 is the room
 * for descriptors (fds_max, 0..255); the rest is the control data, copied
 * to an aligned buffer as the kernel would hand it over.  Descriptors are
 * never really closed: a recorder counts the closes.
 *
 * Checked on every input: the parser returns 0 or -EBADMSG; on -EBADMSG
 * it hands nothing over; on success every SCM_RIGHTS descriptor is either
 * handed over or closed (closes == fds_closed), a grant is self-consistent
 * and describable, and the pidfd is there exactly when HAS_PIDFD says so.
 *
 *	make build/fuzz/parse_control
 *	build/fuzz/parse_control -runs=100000 tests/fuzz/parse_control.corpus
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "credpass.h"
#include "internal.h"

static size_t ncloses;

static int record_close(int fd)
{
	(void)fd;
	ncloses++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union {
		struct cmsghdr align;
		unsigned char buf[CREDPASS_CONTROL_SIZE * 2];
	} ctl;
	static struct credpass_msg msg;
	static char line[16384];
	int fds[256], msg_flags, ret;
	size_t fds_max, len, i;

	if (size < 2)
		return 0;
	msg_flags = (data[0] & 1) ? MSG_CTRUNC : 0;
	fds_max = data[1];
	len = size - 2;
	if (len > sizeof(ctl.buf))
		len = sizeof(ctl.buf);
	memcpy(ctl.buf, data + 2, len);
	for (i = 0; i < 256; i++)
		fds[i] = -2;
	ncloses = 0;
	msg.len = 5;
	ret = credpass__parse(ctl.buf, len, msg_flags, fds, fds_max, &msg,
			      record_close);
	if (ret != 0 && ret != -EBADMSG)
		abort();
	if (msg.fds != fds)
		abort();
	if ((msg.msg_flags & ~MSG_CTRUNC) != 0 ||
	    (msg_flags & MSG_CTRUNC && !(msg.msg_flags & MSG_CTRUNC)))
		abort();
	if (ret) {
		if (msg.has || msg.nfds || msg.fds_closed || msg.pidfd != -1 ||
		    credpass_msg_grant(&msg))
			abort();
		/* what was closed fits in the data */
		if (ncloses > len / sizeof(int))
			abort();
		return 0;
	}
	if (msg.len != 5 || msg.nfds > fds_max || ncloses != msg.fds_closed)
		abort();
	if (msg.fds_closed && !(msg.msg_flags & MSG_CTRUNC))
		abort();
	for (i = 0; i < msg.nfds; i++)
		if (fds[i] < 0)
			abort();
	for (; i < 256; i++)
		if (fds[i] != -2)
			abort();	/* written past what it handed over */
	if (!!(msg.has & CREDPASS_HAS_PIDFD) != (msg.pidfd >= 0))
		abort();
	if (msg.has & ~(CREDPASS_HAS_GRANT | CREDPASS_HAS_CREDS | CREDPASS_HAS_PIDFD))
		abort();
	if (msg.has & CREDPASS_HAS_GRANT) {
		const struct credgrant *g = credpass_msg_grant(&msg);
		int n;

		if (!g || g->ngroups > CREDGRANT_NGROUPS_MAX ||
		    g->size != CREDGRANT_SIZE_VER0 + 4 * g->ngroups)
			abort();
		n = credpass_describe(g, 0, line, sizeof(line));
		if (n <= 0 || (size_t)n >= sizeof(line) || strlen(line) != (size_t)n)
			abort();
	} else if (credpass_msg_grant(&msg)) {
		abort();
	}
	return 0;
}
