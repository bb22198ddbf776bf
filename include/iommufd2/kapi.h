/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommufd2's in-kernel API, exported in the IOMMUFD2 symbol namespace, for
 * the drivers that hand devices to an iommufd2 context: the PCI device
 * driver (iommufd2_pci) and the test-only mock IOMMU.  They see only these
 * opaque handles.
 *
 * Rules for a driver:
 *  - a context comes from a file with iommufd2_ctx_from_file() and is
 *    dropped with iommufd2_ctx_put();
 *  - iommufd2_device_bind() claims DMA ownership of the device for the
 *    context; iommufd2_device_unbind() detaches every attachment, releases
 *    ownership and frees the device's ID.  Unbind must happen before the
 *    driver lets go of the device (remove, close);
 *  - attach/replace/detach are serialised by the caller per device.
 */
#ifndef IOMMUFD2_KAPI_H
#define IOMMUFD2_KAPI_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

struct device;
struct module;
struct file;
struct page;
struct ifd_ctx;
struct ifd_device;
struct ifd_viommu;
struct ifd_hw_queue;
struct dma_buf_attachment;
struct dma_buf_ops;
struct iommu_domain;
struct iommu_user_data;
struct iommu_user_data_array;

struct ifd_ctx *iommufd2_ctx_from_file(struct file *file);
void iommufd2_ctx_put(struct ifd_ctx *ctx);

struct ifd_device *iommufd2_device_bind(struct ifd_ctx *ctx,
					struct device *dev, u32 *id);
void iommufd2_device_unbind(struct ifd_device *idev);
u32 iommufd2_device_id(struct ifd_device *idev);

int iommufd2_device_attach(struct ifd_device *idev, u32 pasid, u32 *pt_id);
int iommufd2_device_replace(struct ifd_device *idev, u32 pasid, u32 *pt_id);
void iommufd2_device_detach(struct ifd_device *idev, u32 pasid);

/**
 * struct iommufd2_viommu_type - a vIOMMU backend
 * @type: the uAPI vIOMMU type it serves
 * @needs_nest_parent: its vIOMMUs must sit on a HWPT allocated with
 *	IOMMU_HWPT_ALLOC_NEST_PARENT
 * @owner: module kept loaded while one of its vIOMMUs exists
 * @match: whether the IOMMU behind @dev is this backend's
 * @vdevice_init: a vDevice of @dev with @virt_id is being created in
 *	@viommu (e.g. bind it to a security manager); may fail
 * @vdevice_destroy: undo @vdevice_init; runs while the device is still
 *	bound and owned for DMA, before its vDevice's ID is retired
 * @alloc_domain_nested: optional; a nested domain (IOMMU_DOMAIN_NESTED)
 *	for @dev on the vIOMMU's parent domain @parent, from the user's
 *	@data; @flags may hold IOMMU_HWPT_ALLOC_PASID
 * @cache_invalidate: optional; IOMMU_HWPT_INVALIDATE on the vIOMMU, with
 *	the contract of iommu_domain_ops.cache_invalidate_user
 * @init: optional; a vIOMMU of this type is being created on the parent
 *	domain @parent.  @data is the user's type data, NULL if none was
 *	given (without @init, type data is refused with -EOPNOTSUPP); the
 *	hook may write its reply into it with iommu_copy_struct_to_user().
 *	State goes in iommufd2_viommu_set_priv(); regions userspace may
 *	mmap() from the iommufd2 file are offered with
 *	iommufd2_viommu_mmap_add().  A failure ends the allocation.
 * @destroy: undo @init (remove its mmap regions, free its state); runs
 *	once nothing (vDevice, HW queue, mapping of a region) uses the vIOMMU
 * @hw_queue_init: optional; IOMMU_HW_QUEUE_ALLOC of a queue of @type at
 *	@index, whose memory the guest placed at @iova of the parent domain:
 *	it is pinned for the queue's life and physically contiguous from
 *	@base.  Dependencies between queues are declared with
 *	iommufd2_hw_queue_depend().  -EOPNOTSUPP for a type not served.
 * @hw_queue_destroy: undo @hw_queue_init, including its dependencies
 * @link: iommufd2's list of backends
 */
struct iommufd2_viommu_type {
	u32 type;
	bool needs_nest_parent;
	struct module *owner;
	bool (*match)(struct device *dev);
	int (*vdevice_init)(struct ifd_viommu *viommu, struct device *dev,
			    u64 virt_id);
	void (*vdevice_destroy)(struct ifd_viommu *viommu, struct device *dev,
				u64 virt_id);
	struct iommu_domain *(*alloc_domain_nested)(struct device *dev,
						    struct iommu_domain *parent,
						    u32 flags,
						    const struct iommu_user_data *data);
	int (*cache_invalidate)(struct ifd_viommu *viommu,
				struct iommu_user_data_array *array);
	int (*init)(struct ifd_viommu *viommu, struct iommu_domain *parent,
		    const struct iommu_user_data *data);
	void (*destroy)(struct ifd_viommu *viommu);
	int (*hw_queue_init)(struct ifd_hw_queue *hwq, u32 type, u32 index,
			     u64 iova, phys_addr_t base);
	void (*hw_queue_destroy)(struct ifd_hw_queue *hwq);
	struct list_head link;
};

/**
 * struct iommufd2_dmabuf_exporter - where an exporter's dma-bufs live
 * @ops: the dma_buf_ops of the buffers it exports
 * @phys: with the buffer's reservation lock held and @attach pinned: the
 *	one physically contiguous range backing the buffer; -ENODEV once
 *	the buffer is revoked
 * @link: iommufd2's list of exporters
 *
 * A revoke must be announced with dma_buf_invalidate_mappings(), under the
 * reservation lock: iommufd2 then removes every IOMMU translation of the
 * buffer before returning.
 */
struct iommufd2_dmabuf_exporter {
	const struct dma_buf_ops *ops;
	int (*phys)(struct dma_buf_attachment *attach, phys_addr_t *paddr,
		    size_t *len);
	struct list_head link;
};

int iommufd2_dmabuf_exporter_register(struct iommufd2_dmabuf_exporter *exp);
void iommufd2_dmabuf_exporter_unregister(struct iommufd2_dmabuf_exporter *exp);

int iommufd2_viommu_type_register(struct iommufd2_viommu_type *vtype);
int iommufd2_viommu_report_event(struct ifd_viommu *viommu, u32 type,
				 const void *data, size_t len);
int iommufd2_viommu_vdev_call(struct ifd_viommu *viommu, u64 virt_id,
			      int (*fn)(struct device *dev, void *arg),
			      void *arg);
void iommufd2_viommu_type_unregister(struct iommufd2_viommu_type *vtype);
void *iommufd2_viommu_priv(struct ifd_viommu *viommu);
void iommufd2_viommu_set_priv(struct ifd_viommu *viommu, void *priv);
int iommufd2_viommu_mmap_add(struct ifd_viommu *viommu, phys_addr_t base,
			     size_t length, u64 *offset);
void iommufd2_viommu_mmap_remove(struct ifd_viommu *viommu, u64 offset);

struct ifd_viommu *iommufd2_hw_queue_viommu(struct ifd_hw_queue *hwq);
void *iommufd2_hw_queue_priv(struct ifd_hw_queue *hwq);
void iommufd2_hw_queue_set_priv(struct ifd_hw_queue *hwq, void *priv);
int iommufd2_hw_queue_depend(struct ifd_hw_queue *hwq,
			     struct ifd_hw_queue *on);
void iommufd2_hw_queue_undepend(struct ifd_hw_queue *hwq,
				struct ifd_hw_queue *on);

/**
 * struct iommufd2_access_ops - an emulated access's owner
 * @unmap: [@iova, @iova + @length) is being unmapped (or the access moves
 *	to another IOAS): unpin every pin inside it before returning.  Called
 *	without iommufd2 locks held; may call iommufd2_access_unpin_pages().
 *	The owner must not miss a pin that is already made: hold the lock
 *	this callback takes across iommufd2_access_pin_pages() and the
 *	owner's record of the pin.  An owner that keeps pins makes the unmap
 *	fail with EBUSY.
 * @needs_pin_pages: the access pins pages (iommufd2_access_pin_pages());
 *	while it is attached, every mapping of its IOAS is PAGE_SIZE aligned,
 *	and attaching it to an IOAS with a smaller mapping is EADDRINUSE
 */
struct iommufd2_access_ops {
	void (*unmap)(void *data, unsigned long iova, unsigned long length);
	bool needs_pin_pages;
};

#define IOMMUFD2_ACCESS_RW_WRITE	BIT(0)	/* copy into the IOAS */

struct ifd_access *iommufd2_access_create(struct ifd_ctx *ctx,
					  const struct iommufd2_access_ops *ops,
					  void *data, u32 *id);
void iommufd2_access_destroy(struct ifd_access *access);
int iommufd2_access_attach(struct ifd_access *access, u32 ioas_id);
int iommufd2_access_replace(struct ifd_access *access, u32 ioas_id);
void iommufd2_access_detach(struct ifd_access *access);
int iommufd2_access_pin_pages(struct ifd_access *access, unsigned long iova,
			      unsigned long length, struct page **out_pages,
			      unsigned int flags);
void iommufd2_access_unpin_pages(struct ifd_access *access,
				 unsigned long iova, unsigned long length);
int iommufd2_access_rw(struct ifd_access *access, unsigned long iova,
		       void *data, size_t length, unsigned int flags);

/*
 * Test support, for the mock IOMMU module only (tests/mock): upstream's
 * selftests reach it through IOMMU_TEST_CMD on /dev/iommufd2.
 */
struct iommu_domain;
struct iommu_test_cmd;
struct ifd_ucmd;
struct ifd_driver_object;
struct ifd_hwpt;

/**
 * struct iommufd2_test_call - one IOMMU_TEST_CMD being served
 * @ctx: the context it was issued on
 * @cmd: the command, copied in and zero-extended
 * @ucmd: iommufd2's view of the ioctl (for iommufd2_test_respond())
 */
struct iommufd2_test_call {
	struct ifd_ctx *ctx;
	struct iommu_test_cmd *cmd;
	struct ifd_ucmd *ucmd;
};

/**
 * struct iommufd2_test_provider - who serves IOMMU_TEST_CMD
 * @owner: pinned while a command runs
 * @run: carry out @call; returns 0, a positive value (a new fd) or -errno
 */
struct iommufd2_test_provider {
	struct module *owner;
	int (*run)(struct iommufd2_test_call *call);
};

int iommufd2_test_provider_register(const struct iommufd2_test_provider *provider);
void iommufd2_test_provider_unregister(const struct iommufd2_test_provider *provider);
int iommufd2_test_respond(struct iommufd2_test_call *call);
void iommufd2_test_set_pin_batch(unsigned int bytes);

/**
 * struct iommufd2_driver_object_ops - an object a driver keeps in a context
 * @owner: the module of @destroy; each published object holds a reference
 *	on it, so the module stays loaded while a context keeps one
 * @destroy: the object's ID is gone (IOMMU_DESTROY, or the context
 *	closing): release what it stands for.  Runs with no iommufd2 lock
 *	held and may unbind devices bound with IOMMUFD2_BIND_OWNED.
 */
struct iommufd2_driver_object_ops {
	struct module *owner;
	void (*destroy)(void *data);
};

struct ifd_driver_object *
iommufd2_driver_object_alloc(struct ifd_ctx *ctx,
			     const struct iommufd2_driver_object_ops *ops,
			     void *data, u32 *id);
void iommufd2_driver_object_publish(struct ifd_driver_object *dobj);
void iommufd2_driver_object_abort(struct ifd_driver_object *dobj);
void *iommufd2_driver_object_get(struct ifd_ctx *ctx, u32 id,
				 const struct iommufd2_driver_object_ops *ops,
				 struct ifd_driver_object **dobj);
void iommufd2_driver_object_put(struct ifd_driver_object *dobj);

/* Flags of iommufd2_device_bind_flags(). */
#define IOMMUFD2_BIND_OWNED		BIT(0)
#define IOMMUFD2_BIND_SOFTWARE_DMA	BIT(1)
struct ifd_device *iommufd2_device_bind_flags(struct ifd_ctx *ctx,
					      struct device *dev, u32 *id,
					      u32 flags);
struct ifd_device *iommufd2_device_get(struct ifd_ctx *ctx, u32 id);
void iommufd2_device_put(struct ifd_device *idev);
struct device *iommufd2_device_dev(struct ifd_device *idev);

struct iommu_dirty_ops;
struct iommu_dirty_bitmap;
int iommufd2_dirty_ops_register(const struct iommu_dirty_ops *ops);
void iommufd2_dirty_ops_unregister(const struct iommu_dirty_ops *ops);
void iommufd2_dirty_record(struct iommu_dirty_bitmap *dirty,
			   unsigned long iova, size_t length);

int iommufd2_ioas_reserve(struct ifd_ctx *ctx, u32 ioas_id,
			  unsigned long start, unsigned long last);
struct ifd_hwpt *iommufd2_hwpt_get(struct ifd_ctx *ctx, u32 id);
struct iommu_domain *iommufd2_hwpt_domain(struct ifd_hwpt *hwpt);
void iommufd2_hwpt_put(struct ifd_hwpt *hwpt);

#endif /* IOMMUFD2_KAPI_H */
