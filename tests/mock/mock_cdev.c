// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/iommufd2-mock: the test interface to mock devices (mock_uapi.h).
 * Mock devices reach iommufd2 through the same exported API as
 * iommufd2_pci's devices.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd2/kapi.h"
#include "mock_uapi.h"
#include "mock.h"

/**
 * struct mock_file - one open of /dev/iommufd2-mock
 * @lock: serialises the file's device commands; protects @accesses
 * @devs: the mock devices it created
 * @accesses: its emulated accesses (mock_access.c)
 */
struct mock_file {
	struct mutex lock;	/* see above */
	struct list_head devs;
	struct list_head accesses;
};

static DEFINE_IDA(mock_indexes);

static struct mock_dev *mock_find(struct mock_file *mf, u32 index)
{
	struct mock_dev *mdev;

	list_for_each_entry(mdev, &mf->devs, link)
		if (mdev->index == index)
			return mdev;
	return NULL;
}

static void mock_unbind(struct mock_dev *mdev)
{
	if (!mdev->idev)
		return;
	xa_destroy(&mdev->attached);
	iommufd2_device_unbind(mdev->idev);
	iommufd2_ctx_put(mdev->ctx);
	mdev->idev = NULL;
	mdev->ctx = NULL;
}

static void mock_remove(struct mock_dev *mdev)
{
	u32 index = mdev->index;

	mock_unbind(mdev);
	list_del(&mdev->link);
	mock_dev_destroy(mdev);
	ida_free(&mock_indexes, index);
}

static int mock_cmd_create(struct mock_file *mf, void __user *uarg)
{
	struct mock_dev_create cmd;
	struct mock_dev *mdev;
	int index;

	if (copy_from_user(&cmd, uarg, sizeof(cmd)))
		return -EFAULT;
	index = ida_alloc(&mock_indexes, GFP_KERNEL);
	if (index < 0)
		return index;
	mdev = mock_dev_create(index, cmd.pasid_bits, 0);
	if (IS_ERR(mdev)) {
		ida_free(&mock_indexes, index);
		return PTR_ERR(mdev);
	}
	list_add(&mdev->link, &mf->devs);
	cmd.out_index = index;
	if (copy_to_user(uarg, &cmd, sizeof(cmd))) {
		mock_remove(mdev);
		return -EFAULT;
	}
	return 0;
}

static int mock_cmd_bind(struct mock_file *mf, void __user *uarg)
{
	struct mock_bind cmd;
	struct mock_dev *mdev;
	struct ifd_device *idev;
	struct ifd_ctx *ctx;
	struct file *file;

	if (copy_from_user(&cmd, uarg, sizeof(cmd)))
		return -EFAULT;
	mdev = mock_find(mf, cmd.index);
	if (!mdev)
		return -ENOENT;
	if (mdev->idev)
		return -EINVAL;
	file = fget(cmd.iommufd);
	if (!file)
		return -EBADF;
	ctx = iommufd2_ctx_from_file(file);
	fput(file);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	/* The mock's "DMA" is kernel code: it cannot forge an MSI. */
	idev = iommufd2_device_bind_flags(ctx, &mdev->pdev->dev,
					  &cmd.out_dev_id,
					  IOMMUFD2_BIND_SOFTWARE_DMA);
	if (IS_ERR(idev)) {
		iommufd2_ctx_put(ctx);
		return PTR_ERR(idev);
	}
	mdev->ctx = ctx;
	mdev->idev = idev;
	if (copy_to_user(uarg, &cmd, sizeof(cmd))) {
		mock_unbind(mdev);
		return -EFAULT;
	}
	return 0;
}

static int mock_cmd_attach(struct mock_file *mf, void __user *uarg,
			   bool detach)
{
	struct mock_attach cmd;
	struct mock_dev *mdev;
	int rc;

	if (copy_from_user(&cmd, uarg, sizeof(cmd)))
		return -EFAULT;
	mdev = mock_find(mf, cmd.index);
	if (!mdev)
		return -ENOENT;
	if (!mdev->idev)
		return -EINVAL;
	if (detach) {
		if (xa_erase(&mdev->attached, cmd.pasid))
			iommufd2_device_detach(mdev->idev, cmd.pasid);
		return 0;
	}
	if (xa_load(&mdev->attached, cmd.pasid)) {
		rc = iommufd2_device_replace(mdev->idev, cmd.pasid, &cmd.pt_id);
	} else {
		rc = iommufd2_device_attach(mdev->idev, cmd.pasid, &cmd.pt_id);
		if (!rc) {
			rc = xa_err(xa_store(&mdev->attached, cmd.pasid,
					     xa_mk_value(1), GFP_KERNEL));
			if (rc)
				iommufd2_device_detach(mdev->idev, cmd.pasid);
		}
	}
	if (rc)
		return rc;
	return copy_to_user(uarg, &cmd, sizeof(cmd)) ? -EFAULT : 0;
}

static long mock_ioctl(struct file *file, unsigned int num, unsigned long arg)
{
	struct mock_file *mf = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct mock_inject inject;
	struct mock_stats stats;
	struct mock_dev *mdev;
	struct mock_dma dma;
	u32 index;
	long rc;

	/* Access commands run concurrently; they lock per access. */
	rc = mock_access_ioctl(&mf->accesses, &mf->lock, num, uarg);
	if (rc != -ENOTTY)
		return rc;

	mutex_lock(&mf->lock);
	switch (num) {
	case MOCK_DEV_CREATE:
		rc = mock_cmd_create(mf, uarg);
		break;
	case MOCK_DEV_DESTROY:
	case MOCK_UNBIND:
		rc = -EFAULT;
		if (get_user(index, (u32 __user *)uarg))
			break;
		rc = -ENOENT;
		mdev = mock_find(mf, index);
		if (!mdev)
			break;
		rc = 0;
		if (num == MOCK_UNBIND)
			mock_unbind(mdev);
		else
			mock_remove(mdev);
		break;
	case MOCK_BIND:
		rc = mock_cmd_bind(mf, uarg);
		break;
	case MOCK_ATTACH:
	case MOCK_DETACH:
		rc = mock_cmd_attach(mf, uarg, num == MOCK_DETACH);
		break;
	case MOCK_DMA:
		rc = -EFAULT;
		if (copy_from_user(&dma, uarg, sizeof(dma)))
			break;
		mdev = mock_find(mf, dma.index);
		rc = mdev ? mock_dma(mdev, dma.pasid, dma.iova, dma.value) :
			    -ENOENT;
		break;
	case MOCK_INJECT:
		rc = -EFAULT;
		if (copy_from_user(&inject, uarg, sizeof(inject)))
			break;
		mock_inject(inject.op, inject.count);
		rc = 0;
		break;
	case MOCK_STATS:
		mock_get_stats(&stats);
		mock_access_stats(&stats);
		rc = copy_to_user(uarg, &stats, sizeof(stats)) ? -EFAULT : 0;
		break;
	default:
		rc = -ENOTTY;
	}
	mutex_unlock(&mf->lock);
	return rc;
}

static int mock_open(struct inode *inode, struct file *file)
{
	struct mock_file *mf = kzalloc_obj(*mf, GFP_KERNEL);

	if (!mf)
		return -ENOMEM;
	mutex_init(&mf->lock);
	INIT_LIST_HEAD(&mf->devs);
	INIT_LIST_HEAD(&mf->accesses);
	file->private_data = mf;
	return 0;
}

/* Closing the file unbinds and removes every device it created. */
static int mock_release(struct inode *inode, struct file *file)
{
	struct mock_file *mf = file->private_data;
	struct mock_dev *mdev, *tmp;

	mock_access_release_all(&mf->accesses);
	list_for_each_entry_safe(mdev, tmp, &mf->devs, link)
		mock_remove(mdev);
	mutex_destroy(&mf->lock);
	kfree(mf);
	return 0;
}

static const struct file_operations mock_fops = {
	.owner = THIS_MODULE,
	.open = mock_open,
	.release = mock_release,
	.unlocked_ioctl = mock_ioctl,
};

static struct miscdevice mock_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommufd2-mock",
	.fops = &mock_fops,
};

static int __init mock_init(void)
{
	int rc = mock_iommu_init();

	if (rc)
		return rc;
	rc = misc_register(&mock_misc);
	if (rc)
		goto out_iommu;
	rc = mock_selftest_init();
	if (rc)
		goto out_misc;
	return 0;

out_misc:
	misc_deregister(&mock_misc);
out_iommu:
	mock_iommu_exit();
	return rc;
}

/*
 * Every mock device is owned by an open file, and each probed device holds
 * a reference on this module, so by the time it can unload none is left.
 */
static void __exit mock_exit(void)
{
	mock_selftest_exit();
	misc_deregister(&mock_misc);
	mock_iommu_exit();
}

module_init(mock_init);
module_exit(mock_exit);

MODULE_DESCRIPTION("Software IOMMU with PASID support for iommufd2 tests");
MODULE_LICENSE("GPL");
IFD_MODULE_IMPORT_NS("IOMMUFD2");
