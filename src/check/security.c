/* SPDX-License-Identifier: MIT */
/*
 * The security rules: the sysctls that bound what a process on the host can
 * learn about or do to the daemon, and the limits a thread-per-core daemon
 * runs into. See docs/check-memory-security.md for each rule's sources.
 */
#include <errno.h>
#include <string.h>

#include "base/macro.h"
#include "check/check.h"

#define SYSCTL_CONF "/etc/sysctl.d/90-hostkit.conf"

static const char *sysctl_remedy(ck_ctx *c, const char *key, int64_t value)
{
	return ck_fmt(c, "sysctl -w %s=%lld; echo '%s = %lld' >> " SYSCTL_CONF, key,
		      (long long)value, key, (long long)value);
}

/* Reads integer sysctl @key; when it cannot, records why and returns -errno. */
static int read_sysctl(ck_ctx *c, const char *key, int64_t *ret)
{
	int64_t v;
	int r = ck_sysctl_s64(c, key, &v);
	if (r == -ENOENT)
		ck_skip(c, NULL, "%s is absent on this kernel", key);
	else if ((r == -EACCES || r == -EPERM) && !ck_privileged(c))
		ck_skip(c, "root", "%s is readable by root only", key);
	else if (r < 0)
		ck_skip(c, NULL, "cannot read %s: %s", key, strerror(-r));
	else
		*ret = v;
	return r;
}

/*
 * One result for sysctl @key: pass when its value is in [@lo, @hi], else a
 * failure whose remedy sets @fix. @expected is the short wanted value;
 * @good and @bad finish the message ("key is V: ...").
 */
static void want_range(ck_ctx *c, const char *key, int64_t lo, int64_t hi, int64_t fix,
		       const char *expected, const char *good, const char *bad)
{
	int64_t v;
	if (read_sysctl(c, key, &v) < 0)
		return;
	const char *now = ck_fmt(c, "%lld", (long long)v);
	if (v >= lo && v <= hi)
		ck_pass(c, now, expected, "%s is %lld: %s", key, (long long)v, good);
	else
		ck_fail(c, now, expected, sysctl_remedy(c, key, fix), "%s is %lld: %s", key,
			(long long)v, bad);
}

/* dnotify is an old interface nothing on a daemon host needs; each watch costs on every write. */
static void dir_notify(ck_ctx *c)
{
	int64_t v;
	int r = ck_sysctl_s64(c, "fs.dir-notify-enable", &v);
	int64_t file_max;
	if (r == -ENOENT && ck_sysctl_s64(c, "fs.file-max", &file_max) == -ENOENT) {
		/* A tree without proc/sys/fs at all (a partial capture) says nothing about dnotify.
		 */
		ck_skip(c, NULL, "fs.dir-notify-enable is absent on this kernel, as is all of fs");
		return;
	}
	if (r == -ENOENT) {
		ck_pass(c, "absent", "0",
			"fs.dir-notify-enable is absent: dnotify is not built in (CONFIG_DNOTIFY)");
		return;
	}
	want_range(c, "fs.dir-notify-enable", 0, 0, 0, "0", "dnotify is off",
		   "dnotify is on: any process may ask for signals on directory changes "
		   "(inotify and fanotify replace it)");
}

static void mount_max(ck_ctx *c)
{
	want_range(c, "fs.mount-max", 1, 100000, 100000, "<= 100000",
		   "a mount namespace cannot grow past it",
		   "mount namespaces of unprivileged users may hold that many mounts, each "
		   "costing kernel memory and slowing every path walk and mount propagation");
}

/*
 * A thread-per-core daemon, its helpers and the rest of the host need PIDs;
 * a small pid_max also reuses PIDs quickly, so a stale PID names another
 * process sooner.
 */
static void pid_max(ck_ctx *c)
{
	int64_t v, threads = -1;
	if (read_sysctl(c, "kernel.pid_max", &v) < 0)
		return;
	if (ck_sysctl_s64(c, "kernel.threads-max", &threads) < 0)
		threads = -1;
	int64_t floor = threads > 65536 ? threads : 65536;
	if (floor > 4194304)
		floor = 4194304;
	const char *now = ck_fmt(c, "%lld", (long long)v);
	const char *want = ck_fmt(c, ">= %lld", (long long)floor);
	if (v >= floor) {
		ck_pass(c, now, want,
			"kernel.pid_max is %lld: room for every thread the host may have",
			(long long)v);
		return;
	}
	ck_fail(
	    c, now, want, sysctl_remedy(c, "kernel.pid_max", 4194304),
	    "kernel.pid_max is %lld%s: thread creation fails with EAGAIN once the PIDs run out, "
	    "and PIDs are reused quickly",
	    (long long)v,
	    threads > v ? ck_fmt(c, ", below kernel.threads-max %lld", (long long)threads) : "");
}

static void kptr_restrict(ck_ctx *c)
{
	want_range(c, "kernel.kptr_restrict", 1, 2, 1, ">= 1",
		   "kernel addresses are hidden from unprivileged users",
		   "kernel addresses in /proc (kallsyms, modules) are visible to every user, which "
		   "defeats KASLR");
}

static void dmesg_restrict(ck_ctx *c)
{
	want_range(c, "kernel.dmesg_restrict", 1, 1, 1, "1", "only CAP_SYSLOG reads the kernel log",
		   "every user may read the kernel log (addresses, device and driver messages)");
}

static void perf_event_paranoid(ck_ctx *c)
{
	want_range(c, "kernel.perf_event_paranoid", 2, 4, 2, ">= 2",
		   "unprivileged users may profile only their own code in user space",
		   "unprivileged users may profile the kernel (and, below 1, every CPU); give "
		   "the engineers who profile the daemon CAP_PERFMON instead");
}

static void unprivileged_bpf(ck_ctx *c)
{
	want_range(c, "kernel.unprivileged_bpf_disabled", 1, 2, 2, "1 or 2",
		   "only privileged users load BPF programs",
		   "every user may load BPF programs: a common path for kernel exploits and "
		   "Spectre gadgets");
}

static void ptrace_scope(ck_ctx *c)
{
	want_range(c, "kernel.yama.ptrace_scope", 1, 3, 1, ">= 1",
		   "a process may only trace its descendants",
		   "any process may ptrace (read and write the memory of) every other process of "
		   "the same user");
}

static void aslr(ck_ctx *c)
{
	want_range(c, "kernel.randomize_va_space", 2, 2, 2, "2",
		   "stack, mmap, VDSO and heap addresses are randomised",
		   "address space layout randomisation is partial or off");
}

/*
 * The protected_* sysctls close the /tmp races (links, FIFOs and regular
 * files created by another user in a sticky directory).
 */
static void protected_files(ck_ctx *c)
{
	want_range(c, "fs.protected_hardlinks", 1, 1, 1, "1",
		   "hard links to files a user cannot write are refused",
		   "users may hard-link files they do not own (sticky-directory races)");
	want_range(c, "fs.protected_symlinks", 1, 1, 1, "1",
		   "symlinks in sticky directories are followed only for their owner",
		   "symlinks in world-writable sticky directories are followed for everyone "
		   "(the /tmp race)");
	want_range(c, "fs.protected_fifos", 1, 2, 1, "1 or 2",
		   "O_CREAT does not open another user's FIFO in a sticky directory",
		   "O_CREAT may open a FIFO another user planted in a sticky directory");
	want_range(c, "fs.protected_regular", 1, 2, 1, "1 or 2",
		   "O_CREAT does not open another user's file in a sticky directory",
		   "O_CREAT may open a regular file another user planted in a sticky directory");
}

static void suid_dumpable(ck_ctx *c)
{
	int64_t v;
	if (read_sysctl(c, "fs.suid_dumpable", &v) < 0)
		return;
	const char *now = ck_fmt(c, "%lld", (long long)v);
	if (v != 1) {
		ck_pass(c, now, "0 or 2", "fs.suid_dumpable is %lld: set-uid core dumps are %s",
			(long long)v, v == 0 ? "off" : "readable by root only");
		return;
	}
	ck_fail(c, now, "0 or 2", sysctl_remedy(c, "fs.suid_dumpable", 0),
		"fs.suid_dumpable is 1: set-uid and privileged processes dump core owned by the "
		"user, with their secrets");
}

static const ck_rule rules[] = {
    {"security.dir-notify", HK_CHECK_SEVERITY_INFO, "dnotify is off (fs.dir-notify-enable=0)",
     dir_notify},
    {"security.mount-max", HK_CHECK_SEVERITY_INFO,
     "fs.mount-max bounds the mounts of a namespace (<= 100000)", mount_max},
    {"security.pid-max", HK_CHECK_SEVERITY_WARN,
     "kernel.pid_max is at least 65536 and kernel.threads-max", pid_max},
    {"security.kptr-restrict", HK_CHECK_SEVERITY_INFO,
     "kernel addresses are hidden (kernel.kptr_restrict >= 1)", kptr_restrict},
    {"security.dmesg-restrict", HK_CHECK_SEVERITY_INFO,
     "the kernel log is for privileged users (kernel.dmesg_restrict=1)", dmesg_restrict},
    {"security.perf-event-paranoid", HK_CHECK_SEVERITY_INFO,
     "unprivileged perf is limited to user space (kernel.perf_event_paranoid >= 2)",
     perf_event_paranoid},
    {"security.unprivileged-bpf", HK_CHECK_SEVERITY_WARN,
     "unprivileged BPF is disabled (kernel.unprivileged_bpf_disabled >= 1)", unprivileged_bpf},
    {"security.ptrace-scope", HK_CHECK_SEVERITY_INFO,
     "ptrace is limited to descendants (kernel.yama.ptrace_scope >= 1)", ptrace_scope},
    {"security.aslr", HK_CHECK_SEVERITY_WARN,
     "address space layout randomisation is full (kernel.randomize_va_space=2)", aslr},
    {"security.protected-files", HK_CHECK_SEVERITY_WARN,
     "fs.protected_hardlinks, _symlinks, _fifos and _regular are on", protected_files},
    {"security.suid-dumpable", HK_CHECK_SEVERITY_INFO,
     "privileged processes do not dump core for their user (fs.suid_dumpable 0 or 2)",
     suid_dumpable},
};

const ck_section ck_section_security = {"security", rules, ELEMENTSOF(rules)};
