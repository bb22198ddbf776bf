// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_OPTION: context-wide and per-object settings.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/err.h>
#include <linux/uaccess.h>

#include "iommufd2/ctx.h"
#include "iommufd2/ioas.h"
#include "iommufd2/ucmd.h"

/* IOMMU_OPTION_RLIMIT_MODE: may only change while the context is empty. */
static int ifd_option_rlimit_mode(struct ifd_ctx *ctx,
				  struct iommu_option *cmd)
{
	int rc = 0;

	if (cmd->object_id)
		return -EOPNOTSUPP;

	switch (cmd->op) {
	case IOMMU_OPTION_OP_GET:
		cmd->val64 = ctx->account_mode == IFD_ACCOUNT_MM;
		return 0;
	case IOMMU_OPTION_OP_SET:
		if (!capable(CAP_SYS_RESOURCE))
			return -EPERM;
		/* A busy context is EBUSY before a bad value, as upstream. */
		xa_lock(&ctx->objects);
		if (!xa_empty(&ctx->objects))
			rc = -EBUSY;
		else if (cmd->val64 > 1)
			rc = -EINVAL;
		else
			ctx->account_mode = cmd->val64 ? IFD_ACCOUNT_MM :
							 IFD_ACCOUNT_USER;
		xa_unlock(&ctx->objects);
		return rc;
	default:
		return -EOPNOTSUPP;
	}
}

static int ifd_option_huge_pages(struct ifd_ctx *ctx, struct iommu_option *cmd)
{
	struct ifd_ioas *ioas;
	int rc;

	ioas = ifd_ioas_get(ctx, cmd->object_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = ifd_ioas_option_huge_pages(ioas, cmd->op, &cmd->val64);
	ifd_ioas_put(ioas);
	return rc;
}

int ifd_cmd_option(struct ifd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommu_option __user *ucmd_opt = ucmd->ubuf;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = ifd_option_rlimit_mode(ucmd->ctx, cmd);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = ifd_option_huge_pages(ucmd->ctx, cmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	/* Only the value is an output. */
	if (copy_to_user(&ucmd_opt->val64, &cmd->val64, sizeof(cmd->val64)))
		return -EFAULT;
	return 0;
}
