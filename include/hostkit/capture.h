/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_CAPTURE_H
#define HOSTKIT_CAPTURE_H

/*
 * Capture: saves every file hostkit reads on this host, and the ethtool
 * replies of its network devices, as a gzip tar whose extraction is a tree
 * that `hostkit --root DIR` reads as it would this host. The live host is
 * only read; the staging directory beside the output and the tarball are the
 * only writes. See docs/capture.md.
 */

#include <hostkit/common.h>
#include <hostkit/ethtool.h>
#include <hostkit/root.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hk_capture hk_capture;

/*
 * Starts a capture of the live host: opens "/" recording (HK_ROOT_RECORD)
 * and a recorder around the live ethtool seam. Errors: those of
 * hk_root_open() and hk_ethtool_open_live(), -ENOMEM. Free with
 * hk_capture_free().
 */
HK_API int hk_capture_new(hk_diag *diag, hk_capture **ret);
/* Frees the capture, its root and its ethtool recorder (NULL allowed). */
HK_API void hk_capture_free(hk_capture *c);

/*
 * The recording root and ethtool handle, owned by the capture: whatever is
 * read through them ends up in the tarball. Use them to read more than
 * hk_capture_load_all() does.
 */
HK_API hk_root *hk_capture_root(hk_capture *c);
HK_API hk_ethtool *hk_capture_ethtool(hk_capture *c);

/*
 * Runs every reader libhostkit has through the capture's root and ethtool
 * handle: topology, memory, kernel, every known sysctl, PCI, the interrupt
 * table with every /proc/irq/N, network devices and the ethtool state of
 * each, softnet, the process list, proc/self, and hk_check_run() without
 * its one-second sample. What a reader cannot read is simply not captured;
 * only -ENOMEM fails.
 */
HK_API int hk_capture_load_all(hk_capture *c, hk_diag *diag);

/*
 * Copies what the capture recorded into a staging directory beside @output
 * (.hostkit-capture.XXXXXX), takes a second reading of
 * proc/net/softnet_stat a second after the first (hostkit/softnet_stat.later),
 * writes the ethtool records, hostkit/capture-info and
 * hostkit/capture-errors (the files that could not be read, with why), and
 * runs `tar -czf @output -C STAGING .`. The staging directory is removed
 * whatever happens. Errors: -ENOENT/-ENOTDIR when @output's directory is
 * missing (checked first), -EIO when tar fails (@diag says how), those of
 * mkdir(2), open(2) and write(2) in the staging directory, -ENOMEM; @diag
 * names the path.
 */
HK_API int hk_capture_save(hk_capture *c, const char *output, hk_diag *diag);

#ifdef __cplusplus
}
#endif

#endif
