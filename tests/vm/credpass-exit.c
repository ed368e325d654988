// SPDX-License-Identifier: GPL-2.0
/*
 * credpass-exit STATUS: end the test VM.  Drains the serial consoles, then
 * writes STATUS (0-255) to QEMU's isa-debug-exit port 0xf4, which makes QEMU
 * exit with ((STATUS << 1) | 1) & 0xff.  Without that device it powers off
 * (QEMU exits 0), which the runner reports as "no status".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const char *const ttys[] = { "/dev/ttyS1", "/dev/ttyS0" };
	unsigned int i;
	long status;

	if (argc != 2) {
		fprintf(stderr, "usage: credpass-exit STATUS\n");
		return 2;
	}
	status = strtol(argv[1], NULL, 10) & 0xff;

	sync();
	for (i = 0; i < sizeof(ttys) / sizeof(ttys[0]); i++) {
		int fd = open(ttys[i], O_WRONLY | O_NOCTTY | O_NONBLOCK);

		if (fd >= 0) {
			tcdrain(fd);
			close(fd);
		}
	}
	if (ioperm(0xf4, 4, 1) == 0)
		outb((unsigned char)status, 0xf4);
	else
		perror("credpass-exit: ioperm(0xf4)");
	/* Not reached with isa-debug-exit. */
	reboot(RB_POWER_OFF);
	perror("credpass-exit: reboot");
	return 1;
}
