// SPDX-License-Identifier: GPL-2.0
/*
 * HW queues (IOMMU_HW_QUEUE_ALLOC): a vIOMMU's queue that the hardware
 * reads straight from guest memory.  The memory, named by its IOVA in the
 * vIOMMU's parent IOAS, is pinned for the queue's life and handed to the
 * backend by physical address; see struct ifd_hw_queue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/overflow.h>

#include "iommufd2/hwpt.h"
#include "iommufd2/ioas.h"
#include "iommufd2/kapi.h"
#include "iommufd2/pages.h"
#include "iommufd2/ucmd.h"
#include "iommufd2/viommu.h"

/**
 * iommufd2_hw_queue_viommu() - the vIOMMU of a HW queue
 * @hwq: the queue
 *
 * Return: its vIOMMU.
 */
struct ifd_viommu *iommufd2_hw_queue_viommu(struct ifd_hw_queue *hwq)
{
	return hwq->viommu;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_hw_queue_viommu, "IOMMUFD2");

/**
 * iommufd2_hw_queue_priv() - a backend's state of its HW queue
 * @hwq: the queue
 *
 * Return: what the backend set with iommufd2_hw_queue_set_priv(), or NULL.
 */
void *iommufd2_hw_queue_priv(struct ifd_hw_queue *hwq)
{
	return hwq->priv;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_hw_queue_priv, "IOMMUFD2");

/**
 * iommufd2_hw_queue_set_priv() - attach a backend's state to a HW queue
 * @hwq: the queue, in the backend's hw_queue_init hook
 * @priv: the state; the backend frees it in hw_queue_destroy
 */
void iommufd2_hw_queue_set_priv(struct ifd_hw_queue *hwq, void *priv)
{
	hwq->priv = priv;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_hw_queue_set_priv, "IOMMUFD2");

/**
 * iommufd2_hw_queue_depend() - keep one queue alive while another uses it
 * @hwq: the dependent queue, in the backend's hw_queue_init hook
 * @on: a queue of the same vIOMMU; IOMMU_DESTROY of it is refused (EBUSY)
 *	until iommufd2_hw_queue_undepend()
 *
 * The backend must keep @on's memory valid for the call, e.g. under the
 * lock its hw_queue_destroy hook takes.
 *
 * Return: 0; -EINVAL for queues of different vIOMMUs; -ENOENT if @on is
 * being destroyed.
 */
int iommufd2_hw_queue_depend(struct ifd_hw_queue *hwq,
			     struct ifd_hw_queue *on)
{
	if (hwq == on || hwq->viommu != on->viommu)
		return -EINVAL;
	return ifd_object_hold_published(hwq->viommu->ctx, &on->obj);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_hw_queue_depend, "IOMMUFD2");

/**
 * iommufd2_hw_queue_undepend() - end iommufd2_hw_queue_depend()
 * @hwq: the dependent queue
 * @on: the queue it depended on
 */
void iommufd2_hw_queue_undepend(struct ifd_hw_queue *hwq,
				struct ifd_hw_queue *on)
{
	ifd_object_release(&on->obj);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_hw_queue_undepend, "IOMMUFD2");

static struct ifd_ioas *ifd_hw_queue_ioas(struct ifd_hw_queue *hwq)
{
	return hwq->viommu->hwpt->ioas;
}

static void ifd_hw_queue_destroy(struct ifd_object *obj)
{
	struct ifd_hw_queue *hwq = container_of(obj, struct ifd_hw_queue, obj);
	const struct iommufd2_viommu_type *vtype;

	if (!hwq->viommu)
		return;
	vtype = hwq->viommu->vtype;
	if (hwq->inited && vtype->hw_queue_destroy)
		vtype->hw_queue_destroy(hwq);
	if (hwq->pinned)
		ifd_iova_map_unpin_for_access(&ifd_hw_queue_ioas(hwq)->map,
					      &hwq->pin);
	ifd_object_release(&hwq->viommu->obj);
}

static const struct ifd_object_ops ifd_hw_queue_ops = {
	.type = IFD_OBJ_HW_QUEUE,
	.destroy = ifd_hw_queue_destroy,
};

/*
 * Pin the whole pages under [@iova, @iova + @length) for the queue and find
 * the physical address of @iova; the pages must be physically contiguous.
 */
static int ifd_hw_queue_pin(struct ifd_hw_queue *hwq, u64 iova, u64 length,
			    phys_addr_t *base)
{
	struct ifd_iova_map *map = &ifd_hw_queue_ioas(hwq)->map;
	unsigned long start = round_down(iova, PAGE_SIZE), next = 0;
	unsigned long pages_len, pfn, n;
	struct ifd_pfn_cursor cur;
	struct ifd_piece *piece;
	bool first = true;
	int rc;

	if (check_add_overflow(iova - start, length, &pages_len) ||
	    check_add_overflow(pages_len, PAGE_SIZE - 1, &pages_len))
		return -ERANGE;
	pages_len = round_down(pages_len, PAGE_SIZE);
	/* Kernel pins have no owner to ask: unmapping them is EBUSY. */
	hwq->pin.access = NULL;
	rc = ifd_iova_map_pin_for_access(map, &hwq->pin, start, pages_len,
					 IOMMU_READ);
	if (rc)
		return rc;

	list_for_each_entry(piece, &hwq->pin.pieces, link) {
		ifd_pfn_cursor_init(&cur, piece->pages,
				    piece->start_byte >> PAGE_SHIFT,
				    piece->length >> PAGE_SHIFT);
		while (ifd_pfn_cursor_next(&cur, &pfn, &n)) {
			if (first)
				*base = PFN_PHYS(pfn) + (iova - start);
			else if (pfn != next)
				rc = -EFAULT;
			first = false;
			next = pfn + n;
		}
	}
	if (rc) {
		ifd_iova_map_unpin_for_access(map, &hwq->pin);
		return rc;
	}
	hwq->pinned = true;
	return 0;
}

int ifd_cmd_hw_queue_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_hw_queue_alloc *cmd = ucmd->cmd;
	const struct iommufd2_viommu_type *vtype;
	struct ifd_viommu *viommu;
	struct ifd_hw_queue *hwq;
	struct ifd_object *obj;
	phys_addr_t base = 0;
	u64 last;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_HW_QUEUE_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->length)
		return -EINVAL;
	if (check_add_overflow(cmd->nesting_parent_iova, cmd->length - 1,
			       &last) || last > ULONG_MAX)
		return -EOVERFLOW;

	obj = ifd_object_get(ucmd->ctx, cmd->viommu_id, IFD_OBJ_VIOMMU);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	viommu = container_of(obj, struct ifd_viommu, obj);
	vtype = viommu->vtype;
	if (!vtype->hw_queue_init) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}

	hwq = ifd_object_alloc(ucmd->ctx, hwq, &ifd_hw_queue_ops);
	if (IS_ERR(hwq)) {
		rc = PTR_ERR(hwq);
		goto out_put;
	}
	if (!ifd_object_tryhold(&viommu->obj)) {
		rc = -ENOENT;
		goto out_abort;
	}
	hwq->viommu = viommu;
	rc = ifd_hw_queue_pin(hwq, cmd->nesting_parent_iova, cmd->length,
			      &base);
	if (rc)
		goto out_abort;
	rc = vtype->hw_queue_init(hwq, cmd->type, cmd->index,
				  cmd->nesting_parent_iova, base);
	if (rc)
		goto out_abort;
	hwq->inited = true;

	cmd->out_hw_queue_id = hwq->obj.id;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	ifd_object_finalize(ucmd->ctx, &hwq->obj);
	goto out_put;

out_abort:
	ifd_object_abort(ucmd->ctx, &hwq->obj);
out_put:
	ifd_object_put(obj);
	return rc;
}
