/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommufd2_pci: a PCI driver that gives each bound device a character
 * device speaking VFIO's cdev ioctls (bind to an iommufd2 context,
 * attach/detach page tables, device and region info, BAR mmap).
 *
 * Lifecycle (DESIGN.md 4.8).  struct ifd2_pci embeds the class device and
 * the cdev; the cdev is added with cdev_device_add(), so an open cdev pins
 * the device's memory, which is freed only from the device release.
 * @live counts the registration plus each open file: open takes it with
 * refcount_inc_not_zero() and fails once remove has dropped the
 * registration and the last file closed; while other files keep it up,
 * open checks @pdev under @lock.  @lock protects @pdev (NULL once the PCI
 * device is gone)
 * and @files; remove takes it to unbind every file's device from its
 * iommufd2 context and to zap BAR mappings, so a later ioctl sees ENODEV
 * and no path dereferences a departed device.
 *
 * mmap runs under the caller's mmap_lock, while ioctls copy user memory
 * (which may take mmap_lock) under @lock, so mmap must not take @lock: it
 * reads @pdev and @owner under @memory_lock instead, which bind, unbind
 * and remove also take (inside @lock) to change them and zap the BAR
 * mappings.
 *
 * Device access (VFIO's model).  Nothing reaches the device through a
 * file before that file is bound: the bind claims DMA ownership for the
 * iommufd2 context (the device sits in a blocking domain until attached),
 * and only then are ioctls other than the bind, region access and mmap
 * served.  One file at a time is bound (@owner); a second bind answers
 * EINVAL, as upstream's cdev does for a device that is already open.  Bus
 * mastering is off while no file is bound.  When the binding ends (close,
 * driver unbind, hot removal) the device is quiesced before its DMA
 * ownership goes back to the kernel: BAR mappings zapped, bus mastering
 * cleared, interrupts torn down, a function reset where the device has
 * one, and the config state saved at bind restored.
 */
#ifndef IOMMUFD2_PCI_CDEV_H
#define IOMMUFD2_PCI_CDEV_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/uuid.h>
#include <linux/xarray.h>

struct eventfd_ctx;
struct ifd_ctx;
struct ifd_device;

/**
 * struct ifd2_irq_vec - one interrupt vector a user set up (irq.c)
 * @irq: its Linux IRQ
 * @trigger: the eventfd it signals, NULL if none
 * @name: its name in /proc/interrupts
 */
struct ifd2_irq_vec {
	int irq;
	struct eventfd_ctx *trigger;
	char *name;
};

/**
 * struct ifd2_vcfg - the virtual config space (config.c)
 * @size: bytes of config space
 * @val: the shadow
 * @rvirt: per byte, bits read from @val
 * @wvirt: per byte, bits a write stores in @val
 * @whw: per byte, bits a write sends to the device
 */
struct ifd2_vcfg {
	unsigned int size;
	u8 *val;
	u8 *rvirt;
	u8 *wvirt;
	u8 *whw;
};

/**
 * struct ifd2_vf_token - the token a PF's VFs are bound with (sriov.c)
 * @lock: protects @uuid and @users
 * @valid: the device is a PF and has a token
 * @uuid: the token
 * @users: the PF's VFs bound at the moment
 */
struct ifd2_vf_token {
	struct mutex lock;	/* see above */
	bool valid;
	uuid_t uuid;
	unsigned int users;
};

/**
 * struct ifd2_pci - one PCI device bound to iommufd2_pci
 * @dev: the class device (iommufd2-devN), child of the PCI device
 * @cdev: its character device
 * @live: registration plus open files; zero once the device is gone
 * @lock: protects @pdev, @owner, @saved and @files
 * @memory_lock: protects @pdev and @owner for mmap
 * @pdev: the PCI device, NULL after remove
 * @owner: the bound file, if any
 * @saved: the device's config state when @owner bound
 * @files: open files (struct ifd2_pci_file)
 * @cfg: the virtual config space, under @lock
 * @bar_low: each BAR's low (type) bits as the device has them
 * @bar_io: kernel mappings of the BARs, made on first region access
 * @msi_qmax: MSI vectors the device supports, 0 without MSI
 * @msix_count: MSI-X table entries, 0 without MSI-X
 * @msix_bar: the BAR holding the MSI-X table
 * @msix_offset: its offset in that BAR
 * @irq_lock: protects @intx_masked against the INTx handler
 * @irq_type: the VFIO IRQ index in use (INTx, MSI, MSI-X) or
 *	VFIO_PCI_NUM_IRQS for none, under @lock
 * @vecs: its vectors, under @lock
 * @nvecs: how many
 * @intx_masked: INTx is masked (by its handler or the user)
 * @err_trigger: eventfd for AER errors, under @lock
 * @req_trigger: eventfd for a request to give the device back, under @lock
 * @vf_token: a PF's VF token (sriov.c)
 * @pf: a VF's PF state, if that PF enabled SR-IOV through us (sriov.c)
 * @sriov_link: in the list of PFs that did, under its lock (sriov.c)
 */
struct ifd2_pci {
	struct device dev;
	struct cdev cdev;
	refcount_t live;
	struct mutex lock;	/* see above */
	struct rw_semaphore memory_lock;
	struct pci_dev *pdev;
	struct ifd2_pci_file *owner;
	struct pci_saved_state *saved;
	struct list_head files;
	struct ifd2_vcfg cfg;
	u32 bar_low[PCI_STD_NUM_BARS];
	void __iomem *bar_io[PCI_STD_NUM_BARS];
	unsigned int msi_qmax;
	unsigned int msix_count;
	unsigned int msix_bar;
	u32 msix_offset;
	spinlock_t irq_lock;	/* see above */
	unsigned int irq_type;
	struct ifd2_irq_vec *vecs;
	unsigned int nvecs;
	bool intx_masked;
	struct eventfd_ctx *err_trigger;
	struct eventfd_ctx *req_trigger;
	struct ifd2_vf_token vf_token;
	struct ifd2_pci *pf;
	struct list_head sriov_link;
};

/**
 * struct ifd2_pci_file - one open of the character device
 * @state: the device
 * @link: in @state's file list
 * @file: the open file
 * @ctx: the iommufd2 context bound to, or NULL
 * @idev: the bound device in @ctx
 * @attached: PASIDs (IOMMU_NO_PASID for the RID) currently attached
 */
struct ifd2_pci_file {
	struct ifd2_pci *state;
	struct list_head link;
	struct file *file;
	struct ifd_ctx *ctx;
	struct ifd_device *idev;
	struct xarray attached;
};

extern const struct file_operations ifd2_pci_fops;

/* Zero only once the device is gone and every file closed. */
/*
 * The widest naturally aligned access (4, 2 or 1 bytes) at @pos with
 * @left bytes still to go: the unit config space and BARs are read and
 * written in.
 */
static inline unsigned int ifd2_access_width(u64 pos, size_t left)
{
	if (!(pos % 4) && left >= 4)
		return 4;
	if (!(pos % 2) && left >= 2)
		return 2;
	return 1;
}

static inline void ifd2_pci_put_live(struct ifd2_pci *state)
{
	if (refcount_dec_and_test(&state->live))
		dev_dbg(&state->dev, "last user gone\n");
}

void ifd2_pci_file_unbind(struct ifd2_pci_file *df, bool dev_locked);

int ifd2_cfg_setup(struct ifd2_pci *state);
void ifd2_cfg_free(struct ifd2_pci *state);
int ifd2_cfg_load(struct ifd2_pci *state);
void ifd2_bar_zap(struct ifd2_pci *state);

ssize_t ifd2_cfg_rw(struct ifd2_pci *state, char __user *ubuf, size_t count,
		    u64 pos, bool write);
u16 ifd2_cfg_command(struct ifd2_pci *state);

struct ifd2_pci *ifd2_pci_state_of(struct pci_dev *pdev);
int ifd2_hot_reset_info(struct ifd2_pci_file *df, void __user *uarg);
int ifd2_hot_reset(struct ifd2_pci_file *df, void __user *uarg);

const char *ifd2_pci_driver_name(void);

void ifd2_sriov_probe(struct ifd2_pci *state);
int ifd2_sriov_configure(struct pci_dev *pdev, int nr);
void ifd2_sriov_remove(struct ifd2_pci *state);
int ifd2_sriov_claim(struct ifd2_pci *state, const uuid_t *uuid);
int ifd2_sriov_commit(struct ifd2_pci *state, const uuid_t *uuid);
void ifd2_sriov_release(struct ifd2_pci *state);
int ifd2_sriov_set_token(struct ifd2_pci *state, u32 flags,
			 void __user *arg, size_t size);
int ifd2_sriov_init(void);
void ifd2_sriov_exit(void);

void ifd2_irq_init(struct ifd2_pci *state);
int ifd2_irq_info(struct ifd2_pci *state, void __user *uarg);
int ifd2_set_irqs(struct ifd2_pci *state, void __user *uarg);
void ifd2_irq_teardown(struct ifd2_pci *state);
void ifd2_irq_request(struct ifd2_pci *state);
void ifd2_irq_error(struct ifd2_pci *state);

#endif /* IOMMUFD2_PCI_CDEV_H */
