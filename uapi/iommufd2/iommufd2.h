/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iommufd2's additions to the iommufd ABI.  Nothing here changes an
 * upstream structure; each addition is listed in the README.
 */
#ifndef _UAPI_IOMMUFD2_IOMMUFD2_H
#define _UAPI_IOMMUFD2_IOMMUFD2_H

/*
 * A vIOMMU type managed by iommufd2 itself, for IOMMUs whose drivers
 * implement no vIOMMU (Intel VT-d, virtio-iommu on stock kernels).  It
 * takes any paging HWPT and no type data, and gives devices vDevices
 * (guest IDs, lifecycle) without hardware acceleration.
 */
#define IOMMUFD2_VIOMMU_TYPE_SOFTWARE	0x1f2d5700

#endif /* _UAPI_IOMMUFD2_IOMMUFD2_H */
