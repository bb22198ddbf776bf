// SPDX-License-Identifier: GPL-2.0
/*
 * IOAS objects and their address-space queries.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/uaccess.h>

#include "iommufd2/ctx.h"
#include "iommufd2/ioas.h"
#include "iommufd2/ucmd.h"

static void ifd_ioas_destroy(struct ifd_object *obj)
{
}

static const struct ifd_object_ops ifd_ioas_ops = {
	.type = IFD_OBJ_IOAS,
	.destroy = ifd_ioas_destroy,
};

/**
 * ifd_ioas_get() - look up an IOAS with a short-term reference
 * @ctx: the context
 * @id: the IOAS's ID
 *
 * Return: the IOAS or ERR_PTR(-ENOENT).
 */
struct ifd_ioas *ifd_ioas_get(struct ifd_ctx *ctx, u32 id)
{
	struct ifd_object *obj = ifd_object_get(ctx, id, IFD_OBJ_IOAS);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct ifd_ioas, obj);
}

int ifd_cmd_ioas_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct ifd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	ioas = ifd_object_alloc(ucmd->ctx, ioas, &ifd_ioas_ops);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	init_rwsem(&ioas->lock);
	ioas->iova_alignment = 1;
	ioas->large_pages = true;

	cmd->out_ioas_id = ioas->obj.id;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		ifd_object_abort(ucmd->ctx, &ioas->obj);
		return rc;
	}
	ifd_object_finalize(ucmd->ctx, &ioas->obj);
	return 0;
}

/*
 * Report the mappable IOVA intervals.  With no device attached nothing is
 * reserved, so the whole address space is one interval.
 */
int ifd_cmd_ioas_iova_ranges(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iommu_iova_range __user *uranges;
	struct iommu_iova_range range = { .start = 0, .last = ULONG_MAX };
	struct ifd_ioas *ioas;
	u32 room = cmd->num_iovas;
	int rc = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = ifd_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	uranges = u64_to_user_ptr(cmd->allowed_iovas);
	down_read(&ioas->lock);
	cmd->num_iovas = 1;
	cmd->out_iova_alignment = ioas->iova_alignment;
	if (room >= 1 && copy_to_user(uranges, &range, sizeof(range)))
		rc = -EFAULT;
	up_read(&ioas->lock);

	if (!rc)
		rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (!rc && cmd->num_iovas > room)
		rc = -EMSGSIZE;
	ifd_ioas_put(ioas);
	return rc;
}

/**
 * ifd_ioas_option_huge_pages() - IOMMU_OPTION_HUGE_PAGES on one IOAS
 * @ioas: the IOAS
 * @op: IOMMU_OPTION_OP_GET or IOMMU_OPTION_OP_SET
 * @val: the value to set (0 or 1), or where the current one is returned
 *
 * Return: 0, -EINVAL for a value other than 0/1, -EOPNOTSUPP for another op.
 */
int ifd_ioas_option_huge_pages(struct ifd_ioas *ioas, u16 op, u64 *val)
{
	int rc = 0;

	down_write(&ioas->lock);
	switch (op) {
	case IOMMU_OPTION_OP_GET:
		*val = ioas->large_pages;
		break;
	case IOMMU_OPTION_OP_SET:
		if (*val > 1)
			rc = -EINVAL;
		else
			ioas->large_pages = *val;
		break;
	default:
		rc = -EOPNOTSUPP;
	}
	up_write(&ioas->lock);
	return rc;
}
