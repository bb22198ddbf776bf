// SPDX-License-Identifier: GPL-2.0
/*
 * The selftest vIOMMU's own state: its type data and the page it lets
 * userspace mmap(), and its HW queues, which must be created in index order
 * and each depends on the one before it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd2/kapi.h"
#include "iommufd2/iommufd_test.h"
#include "mock_uapi.h"
#include "mock.h"

/* The mmap() region: two pages, as upstream's selftest expects. */
#define MOCK_VIOMMU_MMAP_ORDER	1
#define MOCK_VIOMMU_MMAP_SIZE	(PAGE_SIZE << MOCK_VIOMMU_MMAP_ORDER)

/**
 * struct mock_viommu - state of one selftest vIOMMU
 * @parent: the parent domain, to check the addresses of HW queues
 * @page: the pages offered to mmap(), NULL without type data
 * @mmap_offset: its mmap() offset
 * @queue_lock: protects @queues
 * @queues: the HW queues by index
 */
struct mock_viommu {
	struct iommu_domain *parent;
	u32 *page;
	u64 mmap_offset;
	struct mutex queue_lock;	/* see above */
	struct ifd_hw_queue *queues[IOMMU_TEST_HW_QUEUE_MAX];
};

/**
 * struct mock_hw_queue - state of one HW queue
 * @index: its index in the vIOMMU
 * @prev: the queue of the index before, which it depends on
 */
struct mock_hw_queue {
	u32 index;
	struct ifd_hw_queue *prev;
};

/*
 * Give the type data back.  The caller's buffer must reach @st's last
 * output field and not be larger than @st, as upstream's mock demands.
 */
static int mock_viommu_respond(const struct iommu_user_data *data,
			       const struct iommu_viommu_selftest *st)
{
	size_t min = offsetofend(struct iommu_viommu_selftest,
				 out_mmap_length);

	if (data->type != MOCK_VIOMMU_TYPE_SELFTEST || data->len < min ||
	    data->len > sizeof(*st))
		return -EINVAL;
	return copy_to_user(data->uptr, st, data->len) ? -EFAULT : 0;
}

/* Echo the type data and offer pages holding its input for mmap(). */
static int mock_viommu_type_data(struct ifd_viommu *viommu,
				 struct mock_viommu *mv,
				 const struct iommu_user_data *data)
{
	struct iommu_viommu_selftest st;
	int rc;

	rc = iommu_copy_struct_from_user(&st, data, MOCK_VIOMMU_TYPE_SELFTEST,
					 out_data);
	if (rc)
		return rc;
	mv->page = (u32 *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
					   MOCK_VIOMMU_MMAP_ORDER);
	if (!mv->page)
		return -ENOMEM;
	*mv->page = st.in_data;
	rc = iommufd2_viommu_mmap_add(viommu, virt_to_phys(mv->page),
				      MOCK_VIOMMU_MMAP_SIZE, &mv->mmap_offset);
	if (rc)
		goto err_page;
	st.out_data = st.in_data;
	st.out_mmap_offset = mv->mmap_offset;
	st.out_mmap_length = MOCK_VIOMMU_MMAP_SIZE;
	rc = mock_viommu_respond(data, &st);
	if (!rc)
		return 0;
	iommufd2_viommu_mmap_remove(viommu, mv->mmap_offset);
err_page:
	free_pages((unsigned long)mv->page, MOCK_VIOMMU_MMAP_ORDER);
	mv->page = NULL;
	return rc;
}

/**
 * mock_viommu_init() - the selftest vIOMMU's init hook
 * @viommu: the new vIOMMU
 * @parent: its parent domain
 * @data: struct iommu_viommu_selftest, or NULL
 *
 * Return: 0 or -errno.
 */
int mock_viommu_init(struct ifd_viommu *viommu, struct iommu_domain *parent,
		     const struct iommu_user_data *data)
{
	struct mock_viommu *mv;
	int rc;

	mv = kzalloc_obj(*mv, GFP_KERNEL);
	if (!mv)
		return -ENOMEM;
	mv->parent = parent;
	mutex_init(&mv->queue_lock);
	if (data) {
		rc = mock_viommu_type_data(viommu, mv, data);
		if (rc) {
			mutex_destroy(&mv->queue_lock);
			kfree(mv);
			return rc;
		}
	}
	iommufd2_viommu_set_priv(viommu, mv);
	return 0;
}

/**
 * mock_viommu_destroy() - the selftest vIOMMU's destroy hook
 * @viommu: the vIOMMU; no HW queue or mapping of its page is left
 */
void mock_viommu_destroy(struct ifd_viommu *viommu)
{
	struct mock_viommu *mv = iommufd2_viommu_priv(viommu);

	if (mv->page) {
		iommufd2_viommu_mmap_remove(viommu, mv->mmap_offset);
		free_pages((unsigned long)mv->page, MOCK_VIOMMU_MMAP_ORDER);
	}
	mutex_destroy(&mv->queue_lock);
	kfree(mv);
}

/**
 * mock_hw_queue_init() - the selftest vIOMMU's HW queue hook
 * @hwq: the new queue
 * @type: must be IOMMU_HW_QUEUE_TYPE_SELFTEST
 * @index: below IOMMU_TEST_HW_QUEUE_MAX; queue @index - 1 must exist
 * @iova: the queue's address in the parent domain
 * @base: its physical address, as iommufd2 found it
 *
 * Return: 0; -EOPNOTSUPP, -EINVAL (index), -EEXIST (index taken), -EIO
 * (previous index missing), -EFAULT (@base is not what @iova translates
 * to), -ENOMEM.
 */
int mock_hw_queue_init(struct ifd_hw_queue *hwq, u32 type, u32 index,
		       u64 iova, phys_addr_t base)
{
	struct mock_viommu *mv =
		iommufd2_viommu_priv(iommufd2_hw_queue_viommu(hwq));
	struct mock_hw_queue *mq;
	int rc = 0;

	if (type != IOMMU_HW_QUEUE_TYPE_SELFTEST)
		return -EOPNOTSUPP;
	if (index >= IOMMU_TEST_HW_QUEUE_MAX)
		return -EINVAL;
	mq = kzalloc_obj(*mq, GFP_KERNEL);
	if (!mq)
		return -ENOMEM;
	mq->index = index;

	mutex_lock(&mv->queue_lock);
	if (mv->queues[index])
		rc = -EEXIST;
	else if (index && !mv->queues[index - 1])
		rc = -EIO;
	else if (base != iommu_iova_to_phys(mv->parent, iova))
		rc = -EFAULT;
	if (!rc && index) {
		mq->prev = mv->queues[index - 1];
		rc = iommufd2_hw_queue_depend(hwq, mq->prev);
	}
	if (!rc) {
		mv->queues[index] = hwq;
		iommufd2_hw_queue_set_priv(hwq, mq);
	}
	mutex_unlock(&mv->queue_lock);
	if (rc)
		kfree(mq);
	return rc;
}

/**
 * mock_hw_queue_destroy() - undo mock_hw_queue_init()
 * @hwq: the queue
 */
void mock_hw_queue_destroy(struct ifd_hw_queue *hwq)
{
	struct mock_viommu *mv =
		iommufd2_viommu_priv(iommufd2_hw_queue_viommu(hwq));
	struct mock_hw_queue *mq = iommufd2_hw_queue_priv(hwq);

	mutex_lock(&mv->queue_lock);
	mv->queues[mq->index] = NULL;
	if (mq->prev)
		iommufd2_hw_queue_undepend(hwq, mq->prev);
	mutex_unlock(&mv->queue_lock);
	kfree(mq);
}
