// SPDX-License-Identifier: GPL-2.0
/*
 * The out-of-line half of include/iommufd2/compat.h: the kernel-dependent
 * domain allocation and PASID replace paths, and the layout checks of the
 * VFIO structures we define ourselves.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/stddef.h>
#include <linux/vfio.h>

#include <iommufd2/iommufd.h>

#include "iommufd2/compat.h"

/*
 * The kernel's structures are a prefix of ours (6.12) or the same (7.x).
 */
static_assert(offsetof(struct vfio_device_attach_iommufd_pt, pt_id) ==
	      offsetof(struct ifd_vfio_attach_pt, pt_id));
static_assert(sizeof(struct vfio_device_attach_iommufd_pt) <=
	      sizeof(struct ifd_vfio_attach_pt));
static_assert(sizeof(struct vfio_device_detach_iommufd_pt) <=
	      sizeof(struct ifd_vfio_detach_pt));
static_assert(offsetofend(struct vfio_device_bind_iommufd, out_devid) ==
	      offsetofend(struct ifd_vfio_bind, out_devid));
#ifdef IFD_HAVE_VFIO_BIND_TOKEN
static_assert(offsetof(struct vfio_device_bind_iommufd, token_uuid_ptr) ==
	      offsetof(struct ifd_vfio_bind, token_uuid_ptr));
static_assert(sizeof(struct vfio_device_bind_iommufd) ==
	      sizeof(struct ifd_vfio_bind));
static_assert(VFIO_DEVICE_BIND_FLAG_TOKEN == IFD_VFIO_BIND_TOKEN);
#endif
#ifdef IFD_HAVE_VFIO_ATTACH_PASID
static_assert(offsetof(struct vfio_device_attach_iommufd_pt, pasid) ==
	      offsetof(struct ifd_vfio_attach_pt, pasid));
static_assert(offsetof(struct vfio_device_detach_iommufd_pt, pasid) ==
	      offsetof(struct ifd_vfio_detach_pt, pasid));
static_assert(sizeof(struct vfio_device_attach_iommufd_pt) ==
	      sizeof(struct ifd_vfio_attach_pt));
static_assert(VFIO_DEVICE_ATTACH_PASID == IFD_VFIO_ATTACH_PASID);
static_assert(VFIO_DEVICE_DETACH_PASID == IFD_VFIO_DETACH_PASID);
#endif

/* A driver allocator's answer: NULL means it could not, as -ENOMEM. */
static struct iommu_domain *ifd_compat_domain_or_err(struct iommu_domain *d)
{
	return d ?: ERR_PTR(-ENOMEM);
}

/*
 * IOMMU_HWPT_ALLOC_* flags as the kernel's drivers know them.  A 6.12
 * driver refuses IOMMU_HWPT_ALLOC_PASID, which its domains need not ask
 * for: every paging domain of theirs may be attached to a PASID.
 */
static __maybe_unused u32 ifd_compat_driver_flags(u32 flags)
{
#ifdef IFD_HAVE_KERNEL_HWPT_ALLOC_PASID
	return flags;
#else
	return flags & ~IOMMU_HWPT_ALLOC_PASID;
#endif
}

/**
 * ifd_compat_domain_alloc_paging() - the core's paging domain for a device
 * @dev: the device
 * @flags: IOMMU_HWPT_ALLOC_* flags
 *
 * Return: the domain, or an ERR_PTR (-EOPNOTSUPP for flags the driver
 * cannot honour).
 */
struct iommu_domain *ifd_compat_domain_alloc_paging(struct device *dev,
						    u32 flags)
{
#ifdef IFD_HAVE_IOMMU_PAGING_DOMAIN_ALLOC_FLAGS
	return iommu_paging_domain_alloc_flags(dev, flags);
#else
	const struct iommu_ops *ops = ifd_dev_iommu_ops(dev);

	/*
	 * As 6.12's own iommufd: a driver with a user allocator makes every
	 * user domain with it (the mock has no other), the rest get the
	 * core's paging domain and no flags.
	 */
	if (!ops->domain_alloc_user)
		return ifd_compat_driver_flags(flags) ? ERR_PTR(-EOPNOTSUPP) :
			iommu_paging_domain_alloc(dev);
	return ifd_compat_ops_alloc_paging(ops, dev, flags, NULL);
#endif
}

/**
 * ifd_compat_ops_alloc_paging() - a driver's paging domain from user data
 * @ops: the device's IOMMU driver
 * @dev: the device
 * @flags: IOMMU_HWPT_ALLOC_* flags
 * @data: the driver-specific description
 *
 * Fills in what the core's allocator would (type, owner, default ops).
 *
 * Return: the domain or an ERR_PTR; -EOPNOTSUPP if the driver has no such
 * allocator.
 */
struct iommu_domain *
ifd_compat_ops_alloc_paging(const struct iommu_ops *ops, struct device *dev,
			    u32 flags, const struct iommu_user_data *data)
{
	struct iommu_domain *domain;

#ifdef IFD_HAVE_OPS_DOMAIN_ALLOC_PAGING_FLAGS
	if (!ops->domain_alloc_paging_flags)
		return ERR_PTR(-EOPNOTSUPP);
	domain = ops->domain_alloc_paging_flags(dev, flags, data);
#else
	if (!ops->domain_alloc_user)
		return ERR_PTR(-EOPNOTSUPP);
	domain = ops->domain_alloc_user(dev, ifd_compat_driver_flags(flags),
					NULL, data);
#endif
	domain = ifd_compat_domain_or_err(domain);
	if (IS_ERR(domain))
		return domain;
	domain->type = IOMMU_DOMAIN_UNMANAGED;
	domain->owner = ops;
	if (!domain->ops)
		domain->ops = ops->default_domain_ops;
	return domain;
}

/**
 * ifd_compat_ops_can_alloc_nested() - whether a driver has a nested
 * domain allocator at all
 * @ops: the driver
 *
 * Return: true if ifd_compat_ops_alloc_nested() can reach the driver.
 */
bool ifd_compat_ops_can_alloc_nested(const struct iommu_ops *ops)
{
#ifdef IFD_HAVE_OPS_DOMAIN_ALLOC_NESTED
	return ops->domain_alloc_nested;
#else
	return ops->domain_alloc_user;
#endif
}

/**
 * ifd_compat_ops_alloc_nested() - a driver's nested domain on @parent
 * @ops: the device's IOMMU driver
 * @dev: the device
 * @parent: the nesting parent, a paging domain of the same driver
 * @flags: IOMMU_HWPT_ALLOC_* flags
 * @data: the driver-specific description of the stage-1 table
 *
 * Return: the domain or an ERR_PTR.
 */
struct iommu_domain *
ifd_compat_ops_alloc_nested(const struct iommu_ops *ops, struct device *dev,
			    struct iommu_domain *parent, u32 flags,
			    const struct iommu_user_data *data)
{
	if (!ifd_compat_ops_can_alloc_nested(ops))
		return ERR_PTR(-EOPNOTSUPP);
#ifdef IFD_HAVE_OPS_DOMAIN_ALLOC_NESTED
	return ifd_compat_domain_or_err(ops->domain_alloc_nested(dev, parent,
								 flags, data));
#else
	return ifd_compat_domain_or_err(ops->domain_alloc_user(dev,
				ifd_compat_driver_flags(flags), parent, data));
#endif
}

/**
 * ifd_compat_memfd_add_pins() - more pins on a pinned folio of a memfd
 * @memfd: the file
 * @pos: a byte offset inside @folio
 * @folio: the folio, pinned once by memfd_pin_folios()
 * @pins: how many pins to add
 *
 * 6.12 exports no way to add pins to a folio but pinning it again, one
 * memfd_pin_folios() call per pin (slower, the same result).
 *
 * Return: 0 with all @pins added, or an error with none added.
 */
int ifd_compat_memfd_add_pins(struct file *memfd, loff_t pos,
			      struct folio *folio, unsigned int pins)
{
#ifdef IFD_HAVE_FOLIO_ADD_PINS
	return folio_add_pins(folio, pins);
#else
	unsigned int done;
	struct folio *again;
	pgoff_t offset;
	long n;

	for (done = 0; done < pins; done++) {
		n = memfd_pin_folios(memfd, pos, pos, &again, 1, &offset);
		if (n == 1 && again == folio)
			continue;
		/* The file changed under us (a hole punched, a truncate). */
		if (n == 1)
			unpin_folio(again);
		while (done--)
			unpin_folio(folio);
		return n < 0 ? n : -EFAULT;
	}
	return 0;
#endif
}

/**
 * ifd_compat_replace_device_pasid() - move a PASID to another domain
 * @domain: the new domain
 * @dev: the device
 * @pasid: the PASID, attached now
 * @handle: the attach handle for @domain
 *
 * Return: 0, the core's error, or -EOPNOTSUPP on kernels without an atomic
 * PASID replace (6.12): detaching first would leave a window in which the
 * device's PASID DMA is blocked, which replace promises never happens.
 */
int ifd_compat_replace_device_pasid(struct iommu_domain *domain,
				    struct device *dev, ioasid_t pasid,
				    struct iommu_attach_handle *handle)
{
#ifdef IFD_HAVE_IOMMU_REPLACE_DEVICE_PASID
	return iommu_replace_device_pasid(domain, dev, pasid, handle);
#else
	return -EOPNOTSUPP;
#endif
}
