/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Charging pinned pages to their owner.
 *
 * Every pinned page counts in its owner's mm->pinned_vm (VmPin in
 * /proc/PID/status).  Depending on the context's IOMMU_OPTION_RLIMIT_MODE
 * at map time it is also charged against the owner's RLIMIT_MEMLOCK: in the
 * user's locked_vm (USER, the default) or in the process's locked_vm (MM).
 * An owner with CAP_IPC_LOCK is exempt from the limit.
 */
#ifndef IOMMUFD2_ACCOUNT_H
#define IOMMUFD2_ACCOUNT_H

#include <linux/mutex.h>
#include <linux/types.h>

#include "iommufd2/ctx.h"

struct mm_struct;
struct task_struct;
struct user_struct;

/**
 * struct ifd_payer - one process that pays for pinned pages
 * @exempt: had CAP_IPC_LOCK; not charged against RLIMIT_MEMLOCK
 * @mm: its mm (mmgrab'd): pinned_vm, and locked_vm in MM mode
 * @task: its thread-group leader, whose RLIMIT_MEMLOCK applies
 * @user: its user (USER mode)
 */
struct ifd_payer {
	bool exempt;
	struct mm_struct *mm;
	struct task_struct *task;
	struct user_struct *user;
};

/**
 * struct ifd_owner - the payer of one set of pinned pages
 * @lock: serialises charges against IOMMU_IOAS_CHANGE_PROCESS
 * @mode: which limit is charged, fixed when the pages were pinned
 * @payer: who pays now
 */
struct ifd_owner {
	struct mutex lock;	/* see above */
	enum ifd_account_mode mode;
	struct ifd_payer payer;
};

void ifd_owner_init_current(struct ifd_owner *owner,
			    enum ifd_account_mode mode);
void ifd_owner_destroy(struct ifd_owner *owner);
int ifd_owner_charge(struct ifd_owner *owner, unsigned long npages);
void ifd_owner_uncharge(struct ifd_owner *owner, unsigned long npages);
bool ifd_owner_is_current(struct ifd_owner *owner);
void ifd_owner_transfer(struct ifd_owner *owner, const struct ifd_payer *to,
			unsigned long npages);

void ifd_payer_get_current(struct ifd_payer *payer);
void ifd_payer_put(struct ifd_payer *payer);
int ifd_payer_charge(struct ifd_payer *payer, enum ifd_account_mode mode,
		     unsigned long npages);
void ifd_payer_uncharge(struct ifd_payer *payer, enum ifd_account_mode mode,
			unsigned long npages);

#endif /* IOMMUFD2_ACCOUNT_H */
