/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An iommufd2 context: the state behind one open of /dev/iommufd2.
 */
#ifndef IOMMUFD2_CTX_H
#define IOMMUFD2_CTX_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct ifd_payer;

/* How pinned pages are charged (IOMMU_OPTION_RLIMIT_MODE). */
enum ifd_account_mode {
	IFD_ACCOUNT_USER,	/* the user's locked_vm, RLIMIT_MEMLOCK */
	IFD_ACCOUNT_MM,		/* the process's pinned_vm */
};

/**
 * struct ifd_ctx - one open file of /dev/iommufd2
 * @objects: ID -> object table, see object.h for the slot states.  Its
 *	spinlock also serialises @account_mode against object creation.
 * @account_mode: set only while @objects is empty.
 * @change_process_lock: held by IOMMU_IOAS_CHANGE_PROCESS, the only path
 *	holding several IOAS locks at once
 * @groups_lock: protects @groups and the groups' reference counts
 * @groups: iommu group ID -> struct ifd_group of the bound devices
 * @file: the file this context belongs to (NULL for the self-test's).
 * @nl_id: its ID in introspection (module-wide, never reused while live)
 * @nl_refs: one while registered for introspection, one per dump
 *	describing it; unregistering waits for @nl_gone
 * @nl_gone: completed when @nl_refs reaches zero
 * @owner_cred: the opener's credentials: who may see it in introspection
 * @owner_tgid: the process that opened it (shown, and a dump filter; not
 *	a permission: PIDs are reused)
 * @owner_comm: that process's name at open
 * @pinned: pages pinned by its mappings
 * @vfio_ioas_id: the IOAS the VFIO type1 compatibility ioctls work on, 0
 *	for none (IOMMU_VFIO_IOAS); an ID, not a reference, so destroying
 *	that IOAS simply ends the compatibility
 * @mmaps: regions userspace may mmap() from the file (src/mmap.c)
 * @mmaps_lock: serialises looking up a region in @mmaps against removing it
 * @payer: the payer (a reference) of the last process that mapped memory,
 *	reused for its next maps while its mm and credentials are the same;
 *	replaced by exchange, read under RCU (src/account.c)
 */
struct ifd_ctx {
	struct xarray objects;
	enum ifd_account_mode account_mode;
	struct mutex change_process_lock;	/* see above */
	struct mutex groups_lock;		/* see above */
	struct xarray groups;
	struct file *file;
	u32 nl_id;
	refcount_t nl_refs;
	struct completion nl_gone;
	const struct cred *owner_cred;
	pid_t owner_tgid;
	char owner_comm[TASK_COMM_LEN];
	atomic_long_t pinned;
	u32 vfio_ioas_id;
	struct xarray mmaps;
	struct mutex mmaps_lock;	/* see above */
	struct ifd_payer __rcu *payer;
};

struct device;

struct ifd_ctx *ifd_ctx_alloc(void);
struct device *ifd_misc_device(void);
void ifd_ctx_free(struct ifd_ctx *ctx);

#endif /* IOMMUFD2_CTX_H */
