// SPDX-License-Identifier: GPL-2.0
/*
 * The physical-limit reference of map_bench (limit_uapi.h).
 *
 * At load the module takes DMA ownership of one PCI device that has no
 * driver (by default QEMU's edu), gives it a paging domain of its IOMMU and
 * attaches it.  LIMIT_MAP then does the least work any iommufd could do for
 * IOMMU_IOAS_MAP on that domain: pin_user_pages_fast() the range and
 * iommu_map() each physically contiguous run in one call.  The only state
 * kept is the page array needed to unpin.  LIMIT_MAP_RANGE does the same
 * for one of many small ranges, each one allocation that holds its page
 * array and links it into a hash table by IOVA (what an unmap needs to
 * find it, and no allocation or RCU-freed node of its own);
 * LIMIT_UNMAP_RANGE unmaps a span of them with one IOTLB sync.  No
 * accounting: root only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/hashtable.h>

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
 * @ranges: the struct limit_range of LIMIT_MAP_RANGE, hashed by IOVA
 * @nr_ranges: how many
 * @range_owner: the file that made them, NULL if there are none
 */
struct limit_state {
	struct mutex lock;	/* see above */
	struct pci_dev *pdev;
	struct iommu_domain *domain;
	struct file *owner;
	struct page **pages;
	unsigned long npages;
	unsigned long iova;
	DECLARE_HASHTABLE(ranges, 16);
	unsigned long nr_ranges;
	struct file *range_owner;
};

/**
 * struct limit_range - one mapping of LIMIT_MAP_RANGE
 * @node: in limit.ranges
 * @doomed: on the list of an unmap
 * @iova: where it is mapped
 * @npages: its length in pages
 * @pages: its pinned pages
 */
struct limit_range {
	struct hlist_node node;
	struct list_head doomed;
	unsigned long iova;
	unsigned long npages;
	struct page *pages[];
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

/* Pin @npages at @uaddr into @pages: all of them or none. */
static int limit_pin(unsigned long uaddr, unsigned long npages,
		     struct page **pages)
{
	unsigned long done = 0;
	long got;

	while (done < npages) {
		got = pin_user_pages_fast(uaddr + (done << PAGE_SHIFT),
					  min(npages - done, (unsigned long)INT_MAX),
					  FOLL_WRITE | FOLL_LONGTERM,
					  pages + done);
		if (got <= 0) {
			unpin_user_pages(pages, done);
			return got ? got : -EFAULT;
		}
		done += got;
	}
	return 0;
}

/* One iommu_map() per physically contiguous run of @pages. */
static int limit_map_runs(struct page **pages, unsigned long npages,
			  unsigned long iova)
{
	unsigned long i = 0, run;
	int rc;

	while (i < npages) {
		phys_addr_t start = page_to_phys(pages[i]);

		for (run = 1; i + run < npages; run++)
			if (page_to_phys(pages[i + run]) !=
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

static int limit_get_args(struct limit_map *arg, struct limit_map __user *uarg)
{
	if (copy_from_user(arg, uarg, sizeof(*arg)))
		return -EFAULT;
	if (!arg->length || !PAGE_ALIGNED(arg->uaddr) ||
	    !PAGE_ALIGNED(arg->length) || !PAGE_ALIGNED(arg->iova) ||
	    arg->uaddr + arg->length < arg->uaddr ||
	    arg->iova + arg->length < arg->iova)
		return -EINVAL;
	return 0;
}

static int limit_map(struct file *file, struct limit_map __user *uarg)
{
	unsigned long npages;
	struct limit_map arg;
	int rc;

	rc = limit_get_args(&arg, uarg);
	if (rc)
		return rc;
	if (limit.owner)
		return -EBUSY;
	npages = arg.length >> PAGE_SHIFT;
	limit.pages = kvmalloc_array(npages, sizeof(*limit.pages), GFP_KERNEL);
	if (!limit.pages)
		return -ENOMEM;
	rc = limit_pin(arg.uaddr, npages, limit.pages);
	if (rc) {
		kvfree(limit.pages);
		limit.pages = NULL;
		return rc;
	}
	limit.npages = npages;
	rc = limit_map_runs(limit.pages, npages, arg.iova);
	if (rc) {
		limit_release_pages(limit.npages);
		return rc;
	}
	limit.iova = arg.iova;
	limit.owner = file;
	return 0;
}

static struct limit_range *limit_find_range(unsigned long iova)
{
	struct limit_range *range;

	hash_for_each_possible(limit.ranges, range, node, iova)
		if (range->iova == iova)
			return range;
	return NULL;
}

static int limit_map_range(struct file *file, struct limit_map __user *uarg)
{
	struct limit_range *range;
	unsigned long npages;
	struct limit_map arg;
	int rc;

	rc = limit_get_args(&arg, uarg);
	if (rc)
		return rc;
	if (limit.range_owner && limit.range_owner != file)
		return -EBUSY;
	if (limit_find_range(arg.iova))
		return -EEXIST;
	npages = arg.length >> PAGE_SHIFT;
	range = kvmalloc(struct_size(range, pages, npages), GFP_KERNEL);
	if (!range)
		return -ENOMEM;
	range->iova = arg.iova;
	range->npages = npages;
	rc = limit_pin(arg.uaddr, npages, range->pages);
	if (rc)
		goto free;
	rc = limit_map_runs(range->pages, npages, arg.iova);
	if (rc)
		goto unpin;
	hash_add(limit.ranges, &range->node, range->iova);
	limit.nr_ranges++;
	limit.range_owner = file;
	return 0;

unpin:
	unpin_user_pages(range->pages, npages);
free:
	kvfree(range);
	return rc;
}

/*
 * Take the ranges starting in [@first, @last] out of the table onto
 * @doomed: in IOVA order by a lookup per page where the span has fewer
 * pages than the table has buckets and ranges, else bucket by bucket.
 */
static void limit_take_ranges(unsigned long first, unsigned long last,
			      struct list_head *doomed)
{
	struct limit_range *range;
	struct hlist_node *tmp;
	unsigned long iova;
	unsigned int bkt;

	if ((last - first) >> PAGE_SHIFT >
	    HASH_SIZE(limit.ranges) + limit.nr_ranges) {
		hash_for_each_safe(limit.ranges, bkt, tmp, range, node)
			if (range->iova >= first && range->iova <= last)
				list_add_tail(&range->doomed, doomed);
	} else {
		for (iova = first; iova <= last && iova >= first;) {
			range = limit_find_range(iova);
			if (!range) {
				iova += PAGE_SIZE;
				continue;
			}
			list_add_tail(&range->doomed, doomed);
			iova += range->npages << PAGE_SHIFT;
		}
	}
	list_for_each_entry(range, doomed, doomed) {
		hash_del(&range->node);
		limit.nr_ranges--;
	}
}

/*
 * Unmap every range starting in IOVA [@first, @last], adjacent ones in
 * one call, sync the IOTLB once, then unpin them.  False if none.
 */
static bool limit_unmap_ranges(unsigned long first, unsigned long last)
{
	struct iommu_iotlb_gather gather;
	unsigned long start = 0, len = 0;
	struct limit_range *range, *tmp;
	LIST_HEAD(doomed);

	limit_take_ranges(first, last, &doomed);
	if (list_empty(&doomed))
		return false;
	iommu_iotlb_gather_init(&gather);
	list_for_each_entry(range, &doomed, doomed) {
		if (len && range->iova != start + len) {
			if (iommu_unmap_fast(limit.domain, start, len,
					     &gather) != len)
				pr_err("domain kept part of IOVA 0x%lx+0x%lx\n",
				       start, len);
			len = 0;
		}
		if (!len)
			start = range->iova;
		len += range->npages << PAGE_SHIFT;
	}
	if (iommu_unmap_fast(limit.domain, start, len, &gather) != len)
		pr_err("domain kept part of IOVA 0x%lx+0x%lx\n", start, len);
	iommu_iotlb_sync(limit.domain, &gather);
	/* The device can no longer reach the pages. */
	list_for_each_entry_safe(range, tmp, &doomed, doomed) {
		unpin_user_pages(range->pages, range->npages);
		kvfree(range);
	}
	if (!limit.nr_ranges)
		limit.range_owner = NULL;
	return true;
}

static int limit_unmap_range(struct file *file, struct limit_map __user *uarg)
{
	struct limit_map arg;
	int rc;

	rc = limit_get_args(&arg, uarg);
	if (rc)
		return rc;
	if (arg.uaddr)
		return -EINVAL;
	if (limit.range_owner != file)
		return -ENOENT;
	return limit_unmap_ranges(arg.iova, arg.iova + arg.length - 1) ?
	       0 : -ENOENT;
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
	case LIMIT_MAP_RANGE:
		rc = limit_map_range(file, (struct limit_map __user *)arg);
		break;
	case LIMIT_UNMAP_RANGE:
		rc = limit_unmap_range(file, (struct limit_map __user *)arg);
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
	if (limit.range_owner == file)
		limit_unmap_ranges(0, ULONG_MAX);
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
