// SPDX-License-Identifier: GPL-2.0
/*
 * Driver objects: IDs a driver keeps in a context for things of its own
 * (the mock IOMMU's selftest devices).  The context treats them like any
 * object: IOMMU_DESTROY removes one when nothing else uses it, closing the
 * context removes the rest; either way the driver's destroy callback runs
 * with no iommufd2 lock held.  A published object holds a reference on
 * the driver's module, dropped after its destroy callback returned: the
 * module cannot be unloaded under a context that still holds its objects.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>

#include "iommufd2/kapi.h"
#include "iommufd2/object.h"

/**
 * struct ifd_driver_object - a driver's object
 * @obj: the table entry
 * @ctx: its context
 * @ops: the driver's callbacks, also what lookups match
 * @data: the driver's cookie
 */
struct ifd_driver_object {
	struct ifd_object obj;
	struct ifd_ctx *ctx;
	const struct iommufd2_driver_object_ops *ops;
	void *data;
};

static void ifd_driver_object_destroy(struct ifd_object *obj)
{
	struct ifd_driver_object *dobj =
		container_of(obj, struct ifd_driver_object, obj);

	struct module *owner;

	if (!dobj->ops)
		return;
	owner = dobj->ops->owner;
	dobj->ops->destroy(dobj->data);
	module_put(owner);
}

/* A never-published object is undone by its driver, not by @destroy. */
static void ifd_driver_object_abort_noop(struct ifd_object *obj)
{
}

static const struct ifd_object_ops ifd_driver_object_ops = {
	.type = IFD_OBJ_DRIVER,
	.destroy = ifd_driver_object_destroy,
	.abort = ifd_driver_object_abort_noop,
};

/**
 * iommufd2_driver_object_alloc() - reserve an ID for a driver's object
 * @ctx: the context
 * @ops: the driver's callbacks
 * @data: passed to them
 * @id: receives the ID
 *
 * The ID is reserved, not yet visible: publish the object with
 * iommufd2_driver_object_publish() or give it up with
 * iommufd2_driver_object_abort().
 *
 * Return: the object or an ERR_PTR.
 */
struct ifd_driver_object *
iommufd2_driver_object_alloc(struct ifd_ctx *ctx,
			     const struct iommufd2_driver_object_ops *ops,
			     void *data, u32 *id)
{
	struct ifd_driver_object *dobj;

	dobj = ifd_object_alloc(ctx, dobj, &ifd_driver_object_ops);
	if (IS_ERR(dobj))
		return dobj;
	dobj->ctx = ctx;
	dobj->ops = ops;
	dobj->data = data;
	*id = dobj->obj.id;
	return dobj;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_driver_object_alloc, "IOMMUFD2");

/**
 * iommufd2_driver_object_publish() - make a driver's object visible
 * @dobj: from iommufd2_driver_object_alloc(); owned by the context now
 */
void iommufd2_driver_object_publish(struct ifd_driver_object *dobj)
{
	/* The caller is the owner's code: its module is live. */
	__module_get(dobj->ops->owner);
	ifd_object_finalize(dobj->ctx, &dobj->obj);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_driver_object_publish, "IOMMUFD2");

/**
 * iommufd2_driver_object_abort() - give up an unpublished object
 * @dobj: from iommufd2_driver_object_alloc(); its destroy callback does
 *	not run
 */
void iommufd2_driver_object_abort(struct ifd_driver_object *dobj)
{
	ifd_object_abort(dobj->ctx, &dobj->obj);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_driver_object_abort, "IOMMUFD2");

/**
 * iommufd2_driver_object_get() - look up a driver's object for an operation
 * @ctx: the context
 * @id: its ID
 * @ops: the callbacks it was created with (objects of other drivers or
 *	kinds do not match)
 * @dobj: receives the object, to pass to iommufd2_driver_object_put()
 *
 * While the reference is held the object is not destroyed (IOMMU_DESTROY
 * says EBUSY).
 *
 * Return: the object's data, or ERR_PTR(-ENOENT).
 */
void *iommufd2_driver_object_get(struct ifd_ctx *ctx, u32 id,
				 const struct iommufd2_driver_object_ops *ops,
				 struct ifd_driver_object **dobj)
{
	struct ifd_object *obj = ifd_object_get(ctx, id, IFD_OBJ_DRIVER);
	struct ifd_driver_object *found;

	if (IS_ERR(obj))
		return obj;
	found = container_of(obj, struct ifd_driver_object, obj);
	if (found->ops != ops) {
		ifd_object_put(obj);
		return ERR_PTR(-ENOENT);
	}
	*dobj = found;
	return found->data;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_driver_object_get, "IOMMUFD2");

/**
 * iommufd2_driver_object_put() - end the operation of _get()
 * @dobj: the object
 */
void iommufd2_driver_object_put(struct ifd_driver_object *dobj)
{
	ifd_object_put(&dobj->obj);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_driver_object_put, "IOMMUFD2");
