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
	ck_sysctl_want_range(
	    c, &(const ck_sysctl_range){
		   "fs.dir-notify-enable", 0, 0, 0, "0", "dnotify is off",
		   "dnotify is on: any process may ask for signals on directory changes "
		   "(inotify and fanotify replace it)"});
}

/*
 * A thread-per-core daemon, its helpers and the rest of the host need PIDs;
 * a small pid_max also reuses PIDs quickly, so a stale PID names another
 * process sooner.
 */
static void pid_max(ck_ctx *c)
{
	int64_t v, threads = -1;
	if (ck_sysctl_s64_or_skip(c, "kernel.pid_max", &v) < 0)
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
	    c, now, want, ck_sysctl_remedy_s64(c, "kernel.pid_max", 4194304),
	    "kernel.pid_max is %lld%s: thread creation fails with EAGAIN once the PIDs run out, "
	    "and PIDs are reused quickly",
	    (long long)v,
	    threads > v ? ck_fmt(c, ", below kernel.threads-max %lld", (long long)threads) : "");
}

/*
 * The protected_* sysctls close the /tmp races (links, FIFOs and regular
 * files created by another user in a sticky directory).
 */
static void protected_files(ck_ctx *c)
{
	static const ck_sysctl_range files[] = {
	    {"fs.protected_hardlinks", 1, 1, 1, "1",
	     "hard links to files a user cannot write are refused",
	     "users may hard-link files they do not own (sticky-directory races)"},
	    {"fs.protected_symlinks", 1, 1, 1, "1",
	     "symlinks in sticky directories are followed only for their owner",
	     "symlinks in world-writable sticky directories are followed for everyone "
	     "(the /tmp race)"},
	    {"fs.protected_fifos", 1, 2, 1, "1 or 2",
	     "O_CREAT does not open another user's FIFO in a sticky directory",
	     "O_CREAT may open a FIFO another user planted in a sticky directory"},
	    {"fs.protected_regular", 1, 2, 1, "1 or 2",
	     "O_CREAT does not open another user's file in a sticky directory",
	     "O_CREAT may open a regular file another user planted in a sticky directory"},
	};
	for (size_t i = 0; i < ELEMENTSOF(files); i++)
		ck_sysctl_want_range(c, &files[i]);
}

static void suid_dumpable(ck_ctx *c)
{
	int64_t v;
	if (ck_sysctl_s64_or_skip(c, "fs.suid_dumpable", &v) < 0)
		return;
	const char *now = ck_fmt(c, "%lld", (long long)v);
	if (v != 1) {
		ck_pass(c, now, "0 or 2", "fs.suid_dumpable is %lld: set-uid core dumps are %s",
			(long long)v, v == 0 ? "off" : "readable by root only");
		return;
	}
	ck_fail(c, now, "0 or 2", ck_sysctl_remedy_s64(c, "fs.suid_dumpable", 0),
		"fs.suid_dumpable is 1: set-uid and privileged processes dump core owned by the "
		"user, with their secrets");
}

static const ck_rule rules[] = {
    {"security.dir-notify", HK_CHECK_SEVERITY_INFO, "dnotify is off (fs.dir-notify-enable=0)",
     dir_notify},
    {"security.mount-max", HK_CHECK_SEVERITY_INFO,
     "fs.mount-max bounds the mounts of a namespace (<= 100000)", ck_sysctl_range_rule,
     &(const ck_sysctl_range){
	 "fs.mount-max", 1, 100000, 100000, "<= 100000", "a mount namespace cannot grow past it",
	 "mount namespaces of unprivileged users may hold that many mounts, each "
	 "costing kernel memory and slowing every path walk and mount propagation"}},
    {"security.pid-max", HK_CHECK_SEVERITY_WARN,
     "kernel.pid_max is at least 65536 and kernel.threads-max", pid_max},
    {"security.kptr-restrict", HK_CHECK_SEVERITY_INFO,
     "kernel addresses are hidden (kernel.kptr_restrict >= 1)", ck_sysctl_range_rule,
     &(const ck_sysctl_range){
	 "kernel.kptr_restrict", 1, 2, 1, ">= 1",
	 "kernel addresses are hidden from unprivileged users",
	 "kernel addresses in /proc (kallsyms, modules) are visible to every user, which "
	 "defeats KASLR"}},
    {"security.dmesg-restrict", HK_CHECK_SEVERITY_INFO,
     "the kernel log is for privileged users (kernel.dmesg_restrict=1)", ck_sysctl_range_rule,
     &(const ck_sysctl_range){
	 "kernel.dmesg_restrict", 1, 1, 1, "1", "only CAP_SYSLOG reads the kernel log",
	 "every user may read the kernel log (addresses, device and driver messages)"}},
    {"security.perf-event-paranoid", HK_CHECK_SEVERITY_INFO,
     "unprivileged perf is limited to user space (kernel.perf_event_paranoid >= 2)",
     ck_sysctl_range_rule,
     &(const ck_sysctl_range){
	 "kernel.perf_event_paranoid", 2, 4, 2, ">= 2",
	 "unprivileged users may profile only their own code in user space",
	 "unprivileged users may profile the kernel (and, below 1, every CPU); give "
	 "the engineers who profile the daemon CAP_PERFMON instead"}},
    {"security.unprivileged-bpf", HK_CHECK_SEVERITY_WARN,
     "unprivileged BPF is disabled (kernel.unprivileged_bpf_disabled >= 1)", ck_sysctl_range_rule,
     &(const ck_sysctl_range){
	 "kernel.unprivileged_bpf_disabled", 1, 2, 2, "1 or 2",
	 "only privileged users load BPF programs",
	 "every user may load BPF programs: a common path for kernel exploits and "
	 "Spectre gadgets"}},
    {"security.ptrace-scope", HK_CHECK_SEVERITY_INFO,
     "ptrace is limited to descendants (kernel.yama.ptrace_scope >= 1)", ck_sysctl_range_rule,
     &(const ck_sysctl_range){
	 "kernel.yama.ptrace_scope", 1, 3, 1, ">= 1", "a process may only trace its descendants",
	 "any process may ptrace (read and write the memory of) every other process of "
	 "the same user"}},
    {"security.aslr", HK_CHECK_SEVERITY_WARN,
     "address space layout randomisation is full (kernel.randomize_va_space=2)",
     ck_sysctl_range_rule,
     &(const ck_sysctl_range){"kernel.randomize_va_space", 2, 2, 2, "2",
			      "stack, mmap, VDSO and heap addresses are randomised",
			      "address space layout randomisation is partial or off"}},
    {"security.protected-files", HK_CHECK_SEVERITY_WARN,
     "fs.protected_hardlinks, _symlinks, _fifos and _regular are on", protected_files},
    {"security.suid-dumpable", HK_CHECK_SEVERITY_INFO,
     "privileged processes do not dump core for their user (fs.suid_dumpable 0 or 2)",
     suid_dumpable},
};

const ck_section ck_section_security = {"security", rules, ELEMENTSOF(rules)};
