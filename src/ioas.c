// SPDX-License-Identifier: GPL-2.0
/*
 * IOAS objects and their commands: map (user memory and memfds), copy,
 * unmap, IOVA ranges, allowed ranges, change of the paying process.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "iommufd2/ctx.h"
#include "iommufd2/ioas.h"
#include "iommufd2/kapi.h"
#include "iommufd2/pages.h"
#include "iommufd2/ucmd.h"

#define IFD_MAP_FLAGS	(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | \
			 IOMMU_IOAS_MAP_READABLE)

static void ifd_ioas_destroy(struct ifd_object *obj)
{
	struct ifd_ioas *ioas = container_of(obj, struct ifd_ioas, obj);

	ifd_iova_map_destroy(&ioas->map);
	mutex_destroy(&ioas->hwpt_lock);
}

static const struct ifd_object_ops ifd_ioas_ops = {
	.type = IFD_OBJ_IOAS,
	.destroy = ifd_ioas_destroy,
};

/**
 * ifd_ioas_get() - look up an IOAS with a short-term reference
 * @ctx: the context
 * @id: the IOAS's ID
 *
 * Return: the IOAS or ERR_PTR(-ENOENT).
 */
struct ifd_ioas *ifd_ioas_get(struct ifd_ctx *ctx, u32 id)
{
	struct ifd_object *obj = ifd_object_get(ctx, id, IFD_OBJ_IOAS);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct ifd_ioas, obj);
}

/* The tag of ranges reserved through iommufd2_ioas_reserve(). */
static const char ifd_ioas_kapi_reserved[] = "kapi";

/**
 * iommufd2_ioas_reserve() - forbid an IOVA range in an IOAS for good
 * @ctx: the context
 * @ioas_id: the IOAS
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 *
 * For tests: the range stays reserved until the IOAS is destroyed.
 *
 * Return: 0; -ENOENT (no such IOAS); -EINVAL (@last < @start);
 * -EADDRINUSE (something is mapped there, or an allowed range covers it).
 */
int iommufd2_ioas_reserve(struct ifd_ctx *ctx, u32 ioas_id,
			  unsigned long start, unsigned long last)
{
	struct ifd_ioas *ioas;
	int rc;

	if (last < start)
		return -EINVAL;
	ioas = ifd_ioas_get(ctx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = ifd_iova_map_reserve(&ioas->map, start, last,
				  ifd_ioas_kapi_reserved);
	ifd_ioas_put(ioas);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_ioas_reserve, "IOMMUFD2");

int ifd_cmd_ioas_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct ifd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	ioas = ifd_object_alloc(ucmd->ctx, ioas, &ifd_ioas_ops);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	ifd_iova_map_init(&ioas->map);
	mutex_init(&ioas->hwpt_lock);
	INIT_LIST_HEAD(&ioas->hwpts);

	cmd->out_ioas_id = ioas->obj.id;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		ifd_object_abort(ucmd->ctx, &ioas->obj);
		return rc;
	}
	ifd_object_finalize(ucmd->ctx, &ioas->obj);
	return 0;
}

/* Flag checks shared by MAP, MAP_FILE and COPY. */
static int ifd_map_flags_check(u32 flags, u64 length, u64 iova)
{
	if (flags & ~IFD_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (iova >= ULONG_MAX || length >= ULONG_MAX)
		return -EOVERFLOW;
	if (!(flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	return 0;
}

/*
 * Devices are required to be cache coherent (there is no cache-flush
 * command), so every mapping is IOMMU_CACHE.
 */
static int ifd_map_prot(u32 flags)
{
	int prot = IOMMU_CACHE;

	if (flags & IOMMU_IOAS_MAP_WRITEABLE)
		prot |= IOMMU_WRITE;
	if (flags & IOMMU_IOAS_MAP_READABLE)
		prot |= IOMMU_READ;
	return prot;
}

/**
 * ifd_ioas_map_pages() - map freshly pinned pages whole
 * @ioas: the IOAS
 * @pages: the pages; the reference is consumed
 * @flags: IOMMU_IOAS_MAP_* flags
 * @iova: the IOVA (FIXED_IOVA) or where the mapping went
 *
 * Return: 0 or -errno, as IOMMU_IOAS_MAP.
 */
int ifd_ioas_map_pages(struct ifd_ioas *ioas, struct ifd_pages *pages,
		       u32 flags, unsigned long *iova)
{
	struct ifd_piece piece = {
		.pages = pages,
		.start_byte = pages->offset,
		.length = pages->length,
		.area = &pages->area,
	};
	LIST_HEAD(pieces);
	int rc;

	list_add(&piece.link, &pieces);
	rc = ifd_iova_map_insert(&ioas->map, &pieces, pages->length, iova,
				 ifd_map_prot(flags),
				 flags & IOMMU_IOAS_MAP_FIXED_IOVA);
	if (piece.pages)
		ifd_pages_put(piece.pages);
	return rc;
}

/*
 * Common tail of MAP and MAP_FILE: the source's own checks, its pages,
 * inserting.  The insert checks the IOVA before it pins anything; a source
 * whose pages are pinned when they are made (a file) checks a fixed IOVA
 * in @check_source first, so bad input pins nothing.
 */
static int ifd_ioas_map_common(struct ifd_ucmd *ucmd, u32 ioas_id,
			       u32 flags, u64 length, u64 *iova,
			       int (*check_source)(struct ifd_ucmd *ucmd,
						   struct ifd_ioas *ioas),
			       struct ifd_pages *(*pin)(struct ifd_ucmd *ucmd,
							bool writable))
{
	unsigned long out_iova = *iova;
	struct ifd_pages *pages;
	struct ifd_ioas *ioas;
	int rc;

	ioas = ifd_ioas_get(ucmd->ctx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	/*
	 * Upstream's order: the IOAS, an empty length, then the memory (a
	 * user address that overflows, a bad fd of a map_file); the IOVA
	 * after.
	 */
	if (!length) {
		rc = -EINVAL;
		goto out_put;
	}
	rc = check_source ? check_source(ucmd, ioas) : 0;
	if (rc)
		goto out_put;
	pages = pin(ucmd, flags & IOMMU_IOAS_MAP_WRITEABLE);
	if (IS_ERR(pages)) {
		rc = PTR_ERR(pages);
		goto out_put;
	}
	rc = ifd_ioas_map_pages(ioas, pages, flags, &out_iova);
	if (rc)
		goto out_put;
	*iova = out_iova;
	rc = ifd_ucmd_respond_u64(ucmd, iova);
	if (rc) {
		unsigned long unmapped;

		ifd_iova_unmap(&ioas->map, out_iova, length, &unmapped);
	}
out_put:
	ifd_ioas_put(ioas);
	return rc;
}

static struct ifd_pages *ifd_pin_for_map(struct ifd_ucmd *ucmd, bool writable)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;

	return ifd_pages_user(cmd->user_va, cmd->length, writable, ucmd->ctx);
}

int ifd_cmd_ioas_map(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	rc = ifd_map_flags_check(cmd->flags, cmd->length, cmd->iova);
	if (rc)
		return rc;
	return ifd_ioas_map_common(ucmd, cmd->ioas_id, cmd->flags,
				   cmd->length, &cmd->iova, NULL,
				   ifd_pin_for_map);
}

static struct ifd_pages *ifd_pin_for_map_file(struct ifd_ucmd *ucmd,
					      bool writable)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	struct ifd_pages *pages;
	struct dma_buf *dmabuf;

	/* A dma-buf, or else a memfd. */
	dmabuf = dma_buf_get(cmd->fd);
	if (IS_ERR(dmabuf))
		return ifd_pages_pin_file(cmd->fd, cmd->start, cmd->length,
					  writable, ucmd->ctx);
	pages = ifd_pages_from_dmabuf(dmabuf, ifd_misc_device(), cmd->start,
				      cmd->length, writable);
	dma_buf_put(dmabuf);
	return pages;
}

/*
 * MAP_FILE's fd is looked at before the IOVA: EBADF first, as upstream.
 * Its pages are pinned as they are made, so a fixed IOVA the insert would
 * refuse is refused before that.
 */
static int ifd_map_file_check(struct ifd_ucmd *ucmd, struct ifd_ioas *ioas)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	struct file *file = fget(cmd->fd);

	if (!file)
		return -EBADF;
	fput(file);
	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		return 0;
	return ifd_iova_map_precheck(&ioas->map, cmd->iova, cmd->length);
}

int ifd_cmd_ioas_map_file(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	int rc;

	rc = ifd_map_flags_check(cmd->flags, cmd->length, cmd->iova);
	if (rc)
		return rc;
	return ifd_ioas_map_common(ucmd, cmd->ioas_id, cmd->flags,
				   cmd->length, &cmd->iova,
				   ifd_map_file_check, ifd_pin_for_map_file);
}

int ifd_cmd_ioas_copy(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	unsigned long iova = cmd->dst_iova;
	struct ifd_ioas *src, *dst;
	LIST_HEAD(pieces);
	int rc;

	rc = ifd_map_flags_check(cmd->flags, cmd->length, cmd->dst_iova);
	if (rc)
		return rc;
	if (cmd->src_iova >= ULONG_MAX)
		return -EOVERFLOW;

	src = ifd_ioas_get(ucmd->ctx, cmd->src_ioas_id);
	if (IS_ERR(src))
		return PTR_ERR(src);
	rc = ifd_iova_map_collect(&src->map, cmd->src_iova, cmd->length,
				  &pieces);
	ifd_ioas_put(src);
	if (rc)
		return rc;

	dst = ifd_ioas_get(ucmd->ctx, cmd->dst_ioas_id);
	if (IS_ERR(dst)) {
		rc = PTR_ERR(dst);
		goto out_pieces;
	}
	rc = ifd_iova_map_insert(&dst->map, &pieces, cmd->length, &iova,
				 ifd_map_prot(cmd->flags),
				 cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA);
	if (!rc) {
		cmd->dst_iova = iova;
		rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
		if (rc) {
			unsigned long unmapped;

			ifd_iova_unmap(&dst->map, iova, cmd->length,
				       &unmapped);
		}
	}
	ifd_ioas_put(dst);
out_pieces:
	ifd_pieces_free(&pieces);
	return rc;
}

int ifd_cmd_ioas_unmap(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	unsigned long unmapped = 0;
	struct ifd_ioas *ioas;
	int rc;

	ioas = ifd_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->iova == 0 && cmd->length == U64_MAX) {
		rc = ifd_iova_unmap_all(&ioas->map, &unmapped);
	} else if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX) {
		rc = -EOVERFLOW;
	} else {
		rc = ifd_iova_unmap(&ioas->map, cmd->iova, cmd->length,
				    &unmapped);
		if (!rc && !unmapped)
			rc = -ENOENT;
	}
	if (!rc) {
		cmd->length = unmapped;
		rc = ifd_ucmd_respond_u64(ucmd, &cmd->length);
	}
	ifd_ioas_put(ioas);
	return rc;
}

struct ifd_ranges_out {
	struct iommu_iova_range __user *uranges;
	u32 room;
	u32 count;
};

static int ifd_emit_range(void *arg, unsigned long start, unsigned long last)
{
	struct ifd_ranges_out *out = arg;
	struct iommu_iova_range range = { .start = start, .last = last };

	if (out->count < out->room &&
	    copy_to_user(&out->uranges[out->count], &range, sizeof(range)))
		return -EFAULT;
	out->count++;
	return 0;
}

int ifd_cmd_ioas_iova_ranges(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct ifd_ranges_out out = {
		.uranges = u64_to_user_ptr(cmd->allowed_iovas),
		.room = cmd->num_iovas,
	};
	struct ifd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = ifd_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	rc = ifd_iova_map_usable_ranges(&ioas->map, ifd_emit_range, &out);
	if (!rc) {
		cmd->num_iovas = out.count;
		cmd->out_iova_alignment = READ_ONCE(ioas->map.iova_alignment);
		rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	}
	if (!rc && out.count > out.room)
		rc = -EMSGSIZE;
	ifd_ioas_put(ioas);
	return rc;
}

static int ifd_range_cmp(const void *a, const void *b)
{
	const struct ifd_range *ra = a, *rb = b;

	return ra->start < rb->start ? -1 : ra->start > rb->start;
}

/*
 * Read, validate and sort userspace's allowed ranges.  The array grows as
 * ranges are read, so the kernel never allocates for more of them than
 * userspace really supplied (@n alone is just a number).
 */
static struct ifd_range *ifd_load_ranges(u64 uptr, u32 n)
{
	struct iommu_iova_range __user *uranges = u64_to_user_ptr(uptr);
	struct ifd_range *ranges = NULL, *grown;
	struct iommu_iova_range range;
	u32 i, cap = 0;
	int rc = 0;

	for (i = 0; i < n; i++) {
		if (i == cap) {
			cap = cap ? min(cap, n - cap) + cap : min(n, 64U);
			grown = kvrealloc(ranges,
					  array_size(cap, sizeof(*ranges)),
					  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
			if (!grown) {
				rc = -ENOMEM;
				goto err;
			}
			ranges = grown;
		}
		if (copy_from_user(&range, &uranges[i], sizeof(range))) {
			rc = -EFAULT;
			goto err;
		}
		if (range.start >= range.last || range.last > ULONG_MAX) {
			rc = -EINVAL;
			goto err;
		}
		ranges[i].start = range.start;
		ranges[i].last = range.last;
	}
	sort(ranges, n, sizeof(*ranges), ifd_range_cmp, NULL);
	for (i = 1; i < n; i++) {
		if (ranges[i].start <= ranges[i - 1].last) {
			rc = -EINVAL;
			goto err;
		}
	}
	return ranges;

err:
	kvfree(ranges);
	return ERR_PTR(rc);
}

int ifd_cmd_ioas_allow_iovas(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct ifd_range *ranges = NULL;
	struct ifd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = ifd_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (cmd->num_iovas) {
		ranges = ifd_load_ranges(cmd->allowed_iovas, cmd->num_iovas);
		if (IS_ERR(ranges)) {
			rc = PTR_ERR(ranges);
			goto out_put;
		}
	}
	rc = ifd_iova_map_set_allowed(&ioas->map, ranges, cmd->num_iovas);
	if (rc)
		kvfree(ranges);
out_put:
	ifd_ioas_put(ioas);
	return rc;
}

/* What IOMMU_IOAS_CHANGE_PROCESS found behind the mappings. */
struct ifd_change {
	struct ifd_pages_visitor visitor;
	struct xarray seen;	/* distinct pages, keyed by address */
	int rc;
};

static void ifd_change_collect(struct ifd_pages_visitor *v,
			       struct ifd_pages *pages)
{
	struct ifd_change *ch = container_of(v, struct ifd_change, visitor);
	int rc;

	if (ch->rc)
		return;
	if (!pages->is_file) {
		ch->rc = -EINVAL;
		return;
	}
	rc = xa_insert(&ch->seen, (unsigned long)pages / sizeof(long), pages,
		       GFP_KERNEL);
	if (rc && rc != -EBUSY)
		ch->rc = rc;
}

/* Charge the caller for everything first, then hand each owner over. */
static int ifd_change_apply(struct ifd_change *ch, struct ifd_ctx *ctx)
{
	unsigned long total[IFD_ACCOUNT_MM + 1] = {}, index;
	struct ifd_pages *pages;
	struct ifd_payer *payer;
	int mode, rc = 0;

	xa_for_each(&ch->seen, index, pages) {
		if (ifd_owner_is_current(&pages->owner))
			xa_erase(&ch->seen, index);
		else
			total[pages->owner.mode] += pages->npages;
	}

	payer = ifd_payer_get_current(ctx);
	if (!payer)
		return -ENOMEM;
	for (mode = 0; mode <= IFD_ACCOUNT_MM; mode++) {
		rc = total[mode] ? ifd_payer_charge(payer, mode, total[mode]) :
				   0;
		if (rc) {
			while (mode--)
				ifd_payer_uncharge(payer, mode, total[mode]);
			goto out;
		}
	}
	xa_for_each(&ch->seen, index, pages)
		ifd_owner_transfer(&pages->owner, payer, pages->npages);
out:
	ifd_payer_put(payer);
	return rc;
}

int ifd_cmd_ioas_change_process(struct ifd_ucmd *ucmd)
{
	struct iommu_ioas_change_process *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct ifd_change ch = { .visitor.visit = ifd_change_collect };
	struct ifd_object *obj;
	struct xarray ioases;
	unsigned long index;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	xa_init(&ioases);
	xa_init(&ch.seen);
	/*
	 * Pages can be shared between IOASes (copy), so every IOAS is held
	 * still while owners change.  The mutex makes this the only place
	 * that nests IOAS locks; they are taken in ID order.
	 */
	mutex_lock(&ctx->change_process_lock);
	rc = ifd_object_get_all(ctx, IFD_OBJ_IOAS, &ioases);
	if (rc)
		goto out_unlock;
	xa_for_each(&ioases, index, obj) {
		struct ifd_ioas *ioas = container_of(obj, struct ifd_ioas, obj);

		down_write_nest_lock(&ioas->map.lock,
				     &ctx->change_process_lock);
		ifd_iova_map_visit_pages(&ioas->map, &ch.visitor);
	}
	rc = ch.rc ?: ifd_change_apply(&ch, ctx);
	xa_for_each(&ioases, index, obj)
		up_write(&container_of(obj, struct ifd_ioas, obj)->map.lock);
	ifd_object_put_all(&ioases);
out_unlock:
	mutex_unlock(&ctx->change_process_lock);
	xa_destroy(&ch.seen);
	return rc;
}

/**
 * ifd_ioas_option_huge_pages() - IOMMU_OPTION_HUGE_PAGES on one IOAS
 * @ioas: the IOAS
 * @op: IOMMU_OPTION_OP_GET or IOMMU_OPTION_OP_SET
 * @val: the value to set (0 or 1), or where the current one is returned
 *
 * Return: 0, -EINVAL for a value other than 0/1, -EOPNOTSUPP for another op,
 * or the refusal of ifd_iova_map_set_large_pages().
 */
int ifd_ioas_option_huge_pages(struct ifd_ioas *ioas, u16 op, u64 *val)
{
	switch (op) {
	case IOMMU_OPTION_OP_GET:
		*val = READ_ONCE(ioas->map.large_pages);
		return 0;
	case IOMMU_OPTION_OP_SET:
		if (*val > 1)
			return -EINVAL;
		return ifd_iova_map_set_large_pages(&ioas->map, *val);
	default:
		return -EOPNOTSUPP;
	}
}
