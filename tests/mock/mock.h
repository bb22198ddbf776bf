/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommufd2_mock: a software IOMMU for tests, registered on the stock kernel
 * through exported symbols only, and its devices.
 *
 * A mock device records which domain translates its RID and each PASID,
 * updated by the driver's attach_dev/set_dev_pasid under the device's
 * @lock; mock_dma() translates through that domain under the same lock and
 * the domain's own, so a "DMA" sees either the old or the new attachment,
 * never a freed domain or an unpinned page.
 */
#ifndef IOMMUFD2_MOCK_H
#define IOMMUFD2_MOCK_H

#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

struct ifd_ctx;
struct iommufd2_test_call;
struct ifd_device;
struct ifd_viommu;
struct ifd_hw_queue;
struct mock_stats;

/**
 * struct mock_dev - one mock device
 * @pdev: its platform device (the IOMMU core probes it with our ops)
 * @index: name in the test interface
 * @lock: protects @rid and @pasids
 * @rid: the domain translating the RID, NULL when blocked
 * @pasids: PASID -> domain
 * @link: on the list of devices being probed, then on its file's list
 * @ctx: the iommufd2 context it is bound to, or NULL
 * @idev: its binding in @ctx
 * @attached: PASIDs (MOCK_NO_PASID: the RID) attached through the binding
 * @flags: MOCK_DEV_* flags it was created with
 * @cache: the device's cache entries, as the selftest vIOMMU invalidates
 *	them
 * @iopf_users: attachments to domains with a fault handler; the device is
 *	on the IOPF queue while there are any (the core's group lock)
 * @vdev_lock: protects @viommu and @virt_id; held while reporting for them
 * @viommu: the vIOMMU the device has a vDevice in, or NULL
 * @virt_id: the vDevice's virtual ID
 * @reserved_pasid_fail: the next installation on IOMMU_TEST_PASID_RESERVED
 *	fails (selftest devices, see mock_set_dev_pasid())
 */
struct mock_dev {
	struct platform_device *pdev;
	u32 index;
	u32 flags;
	u32 cache[4];
	spinlock_t lock;	/* see above */
	struct iommu_domain *rid;
	struct xarray pasids;
	struct list_head link;
	struct ifd_ctx *ctx;
	struct ifd_device *idev;
	struct xarray attached;
	unsigned int iopf_users;
	struct mutex vdev_lock;	/* see above */
	struct ifd_viommu *viommu;
	u64 virt_id;
	atomic_t reserved_pasid_fail;
};

/* Flags of mock_dev_create() */
#define MOCK_DEV_SELFTEST	BIT(0)	/* upstream's selftest geometry */
#define MOCK_DEV_NO_DIRTY	BIT(1)	/* no dirty tracking */

struct mock_dev *mock_dev_create(u32 index, u32 pasid_bits, u32 flags);
struct mock_dev *mock_is_mock_device(struct device *dev);
int mock_domain_set_dirty(struct iommu_domain *domain, unsigned long iova);
int mock_domain_check_map(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t phys);
struct iommu_domain *mock_dev_domain(struct mock_dev *mdev, u32 pasid);
int mock_dev_report_vevent(struct mock_dev *mdev);

int mock_viommu_init(struct ifd_viommu *viommu, struct iommu_domain *parent,
		     const struct iommu_user_data *data);
void mock_viommu_destroy(struct ifd_viommu *viommu);
int mock_hw_queue_init(struct ifd_hw_queue *hwq, u32 type, u32 index,
		       u64 iova, phys_addr_t base);
void mock_hw_queue_destroy(struct ifd_hw_queue *hwq);
int mock_nested_check_iotlb(struct iommu_domain *domain, u32 id, u32 value);
void mock_report_page_request(struct mock_dev *mdev, u32 pasid, u32 grpid,
			      u32 perm, u64 addr);
int mock_selftest_init(void);
int mock_st_access(struct iommufd2_test_call *call);
int mock_user_pfn(unsigned long uaddr, unsigned long *pfn, unsigned int *refs);
void mock_selftest_exit(void);
void mock_dev_destroy(struct mock_dev *mdev);
int mock_dma(struct mock_dev *mdev, u32 pasid, u64 iova, u32 value);
void mock_inject(u32 op, u32 count);
void mock_get_stats(struct mock_stats *stats);

int mock_dmabuf_init(void);
void mock_dmabuf_exit(void);
int mock_dmabuf_get(size_t length, unsigned int open_flags);
int mock_dmabuf_revoke(int fd, bool revoked);

int mock_iommu_init(void);
void mock_iommu_exit(void);
long mock_access_ioctl(struct list_head *accesses, struct mutex *lock,
		       unsigned int num, void __user *uarg);
void mock_access_release_all(struct list_head *accesses);
void mock_access_stats(struct mock_stats *stats);

#endif /* IOMMUFD2_MOCK_H */
