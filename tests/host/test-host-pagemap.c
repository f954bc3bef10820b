/* SPDX-License-Identifier: MIT */
/*
 * host suite: the page map of this test's own memory, read through the
 * library and through `hostkit --json inspect pagemap PID ADDRESS N`. It maps,
 * touches and mlock()s a few pages of its own and changes nothing else on
 * the host.
 *
 * With CAP_SYS_ADMIN the pages have non-zero frame numbers, kpageflags calls
 * them anonymous, and the tool agrees with the library; then a child that
 * dropped to the nobody user (65534) checks the unprivileged side on its own
 * memory: present bit set, frame numbers hidden, "needs root" said. Without
 * CAP_SYS_ADMIN the test itself is that side.
 *
 * Physical contiguity: a 2 MiB MAP_HUGETLB page when /proc/meminfo has one
 * free (HugePages_Free, Hugepagesize 2048 kB), skipped otherwise; and a
 * transparent huge page when the kernel hands one out for an madvise()d
 * range (informative when it does not: THP allocation may fall back to small
 * pages).
 */
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hostkit/pagemap.h>
#include <hostkit/root.h>

#include "base/macro.h"
#include "base/parse.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_pagemap *, hk_pagemap_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_kpage *, hk_kpage_free)

#define NEEDS_ROOT	  "needs root (CAP_SYS_ADMIN) for frame numbers"
#define N_PAGES		  4u
#define HUGE_2M		  (UINT64_C(2) << 20)
#define KPF_ANON	  (UINT64_C(1) << 12)
#define KPF_HEAD	  (UINT64_C(1) << 15)
#define KPF_TAIL	  (UINT64_C(1) << 16)
#define KPF_HUGE	  (UINT64_C(1) << 17)
#define KPF_THP		  (UINT64_C(1) << 22)
#define CAP_SYS_ADMIN_BIT 21
#define NOBODY		  65534

static const char *tool;

/* ---- The host ---- */

/* The value of "Key:" in a /proc file of "Key: value" lines, as a number. */
static int proc_field_u64(hk_root *root, const char *path, const char *key, unsigned base,
			  uint64_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len, klen = strlen(key);

	int r = hk_root_read(root, path, &buf, &len);
	if (r < 0)
		return r;
	for (const char *p = buf, *end = buf + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if ((size_t)(eol - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == ':') {
			const char *v = p + klen + 1;
			size_t vlen = (size_t)(eol - v);
			hk_trim(&v, &vlen);
			/* "2048 kB": the number only. */
			const char *sp = memchr(v, ' ', vlen);
			if (sp)
				vlen = (size_t)(sp - v);
			return hk_parse_u64(v, vlen, base, ret);
		}
		p = nl ? nl + 1 : end;
	}
	return -ENOENT;
}

static bool has_sys_admin(hk_root *root)
{
	uint64_t caps;

	if (proc_field_u64(root, "proc/self/status", "CapEff", 16, &caps) < 0)
		return geteuid() == 0;
	return caps & (UINT64_C(1) << CAP_SYS_ADMIN_BIT);
}

/* ---- The tool ---- */

/* Runs `hostkit --json inspect pagemap PID ADDR N`; the parsed "pagemap" object's document. */
static int run_tool(uint64_t addr, unsigned n, jv **ret_doc, int *ret_status)
{
	char pid[16], address[24], count[16];
	_cleanup_free_ char *out = NULL;
	size_t len;
	int status;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(address, sizeof(address), "0x%" PRIx64, addr);
	snprintf(count, sizeof(count), "%u", n);
	char *const argv[] = {(char *)tool,
			      (char *)"--json",
			      (char *)"inspect",
			      (char *)"pagemap",
			      pid,
			      address,
			      count,
			      NULL};

	int r = harness_run(argv, &out, &len, &status);
	if (r < 0) {
		result(false, "%s: cannot run: %s", harness_cmdline(argv), strerror(-r));
		return r;
	}
	*ret_status = status;
	if (status != 0) {
		*ret_doc = NULL;
		return 0;
	}
	char err[128];
	r = json_parse(out, len, false, ret_doc, NULL, err, sizeof(err));
	if (r < 0)
		result(false, "%s: not JSON: %s", harness_cmdline(argv), err);
	return r;
}

/* Runs the text form and says whether its output holds @needle. */
static bool tool_text_has(uint64_t addr, unsigned n, const char *needle)
{
	char pid[16], address[24], count[16];
	_cleanup_free_ char *out = NULL;
	size_t len;
	int status;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(address, sizeof(address), "0x%" PRIx64, addr);
	snprintf(count, sizeof(count), "%u", n);
	char *const argv[] = {
	    (char *)tool, (char *)"inspect", (char *)"pagemap", pid, address, count, NULL};
	if (harness_run(argv, &out, &len, &status) < 0 || status != 0)
		return false;
	return strstr(out, needle) != NULL;
}

static bool jv_bool(const jv *obj, const char *key, bool *ret)
{
	const jv *v = jv_get(obj, key);
	if (!v || v->type != JV_BOOL)
		return false;
	*ret = v->boolean;
	return true;
}

/* ---- Memory of our own ---- */

/* @size bytes of anonymous memory, touched and (when allowed) locked. */
static char *map_pages(size_t size, int extra_flags)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x5a, size);
	if (mlock(p, size) < 0)
		note("mlock of %zu bytes: %s (the pages may move or be swapped)", size,
		     strerror(errno));
	return p;
}

/* ---- The checks ---- */

/* Privileged: non-zero frames, kpageflags, and the tool's agreement. */
static void check_privileged(hk_root *root, hk_pagemap *pm, char *mem, uint64_t ps)
{
	uint64_t addr = (uint64_t)(uintptr_t)mem;
	uint64_t e[N_PAGES], pfn[N_PAGES] = {0};

	int r = hk_pagemap_read(pm, addr, N_PAGES, NULL, e);
	result(r == (int)N_PAGES, "read %u entries from 0x%" PRIx64 ": %d", N_PAGES, addr, r);
	if (r != (int)N_PAGES)
		return;
	for (unsigned i = 0; i < N_PAGES; i++) {
		int k = hk_pagemap_entry_pfn(e[i], &pfn[i]);
		result(k == 0 && pfn[i] != 0,
		       "page %u: entry 0x%016" PRIx64 ", PFN 0x%" PRIx64 " (%s)", i, e[i],
		       k == 0 ? pfn[i] : 0, k == 0 ? "visible" : strerror(-k));
	}

	uint64_t phys;
	r = hk_pagemap_virt_to_phys(pm, addr + 5, NULL, &phys);
	result(r == 0 && phys == (pfn[0] * ps) + 5, "virt_to_phys(0x%" PRIx64 ") = 0x%" PRIx64,
	       addr + 5, r == 0 ? phys : 0);

	_cleanup_(hk_kpage_freep) hk_kpage *kp = NULL;
	hk_diag diag = {0};
	r = hk_kpage_open(root, &diag, &kp);
	if (r == -ENOENT) {
		note("kpageflags: %s", diag.message);
	} else if (r < 0) {
		result(false, "hk_kpage_open: %s", diag.message);
	} else {
		for (unsigned i = 0; i < N_PAGES; i++) {
			uint64_t flags = 0, count = 0;
			char names[512];
			int a = hk_kpage_get_flags(kp, pfn[i], NULL, &flags);
			int b = hk_kpage_get_count(kp, pfn[i], NULL, &count);
			hk_kpage_flags_format(flags, names, sizeof(names));
			result(a == 0 && b == 0 && (flags & KPF_ANON) && count >= 1,
			       "page %u: kpageflags %s, kpagecount %" PRIu64, i, names, count);
		}
	}

	_cleanup_(jv_freep) jv *doc = NULL;
	int status;
	if (run_tool(addr, N_PAGES, &doc, &status) < 0)
		return;
	result(status == 0, "hostkit --json inspect pagemap: exit status %d", status);
	const jv *o = doc ? jv_get(doc, "pagemap") : NULL;
	if (!o)
		return result(false, "no \"pagemap\" object in the tool's output");
	const jv *pages = jv_get(o, "pages");
	bool visible = false;
	result(jv_bool(o, "pfn_visible", &visible) && visible, "tool: pfn_visible true");
	result(jv_get(o, "pfn_note") && jv_get(o, "pfn_note")->type == JV_NULL,
	       "tool: no pfn_note");
	result(pages && pages->type == JV_ARRAY && pages->n == N_PAGES, "tool: %zu pages",
	       pages ? pages->n : 0);
	if (!pages || pages->type != JV_ARRAY)
		return;
	for (size_t i = 0; i < pages->n && i < N_PAGES; i++) {
		const jv *pg = pages->items[i];
		int64_t tpfn = 0, taddr = 0;
		bool present = false;
		jv_get_int(pg, "address", &taddr);
		int k = jv_get_int(pg, "pfn", &tpfn);
		result(jv_bool(pg, "present", &present) && present &&
			   (uint64_t)taddr == addr + i * ps,
		       "tool: page %zu at 0x%" PRIx64 " present", i, (uint64_t)taddr);
		if (k == 0 && (uint64_t)tpfn != pfn[i]) {
			/* Compaction may move even mlock()ed pages: read again. */
			uint64_t again, now = 0;
			if (hk_pagemap_read(pm, addr + i * ps, 1, NULL, &again) == 1 &&
			    hk_pagemap_entry_pfn(again, &now) == 0 && now == (uint64_t)tpfn) {
				note("page %zu moved from PFN 0x%" PRIx64 " to 0x%" PRIx64
				     " between the reads",
				     i, pfn[i], now);
				pfn[i] = now;
			}
		}
		result(k == 0 && (uint64_t)tpfn == pfn[i],
		       "tool: page %zu PFN 0x%" PRIx64 ", library 0x%" PRIx64, i, (uint64_t)tpfn,
		       pfn[i]);
	}
}

/* Unprivileged: present, frame hidden, "needs root" said by the library and the tool. */
static void check_unprivileged(hk_pagemap *pm, char *mem, uint64_t ps)
{
	uint64_t addr = (uint64_t)(uintptr_t)mem;
	uint64_t e[N_PAGES], pfn = 0, phys = 0;
	hk_diag diag = {0};

	int r = hk_pagemap_read(pm, addr, N_PAGES, NULL, e);
	result(r == (int)N_PAGES, "unprivileged: read %u entries: %d", N_PAGES, r);
	if (r != (int)N_PAGES)
		return;
	for (unsigned i = 0; i < N_PAGES; i++) {
		int k = hk_pagemap_entry_pfn(e[i], &pfn);
		result((e[i] & HK_PAGEMAP_PRESENT) && k == -EPERM,
		       "unprivileged: page %u: entry 0x%016" PRIx64 " present, PFN %s", i, e[i],
		       k == -EPERM ? "hidden" : "visible");
	}
	r = hk_pagemap_virt_to_phys(pm, addr, &diag, &phys);
	result(r == -EPERM && strstr(diag.message, NEEDS_ROOT), "unprivileged: virt_to_phys: %s",
	       r < 0 ? diag.message : "succeeded");
	r = hk_pagemap_is_contiguous(pm, addr, N_PAGES * ps, &diag, NULL);
	result(r == -EPERM, "unprivileged: is_contiguous: %d (%s)", r,
	       r < 0 ? diag.message : "decided");

	_cleanup_(jv_freep) jv *doc = NULL;
	int status;
	if (run_tool(addr, N_PAGES, &doc, &status) < 0)
		return;
	result(status == 0, "unprivileged: hostkit --json inspect pagemap: exit status %d", status);
	const jv *o = doc ? jv_get(doc, "pagemap") : NULL;
	if (!o)
		return result(false, "unprivileged: no \"pagemap\" object in the tool's output");
	bool visible = true;
	const char *msg = jv_get_str(o, "pfn_note");
	result(jv_bool(o, "pfn_visible", &visible) && !visible,
	       "unprivileged tool: pfn_visible false");
	result(msg && strcmp(msg, NEEDS_ROOT) == 0, "unprivileged tool: pfn_note \"%s\"",
	       msg ? msg : "(none)");
	const jv *pages = jv_get(o, "pages");
	size_t nulls = 0;
	for (size_t i = 0; pages && pages->type == JV_ARRAY && i < pages->n; i++) {
		int64_t v;
		bool present = false;
		if (jv_get_int(pages->items[i], "pfn", &v) == -ENODATA &&
		    jv_bool(pages->items[i], "present", &present) && present)
			nulls++;
	}
	result(nulls == N_PAGES, "unprivileged tool: %zu of %u present pages with pfn null", nulls,
	       N_PAGES);
	result(tool_text_has(addr, N_PAGES, NEEDS_ROOT), "unprivileged tool text: says \"%s\"",
	       NEEDS_ROOT);

	/* Another user's process: the kernel's ptrace check refuses, exit status 3. */
	struct stat st;
	if (stat("/proc/1", &st) == 0 && st.st_uid != geteuid()) {
		char *const argv[] = {(char *)tool, (char *)"inspect", (char *)"pagemap",
				      (char *)"1",  (char *)"0x1000",  NULL};
		int k = harness_run_status(argv);
		result(k == 3, "unprivileged: %s: exit status %d (want 3)", harness_cmdline(argv),
		       k);
	}
}

/* A child that drops to nobody and checks the unprivileged side on its own memory. */
static void check_as_nobody(uint64_t ps)
{
	fflush(stdout);
	pid_t child = fork();
	if (child < 0)
		return result(false, "fork: %s", strerror(errno));
	if (child == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0) {
			note("cannot become user %d: %s; the unprivileged side is not checked",
			     NOBODY, strerror(errno));
			_exit(77);
		}
		/* Changing credentials cleared it; the tool, also nobody, must read us. */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		if (access(tool, X_OK) < 0) {
			note("user %d cannot run %s: %s; the unprivileged side is not checked",
			     NOBODY, tool, strerror(errno));
			_exit(77);
		}
		_cleanup_(hk_root_freep) hk_root *root = NULL;
		_cleanup_(hk_pagemap_freep) hk_pagemap *pm = NULL;
		char *mem = map_pages(N_PAGES * ps, 0);
		if (!mem || hk_root_open("/", 0, NULL, &root) < 0 ||
		    hk_pagemap_open(root, 0, NULL, &pm) < 0) {
			result(false, "unprivileged: setup failed");
			_exit(1);
		}
		check_unprivileged(pm, mem, ps);
		fflush(stdout);
		_exit(test_failures ? 1 : 0);
	}
	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return result(false, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		return;
	result(WIFEXITED(status) && WEXITSTATUS(status) == 0, "unprivileged child (user %d): %s %d",
	       NOBODY, WIFEXITED(status) ? "exit status" : "signal",
	       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* 2 MiB that the kernel says are physically contiguous: library and tool must agree. */
static void check_contiguous(hk_pagemap *pm, char *mem, uint64_t ps, const char *what)
{
	uint64_t addr = (uint64_t)(uintptr_t)mem, phys = 0, e;
	hk_diag diag = {0};

	int r = hk_pagemap_is_contiguous(pm, addr, HUGE_2M, &diag, &phys);
	result(r == 1, "%s: 2 MiB at 0x%" PRIx64 " physically contiguous: %d%s%s", what, addr, r,
	       r < 0 ? ": " : "", r < 0 ? diag.message : "");
	if (r == 1 && hk_pagemap_read(pm, addr, 1, NULL, &e) == 1) {
		uint64_t pfn = 0;
		hk_pagemap_entry_pfn(e, &pfn);
		result(phys == pfn * ps && (phys & (HUGE_2M - 1)) == 0,
		       "%s: starts at physical 0x%" PRIx64 ", 2 MiB aligned", what, phys);
	}

	_cleanup_(jv_freep) jv *doc = NULL;
	int status;
	unsigned n = (unsigned)(HUGE_2M / ps);
	if (run_tool(addr, n, &doc, &status) < 0)
		return;
	const jv *o = doc ? jv_get(doc, "pagemap") : NULL;
	bool contiguous = false;
	result(status == 0 && o && jv_bool(o, "contiguous", &contiguous) && contiguous,
	       "%s: tool says contiguous over %u pages (exit status %d)", what, n, status);
	result(tool_text_has(addr, n, "physically contiguous: yes"),
	       "%s: tool text says \"physically contiguous: yes\"", what);
}

static void check_hugetlb(hk_root *root, hk_pagemap *pm, uint64_t ps, bool privileged)
{
	uint64_t free_pages = 0, size_kb = 0;

	if (proc_field_u64(root, "proc/meminfo", "HugePages_Free", 10, &free_pages) < 0 ||
	    proc_field_u64(root, "proc/meminfo", "Hugepagesize", 10, &size_kb) < 0)
		return note("hugetlb: no HugePages_Free/Hugepagesize in /proc/meminfo: skipped");
	if (free_pages == 0 || size_kb != 2048)
		return note("hugetlb: %" PRIu64 " free huge pages of %" PRIu64
			    " kB (need one of 2048 kB): skipped",
			    free_pages, size_kb);

	char *mem = map_pages(HUGE_2M, MAP_HUGETLB);
	if (!mem)
		return note("hugetlb: mmap(MAP_HUGETLB) of 2 MiB: %s: skipped", strerror(errno));
	if (!privileged) {
		hk_diag diag = {0};
		int r =
		    hk_pagemap_is_contiguous(pm, (uint64_t)(uintptr_t)mem, HUGE_2M, &diag, NULL);
		result(r == -EPERM, "hugetlb: unprivileged is_contiguous: %d (%s)", r,
		       r < 0 ? diag.message : "decided");
		munmap(mem, HUGE_2M);
		return;
	}
	check_contiguous(pm, mem, ps, "hugetlb");

	_cleanup_(hk_kpage_freep) hk_kpage *kp = NULL;
	uint64_t e[2], pfn[2], flags[2];
	if (hk_kpage_open(root, NULL, &kp) == 0 &&
	    hk_pagemap_read(pm, (uint64_t)(uintptr_t)mem, 2, NULL, e) == 2 &&
	    hk_pagemap_entry_pfn(e[0], &pfn[0]) == 0 && hk_pagemap_entry_pfn(e[1], &pfn[1]) == 0 &&
	    hk_kpage_get_flags(kp, pfn[0], NULL, &flags[0]) == 0 &&
	    hk_kpage_get_flags(kp, pfn[1], NULL, &flags[1]) == 0) {
		result((flags[0] & (KPF_HUGE | KPF_HEAD)) == (KPF_HUGE | KPF_HEAD),
		       "hugetlb: first page huge,compound_head (0x%" PRIx64 ")", flags[0]);
		result((flags[1] & (KPF_HUGE | KPF_TAIL)) == (KPF_HUGE | KPF_TAIL),
		       "hugetlb: second page huge,compound_tail (0x%" PRIx64 ")", flags[1]);
	}
	munmap(mem, HUGE_2M);
}

static void check_thp(hk_root *root, hk_pagemap *pm, uint64_t ps)
{
	char mode[128];
	int r = hk_root_read_buf(root, "sys/kernel/mm/transparent_hugepage/enabled", mode,
				 sizeof(mode));
	if (r < 0 || strstr(mode, "[never]"))
		return note("THP: disabled or absent: skipped");

	/* 4 MiB, so that an aligned 2 MiB lies inside. */
	char *raw =
	    mmap(NULL, 2 * HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return note("THP: mmap: %s: skipped", strerror(errno));
	char *mem = (char *)(((uintptr_t)raw + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
	madvise(mem, HUGE_2M, MADV_HUGEPAGE);
	memset(mem, 0x5a, HUGE_2M);

	_cleanup_(hk_kpage_freep) hk_kpage *kp = NULL;
	uint64_t e, pfn, flags = 0;
	if (hk_kpage_open(root, NULL, &kp) < 0 ||
	    hk_pagemap_read(pm, (uint64_t)(uintptr_t)mem, 1, NULL, &e) != 1 ||
	    hk_pagemap_entry_pfn(e, &pfn) < 0 || hk_kpage_get_flags(kp, pfn, NULL, &flags) < 0 ||
	    !(flags & KPF_THP)) {
		note("THP: the kernel gave small pages for the madvise()d range: skipped");
	} else {
		check_contiguous(pm, mem, ps, "THP");
	}
	munmap(raw, 2 * HUGE_2M);
}

/* Bad arguments and a process that does not exist: exit status 2. */
static void check_tool_errors(hk_root *root)
{
	uint64_t pid_max = 4194304;
	char pid[24];

	_cleanup_free_ char *s = NULL;
	if (hk_root_read_string(root, "proc/sys/kernel/pid_max", &s) >= 0)
		hk_parse_u64(s, strlen(s), 10, &pid_max);
	/* pid_max is one past the highest pid: no process has it. */
	snprintf(pid, sizeof(pid), "%" PRIu64, pid_max);

	char *const no_process[] = {(char *)tool, (char *)"inspect", (char *)"pagemap",
				    pid,	  (char *)"0x1000",  NULL};
	char *const bad_addr[] = {(char *)tool, (char *)"inspect", (char *)"pagemap",
				  (char *)"1",	(char *)"12ab",	   NULL};
	char *const bad_pid[] = {(char *)tool, (char *)"inspect", (char *)"pagemap",
				 (char *)"-3", (char *)"0x1000",  NULL};
	char *const bad_count[] = {(char *)tool, (char *)"inspect", (char *)"pagemap",
				   (char *)"1",	 (char *)"0x1000",  (char *)"0",
				   NULL};
	int st = harness_run_status(no_process);
	result(st == 2, "%s: exit status %d (want 2)", harness_cmdline(no_process), st);
	st = harness_run_status(bad_addr);
	result(st == 2, "%s: exit status %d (want 2)", harness_cmdline(bad_addr), st);
	st = harness_run_status(bad_pid);
	result(st == 2, "%s: exit status %d (want 2)", harness_cmdline(bad_pid), st);
	st = harness_run_status(bad_count);
	result(st == 2, "%s: exit status %d (want 2)", harness_cmdline(bad_count), st);
}

int main(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_pagemap_freep) hk_pagemap *pm = NULL;
	hk_diag diag = {0};

	tool = getenv("HK_TOOL");
	if (!tool || !*tool)
		SKIP("HK_TOOL is not set (run through meson test)");
	if (hk_root_open("/", 0, NULL, &root) < 0)
		SKIP("cannot open the live root");
	int r = hk_pagemap_open(root, (int)getpid(), &diag, &pm);
	if (r == -ENOENT)
		SKIP("%s", diag.message);
	if (r < 0) {
		fprintf(stderr, "hk_pagemap_open: %s\n", diag.message);
		return 1;
	}
	uint64_t ps = hk_pagemap_page_size(pm);
	result(ps == (uint64_t)sysconf(_SC_PAGESIZE), "page size %" PRIu64, ps);

	char *mem = map_pages(N_PAGES * ps, 0);
	if (!mem) {
		fprintf(stderr, "mmap: %s\n", strerror(errno));
		return 1;
	}
	bool privileged = has_sys_admin(root);
	note("pid %d, %u pages at %p, %s", (int)getpid(), N_PAGES, (void *)mem,
	     privileged ? "with CAP_SYS_ADMIN" : "without CAP_SYS_ADMIN");

	if (privileged) {
		check_privileged(root, pm, mem, ps);
		if (geteuid() == 0)
			check_as_nobody(ps);
	} else {
		check_unprivileged(pm, mem, ps);
	}
	check_hugetlb(root, pm, ps, privileged);
	if (privileged)
		check_thp(root, pm, ps);
	check_tool_errors(root);
	TEST_DONE();
}
