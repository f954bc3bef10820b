/* SPDX-License-Identifier: MIT */
/*
 * bench-topology: runs several commands round-robin (A B C A B C ...) and
 * compares their wall times. Each run is one posix_spawn() to waitpid(),
 * timed with CLOCK_MONOTONIC, stdout to /dev/null. Running the commands in
 * turn, rather than one after the other, spreads drift of the machine (other
 * guests, frequency, page cache) over all of them alike.
 *
 * Usage: bench-topology [--runs N] [--warmup N] -- \
 *            NAME [VAR=VALUE...] PROGRAM [ARG...] ';' NAME ...
 *
 * Words of the form VAR=VALUE after NAME are set in that command's
 * environment, as env(1) does. The first command is the reference for the
 * ratios. A command that exits non-zero stops the benchmark and has its
 * stderr printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/parse.h"

extern char **environ;

typedef struct bench_cmd {
	const char *name;
	char **argv;		       /* points into main's argv, NULL-terminated by us */
	char **envp;		       /* environ with this command's VAR=VALUE words applied */
	int err_fd;		       /* memfd that takes the child's stderr */
	posix_spawn_file_actions_t fa; /* stdout to /dev/null, stderr to err_fd */
	uint64_t *ns;		       /* one sample per timed run */
} bench_cmd;

static void usage(FILE *f)
{
	fputs("Usage: bench-topology [--runs N] [--warmup N] -- \\\n"
	      "           NAME [VAR=VALUE...] PROGRAM [ARG...] ';' NAME ...\n"
	      "\n"
	      "Runs the commands round-robin, N timed runs each after the warm-up rounds,\n"
	      "stdout to /dev/null, and prints per command the median, p10 and p90 wall\n"
	      "time and the ratios against the first command.\n"
	      "\n"
	      "  --runs N     timed runs per command (default 100)\n"
	      "  --warmup N   untimed rounds before them (default 5)\n",
	      f);
}

static bool is_assignment(const char *s)
{
	const char *eq = strchr(s, '=');
	return eq && eq != s && !memchr(s, '/', (size_t)(eq - s));
}

/* Copies @base and sets or replaces each of @set[0..n_set). Returns NULL on ENOMEM. */
static char **env_build(char **base, char **set, size_t n_set)
{
	size_t n = 0;
	while (base[n])
		n++;
	char **env = calloc(n + n_set + 1, sizeof(*env));
	if (!env)
		return NULL;
	memcpy(env, base, n * sizeof(*env));
	for (size_t i = 0; i < n_set; i++) {
		size_t klen = (size_t)(strchr(set[i], '=') - set[i]) + 1;
		size_t j;
		for (j = 0; j < n; j++)
			if (strncmp(env[j], set[i], klen) == 0)
				break;
		env[j] = set[i];
		if (j == n)
			n++;
	}
	env[n] = NULL;
	return env;
}

/*
 * Splits argv[0..argc) at ';' words into commands. Returns the number of
 * commands, or -EINVAL (message printed) or -ENOMEM.
 */
static int cmds_parse(int argc, char **argv, bench_cmd **ret)
{
	_cleanup_free_ bench_cmd *cmds = calloc((size_t)argc, sizeof(*cmds));
	int n = 0;

	if (!cmds)
		return -ENOMEM;
	for (int i = 0; i < argc;) {
		int end = i;
		while (end < argc && strcmp(argv[end], ";") != 0)
			end++;
		argv[end] = NULL; /* argv[argc] is NULL already */

		int k = i + 1;
		while (k < end && is_assignment(argv[k]))
			k++;
		if (k >= end) {
			fprintf(stderr, "bench-topology: command '%s' has no program\n",
				i < end ? argv[i] : "");
			return -EINVAL;
		}
		cmds[n] = (bench_cmd){
		    .name = argv[i],
		    .argv = &argv[k],
		    .envp = env_build(environ, &argv[i + 1], (size_t)(k - i - 1)),
		    .err_fd = -EBADF,
		};
		if (!cmds[n].envp)
			return -ENOMEM;
		n++;
		i = end + 1;
	}
	*ret = TAKE_PTR(cmds);
	return n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void stderr_dump(const bench_cmd *c)
{
	char buf[4096];
	ssize_t l;

	if (lseek(c->err_fd, 0, SEEK_SET) < 0)
		return;
	while ((l = read(c->err_fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)l, stderr);
}

/*
 * Runs @c once and stores its wall time in @ret_ns. Returns 0, or -errno
 * when it could not be started, or -ECHILD when it did not exit 0 (its
 * stderr has then been printed).
 */
static int cmd_run(bench_cmd *c, uint64_t *ret_ns)
{
	pid_t pid;
	int status, r;

	/* Each run's stderr replaces the last one's, so a failure shows only its own. */
	if (ftruncate(c->err_fd, 0) < 0 || lseek(c->err_fd, 0, SEEK_SET) < 0) {
		r = -errno;
		fprintf(stderr, "bench-topology: cannot reset stderr buffer: %s\n", strerror(-r));
		return r;
	}

	uint64_t t0 = now_ns();
	r = posix_spawnp(&pid, c->argv[0], &c->fa, NULL, c->argv, c->envp);
	if (r != 0) {
		fprintf(stderr, "bench-topology: %s: cannot run '%s': %s\n", c->name, c->argv[0],
			strerror(r));
		return -r;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			r = -errno;
			fprintf(stderr, "bench-topology: %s: waitpid: %s\n", c->name, strerror(-r));
			return r;
		}
	uint64_t t1 = now_ns();

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFEXITED(status))
			fprintf(stderr, "bench-topology: %s: '%s' exited with status %d\n", c->name,
				c->argv[0], WEXITSTATUS(status));
		else
			fprintf(stderr, "bench-topology: %s: '%s' killed by signal %d\n", c->name,
				c->argv[0], WTERMSIG(status));
		stderr_dump(c);
		return -ECHILD;
	}
	*ret_ns = t1 - t0;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Percentile of sorted @v[0..n) by linear interpolation between closest ranks. */
static double percentile_u64(const uint64_t *v, size_t n, double p)
{
	double pos = p * (double)(n - 1);
	size_t lo = (size_t)pos;
	size_t hi = lo + 1 < n ? lo + 1 : lo;
	return (double)v[lo] + (pos - (double)lo) * ((double)v[hi] - (double)v[lo]);
}

static double median_double(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int report(bench_cmd *cmds, int n, unsigned runs, unsigned warmup)
{
	_cleanup_free_ double *pair = calloc(runs, sizeof(*pair));
	_cleanup_free_ double *med = calloc((size_t)n, sizeof(*med));
	int wname = 7;

	if (!pair || !med)
		return -ENOMEM;

	/*
	 * "paired" is the median over rounds of this run's time over the
	 * reference's run in the same round: it cancels drift between rounds.
	 * It is computed before the samples are sorted.
	 */
	for (int i = 0; i < n; i++) {
		for (unsigned r = 0; r < runs; r++)
			pair[r] = (double)cmds[i].ns[r] / (double)cmds[0].ns[r];
		med[i] = median_double(pair, runs);
		if ((int)strlen(cmds[i].name) > wname)
			wname = (int)strlen(cmds[i].name);
	}

	printf("%u timed runs per command after %u warm-up rounds, round-robin; wall ms per run\n",
	       runs, warmup);
	printf("%-*s %9s %9s %9s %9s %9s\n", wname, "command", "median", "p10", "p90", "ratio",
	       "paired");
	double ref = 0;
	for (int i = 0; i < n; i++) {
		qsort(cmds[i].ns, runs, sizeof(uint64_t), cmp_u64);
		double m = percentile_u64(cmds[i].ns, runs, 0.5);
		if (i == 0)
			ref = m;
		printf("%-*s %9.3f %9.3f %9.3f %9.2f %9.2f\n", wname, cmds[i].name, m / 1e6,
		       percentile_u64(cmds[i].ns, runs, 0.1) / 1e6,
		       percentile_u64(cmds[i].ns, runs, 0.9) / 1e6, m / ref, med[i]);
	}
	printf("ratio: median / median of '%s'; paired: median of per-round ratios\n",
	       cmds[0].name);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"runs", required_argument, NULL, 'n'},
	    {"warmup", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	unsigned runs = 100, warmup = 5;
	_cleanup_free_ bench_cmd *cmds = NULL;
	_cleanup_close_ int null_fd = -EBADF;
	int c, n, r;

	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (c) {
		case 'n':
		case 'w':
			r = hk_parse_unsigned_range(optarg, strlen(optarg), c == 'n' ? 1 : 0,
						    1000000, c == 'n' ? &runs : &warmup);
			if (r < 0) {
				fprintf(stderr, "bench-topology: bad --%s '%s'\n",
					c == 'n' ? "runs" : "warmup", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}

	n = cmds_parse(argc - optind, argv + optind, &cmds);
	if (n < 0) {
		if (n == -ENOMEM)
			fputs("bench-topology: out of memory\n", stderr);
		return 2;
	}

	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd < 0) {
		fprintf(stderr, "bench-topology: cannot open /dev/null: %m\n");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		cmds[i].err_fd = memfd_create("bench-stderr", MFD_CLOEXEC);
		cmds[i].ns = calloc(runs, sizeof(uint64_t));
		if (cmds[i].err_fd < 0 || !cmds[i].ns) {
			fprintf(stderr, "bench-topology: %m\n");
			return 1;
		}
		r = posix_spawn_file_actions_init(&cmds[i].fa);
		if (r == 0)
			r = posix_spawn_file_actions_adddup2(&cmds[i].fa, null_fd, STDOUT_FILENO);
		if (r == 0)
			r = posix_spawn_file_actions_adddup2(&cmds[i].fa, cmds[i].err_fd,
							     STDERR_FILENO);
		if (r != 0) {
			fprintf(stderr, "bench-topology: %s\n", strerror(r));
			return 1;
		}
	}

	for (unsigned round = 0; round < warmup + runs; round++)
		for (int i = 0; i < n; i++) {
			uint64_t ns = 0;

			if (cmd_run(&cmds[i], &ns) < 0)
				return 1;
			if (round >= warmup)
				cmds[i].ns[round - warmup] = ns;
		}

	r = report(cmds, n, runs, warmup);
	for (int i = 0; i < n; i++) {
		posix_spawn_file_actions_destroy(&cmds[i].fa);
		close(cmds[i].err_fd);
		free(cmds[i].ns);
		free(cmds[i].envp);
	}
	if (r < 0) {
		fputs("bench-topology: out of memory\n", stderr);
		return 1;
	}
	return 0;
}
