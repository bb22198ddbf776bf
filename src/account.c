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
#include <linux/slab.h>

#include "iommufd2/account.h"

/* A new payer for the calling process, with one reference. */
static struct ifd_payer *ifd_payer_new_current(void)
{
	struct ifd_payer *payer;

	payer = kmalloc_obj(*payer, GFP_KERNEL_ACCOUNT);
	if (!payer)
		return NULL;
	refcount_set(&payer->ref, 1);
	payer->exempt = capable(CAP_IPC_LOCK);
	payer->cred = get_current_cred();
	payer->mm = current->mm;
	mmgrab(payer->mm);
	payer->task = current->group_leader;
	get_task_struct(payer->task);
	return payer;
}

/*
 * The context's cached payer with a new reference, if it is the caller's:
 * same mm, same thread group, same credentials (so the same user and the
 * same answer from capable()).  The cache's own reference keeps the count
 * above zero until the payer is replaced; a lookup that races with the
 * replacement may find it at zero and makes a payer of its own.
 */
static struct ifd_payer *ifd_payer_cached(struct ifd_ctx *ctx)
{
	struct ifd_payer *payer;

	rcu_read_lock();
	payer = rcu_dereference(ctx->payer);
	if (payer && (payer->cred != current_cred() ||
		      payer->mm != current->mm ||
		      payer->task != current->group_leader ||
		      !refcount_inc_not_zero(&payer->ref)))
		payer = NULL;
	rcu_read_unlock();
	return payer;
}

/**
 * ifd_payer_get_current() - the calling process as a payer
 * @ctx: the context whose cached payer may be the caller already
 *
 * Return: a reference on the caller's payer (drop it with ifd_payer_put()),
 * or NULL without memory.
 */
struct ifd_payer *ifd_payer_get_current(struct ifd_ctx *ctx)
{
	struct ifd_payer *payer, *old;

	payer = ifd_payer_cached(ctx);
	if (payer)
		return payer;
	payer = ifd_payer_new_current();
	if (!payer)
		return NULL;
	/* The cache's reference; the exchange publishes the fields. */
	refcount_inc(&payer->ref);
	old = unrcu_pointer(xchg(&ctx->payer, RCU_INITIALIZER(payer)));
	if (old)
		ifd_payer_put(old);
	return payer;
}

/**
 * ifd_payer_cache_drop() - empty a context's payer cache
 * @ctx: the context, being freed
 */
void ifd_payer_cache_drop(struct ifd_ctx *ctx)
{
	struct ifd_payer *old;

	old = unrcu_pointer(xchg(&ctx->payer, NULL));
	if (old)
		ifd_payer_put(old);
}

/**
 * ifd_payer_put_many() - drop references on a payer
 * @payer: the payer; the last reference drops the payer's own
 * @refs: how many, all held by the caller
 */
void ifd_payer_put_many(struct ifd_payer *payer, unsigned int refs)
{
	if (!refcount_sub_and_test(refs, &payer->ref))
		return;
	mmdrop(payer->mm);
	put_task_struct(payer->task);
	put_cred(payer->cred);
	/* A cache lookup may still be comparing its fields. */
	kfree_rcu(payer, rcu);
}

/**
 * ifd_payer_put() - drop a reference on a payer
 * @payer: the payer
 */
void ifd_payer_put(struct ifd_payer *payer)
{
	ifd_payer_put_many(payer, 1);
}

static int ifd_charge_user(struct ifd_payer *payer, unsigned long npages)
{
	unsigned long limit = task_rlimit(payer->task, RLIMIT_MEMLOCK) >>
			      PAGE_SHIFT;
	struct user_struct *user = payer->cred->user;
	long cur = atomic_long_read(&user->locked_vm);

	do {
		if ((unsigned long)cur + npages > limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur,
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
			atomic_long_sub(npages, &payer->cred->user->locked_vm);
	}
	atomic64_sub(npages, &payer->mm->pinned_vm);
}

/**
 * ifd_owner_init_current() - make the calling process the payer
 * @owner: the owner to set up
 * @ctx: the context: its IOMMU_OPTION_RLIMIT_MODE and payer cache
 *
 * Return: 0, or -ENOMEM (@owner is not set up then).
 */
int ifd_owner_init_current(struct ifd_owner *owner, struct ifd_ctx *ctx)
{
	owner->payer = ifd_payer_get_current(ctx);
	if (!owner->payer)
		return -ENOMEM;
	owner->mode = ctx->account_mode;
	return 0;
}

/**
 * ifd_owner_destroy() - drop the references an owner holds
 * @owner: the owner; nothing may be charged to it any more
 */
void ifd_owner_destroy(struct ifd_owner *owner)
{
	ifd_payer_put(owner->payer);
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
	return ifd_payer_charge(owner->payer, owner->mode, npages);
}

/**
 * ifd_owner_uncharge() - return the charge of unpinned pages
 * @owner: the owner
 * @npages: number of pages, as charged before
 */
void ifd_owner_uncharge(struct ifd_owner *owner, unsigned long npages)
{
	ifd_payer_uncharge(owner->payer, owner->mode, npages);
}

/**
 * ifd_owner_is_current() - does the calling process pay already?
 * @owner: the owner
 *
 * Return: true if the caller's mm and user are the payer's.
 */
bool ifd_owner_is_current(struct ifd_owner *owner)
{
	return owner->payer->mm == current->mm &&
	       owner->payer->cred->user == current_user();
}

/**
 * ifd_owner_transfer() - hand pages already charged to @to over to it
 * @owner: the owner of @npages pinned pages
 * @to: the new payer, already charged for them (IOMMU_IOAS_CHANGE_PROCESS
 *	charges the total first, so a failure can change nothing)
 * @npages: what is charged
 *
 * The old payer's charge is returned and its reference dropped; @owner
 * takes a reference of its own on @to.
 */
void ifd_owner_transfer(struct ifd_owner *owner, struct ifd_payer *to,
			unsigned long npages)
{
	struct ifd_payer *prev;

	refcount_inc(&to->ref);
	prev = owner->payer;
	owner->payer = to;
	ifd_payer_uncharge(prev, owner->mode, npages);
	ifd_payer_put(prev);
}
