// SPDX-License-Identifier: GPL-2.0
/*
 * A dma-buf exporter for upstream's selftests (TEST_OP_DMABUF_GET and
 * TEST_OP_DMABUF_REVOKE): physically contiguous kernel memory that no
 * device maps except through iommufd2, which learns where it lives through
 * struct iommufd2_dmabuf_exporter.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/fcntl.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "iommufd2/compat.h"
#include "iommufd2/kapi.h"
#include "iommufd2/iommufd_test.h"
#include "mock.h"

/* Upstream's bound: a buffer is at most 512 pages. */
#define MOCK_DMABUF_MAX_PAGES	512

/**
 * struct mock_dmabuf - one exported buffer
 * @memory: its memory, physically contiguous
 * @length: bytes, a multiple of PAGE_SIZE
 * @revoked: taken back from importers (under the reservation lock)
 */
struct mock_dmabuf {
	void *memory;
	size_t length;
	bool revoked;
};

/* Importers see the memory only through iommufd2: no scatterlists. */
static struct sg_table *mock_dmabuf_map(struct dma_buf_attachment *attach,
					enum dma_data_direction dir)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static void mock_dmabuf_unmap(struct dma_buf_attachment *attach,
			      struct sg_table *sgt, enum dma_data_direction dir)
{
}

/*
 * The memory never moves, so pinning is nothing; having pin/unpin makes
 * the buffer a dynamic exporter's, which it is (it revokes its importers'
 * access and tells them).  Without them 6.12's dma_buf_dynamic_attach()
 * would map the buffer at attach time, which this exporter refuses.
 */
static int mock_dmabuf_pin(struct dma_buf_attachment *attach)
{
	return 0;
}

static void mock_dmabuf_unpin(struct dma_buf_attachment *attach)
{
}

static void mock_dmabuf_release(struct dma_buf *dmabuf)
{
	struct mock_dmabuf *buf = dmabuf->priv;

	kfree(buf->memory);
	kfree(buf);
}

static const struct dma_buf_ops mock_dmabuf_ops = {
	.map_dma_buf = mock_dmabuf_map,
	.unmap_dma_buf = mock_dmabuf_unmap,
	.pin = mock_dmabuf_pin,
	.unpin = mock_dmabuf_unpin,
	.release = mock_dmabuf_release,
};

static int mock_dmabuf_phys(struct dma_buf_attachment *attach,
			    phys_addr_t *paddr, size_t *len)
{
	struct mock_dmabuf *buf = attach->dmabuf->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (buf->revoked)
		return -ENODEV;
	*paddr = virt_to_phys(buf->memory);
	*len = buf->length;
	return 0;
}

static struct iommufd2_dmabuf_exporter mock_dmabuf_exporter = {
	.ops = &mock_dmabuf_ops,
	.phys = mock_dmabuf_phys,
};

/**
 * mock_dmabuf_get() - export a new buffer
 * @length: bytes (rounded up to pages, at most 512 of them)
 * @open_flags: O_CLOEXEC and the like for its fd
 *
 * Return: the new fd, or -EINVAL, -ENOMEM.
 */
int mock_dmabuf_get(size_t length, unsigned int open_flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct mock_dmabuf *buf;
	struct dma_buf *dmabuf;
	int fd;

	length = PAGE_ALIGN(length);
	if (!length || length > MOCK_DMABUF_MAX_PAGES * PAGE_SIZE ||
	    (open_flags & ~(O_CLOEXEC | O_ACCMODE)))
		return -EINVAL;
	buf = kzalloc_obj(*buf, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	buf->length = length;
	buf->memory = kzalloc(length, GFP_KERNEL);
	if (!buf->memory) {
		kfree(buf);
		return -ENOMEM;
	}
	info.ops = &mock_dmabuf_ops;
	info.size = length;
	info.flags = open_flags;
	info.priv = buf;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		kfree(buf->memory);
		kfree(buf);
		return PTR_ERR(dmabuf);
	}
	fd = dma_buf_fd(dmabuf, open_flags);
	if (fd < 0)
		dma_buf_put(dmabuf);	/* releases @buf */
	return fd;
}

/**
 * mock_dmabuf_revoke() - take a buffer back from its importers, or give it
 *	back (importers must map it anew)
 * @fd: the buffer's fd
 * @revoked: take back (true) or give back
 *
 * Return: 0, or -EINVAL for a buffer the mock did not export, -EBADF.
 */
int mock_dmabuf_revoke(int fd, bool revoked)
{
	struct dma_buf *dmabuf = dma_buf_get(fd);
	int rc = 0;

	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	if (dmabuf->ops == &mock_dmabuf_ops) {
		dma_resv_lock(dmabuf->resv, NULL);
		((struct mock_dmabuf *)dmabuf->priv)->revoked = revoked;
		ifd_compat_dma_buf_invalidate(dmabuf);
		dma_resv_unlock(dmabuf->resv);
	} else {
		rc = -EINVAL;
	}
	dma_buf_put(dmabuf);
	return rc;
}

/**
 * mock_dmabuf_init() - tell iommufd2 about the mock's buffers
 *
 * Return: 0 or an error.
 */
int mock_dmabuf_init(void)
{
	return iommufd2_dmabuf_exporter_register(&mock_dmabuf_exporter);
}

/**
 * mock_dmabuf_exit() - withdraw (every buffer holds this module)
 */
void mock_dmabuf_exit(void)
{
	iommufd2_dmabuf_exporter_unregister(&mock_dmabuf_exporter);
}

IFD_MODULE_IMPORT_NS("DMA_BUF");
