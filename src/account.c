// SPDX-License-Identifier: GPL-2.0
/*
 * Charging pinned pages to their owner; the rules are in
 * include/iommufd2/account.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/user.h>

#include "iommufd2/account.h"

/**
 * ifd_payer_get_current() - the calling process as a payer
 * @payer: filled in with references to the caller's mm, task and user
 */
void ifd_payer_get_current(struct ifd_payer *payer)
{
	payer->exempt = capable(CAP_IPC_LOCK);
	payer->mm = current->mm;
	mmgrab(payer->mm);
	payer->task = current->group_leader;
	get_task_struct(payer->task);
	payer->user = get_uid(current_user());
}

/**
 * ifd_payer_put() - drop the references of ifd_payer_get_current()
 * @payer: the payer
 */
void ifd_payer_put(struct ifd_payer *payer)
{
	mmdrop(payer->mm);
	put_task_struct(payer->task);
	free_uid(payer->user);
}

static int ifd_charge_user(struct ifd_payer *payer, unsigned long npages)
{
	unsigned long limit = task_rlimit(payer->task, RLIMIT_MEMLOCK) >>
			      PAGE_SHIFT;
	long cur = atomic_long_read(&payer->user->locked_vm);

	do {
		if ((unsigned long)cur + npages > limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&payer->user->locked_vm, &cur,
					  cur + npages));
	return 0;
}

static int ifd_charge_mm(struct ifd_payer *payer, unsigned long npages,
			 bool inc)
{
	int rc;

	/* A process that is gone has no limit left to charge. */
	if (!mmget_not_zero(payer->mm))
		return inc ? -ESRCH : 0;
	mmap_write_lock(payer->mm);
	rc = __account_locked_vm(payer->mm, npages, inc, payer->task, false);
	mmap_write_unlock(payer->mm);
	mmput(payer->mm);
	return rc;
}

/**
 * ifd_payer_charge() - charge pinned pages to a payer
 * @payer: the payer
 * @mode: which limit to charge
 * @npages: number of pages
 *
 * Return: 0, or -ENOMEM over RLIMIT_MEMLOCK (nothing charged then).
 */
int ifd_payer_charge(struct ifd_payer *payer, enum ifd_account_mode mode,
		     unsigned long npages)
{
	int rc = 0;

	if (!payer->exempt) {
		if (mode == IFD_ACCOUNT_MM)
			rc = ifd_charge_mm(payer, npages, true);
		else
			rc = ifd_charge_user(payer, npages);
	}
	if (!rc)
		atomic64_add(npages, &payer->mm->pinned_vm);
	return rc;
}

/**
 * ifd_payer_uncharge() - undo ifd_payer_charge()
 * @payer: the payer
 * @mode: as charged
 * @npages: as charged
 */
void ifd_payer_uncharge(struct ifd_payer *payer, enum ifd_account_mode mode,
			unsigned long npages)
{
	if (!payer->exempt) {
		if (mode == IFD_ACCOUNT_MM)
			ifd_charge_mm(payer, npages, false);
		else
			atomic_long_sub(npages, &payer->user->locked_vm);
	}
	atomic64_sub(npages, &payer->mm->pinned_vm);
}

/**
 * ifd_owner_init_current() - make the calling process the payer
 * @owner: the owner to set up
 * @mode: the context's IOMMU_OPTION_RLIMIT_MODE
 */
void ifd_owner_init_current(struct ifd_owner *owner,
			    enum ifd_account_mode mode)
{
	mutex_init(&owner->lock);
	owner->mode = mode;
	ifd_payer_get_current(&owner->payer);
}

/**
 * ifd_owner_destroy() - drop the references an owner holds
 * @owner: the owner; nothing may be charged to it any more
 */
void ifd_owner_destroy(struct ifd_owner *owner)
{
	ifd_payer_put(&owner->payer);
	mutex_destroy(&owner->lock);
}

/**
 * ifd_owner_charge() - charge pages about to be pinned
 * @owner: the owner
 * @npages: number of pages
 *
 * Return: 0, or -ENOMEM if the payer's RLIMIT_MEMLOCK would be exceeded
 * (nothing is charged then).
 */
int ifd_owner_charge(struct ifd_owner *owner, unsigned long npages)
{
	int rc;

	mutex_lock(&owner->lock);
	rc = ifd_payer_charge(&owner->payer, owner->mode, npages);
	mutex_unlock(&owner->lock);
	return rc;
}

/**
 * ifd_owner_uncharge() - return the charge of unpinned pages
 * @owner: the owner
 * @npages: number of pages, as charged before
 */
void ifd_owner_uncharge(struct ifd_owner *owner, unsigned long npages)
{
	mutex_lock(&owner->lock);
	ifd_payer_uncharge(&owner->payer, owner->mode, npages);
	mutex_unlock(&owner->lock);
}

/**
 * ifd_owner_is_current() - does the calling process pay already?
 * @owner: the owner
 *
 * Return: true if the caller's mm and user are the payer's.
 */
bool ifd_owner_is_current(struct ifd_owner *owner)
{
	bool same;

	mutex_lock(&owner->lock);
	same = owner->payer.mm == current->mm &&
	       owner->payer.user == current_user();
	mutex_unlock(&owner->lock);
	return same;
}

/**
 * ifd_owner_transfer() - hand pages already charged to @to over to it
 * @owner: the owner of @npages pinned pages
 * @to: the new payer, already charged for them (IOMMU_IOAS_CHANGE_PROCESS
 *	charges the total first, so a failure can change nothing)
 * @npages: what is charged
 *
 * The old payer's charge is returned and its references dropped; @owner
 * takes references of its own on @to's mm, task and user.
 */
void ifd_owner_transfer(struct ifd_owner *owner, const struct ifd_payer *to,
			unsigned long npages)
{
	struct ifd_payer prev;

	mutex_lock(&owner->lock);
	prev = owner->payer;
	owner->payer = *to;
	mmgrab(to->mm);
	get_task_struct(to->task);
	owner->payer.user = get_uid(to->user);
	ifd_payer_uncharge(&prev, owner->mode, npages);
	mutex_unlock(&owner->lock);
	ifd_payer_put(&prev);
}
