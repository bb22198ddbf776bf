/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that papers over what the supported kernels (Debian's 6.12
 * LTS and 7.x) do differently, or do not export.  Everything else calls the
 * ifd_compat_* helpers here and never tests a kernel version or a probe.
 *
 * What the kernel provides is found at build time by scripts/probe.sh
 * (compile tests against the target kernel), which the top-level Makefile
 * runs before kbuild and which writes generated/probes.h.  Where a kernel
 * cannot do something iommufd2 offers (PASID replace on 6.12), the helper
 * answers -EOPNOTSUPP; it never emulates the operation with a weaker one.
 * Each such difference is a row of the README's divergence table.
 */
#ifndef IOMMUFD2_COMPAT_H
#define IOMMUFD2_COMPAT_H

#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/iommu.h>
#include <linux/mm.h>

#include "probes.h"

/*
 * dev_iommu_ops() lives in the core's private header; the fields it reads
 * are public.  Only valid for a device with an IOMMU (bound devices).
 */
static inline const struct iommu_ops *ifd_dev_iommu_ops(struct device *dev)
{
	return dev->iommu->iommu_dev->ops;
}

/*
 * Core functions exported to iommufd only (namespace IOMMUFD_INTERNAL) and
 * declared in the kernel's unshipped drivers/iommu/iommu-priv.h.  These
 * prototypes must match that header: src/priv_check.c compiles both
 * together when the bench provides the kernel source (IFD_IOMMU_PRIV_DIR),
 * so a changed signature fails the lint build.
 */
int iommu_attach_group_handle(struct iommu_domain *domain,
			      struct iommu_group *group,
			      struct iommu_attach_handle *handle);
void iommu_detach_group_handle(struct iommu_domain *domain,
			       struct iommu_group *group);
int iommu_replace_group_handle(struct iommu_group *group,
			       struct iommu_domain *new_domain,
			       struct iommu_attach_handle *handle);
#ifdef IFD_HAVE_IOMMU_REPLACE_DEVICE_PASID
int iommu_replace_device_pasid(struct iommu_domain *domain,
			       struct device *dev, ioasid_t pasid,
			       struct iommu_attach_handle *handle);
#endif

/* Whether this kernel can replace a PASID's domain in one step. */
static inline bool ifd_compat_can_replace_pasid(void)
{
#ifdef IFD_HAVE_IOMMU_REPLACE_DEVICE_PASID
	return true;
#else
	return false;
#endif
}

int ifd_compat_replace_device_pasid(struct iommu_domain *domain,
				    struct device *dev, ioasid_t pasid,
				    struct iommu_attach_handle *handle);

/*
 * Paging domains.  7.x drivers take IOMMU_HWPT_ALLOC_* flags and user data
 * through ops->domain_alloc_paging_flags and nested domains through
 * ops->domain_alloc_nested; 6.12 drivers take both through
 * ops->domain_alloc_user and do not know IOMMU_HWPT_ALLOC_PASID (their
 * domains may be attached to PASIDs anyway).  The helpers return the
 * driver's domain (paging ones with the type, owner and default ops the
 * core's allocator would set), or an ERR_PTR (never NULL).
 */
struct iommu_domain *ifd_compat_domain_alloc_paging(struct device *dev,
						    u32 flags);
struct iommu_domain *
ifd_compat_ops_alloc_paging(const struct iommu_ops *ops, struct device *dev,
			    u32 flags, const struct iommu_user_data *data);
bool ifd_compat_ops_can_alloc_nested(const struct iommu_ops *ops);
struct iommu_domain *
ifd_compat_ops_alloc_nested(const struct iommu_ops *ops, struct device *dev,
			    struct iommu_domain *parent, u32 flags,
			    const struct iommu_user_data *data);

/*
 * For a driver (the mock IOMMU) that implements both kernels' shapes of
 * an op, the iommu_ops / iommu_domain_ops entries of this kernel's shape.
 * Allocators: 7.x's @paging (domain_alloc_paging_flags) and @nested
 * (domain_alloc_nested), or 6.12's @user (domain_alloc_user, one function
 * for both).  attach_dev: 7.x's @fn is told the domain it replaces, 6.12's
 * @compat_fn is not.  The shape a kernel does not use is left unused.
 */
#ifdef IFD_HAVE_OPS_DOMAIN_ALLOC_PAGING_FLAGS
#define IFD_COMPAT_DOMAIN_ALLOC_OPS(user, paging, nested)		\
	.domain_alloc_paging_flags = (paging),				\
	.domain_alloc_nested = (nested)
#else
#define IFD_COMPAT_DOMAIN_ALLOC_OPS(user, paging, nested)		\
	.domain_alloc_user = (user)
#endif

/*
 * 6.12 ends a PASID's attachment through iommu_ops.remove_dev_pasid, which
 * every driver with PASIDs must have; 7.x attaches the blocked domain.
 * Expands to the initializer with its comma, or to nothing.
 */
#ifdef IFD_HAVE_OPS_REMOVE_DEV_PASID
#define IFD_COMPAT_REMOVE_DEV_PASID_OP(fn)	.remove_dev_pasid = (fn),
#else
#define IFD_COMPAT_REMOVE_DEV_PASID_OP(fn)
#endif

#ifdef IFD_HAVE_ATTACH_DEV_OLD
#define IFD_COMPAT_ATTACH_DEV_OP(compat_fn, fn)	.attach_dev = (fn)
#else
#define IFD_COMPAT_ATTACH_DEV_OP(compat_fn, fn)	.attach_dev = (compat_fn)
#endif

/*
 * Whether the IOMMU can serve the device's PCI ATS requests; kernels
 * without IOMMU_CAP_PCI_ATS_SUPPORTED cannot tell, and we then claim
 * nothing (IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED stays clear, as on 6.12's
 * own iommufd, which has no such flag).
 */
static inline bool ifd_compat_ats_unsupported(struct device *dev)
{
#ifdef IFD_HAVE_IOMMU_CAP_PCI_ATS_SUPPORTED
	return !device_iommu_capable(dev, IOMMU_CAP_PCI_ATS_SUPPORTED);
#else
	return false;
#endif
}

int ifd_compat_memfd_add_pins(struct file *memfd, loff_t pos,
			      struct folio *folio, unsigned int pins);

/*
 * A dma-buf importer's callback for "the exporter takes its memory away":
 * invalidate_mappings on 7.x, move_notify (same contract) on 6.12.
 */
#ifdef IFD_HAVE_DMA_BUF_OPS_INVALIDATE_MAPPINGS
#define IFD_COMPAT_DMA_BUF_INVALIDATE_OP(fn)	.invalidate_mappings = fn
#else
#define IFD_COMPAT_DMA_BUF_INVALIDATE_OP(fn)	.move_notify = fn
#endif

/* An exporter tells its importers; the caller holds the reservation lock. */
static inline void ifd_compat_dma_buf_invalidate(struct dma_buf *dmabuf)
{
#ifdef IFD_HAVE_DMA_BUF_INVALIDATE_MAPPINGS
	dma_buf_invalidate_mappings(dmabuf);
#else
	dma_buf_move_notify(dmabuf);
#endif
}

/*
 * The VFIO device-cdev attach and detach structures in their current
 * layout, with the PASID fields 6.12's linux/vfio.h does not have yet.
 * src/compat.c checks them against the kernel's.
 */
struct ifd_vfio_attach_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
	__u32 pasid;
};

struct ifd_vfio_detach_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pasid;
};

/* The bind structure with the VF token 6.12's linux/vfio.h lacks. */
struct ifd_vfio_bind {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
	__aligned_u64 token_uuid_ptr;
};

#define IFD_VFIO_ATTACH_PASID	BIT(0)
#define IFD_VFIO_DETACH_PASID	BIT(0)
#define IFD_VFIO_BIND_TOKEN	BIT(0)

#endif /* IOMMUFD2_COMPAT_H */
