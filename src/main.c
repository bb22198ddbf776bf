// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd2: the iommufd object model on /dev/iommufd2.
 *
 * This file owns the character device: one context per open file, and the
 * ioctl dispatcher that applies the extensible-structure rules before a
 * command's handler runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd2/ctx.h"
#include "iommufd2/iova_map.h"
#include "iommufd2/kapi.h"
#include "iommufd2/mmap.h"
#include "iommufd2/netlink.h"
#include "iommufd2/object.h"
#include "iommufd2/pages.h"
#include "iommufd2/selftest.h"
#include "iommufd2/stats.h"
#include "iommufd2/ucmd.h"
#include "iommufd2/viommu.h"
#include "iommufd2/iommufd_test.h"

/**
 * struct ifd_ioctl - one command of the dispatch table
 * @num: the full ioctl number; anything else with the same nr is ENOTTY
 * @min_size: size of the command's first version; smaller is EINVAL
 * @size: size of the structure this module knows
 * @handler: runs the command on the kernel copy
 */
struct ifd_ioctl {
	unsigned int num;
	u32 min_size;
	u32 size;
	int (*handler)(struct ifd_ucmd *ucmd);
};

/* Room for the largest command structure; checked per entry below. */
#define IFD_UCMD_MAX	128

#define IFD_IOCTL(_num, _handler, _struct, _last_v1)			\
	[_IOC_NR(_num) - IOMMUFD_CMD_BASE] = {				\
		.num = _num,						\
		.min_size = offsetofend(_struct, _last_v1),		\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(_struct) > IFD_UCMD_MAX), \
		.handler = _handler,					\
	}

static const struct ifd_ioctl ifd_ioctls[] = {
	IFD_IOCTL(IOMMU_DESTROY, ifd_cmd_destroy, struct iommu_destroy, id),
	IFD_IOCTL(IOMMU_IOAS_ALLOC, ifd_cmd_ioas_alloc,
		  struct iommu_ioas_alloc, out_ioas_id),
	IFD_IOCTL(IOMMU_IOAS_IOVA_RANGES, ifd_cmd_ioas_iova_ranges,
		  struct iommu_ioas_iova_ranges, out_iova_alignment),
	IFD_IOCTL(IOMMU_IOAS_ALLOW_IOVAS, ifd_cmd_ioas_allow_iovas,
		  struct iommu_ioas_allow_iovas, allowed_iovas),
	IFD_IOCTL(IOMMU_IOAS_COPY, ifd_cmd_ioas_copy, struct iommu_ioas_copy,
		  src_iova),
	IFD_IOCTL(IOMMU_IOAS_MAP, ifd_cmd_ioas_map, struct iommu_ioas_map,
		  iova),
	IFD_IOCTL(IOMMU_IOAS_UNMAP, ifd_cmd_ioas_unmap, struct iommu_ioas_unmap,
		  length),
	IFD_IOCTL(IOMMU_OPTION, ifd_cmd_option, struct iommu_option, val64),
	IFD_IOCTL(IOMMU_HWPT_ALLOC, ifd_cmd_hwpt_alloc, struct iommu_hwpt_alloc,
		  __reserved),
	IFD_IOCTL(IOMMU_GET_HW_INFO, ifd_cmd_get_hw_info, struct iommu_hw_info,
		  __reserved),
	IFD_IOCTL(IOMMU_IOAS_MAP_FILE, ifd_cmd_ioas_map_file,
		  struct iommu_ioas_map_file, iova),
	IFD_IOCTL(IOMMU_VIOMMU_ALLOC, ifd_cmd_viommu_alloc,
		  struct iommu_viommu_alloc, data_uptr),
	IFD_IOCTL(IOMMU_VDEVICE_ALLOC, ifd_cmd_vdevice_alloc,
		  struct iommu_vdevice_alloc, virt_id),
	IFD_IOCTL(IOMMU_IOAS_CHANGE_PROCESS, ifd_cmd_ioas_change_process,
		  struct iommu_ioas_change_process, __reserved),
	IFD_IOCTL(IOMMU_HWPT_SET_DIRTY_TRACKING,
		  ifd_cmd_hwpt_set_dirty_tracking,
		  struct iommu_hwpt_set_dirty_tracking, __reserved),
	IFD_IOCTL(IOMMU_HWPT_GET_DIRTY_BITMAP, ifd_cmd_hwpt_get_dirty_bitmap,
		  struct iommu_hwpt_get_dirty_bitmap, data),
	IFD_IOCTL(IOMMU_VFIO_IOAS, ifd_cmd_vfio_ioas, struct iommu_vfio_ioas,
		  __reserved),
	IFD_IOCTL(IOMMU_HWPT_INVALIDATE, ifd_cmd_hwpt_invalidate,
		  struct iommu_hwpt_invalidate, __reserved),
	IFD_IOCTL(IOMMU_FAULT_QUEUE_ALLOC, ifd_cmd_fault_queue_alloc,
		  struct iommu_fault_alloc, out_fault_fd),
	IFD_IOCTL(IOMMU_VEVENTQ_ALLOC, ifd_cmd_veventq_alloc,
		  struct iommu_veventq_alloc, __reserved),
	IFD_IOCTL(IOMMU_HW_QUEUE_ALLOC, ifd_cmd_hw_queue_alloc,
		  struct iommu_hw_queue_alloc, length),
	IFD_IOCTL(IOMMU_IOAS_NOIOMMU_GET_PA, ifd_cmd_ioas_noiommu_get_pa,
		  struct iommu_ioas_noiommu_get_pa, out_phys),
	IFD_IOCTL(IOMMU_TEST_CMD, ifd_cmd_test, struct iommu_test_cmd, last),
};

/**
 * ifd_ucmd_respond() - copy a command's structure back to the caller
 * @ucmd: the command
 * @len: the kernel structure's size; a caller with an older, shorter
 *	structure gets only its part
 *
 * Return: 0 or -EFAULT.
 */
int ifd_ucmd_respond(struct ifd_ucmd *ucmd, size_t len)
{
	if (copy_to_user(ucmd->ubuf, ucmd->cmd, min_t(size_t, ucmd->user_size,
						      len)))
		return -EFAULT;
	return 0;
}

/**
 * ifd_ucmd_respond_u64() - copy one field of a command back to the caller
 * @ucmd: the command
 * @field: the field that changed, inside @ucmd->cmd and within the
 *	command's minimum size (so the caller's structure has it)
 *
 * For commands whose answer is a single field (MAP's IOVA, UNMAP's
 * length): one 8-byte store instead of the whole structure, which leaves
 * the caller's memory as ifd_ucmd_respond() would, since every other field
 * is what the caller passed.
 *
 * Return: 0 or -EFAULT.
 */
int ifd_ucmd_respond_u64(struct ifd_ucmd *ucmd, const u64 *field)
{
	size_t offset = (const void *)field - ucmd->cmd;

	if (offset + sizeof(*field) > ucmd->user_size)
		return -EFAULT;
	return put_user(*field, (u64 __user *)(ucmd->ubuf + offset));
}

/*
 * No device of an iommufd2 context does DMA without an IOMMU, so there is no
 * physical address to give out: the answer of a kernel built without
 * no-IOMMU support.
 */
int ifd_cmd_ioas_noiommu_get_pa(struct ifd_ucmd *ucmd)
{
	return -EOPNOTSUPP;
}

int ifd_cmd_destroy(struct ifd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return ifd_object_destroy_user(ucmd->ctx, cmd->id);
}

static const struct file_operations ifd_fops;

static long ifd_fops_ioctl(struct file *file, unsigned int num,
			   unsigned long arg)
{
	u64 buf[IFD_UCMD_MAX / sizeof(u64)];
	struct ifd_ucmd ucmd = {
		.ctx = file->private_data,
		.ubuf = (void __user *)arg,
		.cmd = buf,
	};
	const struct ifd_ioctl *op;
	unsigned int nr = _IOC_NR(num);
	int rc;

	/* Below our range: VFIO's container ioctls (same type byte). */
	if (nr < IOMMUFD_CMD_BASE)
		return ifd_vfio_ioctl(ucmd.ctx, num, arg);
	if (nr - IOMMUFD_CMD_BASE >= ARRAY_SIZE(ifd_ioctls))
		return -ENOTTY;
	op = &ifd_ioctls[nr - IOMMUFD_CMD_BASE];
	/* An unknown command is ENOTTY whatever its argument points at. */
	if (!op->handler || op->num != num)
		return -ENOTTY;
	if (get_user(ucmd.user_size, (u32 __user *)ucmd.ubuf))
		return -EFAULT;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	/* Zero-extends an older struct; E2BIG for a newer one with data. */
	rc = copy_struct_from_user(buf, op->size, ucmd.ubuf, ucmd.user_size);
	if (rc)
		return rc;
	return op->handler(&ucmd);
}

/**
 * ifd_ctx_alloc() - make an empty context
 *
 * Return: the context or NULL.
 */
struct ifd_ctx *ifd_ctx_alloc(void)
{
	struct ifd_ctx *ctx = kzalloc_obj(*ctx, GFP_KERNEL_ACCOUNT);

	if (!ctx)
		return NULL;
	if (ifd_nl_register_ctx(ctx)) {
		kfree(ctx);
		return NULL;
	}
	ifd_objects_init(ctx);
	mutex_init(&ctx->change_process_lock);
	mutex_init(&ctx->groups_lock);
	xa_init(&ctx->groups);
	xa_init_flags(&ctx->mmaps, XA_FLAGS_ALLOC1);
	mutex_init(&ctx->mmaps_lock);
	ctx->account_mode = IFD_ACCOUNT_USER;
	ifd_stats_contexts(1);
	return ctx;
}

/**
 * ifd_ctx_free() - release every object of a context, then the context
 * @ctx: the context; nothing may use it any more
 */
void ifd_ctx_free(struct ifd_ctx *ctx)
{
	ifd_nl_unregister_ctx(ctx);
	ifd_objects_release_all(ctx);
	ifd_payer_cache_drop(ctx);
	mutex_destroy(&ctx->change_process_lock);
	WARN_ON(!xa_empty(&ctx->groups));
	xa_destroy(&ctx->groups);
	WARN_ON(!xa_empty(&ctx->mmaps));
	xa_destroy(&ctx->mmaps);
	mutex_destroy(&ctx->mmaps_lock);
	mutex_destroy(&ctx->groups_lock);
	ifd_stats_contexts(-1);
	kfree(ctx);
}

/**
 * iommufd2_ctx_from_file() - the context behind an open /dev/iommufd2
 * @file: a file userspace passed in
 *
 * Return: the context, with a reference on @file (drop it with
 * iommufd2_ctx_put()), or ERR_PTR(-EBADFD) if @file is not ours.
 */
struct ifd_ctx *iommufd2_ctx_from_file(struct file *file)
{
	if (file->f_op != &ifd_fops)
		return ERR_PTR(-EBADFD);
	get_file(file);
	return file->private_data;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_ctx_from_file, "IOMMUFD2");

/**
 * iommufd2_ctx_put() - drop the reference of iommufd2_ctx_from_file()
 * @ctx: the context
 */
void iommufd2_ctx_put(struct ifd_ctx *ctx)
{
	fput(ctx->file);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_ctx_put, "IOMMUFD2");

static int ifd_fops_open(struct inode *inode, struct file *file)
{
	struct ifd_ctx *ctx = ifd_ctx_alloc();

	if (!ctx)
		return -ENOMEM;
	ctx->file = file;
	file->private_data = ctx;
	return 0;
}

static int ifd_fops_release(struct inode *inode, struct file *file)
{
	ifd_ctx_free(file->private_data);
	return 0;
}

static const struct file_operations ifd_fops = {
	.owner = THIS_MODULE,
	.open = ifd_fops_open,
	.release = ifd_fops_release,
	.unlocked_ioctl = ifd_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = ifd_fops_mmap,
};

static struct miscdevice ifd_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommufd2",
	.fops = &ifd_fops,
	.mode = 0660,
};

/**
 * ifd_misc_device() - the device of /dev/iommufd2
 *
 * Return: the device iommufd2 itself acts as (e.g. a dma-buf importer).
 */
struct device *ifd_misc_device(void)
{
	return ifd_misc.this_device;
}

static bool selftest;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the object-table self-test at load; fail the load if it fails");

static int __init ifd_init(void)
{
	int rc;

	if (selftest) {
		rc = ifd_selftest_run();
		if (rc)
			return rc;
	}
	rc = ifd_pages_cache_init();
	if (rc)
		return rc;
	rc = ifd_iova_map_cache_init();
	if (rc)
		goto out_pages;
	rc = ifd_stats_init();
	if (rc)
		goto out_areas;
	rc = ifd_viommu_init();
	if (rc)
		goto out_stats;
	rc = ifd_nl_init();
	if (rc)
		goto out_viommu;
	rc = misc_register(&ifd_misc);
	if (rc)
		goto out_nl;
	return 0;

out_nl:
	ifd_nl_exit();
out_viommu:
	ifd_viommu_exit();
out_stats:
	ifd_stats_exit();
out_areas:
	ifd_iova_map_cache_exit();
out_pages:
	ifd_pages_cache_exit();
	return rc;
}

static void __exit ifd_exit(void)
{
	misc_deregister(&ifd_misc);
	ifd_nl_exit();
	ifd_viommu_exit();
	ifd_stats_exit();
	ifd_iova_map_cache_exit();
	ifd_pages_cache_exit();
}

module_init(ifd_init);
module_exit(ifd_exit);

MODULE_DESCRIPTION("iommufd object model on /dev/iommufd2 for kernels without CONFIG_IOMMUFD");
MODULE_LICENSE("GPL");
