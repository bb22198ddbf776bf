// SPDX-License-Identifier: GPL-2.0
/*
 * Nested HWPTs (see include/iommufd2/hwpt.h) and IOMMU_HWPT_INVALIDATE.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/iommu.h>

#include "iommufd2/compat.h"
#include "iommufd2/ctx.h"
#include "iommufd2/device.h"
#include "iommufd2/fault.h"
#include "iommufd2/hwpt.h"
#include "iommufd2/kapi.h"
#include "iommufd2/ucmd.h"
#include "iommufd2/viommu.h"

/* Bounds one IOMMU_HWPT_INVALIDATE call's work, as upstream does. */

#define IFD_INVALIDATE_MAX_ENTRIES	BIT(19)

/**
 * ifd_hwpt_drop_refs() - release what a HWPT holds besides its domain
 * @hwpt: a HWPT being torn down, its domain already freed
 */
void ifd_hwpt_drop_refs(struct ifd_hwpt *hwpt)
{
	if (hwpt->fault)
		ifd_object_release(&hwpt->fault->obj);
	if (hwpt->viommu)
		ifd_object_release(&hwpt->viommu->obj);
	if (hwpt->parent)
		ifd_object_release(&hwpt->parent->obj);
}

/* The driver's domain goes first: it may still point into the parent's. */
static void ifd_hwpt_nested_destroy(struct ifd_object *obj)
{
	struct ifd_hwpt *hwpt = container_of(obj, struct ifd_hwpt, obj);

	if (hwpt->domain)
		iommu_domain_free(hwpt->domain);
	ifd_hwpt_drop_refs(hwpt);
}

static const struct ifd_object_ops ifd_hwpt_nested_ops = {
	.type = IFD_OBJ_HWPT_NESTED,
	.destroy = ifd_hwpt_nested_destroy,
	.abort = ifd_hwpt_nested_destroy,
};

/*
 * The paging HWPT a nested one will translate through: @pt itself, or the
 * HWPT of the vIOMMU @pt (then returned in @viommu).
 */
static struct ifd_hwpt *ifd_nest_parent(struct ifd_object *pt,
					struct ifd_device *idev,
					struct ifd_viommu **viommu)
{
	const struct iommu_ops *ops = ifd_dev_iommu_ops(idev->dev);
	struct ifd_hwpt *parent;

	*viommu = NULL;
	if (pt->ops->type == IFD_OBJ_VIOMMU) {
		struct ifd_viommu *v = container_of(pt, struct ifd_viommu, obj);

		if (v->iommu_dev != idev->dev->iommu->iommu_dev)
			return ERR_PTR(-EINVAL);
		if (!v->vtype->alloc_domain_nested)
			return ERR_PTR(-EOPNOTSUPP);
		*viommu = v;
		return v->hwpt;
	}
	parent = container_of(pt, struct ifd_hwpt, obj);
	if (!ifd_compat_ops_can_alloc_nested(ops))
		return ERR_PTR(-EOPNOTSUPP);
	if (parent->auto_domain || !parent->nest_parent ||
	    parent->domain->owner != ops)
		return ERR_PTR(-EINVAL);
	return parent;
}

/**
 * ifd_hwpt_alloc_nested() - a new, unpublished nested HWPT
 * @ctx: the context
 * @pt: a paging HWPT allocated with IOMMU_HWPT_ALLOC_NEST_PARENT, or a
 *	vIOMMU; the caller holds a short-term reference
 * @idev: the device the domain is made for
 * @flags: IOMMU_HWPT_FAULT_ID_VALID and IOMMU_HWPT_ALLOC_PASID only
 * @data: the driver's description of the stage-1 table (required)
 *
 * Finalize or abort the result.
 *
 * Return: the HWPT or an ERR_PTR: -EOPNOTSUPP for other flags, no data or
 * a driver without nesting; -EINVAL for a parent that cannot nest (or a
 * vIOMMU of another IOMMU); or the driver's error for @data.
 */
struct ifd_hwpt *ifd_hwpt_alloc_nested(struct ifd_ctx *ctx,
				       struct ifd_object *pt,
				       struct ifd_device *idev, u32 flags,
				       const struct iommu_user_data *data)
{
	const u32 dom_flags = flags & ~IOMMU_HWPT_FAULT_ID_VALID;
	struct iommu_domain *domain;
	struct ifd_viommu *viommu;
	struct ifd_hwpt *parent, *hwpt;
	int rc;

	if ((flags & ~(IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID)) ||
	    !data->len)
		return ERR_PTR(-EOPNOTSUPP);
	parent = ifd_nest_parent(pt, idev, &viommu);
	if (IS_ERR(parent))
		return parent;

	hwpt = ifd_object_alloc(ctx, hwpt, &ifd_hwpt_nested_ops);
	if (IS_ERR(hwpt))
		return hwpt;
	hwpt->ctx = ctx;
	hwpt->pasid_compat = flags & IOMMU_HWPT_ALLOC_PASID;
	if (!ifd_object_tryhold(&parent->obj)) {
		rc = -ENOENT;
		goto out_abort;
	}
	hwpt->parent = parent;
	hwpt->ioas = parent->ioas;
	if (viommu) {
		if (!ifd_object_tryhold(&viommu->obj)) {
			rc = -ENOENT;
			goto out_abort;
		}
		hwpt->viommu = viommu;
		domain = viommu->vtype->alloc_domain_nested(idev->dev,
							    parent->domain,
							    dom_flags, data);
	} else {
		const struct iommu_ops *ops = ifd_dev_iommu_ops(idev->dev);

		domain = ifd_compat_ops_alloc_nested(ops, idev->dev,
						     parent->domain, dom_flags,
						     data);
	}
	if (IS_ERR_OR_NULL(domain)) {
		rc = domain ? PTR_ERR(domain) : -ENOMEM;
		goto out_abort;
	}
	hwpt->domain = domain;
	domain->owner = ifd_dev_iommu_ops(idev->dev);
	if (domain->type != IOMMU_DOMAIN_NESTED) {
		rc = -EOPNOTSUPP;
		goto out_abort;
	}
	return hwpt;

out_abort:
	ifd_object_abort(ctx, &hwpt->obj);
	return ERR_PTR(rc);
}

/*
 * Flush one target's caches; @array->entry_num becomes the number of
 * entries done (none when the target cannot take the request at all).
 */
static int ifd_invalidate(struct ifd_object *obj,
			  struct iommu_user_data_array *array)
{
	struct iommu_domain *domain;
	struct ifd_viommu *viommu;

	switch (obj->ops->type) {
	case IFD_OBJ_HWPT_NESTED:
		domain = container_of(obj, struct ifd_hwpt, obj)->domain;
		if (domain->ops && domain->ops->cache_invalidate_user)
			return domain->ops->cache_invalidate_user(domain,
								  array);
		break;
	case IFD_OBJ_VIOMMU:
		viommu = container_of(obj, struct ifd_viommu, obj);
		if (viommu->vtype->cache_invalidate)
			return viommu->vtype->cache_invalidate(viommu, array);
		break;
	default:
		/* A paging HWPT's caches follow its IOAS by themselves. */
		array->entry_num = 0;
		return -EINVAL;
	}
	array->entry_num = 0;
	return -EOPNOTSUPP;
}

/*
 * IOMMU_HWPT_INVALIDATE: hand an array of driver-format requests to a
 * nested HWPT or a vIOMMU.  The entries done are reported back in
 * entry_num, also when one of them fails.
 */
int ifd_cmd_hwpt_invalidate(struct ifd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	struct iommu_user_data_array array = {
		.type = cmd->data_type,
		.uptr = u64_to_user_ptr(cmd->data_uptr),
		.entry_len = cmd->entry_len,
		.entry_num = cmd->entry_num,
	};
	struct ifd_object *obj;
	u32 done = 0;
	int rc;

	if (cmd->__reserved) {
		rc = -EOPNOTSUPP;
	} else if (cmd->entry_num &&
		   (!cmd->data_uptr || !cmd->entry_len ||
		    cmd->entry_len > PAGE_SIZE ||
		    cmd->entry_num > IFD_INVALIDATE_MAX_ENTRIES)) {
		rc = -EINVAL;
	} else {
		obj = ifd_object_get(ucmd->ctx, cmd->hwpt_id, IFD_OBJ_ANY);
		if (IS_ERR(obj)) {
			rc = PTR_ERR(obj);
		} else {
			rc = ifd_invalidate(obj, &array);
			done = array.entry_num;
			ifd_object_put(obj);
		}
	}
	cmd->entry_num = done;
	if (ifd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}
