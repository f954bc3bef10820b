/* SPDX-License-Identifier: MIT */
/*
 * bench-replay ROOT LIST: opens, reads and closes each file named in LIST
 * (one path a line, relative to ROOT), with no parsing and no output: the
 * I/O floor of any program that reads those files. docs/performance.md
 * runs it beside hostkit and lstopo to show what reading a tree costs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[4096], buf[65536];
	unsigned n = 0, missing = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: bench-replay ROOT LIST\n");
		return 2;
	}
	int root = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		fprintf(stderr, "bench-replay: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	FILE *list = fopen(argv[2], "re");
	if (!list) {
		fprintf(stderr, "bench-replay: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	while (fgets(path, sizeof(path), list)) {
		path[strcspn(path, "\n")] = 0;
		if (!path[0])
			continue;
		int fd = openat(root, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			missing++;
			continue;
		}
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		n++;
	}
	fclose(list);
	close(root);
	/* A list that names files the tree lacks measures nothing useful. */
	if (missing) {
		fprintf(stderr, "bench-replay: %u of %u files missing\n", missing, n + missing);
		return 1;
	}
	return 0;
}
