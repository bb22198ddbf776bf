/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The object table of an iommufd2 context.
 *
 * Every user-visible thing (IOAS, HWPT, device, ...) is an ifd_object named
 * by a 32-bit ID in its context's xarray.  An ID slot is in one of three
 * states:
 *
 *   building   a pointer to an object whose @shortterm is still 0: it is
 *              being built, and every lookup and remover treats the slot as
 *              empty (see ifd_entry_published());
 *   live       a pointer to a published object (@shortterm at least 1);
 *   tombstone  a value entry recording the type: the kernel destroyed an
 *              object userspace created; lookups and IOMMU_DESTROY say
 *              ENOENT and the ID is not handed out again until the context
 *              closes.
 *
 * Reference counts (DESIGN.md section 4):
 *
 *   @users      long-term: one for the ID while the object is published, one
 *               for each object or kernel user that depends on it (a HWPT
 *               holds its IOAS, a bound driver holds its device).
 *   @shortterm  one base reference while the object is published plus one per
 *               operation currently using it (ifd_object_get() .. _put()).
 *               0 while the object is being built: publication sets the
 *               base reference.
 *
 * The removal rule.  Whoever removes a published object first *claims* it:
 * under the table lock, with the slot still holding the object, it takes
 * @users from 1 (the ID's reference alone) to 0 (ifd_object_claim_locked()).
 * Only one remover can do that, and @users stays 0 from then on.  In the same
 * locked section the claimant empties the slot (or leaves a tombstone); after
 * the lock it drops the base short-term reference, waits for @shortterm to
 * reach 0 and tears the object down.  Nobody else ever lowers @users to 0 or
 * @shortterm below its base.
 *
 * Taking references on an object another task may be removing:
 *
 *   long-term   only with ifd_object_tryhold(), which fails once the object
 *               is claimed; the caller then treats the object as gone
 *               (ENOENT, or skips it).  The caller keeps the memory valid
 *               (a short-term reference, or a lock the type's destroy takes).
 *               ifd_object_hold_more() is for a caller that already holds a
 *               long-term reference (or, as creator, the unpublished ID's).
 *   short-term  by lookup under the table lock (ifd_object_get()), or with
 *               ifd_object_tryget() by a caller that keeps the memory valid
 *               by other means; ifd_object_get_more() by a holder of a
 *               long-term or short-term reference.  A short-term reference
 *               keeps the memory, not the object: a claimed object's
 *               teardown waits for it to be dropped.
 *
 * IOMMU_DESTROY claims only when no operation holds a short-term reference
 * taken by lookup and nothing depends on the object (else EBUSY, changing
 * nothing).  Kernel-initiated removers (ifd_object_reap(),
 * ifd_object_destroy_kernel(), ifd_object_retire_held()) claim the same way
 * and then wait for in-flight operations instead of failing; one that loses
 * the claim backs off without touching the object again.
 *
 * Locking: publication and lookups run under the xarray's spinlock, so a
 * lookup either takes its short-term reference before the object is
 * unpublished or does not find it at all, and sees every field its creator
 * set before publishing.
 */
#ifndef IOMMUFD2_OBJECT_H
#define IOMMUFD2_OBJECT_H

#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct ifd_ctx;

enum ifd_obj_type {
	IFD_OBJ_ANY,		/* lookups only: match every type */
	IFD_OBJ_IOAS,
	IFD_OBJ_HWPT_PAGING,
	IFD_OBJ_HWPT_NESTED,
	IFD_OBJ_DEVICE,
	IFD_OBJ_VIOMMU,
	IFD_OBJ_VDEVICE,
	IFD_OBJ_ACCESS,
	IFD_OBJ_FAULT,
	IFD_OBJ_VEVENTQ,
	IFD_OBJ_HW_QUEUE,
	IFD_OBJ_SELFTEST,	/* the in-kernel self-test's dummy objects */
	IFD_OBJ_DRIVER,		/* kept by a driver (the mock's selftest devices) */
	IFD_OBJ_NR,
};

struct ifd_object_ops;

struct ifd_object {
	refcount_t users;
	refcount_t shortterm;
	const struct ifd_object_ops *ops;
	u32 id;
};

/**
 * struct ifd_object_ops - what the object table needs to know of a type
 * @type: the type lookups match against
 * @destroy: release everything the object holds, including the long-term
 *	references it took on other objects.  Runs unpublished, with no
 *	short-term users left and no table lock held.  Must not fail, and
 *	must cope with a half-built object (fields stay zero until set).
 * @abort: undo a half-built object that was never published; defaults to
 *	@destroy.  Types whose @destroy takes a lock their allocation path
 *	already holds provide their own.
 */
struct ifd_object_ops {
	enum ifd_obj_type type;
	void (*destroy)(struct ifd_object *obj);
	void (*abort)(struct ifd_object *obj);
};

struct ifd_object *ifd_object_alloc_raw(struct ifd_ctx *ctx, size_t size,
					const struct ifd_object_ops *ops);
/*
 * Allocate a zeroed object of @ptr's type (whose first member must be the
 * struct ifd_object "obj"), in the table under its ID but unpublished; @ptr
 * is only used for its type.  Returns an ERR_PTR on failure.
 */
#define ifd_object_alloc(ctx, ptr, ops) ({				\
	static_assert(offsetof(typeof(*(ptr)), obj) == 0);		\
	(typeof(ptr))ifd_object_alloc_raw(ctx, sizeof(*(ptr)), ops);	\
})

void ifd_object_finalize(struct ifd_ctx *ctx, struct ifd_object *obj);
void ifd_object_abort(struct ifd_ctx *ctx, struct ifd_object *obj);

struct ifd_object *ifd_object_get(struct ifd_ctx *ctx, u32 id,
				  enum ifd_obj_type type);
void ifd_object_put(struct ifd_object *obj);
int ifd_object_get_all(struct ifd_ctx *ctx, enum ifd_obj_type type,
		       struct xarray *out);
void ifd_object_put_all(struct xarray *objs);

/**
 * ifd_object_tryhold() - take a new long-term reference
 * @obj: the object; the caller keeps its memory valid
 *
 * Return: false if a remover has claimed the object (it is going away).
 */
static inline bool __must_check ifd_object_tryhold(struct ifd_object *obj)
{
	return refcount_inc_not_zero(&obj->users);
}

/* Another long-term reference, by a holder of one (never fails). */
static inline void ifd_object_hold_more(struct ifd_object *obj)
{
	refcount_inc(&obj->users);
}

static inline void ifd_object_release(struct ifd_object *obj)
{
	refcount_dec(&obj->users);
}

/**
 * ifd_object_tryget() - a short-term reference outside the table lock
 * @obj: the object; the caller keeps its memory valid by other means
 *
 * Return: false if the object is being built or its remover already
 * dropped the base reference.
 */
static inline bool __must_check ifd_object_tryget(struct ifd_object *obj)
{
	return refcount_inc_not_zero(&obj->shortterm);
}

/* Another short-term reference, by a holder of a long- or short-term one. */
static inline void ifd_object_get_more(struct ifd_object *obj)
{
	refcount_inc(&obj->shortterm);
}

/*
 * Under the table's lock, for an entry read from it: a published object,
 * not a tombstone nor one still being built.  A raw xas_load() also shows
 * the zero entry that keeps ID 0 out of use.
 */
static inline bool ifd_entry_published(void *entry)
{
	struct ifd_object *obj = entry;

	return obj && !xa_is_value(obj) && !xa_is_zero(obj) &&
	       refcount_read(&obj->shortterm);
}

int ifd_object_hold_published(struct ifd_ctx *ctx, struct ifd_object *obj);
int ifd_object_destroy_user(struct ifd_ctx *ctx, u32 id);
bool ifd_object_reap(struct ifd_ctx *ctx, struct ifd_object *obj);
bool ifd_object_retire_held(struct ifd_ctx *ctx, struct ifd_object *obj);
bool ifd_object_destroy_kernel(struct ifd_ctx *ctx, struct ifd_object *obj,
			       bool tombstone);

void ifd_objects_init(struct ifd_ctx *ctx);
void ifd_objects_release_all(struct ifd_ctx *ctx);

#endif /* IOMMUFD2_OBJECT_H */
