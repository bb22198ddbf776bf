// SPDX-License-Identifier: GPL-2.0
/*
 * Paging HWPTs (see include/iommufd2/hwpt.h) and IOMMU_HWPT_ALLOC.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/iommu.h>

#include "iommufd2/compat.h"
#include "iommufd2/ctx.h"
#include "iommufd2/device.h"
#include "iommufd2/fault.h"
#include "iommufd2/hwpt.h"
#include "iommufd2/ioas.h"
#include "iommufd2/kapi.h"
#include "iommufd2/ucmd.h"

#define IFD_HWPT_PAGING_FLAGS	(IOMMU_HWPT_ALLOC_NEST_PARENT | \
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING | \
				 IOMMU_HWPT_ALLOC_PASID)

/* Teardown with the IOAS's hwpt_lock held by the caller. */
static void ifd_hwpt_teardown_locked(struct ifd_hwpt *hwpt)
{
	if (hwpt->ioas) {
		lockdep_assert_held(&hwpt->ioas->hwpt_lock);
		list_del(&hwpt->ioas_link);
	}
	if (hwpt->in_map)
		ifd_iova_map_remove_domain(&hwpt->ioas->map, hwpt->domain);
	if (hwpt->domain)
		iommu_domain_free(hwpt->domain);
	if (hwpt->ioas)
		ifd_object_release(&hwpt->ioas->obj);
	ifd_hwpt_drop_refs(hwpt);
}

static void ifd_hwpt_destroy(struct ifd_object *obj)
{
	struct ifd_hwpt *hwpt = container_of(obj, struct ifd_hwpt, obj);
	struct ifd_ioas *ioas = hwpt->ioas;

	mutex_lock(&ioas->hwpt_lock);
	ifd_hwpt_teardown_locked(hwpt);
	mutex_unlock(&ioas->hwpt_lock);
}

/* Aborts happen while the allocating path holds ioas->hwpt_lock. */
static void ifd_hwpt_abort(struct ifd_object *obj)
{
	ifd_hwpt_teardown_locked(container_of(obj, struct ifd_hwpt, obj));
}

/**
 * iommufd2_hwpt_get() - look up a paging or nested HWPT for an operation
 * @ctx: the context
 * @id: the HWPT's ID
 *
 * Return: the HWPT with a short-term reference (drop it with
 * iommufd2_hwpt_put()), or ERR_PTR(-ENOENT).
 */
struct ifd_hwpt *iommufd2_hwpt_get(struct ifd_ctx *ctx, u32 id)
{
	struct ifd_object *obj = ifd_object_get(ctx, id, IFD_OBJ_ANY);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	if (obj->ops->type != IFD_OBJ_HWPT_PAGING &&
	    obj->ops->type != IFD_OBJ_HWPT_NESTED) {
		ifd_object_put(obj);
		return ERR_PTR(-ENOENT);
	}
	return container_of(obj, struct ifd_hwpt, obj);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_hwpt_get, "IOMMUFD2");

/**
 * iommufd2_hwpt_domain() - the IOMMU domain of a HWPT
 * @hwpt: the HWPT, referenced
 *
 * Return: the domain; valid while the reference is held.
 */
struct iommu_domain *iommufd2_hwpt_domain(struct ifd_hwpt *hwpt)
{
	return hwpt->domain;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_hwpt_domain, "IOMMUFD2");

/**
 * iommufd2_hwpt_put() - drop the reference of iommufd2_hwpt_get()
 * @hwpt: the HWPT
 */
void iommufd2_hwpt_put(struct ifd_hwpt *hwpt)
{
	ifd_object_put(&hwpt->obj);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_hwpt_put, "IOMMUFD2");

static const struct ifd_object_ops ifd_hwpt_ops = {
	.type = IFD_OBJ_HWPT_PAGING,
	.destroy = ifd_hwpt_destroy,
	.abort = ifd_hwpt_abort,
};

/*
 * A paging domain built from driver-specific data by the driver's own
 * allocator; it must say what page sizes it maps.
 */
static struct iommu_domain *
ifd_domain_alloc_user(struct device *dev, u32 flags,
		      const struct iommu_user_data *data)
{
	const struct iommu_ops *ops = ifd_dev_iommu_ops(dev);
	struct iommu_domain *domain;

	domain = ifd_compat_ops_alloc_paging(ops, dev, flags, data);
	if (IS_ERR(domain))
		return domain;
	if (!domain->pgsize_bitmap) {
		iommu_domain_free(domain);
		return ERR_PTR(-EINVAL);
	}
	return domain;
}

/**
 * ifd_hwpt_alloc_paging() - a new, unpublished paging HWPT on an IOAS
 * @ioas: the IOAS; the caller holds a short-term reference and hwpt_lock
 * @idev: the device the domain is made for
 * @flags: IOMMU_HWPT_ALLOC_* flags
 * @data: driver-specific data of IOMMU_HWPT_ALLOC, or NULL
 *
 * Finalize or abort the result (abort with hwpt_lock still held).
 *
 * Return: the HWPT or an ERR_PTR: -EOPNOTSUPP for flags the driver does not
 * support, -EADDRINUSE if the IOAS's mappings don't fit the domain.
 */
struct ifd_hwpt *ifd_hwpt_alloc_paging(struct ifd_ioas *ioas,
				       struct ifd_device *idev, u32 flags,
				       const struct iommu_user_data *data)
{
	struct ifd_hwpt *hwpt;
	int rc;

	lockdep_assert_held(&ioas->hwpt_lock);
	if (flags & ~IFD_HWPT_PAGING_FLAGS)
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !device_iommu_capable(idev->dev, IOMMU_CAP_DIRTY_TRACKING))
		return ERR_PTR(-EOPNOTSUPP);

	hwpt = ifd_object_alloc(idev->ctx, hwpt, &ifd_hwpt_ops);
	if (IS_ERR(hwpt))
		return hwpt;
	hwpt->ctx = idev->ctx;
	if (!ifd_object_tryhold(&ioas->obj)) {
		ifd_object_abort(idev->ctx, &hwpt->obj);
		return ERR_PTR(-ENOENT);
	}
	hwpt->ioas = ioas;
	list_add_tail(&hwpt->ioas_link, &ioas->hwpts);
	hwpt->pasid_compat = flags & IOMMU_HWPT_ALLOC_PASID;
	hwpt->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;

	hwpt->domain = data ? ifd_domain_alloc_user(idev->dev, flags, data) :
			      ifd_compat_domain_alloc_paging(idev->dev, flags);
	if (IS_ERR(hwpt->domain)) {
		rc = PTR_ERR(hwpt->domain);
		hwpt->domain = NULL;
		goto out_abort;
	}
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !ifd_dirty_ops_supported(hwpt->domain)) {
		rc = -EOPNOTSUPP;
		goto out_abort;
	}
	rc = ifd_iova_map_add_domain(&ioas->map, hwpt->domain);
	if (rc)
		goto out_abort;
	hwpt->in_map = true;
	return hwpt;

out_abort:
	ifd_object_abort(idev->ctx, &hwpt->obj);
	return ERR_PTR(rc);
}

/**
 * ifd_hwpt_put_attached() - drop the reference an attached device held
 * @hwpt: the HWPT; an auto HWPT nobody else uses is removed
 *
 * Takes the IOAS's hwpt_lock to remove an auto HWPT: never call it with a
 * group lock held (attach nests the group lock inside hwpt_lock).
 */
void ifd_hwpt_put_attached(struct ifd_hwpt *hwpt)
{
	if (hwpt->auto_domain)
		ifd_object_reap(hwpt->ctx, &hwpt->obj);
	else
		ifd_object_release(&hwpt->obj);
}

/* Route the HWPT's page faults to the queue @fault_id. */
static int ifd_hwpt_set_fault(struct ifd_ctx *ctx, struct ifd_hwpt *hwpt,
			      u32 fault_id)
{
	struct ifd_fault *fault = ifd_fault_get(ctx, fault_id);

	if (IS_ERR(fault))
		return PTR_ERR(fault);
	if (!ifd_object_tryhold(&fault->obj)) {
		ifd_object_put(&fault->obj);
		return -ENOENT;
	}
	hwpt->fault = fault;
	hwpt->domain->iopf_handler = ifd_fault_iopf_handler;
	ifd_object_put(&fault->obj);
	return 0;
}

/*
 * IOMMU_HWPT_ALLOC: a paging HWPT on an IOAS, or a nested one on a paging
 * parent or a vIOMMU; either may report page faults to a fault queue.
 */
int ifd_cmd_hwpt_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	const struct iommu_user_data data = {
		.type = cmd->data_type,
		.uptr = u64_to_user_ptr(cmd->data_uptr),
		.len = cmd->data_len,
	};
	const u32 flags = cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID;
	struct ifd_ioas *ioas = NULL;
	struct ifd_device *idev;
	struct ifd_object *pt;
	struct ifd_hwpt *hwpt;
	int rc;

	if (cmd->__reserved || cmd->__reserved2)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;

	idev = ifd_device_get(ucmd->ctx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	pt = ifd_object_get(ucmd->ctx, cmd->pt_id, IFD_OBJ_ANY);
	if (IS_ERR(pt)) {
		rc = -EINVAL;
		goto out_idev;
	}

	switch (pt->ops->type) {
	case IFD_OBJ_IOAS:
		/* A parent's faults belong to the nested HWPTs on it. */
		if ((cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) &&
		    (flags & IOMMU_HWPT_ALLOC_NEST_PARENT)) {
			rc = -EOPNOTSUPP;
			goto out_pt;
		}
		ioas = container_of(pt, struct ifd_ioas, obj);
		mutex_lock(&ioas->hwpt_lock);
		hwpt = ifd_hwpt_alloc_paging(ioas, idev, flags,
					     cmd->data_len ? &data : NULL);
		break;
	case IFD_OBJ_HWPT_PAGING:
	case IFD_OBJ_VIOMMU:
		hwpt = ifd_hwpt_alloc_nested(ucmd->ctx, pt, idev, cmd->flags,
					     &data);
		break;
	default:
		rc = -EINVAL;
		goto out_pt;
	}
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_unlock;
	}
	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
		rc = ifd_hwpt_set_fault(ucmd->ctx, hwpt, cmd->fault_id);
		if (rc)
			goto out_abort;
	}
	cmd->out_hwpt_id = hwpt->obj.id;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	ifd_object_finalize(ucmd->ctx, &hwpt->obj);
	goto out_unlock;

out_abort:
	/* A paging HWPT is aborted with its IOAS's hwpt_lock held. */
	ifd_object_abort(ucmd->ctx, &hwpt->obj);
out_unlock:
	if (ioas)
		mutex_unlock(&ioas->hwpt_lock);
out_pt:
	ifd_object_put(pt);
out_idev:
	ifd_device_put(idev);
	return rc;
}
