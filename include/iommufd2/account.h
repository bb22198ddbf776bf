/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Charging pinned pages to their owner.
 *
 * Every pinned page counts in its owner's mm->pinned_vm (VmPin in
 * /proc/PID/status).  Depending on the context's IOMMU_OPTION_RLIMIT_MODE
 * at map time it is also charged against the owner's RLIMIT_MEMLOCK: in the
 * user's locked_vm (USER, the default) or in the process's locked_vm (MM).
 * An owner with CAP_IPC_LOCK is exempt from the limit.
 *
 * A payer is shared: every pages object one process pins through a context
 * holds a reference on the same struct ifd_payer, which the context keeps
 * in a one-entry cache (@payer of struct ifd_ctx) while that process, with
 * the same credentials, goes on mapping.  So a map takes one reference,
 * not one each on the mm, the task and the user, and asks capable() once
 * per credentials, not once per map.
 */
#ifndef IOMMUFD2_ACCOUNT_H
#define IOMMUFD2_ACCOUNT_H

#include <linux/refcount.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "iommufd2/ctx.h"

struct cred;
struct mm_struct;
struct task_struct;

/**
 * struct ifd_payer - one process that pays for pinned pages
 * @ref: one per owner it pays for, one while it is its context's cached
 *	payer, one per caller of ifd_payer_get_current()
 * @exempt: its credentials had CAP_IPC_LOCK; not charged against
 *	RLIMIT_MEMLOCK
 * @cred: the credentials it was made with (a reference); their user is
 *	the one charged in USER mode
 * @mm: its mm (mmgrab'd): pinned_vm, and locked_vm in MM mode
 * @task: its thread-group leader, whose RLIMIT_MEMLOCK applies
 * @rcu: frees the memory once no cache lookup can be reading it
 *
 * Every field but @ref is set before the payer is shared and never changes.
 */
struct ifd_payer {
	refcount_t ref;
	bool exempt;
	const struct cred *cred;
	struct mm_struct *mm;
	struct task_struct *task;
	struct rcu_head rcu;
};

/**
 * struct ifd_owner - the payer of one set of pinned pages
 * @mode: which limit is charged, fixed when the pages were pinned
 * @payer: who pays now (a reference)
 *
 * An owner needs no lock of its own.  @payer changes only in
 * IOMMU_IOAS_CHANGE_PROCESS (ifd_owner_transfer()), and only for pages of
 * a memfd, with every IOAS of the context locked for writing: it reaches
 * just the pages some IOAS maps.  A memfd's pages are charged before any
 * IOAS maps them (when IOMMU_IOAS_MAP_FILE pins them), and any pages are
 * uncharged only once no IOAS maps them (their release).  A user range is
 * charged later, under the lock of an IOAS that maps it, but never changes
 * payer: IOMMU_IOAS_CHANGE_PROCESS refuses user ranges.
 */
struct ifd_owner {
	enum ifd_account_mode mode;
	struct ifd_payer *payer;
};

int ifd_owner_init_current(struct ifd_owner *owner, struct ifd_ctx *ctx);
void ifd_owner_destroy(struct ifd_owner *owner);
int ifd_owner_charge(struct ifd_owner *owner, unsigned long npages);
void ifd_owner_uncharge(struct ifd_owner *owner, unsigned long npages);
bool ifd_owner_is_current(struct ifd_owner *owner);
void ifd_owner_transfer(struct ifd_owner *owner, struct ifd_payer *to,
			unsigned long npages);

struct ifd_payer *ifd_payer_get_current(struct ifd_ctx *ctx);
void ifd_payer_cache_drop(struct ifd_ctx *ctx);
void ifd_payer_put(struct ifd_payer *payer);
void ifd_payer_put_many(struct ifd_payer *payer, unsigned int refs);
int ifd_payer_charge(struct ifd_payer *payer, enum ifd_account_mode mode,
		     unsigned long npages);
void ifd_payer_uncharge(struct ifd_payer *payer, enum ifd_account_mode mode,
			unsigned long npages);

#endif /* IOMMUFD2_ACCOUNT_H */
