// SPDX-License-Identifier: GPL-2.0
/*
 * The object table: ID allocation, publication, short-term lookups and the
 * two removal protocols (user and kernel) described in
 * include/iommufd2/object.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/xarray.h>

#include "iommufd2/ctx.h"
#include "iommufd2/netlink.h"
#include "iommufd2/object.h"
#include "iommufd2/stats.h"

void ifd_objects_init(struct ifd_ctx *ctx)
{
	/* IDs start at 1. */
	xa_init_flags(&ctx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
}

/**
 * ifd_object_alloc_raw() - allocate an object and give it an ID
 * @ctx: the context the object will live in
 * @size: size of the type's structure, which starts with struct ifd_object
 * @ops: the type
 *
 * The object starts with one long-term reference (the ID's) and goes into
 * the table at once, but with no short-term reference, which every lookup
 * and remover takes to mean "not there yet", until ifd_object_finalize().
 * Use ifd_object_alloc() rather than this.
 *
 * Return: the zeroed object or an ERR_PTR.
 */
struct ifd_object *ifd_object_alloc_raw(struct ifd_ctx *ctx, size_t size,
					const struct ifd_object_ops *ops)
{
	struct ifd_object *obj;
	int rc;

	obj = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->ops = ops;
	refcount_set(&obj->users, 1);

	rc = xa_alloc(&ctx->objects, &obj->id, obj, xa_limit_31b,
		      GFP_KERNEL_ACCOUNT);
	if (rc) {
		kfree(obj);
		return ERR_PTR(rc);
	}
	ifd_stats_object(ops->type, 1);
	return obj;
}

/**
 * ifd_object_finalize() - publish a fully built object under its ID
 * @ctx: the object's context
 * @obj: the object, fresh from ifd_object_alloc()
 *
 * After this, userspace may look the object up or destroy it at any moment;
 * the creator must not touch it again without a reference of its own.
 * Does not sleep (callers may hold a spinlock).
 */
void ifd_object_finalize(struct ifd_ctx *ctx, struct ifd_object *obj)
{
	/*
	 * Announced while still ours: once published, userspace may destroy
	 * the (predictable) ID at once and @obj must not be read again.
	 */
	ifd_nl_object_event(ctx, obj, IOMMUFD2_EVENT_CREATED);
	/*
	 * The object is in its slot already; the base reference makes it
	 * visible.  The lock orders the creator's stores before any lookup
	 * that finds the reference.
	 */
	xa_lock(&ctx->objects);
	refcount_set(&obj->shortterm, 1);
	xa_unlock(&ctx->objects);
}

static void ifd_object_free(struct ifd_object *obj)
{
	ifd_stats_object(obj->ops->type, -1);
	kfree(obj);
}

/**
 * ifd_object_abort() - tear down an object that was never published
 * @ctx: the object's context
 * @obj: the object, from ifd_object_alloc() and not finalized
 *
 * Frees the ID for reuse and calls the type's abort (or destroy).
 */
void ifd_object_abort(struct ifd_ctx *ctx, struct ifd_object *obj)
{
	void *old = xa_erase(&ctx->objects, obj->id);

	WARN_ON(old != obj);
	if (obj->ops->abort)
		obj->ops->abort(obj);
	else
		obj->ops->destroy(obj);
	ifd_object_free(obj);
}

/**
 * ifd_object_get() - look an object up and take a short-term reference
 * @ctx: the context
 * @id: the object's ID
 * @type: the type it must have, or IFD_OBJ_ANY
 *
 * Return: the object, or ERR_PTR(-ENOENT) if @id names no live object of
 * @type (objects being built and tombstones included).  Release with
 * ifd_object_put().
 */
struct ifd_object *ifd_object_get(struct ifd_ctx *ctx, u32 id,
				  enum ifd_obj_type type)
{
	XA_STATE(xas, &ctx->objects, id);
	struct ifd_object *obj;

	/* Under the lock, the slot is read without an RCU read section. */
	xa_lock(&ctx->objects);
	obj = xas_load(&xas);
	if (!ifd_entry_published(obj) ||
	    (type != IFD_OBJ_ANY && obj->ops->type != type) ||
	    !refcount_inc_not_zero(&obj->shortterm))
		obj = ERR_PTR(-ENOENT);
	xa_unlock(&ctx->objects);
	return obj;
}

/**
 * ifd_object_get_all() - short-term references on every object of a type
 * @ctx: the context
 * @type: the type wanted
 * @out: an empty xarray receiving ID -> object
 *
 * Release with ifd_object_put_all().
 *
 * Return: 0 or -ENOMEM (nothing held then).
 */
int ifd_object_get_all(struct ifd_ctx *ctx, enum ifd_obj_type type,
		       struct xarray *out)
{
	struct ifd_object *obj;
	unsigned long index;
	int rc = 0;

	xa_lock(&ctx->objects);
	xa_for_each(&ctx->objects, index, obj) {
		/* Being built or a tombstone: skipped. */
		if (xa_is_value(obj) || obj->ops->type != type ||
		    !refcount_inc_not_zero(&obj->shortterm))
			continue;
		/* The walk resumes by index, so the lock may drop here. */
		xa_unlock(&ctx->objects);
		rc = xa_err(xa_store(out, index, obj, GFP_KERNEL));
		xa_lock(&ctx->objects);
		if (rc) {
			ifd_object_put(obj);
			break;
		}
	}
	xa_unlock(&ctx->objects);
	if (rc)
		ifd_object_put_all(out);
	return rc;
}

/**
 * ifd_object_put_all() - undo ifd_object_get_all()
 * @objs: the xarray it filled; left empty
 */
void ifd_object_put_all(struct xarray *objs)
{
	struct ifd_object *obj;
	unsigned long index;

	xa_for_each(objs, index, obj)
		ifd_object_put(obj);
	xa_destroy(objs);
}

/**
 * ifd_object_put() - drop a short-term reference
 * @obj: the object
 *
 * May wake a remover waiting for the operation to end; @obj must not be
 * used afterwards.
 */
void ifd_object_put(struct ifd_object *obj)
{
	if (refcount_dec_and_test(&obj->shortterm)) {
		/* Order the count before the waiter check in wake_up_var(). */
		smp_mb();
		wake_up_var(&obj->shortterm);
	}
}

/* With the table locked: @obj is in its slot and published. */
static bool ifd_object_published_locked(struct ifd_ctx *ctx,
					struct ifd_object *obj)
{
	return xa_load(&ctx->objects, obj->id) == obj &&
	       ifd_entry_published(obj);
}

/*
 * The removal claim (see include/iommufd2/object.h): with the table locked,
 * @obj still in its slot and published, take @users from 1 to 0.  The caller
 * unpublishes it in the same locked section.
 */
static bool ifd_object_claim_locked(struct ifd_ctx *ctx,
				    struct ifd_object *obj)
{
	lockdep_assert_held(&ctx->objects.xa_lock);
	return ifd_object_published_locked(ctx, obj) &&
	       refcount_dec_if_one(&obj->users);
}

/* Unpublish a claimed object: empty its slot or leave a tombstone. */
static void ifd_object_unpublish_locked(struct ifd_ctx *ctx,
					struct ifd_object *obj, bool tombstone)
{
	if (tombstone) {
		/* Overwrites an occupied slot: no allocation, no failure. */
		__xa_store(&ctx->objects, obj->id,
			   xa_mk_value(obj->ops->type), GFP_ATOMIC);
		ifd_stats_tombstones(1);
	} else {
		__xa_erase(&ctx->objects, obj->id);
	}
}

/*
 * The claimant's last steps, with no lock held: announce, drop the base
 * short-term reference and any extra the caller held, wait for the other
 * in-flight users, tear down.
 */
static void ifd_object_finish_removal(struct ifd_ctx *ctx,
				      struct ifd_object *obj,
				      unsigned int extra_refs, u8 event)
{
	ifd_nl_object_event(ctx, obj, event);
	while (extra_refs--)
		refcount_dec(&obj->shortterm);
	if (!refcount_dec_and_test(&obj->shortterm))
		wait_var_event(&obj->shortterm,
			       !refcount_read(&obj->shortterm));
	obj->ops->destroy(obj);
	ifd_object_free(obj);
}

/**
 * ifd_object_hold_published() - take a long-term reference on an object
 *	only if it is still published
 * @ctx: the object's context
 * @obj: the object; the caller keeps its memory valid (e.g. under a lock
 *	its destroy hook takes)
 *
 * For dependencies a driver declares between objects it tracks itself:
 * checked and taken under the table lock, so it cannot slip in after
 * IOMMU_DESTROY decided the object was unused.
 *
 * Return: 0, or -ENOENT if the object is unpublished (being destroyed).
 */
int ifd_object_hold_published(struct ifd_ctx *ctx, struct ifd_object *obj)
{
	int rc = -ENOENT;

	xa_lock(&ctx->objects);
	if (ifd_object_published_locked(ctx, obj) && ifd_object_tryhold(obj))
		rc = 0;
	xa_unlock(&ctx->objects);
	return rc;
}

/**
 * ifd_object_destroy_user() - IOMMU_DESTROY: remove an object userspace owns
 * @ctx: the context
 * @id: the object's ID
 *
 * Return: 0 once the object is torn down; -ENOENT if @id names no live
 * object; -EBUSY (changing nothing) if another object depends on it or an
 * operation is using it right now.
 */
int ifd_object_destroy_user(struct ifd_ctx *ctx, u32 id)
{
	XA_STATE(xas, &ctx->objects, id);
	struct ifd_object *obj;

	xa_lock(&ctx->objects);
	obj = xas_load(&xas);
	if (!ifd_entry_published(obj)) {
		xa_unlock(&ctx->objects);
		return -ENOENT;
	}
	/*
	 * Lookups take their references under this lock, so an operation in
	 * flight shows here; dependants show in @users, and the claim fails
	 * on them without changing anything.
	 */
	if (refcount_read(&obj->shortterm) != 1 ||
	    !refcount_dec_if_one(&obj->users)) {
		xa_unlock(&ctx->objects);
		return -EBUSY;
	}
	/* The walk above found the slot; no second one to empty it. */
	xas_store(&xas, NULL);
	xa_unlock(&ctx->objects);

	ifd_object_finish_removal(ctx, obj, 0, IOMMUFD2_EVENT_DESTROYED);
	return 0;
}

/**
 * ifd_object_destroy_kernel() - remove an object on the kernel's initiative
 * @ctx: the object's context
 * @obj: the object; the caller keeps its memory valid for the call, e.g. by
 *	holding a lock that every other remover of this type also takes
 * @tombstone: keep the ID reserved (and ENOENT to userspace) until the
 *	context closes, because userspace created the object and may still
 *	name it
 *
 * Unlike IOMMU_DESTROY this does not fail on in-flight operations: it
 * unpublishes the object and then waits for them to end.
 *
 * Return: true if this call tore the object down; false if it could not
 * claim the object: another remover got there first, it is still being
 * built, or something else still holds it long-term (the caller must then
 * not rely on @obj going away).
 */
bool ifd_object_destroy_kernel(struct ifd_ctx *ctx, struct ifd_object *obj,
			       bool tombstone)
{
	xa_lock(&ctx->objects);
	if (!ifd_object_claim_locked(ctx, obj)) {
		xa_unlock(&ctx->objects);
		return false;
	}
	ifd_object_unpublish_locked(ctx, obj, tombstone);
	xa_unlock(&ctx->objects);

	ifd_object_finish_removal(ctx, obj, 0,
				  tombstone ? IOMMUFD2_EVENT_TOMBSTONED :
					      IOMMUFD2_EVENT_DESTROYED);
	return true;
}

/**
 * ifd_object_reap() - drop a long-term reference, remove the object if
 * nothing but its ID still holds it
 * @ctx: the object's context
 * @obj: the object; the caller holds a long-term reference, which this
 *	consumes
 *
 * For objects the kernel owns the life of (auto HWPTs, bound devices,
 * accesses): the last kernel user reaps them.  Claims the object as every
 * remover does, so a racing IOMMU_DESTROY or another reaper either loses
 * the claim or wins it and this call backs off; in-flight operations are
 * waited for.
 *
 * Return: true if the object was torn down; false if it lives on (someone
 * else holds it, or another remover claimed it).
 */
bool ifd_object_reap(struct ifd_ctx *ctx, struct ifd_object *obj)
{
	bool claimed;

	xa_lock(&ctx->objects);
	/*
	 * Ours goes first; the ID's keeps @users above 0, and nobody can
	 * claim between the two steps without this lock.  A new holder that
	 * slips in with ifd_object_tryhold() makes the claim fail: the object
	 * lives on, and that holder reaps it later.
	 */
	refcount_dec(&obj->users);
	claimed = ifd_object_claim_locked(ctx, obj);
	if (claimed)
		ifd_object_unpublish_locked(ctx, obj, false);
	xa_unlock(&ctx->objects);
	if (claimed)
		ifd_object_finish_removal(ctx, obj, 0,
					  IOMMUFD2_EVENT_DESTROYED);
	return claimed;
}

/**
 * ifd_object_retire_held() - kernel removal that leaves a tombstone, by a
 * caller holding a short-term reference
 * @ctx: the object's context
 * @obj: the object; the caller's short-term reference (from
 *	ifd_object_tryget(), which keeps its memory valid) is consumed
 *
 * Claims the object, waits for other in-flight users, tears it down and
 * keeps its ID reserved (ENOENT) until the context closes.  An
 * IOMMU_DESTROY that claimed first wins: the reference is dropped and the
 * caller waits for that removal by its own means.
 *
 * Return: true if this call removed the object.
 */
bool ifd_object_retire_held(struct ifd_ctx *ctx, struct ifd_object *obj)
{
	bool claimed;

	xa_lock(&ctx->objects);
	claimed = ifd_object_claim_locked(ctx, obj);
	if (claimed)
		ifd_object_unpublish_locked(ctx, obj, true);
	xa_unlock(&ctx->objects);
	if (!claimed) {
		ifd_object_put(obj);
		return false;
	}
	ifd_object_finish_removal(ctx, obj, 1, IOMMUFD2_EVENT_TOMBSTONED);
	return true;
}

/**
 * ifd_objects_release_all() - tear down every object of a closing context
 * @ctx: the context; no ioctl is running on it and nothing else holds it
 *
 * Each pass removes the objects nothing depends on any more (only the ID's
 * long-term reference left), so dependants always go before what they
 * depend on.  Tombstones go with the table.
 */
void ifd_objects_release_all(struct ifd_ctx *ctx)
{
	struct ifd_object *obj;
	unsigned long index;
	bool progress, claimed;

	do {
		progress = false;
		xa_for_each(&ctx->objects, index, obj) {
			/* One being built would be a creator's bug: WARN below. */
			if (!ifd_entry_published(obj))
				continue;
			xa_lock(&ctx->objects);
			claimed = ifd_object_claim_locked(ctx, obj);
			if (claimed)
				ifd_object_unpublish_locked(ctx, obj, false);
			xa_unlock(&ctx->objects);
			if (!claimed)
				continue;
			ifd_object_finish_removal(ctx, obj, 0,
						  IOMMUFD2_EVENT_DESTROYED);
			progress = true;
		}
	} while (progress);

	xa_for_each(&ctx->objects, index, obj) {
		if (xa_is_value(obj)) {
			ifd_stats_tombstones(-1);
			continue;
		}
		/* A dependency cycle or a leaked reference: a kernel bug. */
		WARN(1, "object %lu (type %d) still has %u users\n", index,
		     obj->ops->type, refcount_read(&obj->users));
	}
	xa_destroy(&ctx->objects);
}
