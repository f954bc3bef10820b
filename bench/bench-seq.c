/* SPDX-License-Identifier: MIT */
/*
 * bench-seq: runs several commands one after the other, without a shell, so
 * that one side of a bench-topology comparison can be a sequence of tools
 * (`ethtool -i DEV; ethtool -l DEV; ...`) as a script would run them. Each
 * command is one posix_spawnp() and waitpid(), stdin, stdout and stderr
 * inherited.
 *
 * Usage: bench-seq [-k] [PROGRAM [ARG...] [:: PROGRAM [ARG...]]...]
 *
 * The separator is "::" because bench-topology takes ';'. With -k, a command
 * that exits non-zero does not stop the sequence or change bench-seq's
 * status (ethtool exits 1 for what a device does not support, which a
 * script that reads everything ignores). With no command at all it only
 * starts and exits: its own cost, which run-net.sh measures beside the
 * sequence and subtracts.
 */
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

/* Runs @argv; its exit status, 128 + signal, or -errno when it cannot start. */
static int run(char **argv)
{
	pid_t pid;
	int status;

	int r = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (r != 0) {
		fprintf(stderr, "bench-seq: cannot run '%s': %s\n", argv[0], strerror(r));
		return -r;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			int e = errno;
			fprintf(stderr, "bench-seq: waitpid: %s\n", strerror(e));
			return -e;
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	bool keep_going = false;
	int i = 1;

	if (i < argc && strcmp(argv[i], "-k") == 0) {
		keep_going = true;
		i++;
	}
	if (i < argc && (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)) {
		puts("Usage: bench-seq [-k] [PROGRAM [ARG...] [:: PROGRAM [ARG...]]...]");
		return 0;
	}
	while (i < argc) {
		int end = i;
		while (end < argc && strcmp(argv[end], "::") != 0)
			end++;
		if (end == i) {
			fputs("bench-seq: empty command\n", stderr);
			return 2;
		}
		argv[end] = NULL; /* argv[argc] is NULL already */

		int r = run(&argv[i]);
		if (r < 0)
			return 127;
		if (r != 0 && !keep_going) {
			fprintf(stderr, "bench-seq: '%s' exited with status %d\n", argv[i], r);
			return 1;
		}
		i = end + 1;
	}
	return 0;
}
