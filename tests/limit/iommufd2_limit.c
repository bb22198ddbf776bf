// SPDX-License-Identifier: GPL-2.0
/*
 * The physical-limit reference of map_bench (limit_uapi.h).
 *
 * At load the module takes DMA ownership of one PCI device that has no
 * driver (by default QEMU's edu), gives it a paging domain of its IOMMU and
 * attaches it.  LIMIT_MAP then does the least work any iommufd could do for
 * IOMMU_IOAS_MAP on that domain: pin_user_pages_fast() the range and
 * iommu_map() each physically contiguous run in one call.  The only state
 * kept is the page array needed to unpin.  No accounting: root only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "limit_uapi.h"

static ushort vendor = 0x1234;
module_param(vendor, ushort, 0444);
MODULE_PARM_DESC(vendor, "PCI vendor ID of the device to map for (edu)");
static ushort device = 0x11e8;
module_param(device, ushort, 0444);
MODULE_PARM_DESC(device, "PCI device ID of the device to map for (edu)");

/**
 * struct limit_state - the module's one device and one mapping
 * @lock: serialises LIMIT_MAP/LIMIT_UNMAP; protects the mapping fields
 * @pdev: the device whose DMA ownership the module holds
 * @domain: the paging domain attached to @pdev's group
 * @owner: the file that made the current mapping, NULL if none
 * @pages: the pinned pages of the mapping
 * @npages: how many
 * @iova: where they are mapped
 */
struct limit_state {
	struct mutex lock;	/* see above */
	struct pci_dev *pdev;
	struct iommu_domain *domain;
	struct file *owner;
	struct page **pages;
	unsigned long npages;
	unsigned long iova;
};

static struct limit_state limit = {
	.lock = __MUTEX_INITIALIZER(limit.lock),
};

static void limit_release_pages(unsigned long npages)
{
	unpin_user_pages(limit.pages, npages);
	kvfree(limit.pages);
	limit.pages = NULL;
	limit.npages = 0;
}

static int limit_pin(unsigned long uaddr, unsigned long npages)
{
	unsigned long done = 0;
	long got;

	limit.pages = kvmalloc_array(npages, sizeof(*limit.pages), GFP_KERNEL);
	if (!limit.pages)
		return -ENOMEM;
	while (done < npages) {
		got = pin_user_pages_fast(uaddr + (done << PAGE_SHIFT),
					  min(npages - done, (unsigned long)INT_MAX),
					  FOLL_WRITE | FOLL_LONGTERM,
					  limit.pages + done);
		if (got <= 0) {
			limit_release_pages(done);
			return got ? got : -EFAULT;
		}
		done += got;
	}
	limit.npages = npages;
	return 0;
}

/* One iommu_map() per physically contiguous run of the pinned pages. */
static int limit_map_runs(unsigned long iova)
{
	unsigned long i = 0, run;
	int rc;

	while (i < limit.npages) {
		phys_addr_t start = page_to_phys(limit.pages[i]);

		for (run = 1; i + run < limit.npages; run++)
			if (page_to_phys(limit.pages[i + run]) !=
			    start + (run << PAGE_SHIFT))
				break;
		rc = iommu_map(limit.domain, iova + (i << PAGE_SHIFT), start,
			       run << PAGE_SHIFT, IOMMU_READ | IOMMU_WRITE,
			       GFP_KERNEL);
		if (rc) {
			if (i)
				iommu_unmap(limit.domain, iova, i << PAGE_SHIFT);
			return rc;
		}
		i += run;
	}
	return 0;
}

static int limit_map(struct file *file, struct limit_map __user *uarg)
{
	struct limit_map arg;
	int rc;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!arg.length || !PAGE_ALIGNED(arg.uaddr) ||
	    !PAGE_ALIGNED(arg.length) || !PAGE_ALIGNED(arg.iova) ||
	    arg.uaddr + arg.length < arg.uaddr ||
	    arg.iova + arg.length < arg.iova)
		return -EINVAL;
	if (limit.owner)
		return -EBUSY;
	rc = limit_pin(arg.uaddr, arg.length >> PAGE_SHIFT);
	if (rc)
		return rc;
	rc = limit_map_runs(arg.iova);
	if (rc) {
		limit_release_pages(limit.npages);
		return rc;
	}
	limit.iova = arg.iova;
	limit.owner = file;
	return 0;
}

static void limit_unmap(void)
{
	size_t len = limit.npages << PAGE_SHIFT;

	if (iommu_unmap(limit.domain, limit.iova, len) != len)
		pr_err("domain kept part of IOVA 0x%lx+0x%zx\n", limit.iova, len);
	limit_release_pages(limit.npages);
	limit.owner = NULL;
}

static long limit_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	long rc;

	mutex_lock(&limit.lock);
	switch (cmd) {
	case LIMIT_MAP:
		rc = limit_map(file, (struct limit_map __user *)arg);
		break;
	case LIMIT_UNMAP:
		rc = -ENOENT;
		if (limit.owner == file) {
			limit_unmap();
			rc = 0;
		}
		break;
	default:
		rc = -ENOTTY;
	}
	mutex_unlock(&limit.lock);
	return rc;
}

static int limit_release(struct inode *inode, struct file *file)
{
	mutex_lock(&limit.lock);
	if (limit.owner == file)
		limit_unmap();
	mutex_unlock(&limit.lock);
	return 0;
}

static const struct file_operations limit_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = limit_ioctl,
	.release = limit_release,
};

static struct miscdevice limit_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommufd2-limit",
	.fops = &limit_fops,
	.mode = 0600,
};

/* Identifies this module as the DMA owner of the device. */
static const int limit_dma_owner;

static int limit_take_device(void)
{
	struct iommu_group *group;
	int rc;

	limit.pdev = pci_get_device(vendor, device, NULL);
	if (!limit.pdev) {
		pr_err("no PCI device %04x:%04x\n", vendor, device);
		return -ENODEV;
	}
	rc = iommu_device_claim_dma_owner(&limit.pdev->dev,
					  (void *)&limit_dma_owner);
	if (rc)
		goto put_dev;
	limit.domain = iommu_paging_domain_alloc(&limit.pdev->dev);
	if (IS_ERR(limit.domain)) {
		rc = PTR_ERR(limit.domain);
		goto release_owner;
	}
	group = iommu_group_get(&limit.pdev->dev);
	rc = iommu_attach_group(limit.domain, group);
	iommu_group_put(group);
	if (rc)
		goto free_domain;
	return 0;

free_domain:
	iommu_domain_free(limit.domain);
release_owner:
	iommu_device_release_dma_owner(&limit.pdev->dev);
put_dev:
	pci_dev_put(limit.pdev);
	return rc;
}

static void limit_put_device(void)
{
	struct iommu_group *group = iommu_group_get(&limit.pdev->dev);

	iommu_detach_group(limit.domain, group);
	iommu_group_put(group);
	iommu_domain_free(limit.domain);
	iommu_device_release_dma_owner(&limit.pdev->dev);
	pci_dev_put(limit.pdev);
}

static int __init limit_init(void)
{
	int rc = limit_take_device();

	if (rc)
		return rc;
	rc = misc_register(&limit_misc);
	if (rc)
		limit_put_device();
	else
		pr_info("mapping for %s\n", pci_name(limit.pdev));
	return rc;
}

static void __exit limit_exit(void)
{
	misc_deregister(&limit_misc);
	limit_put_device();
}

module_init(limit_init);
module_exit(limit_exit);
MODULE_DESCRIPTION("iommufd2 benchmark: pin_user_pages + iommu_map, no bookkeeping");
MODULE_LICENSE("GPL");
