// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd2_pci: interrupts through eventfds (VFIO_DEVICE_GET_IRQ_INFO and
 * VFIO_DEVICE_SET_IRQS).
 *
 * One of INTx, MSI or MSI-X is in use at a time (@irq_type).  MSI and
 * MSI-X vectors are allocated when the first trigger is set, for the
 * highest vector asked for, and cannot grow until every trigger is
 * dropped (NORESIZE); each vector with an eventfd has its own handler,
 * which signals it.  INTx is requested exclusively; its handler masks the
 * line (disable_irq_nosync) before signalling, and the user unmasks it
 * with ACTION_UNMASK (AUTOMASKED).  ERR and REQ are eventfds the driver
 * signals on an AER error and when the device is being taken away.
 *
 * Everything here runs under the device's lock, but the handlers, which
 * only read triggers set before their IRQ is requested and cleared after
 * it is freed, and the INTx mask state, under @irq_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/vfio.h>

#include "pci_cdev.h"

#define IFD2_IRQ_NONE	VFIO_PCI_NUM_IRQS

/**
 * ifd2_irq_init() - interrupt state of a new device
 * @state: the device, at probe
 */
void ifd2_irq_init(struct ifd2_pci *state)
{
	spin_lock_init(&state->irq_lock);
	state->irq_type = IFD2_IRQ_NONE;
}

static unsigned int ifd2_irq_count(struct ifd2_pci *state, unsigned int index)
{
	struct pci_dev *pdev = state->pdev;
	u8 pin = 0;

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		pci_read_config_byte(pdev, PCI_INTERRUPT_PIN, &pin);
		return pin && pdev->irq ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		return state->msi_qmax;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		return state->msix_count;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return pci_is_pcie(pdev) ? 1 : 0;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	}
	return 0;
}

/**
 * ifd2_irq_info() - VFIO_DEVICE_GET_IRQ_INFO
 * @state: the device; the caller holds its lock
 * @uarg: the user's struct vfio_irq_info
 *
 * Return: 0 or a negative errno.
 */
int ifd2_irq_info(struct ifd2_pci *state, void __user *uarg)
{
	size_t minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	/* AER errors are PCIe's: no ERR index otherwise, as vfio-pci. */
	if (info.index == VFIO_PCI_ERR_IRQ_INDEX && !pci_is_pcie(state->pdev))
		return -EINVAL;
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
	info.count = ifd2_irq_count(state, info.index);
	return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

static irqreturn_t ifd2_msi_handler(int irq, void *arg)
{
	struct ifd2_irq_vec *vec = arg;

	eventfd_signal(vec->trigger);
	return IRQ_HANDLED;
}

static irqreturn_t ifd2_intx_handler(int irq, void *arg)
{
	struct ifd2_pci *state = arg;
	unsigned long flags;

	spin_lock_irqsave(&state->irq_lock, flags);
	if (!state->intx_masked) {
		disable_irq_nosync(irq);
		state->intx_masked = true;
	}
	spin_unlock_irqrestore(&state->irq_lock, flags);
	eventfd_signal(state->vecs[0].trigger);
	return IRQ_HANDLED;
}

static void ifd2_intx_mask(struct ifd2_pci *state, bool mask)
{
	unsigned long flags;

	spin_lock_irqsave(&state->irq_lock, flags);
	if (mask && !state->intx_masked)
		disable_irq_nosync(state->pdev->irq);
	else if (!mask && state->intx_masked)
		enable_irq(state->pdev->irq);
	state->intx_masked = mask;
	spin_unlock_irqrestore(&state->irq_lock, flags);
}

/* Drop vector @i's handler and eventfd. */
static void ifd2_vec_clear(struct ifd2_pci *state, unsigned int i)
{
	struct ifd2_irq_vec *vec = &state->vecs[i];

	if (!vec->trigger)
		return;
	if (state->irq_type == VFIO_PCI_INTX_IRQ_INDEX) {
		ifd2_intx_mask(state, false);
		free_irq(vec->irq, state);
	} else {
		free_irq(vec->irq, vec);
	}
	eventfd_ctx_put(vec->trigger);
	vec->trigger = NULL;
	kfree(vec->name);
	vec->name = NULL;
}

/* Give vector @i the eventfd @fd (-1: none). */
static int ifd2_vec_set(struct ifd2_pci *state, unsigned int i, s32 fd)
{
	struct ifd2_irq_vec *vec = &state->vecs[i];
	bool intx = state->irq_type == VFIO_PCI_INTX_IRQ_INDEX;
	struct eventfd_ctx *trigger;
	int rc;

	ifd2_vec_clear(state, i);
	if (fd < 0)
		return fd == -1 ? 0 : -EINVAL;
	trigger = eventfd_ctx_fdget(fd);
	if (IS_ERR(trigger))
		return PTR_ERR(trigger);
	vec->name = kasprintf(GFP_KERNEL_ACCOUNT, "iommufd2-%s[%u](%s)",
			      intx ? "intx" : state->irq_type ==
			      VFIO_PCI_MSI_IRQ_INDEX ? "msi" : "msix", i,
			      pci_name(state->pdev));
	if (!vec->name) {
		eventfd_ctx_put(trigger);
		return -ENOMEM;
	}
	vec->trigger = trigger;
	if (intx) {
		vec->irq = state->pdev->irq;
		state->intx_masked = false;
		rc = request_irq(vec->irq, ifd2_intx_handler, 0, vec->name,
				 state);
	} else {
		vec->irq = pci_irq_vector(state->pdev, i);
		rc = vec->irq < 0 ? vec->irq :
		     request_irq(vec->irq, ifd2_msi_handler, 0, vec->name,
				 vec);
	}
	if (rc) {
		vec->trigger = NULL;
		eventfd_ctx_put(trigger);
		kfree(vec->name);
		vec->name = NULL;
	}
	return rc;
}

/* Tear down INTx, MSI or MSI-X, whichever is in use. */
static void ifd2_irq_disable(struct ifd2_pci *state)
{
	unsigned int i;

	if (state->irq_type == IFD2_IRQ_NONE)
		return;
	for (i = 0; i < state->nvecs; i++)
		ifd2_vec_clear(state, i);
	if (state->irq_type == VFIO_PCI_INTX_IRQ_INDEX)
		pci_intx(state->pdev, 0);
	else
		pci_free_irq_vectors(state->pdev);
	kfree(state->vecs);
	state->vecs = NULL;
	state->nvecs = 0;
	state->irq_type = IFD2_IRQ_NONE;
}

/* Start @index with @nvec vectors (no trigger yet). */
static int ifd2_irq_enable(struct ifd2_pci *state, unsigned int index,
			   unsigned int nvec)
{
	struct pci_dev *pdev = state->pdev;
	int rc;

	state->vecs = kcalloc(nvec, sizeof(*state->vecs), GFP_KERNEL_ACCOUNT);
	if (!state->vecs)
		return -ENOMEM;
	if (index == VFIO_PCI_INTX_IRQ_INDEX) {
		pci_intx(pdev, 1);
	} else {
		rc = pci_alloc_irq_vectors(pdev, nvec, nvec,
					   index == VFIO_PCI_MSI_IRQ_INDEX ?
					   PCI_IRQ_MSI : PCI_IRQ_MSIX);
		if (rc < 0) {
			kfree(state->vecs);
			state->vecs = NULL;
			return rc;
		}
	}
	state->nvecs = nvec;
	state->irq_type = index;
	return 0;
}

static void ifd2_signal(struct eventfd_ctx *trigger)
{
	if (trigger)
		eventfd_signal(trigger);
}

/* ACTION_TRIGGER on INTx, MSI or MSI-X. */
static int ifd2_irq_trigger(struct ifd2_pci *state, struct vfio_irq_set *hdr,
			    const u8 *data)
{
	u32 type = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	unsigned int i, end = hdr->start + hdr->count;
	int rc;

	if (type == VFIO_IRQ_SET_DATA_NONE && !hdr->count) {
		if (state->irq_type == hdr->index)
			ifd2_irq_disable(state);
		return 0;
	}
	if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
		if (state->irq_type != IFD2_IRQ_NONE &&
		    state->irq_type != hdr->index)
			return -EINVAL;
		if (state->irq_type == hdr->index && end > state->nvecs)
			return -EINVAL;	/* NORESIZE */
		if (state->irq_type == IFD2_IRQ_NONE) {
			rc = ifd2_irq_enable(state, hdr->index, end);
			if (rc)
				return rc;
		}
		for (i = hdr->start; i < end; i++) {
			s32 fd;

			memcpy(&fd, data + (i - hdr->start) * sizeof(fd),
			       sizeof(fd));
			rc = ifd2_vec_set(state, i, fd);
			if (rc) {
				/* vfio-pci undoes the whole call: so do we. */
				while (i-- > hdr->start)
					ifd2_vec_clear(state, i);
				return rc;
			}
		}
		return 0;
	}
	/* Loopback: signal the eventfds as the device would. */
	if (state->irq_type != hdr->index || end > state->nvecs)
		return -EINVAL;
	for (i = hdr->start; i < end; i++)
		if (type == VFIO_IRQ_SET_DATA_NONE || data[i - hdr->start])
			ifd2_signal(state->vecs[i].trigger);
	return 0;
}

/* ACTION_MASK / ACTION_UNMASK of INTx (not through an eventfd). */
static int ifd2_intx_mask_action(struct ifd2_pci *state,
				 struct vfio_irq_set *hdr, const u8 *data)
{
	u32 type = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	bool mask = hdr->flags & VFIO_IRQ_SET_ACTION_MASK;

	if (hdr->start != 0 || hdr->count != 1 ||
	    type == VFIO_IRQ_SET_DATA_EVENTFD)
		return -EINVAL;
	if (state->irq_type != VFIO_PCI_INTX_IRQ_INDEX ||
	    !state->vecs[0].trigger)
		return 0;
	if (type == VFIO_IRQ_SET_DATA_NONE || data[0])
		ifd2_intx_mask(state, mask);
	return 0;
}

/* ERR and REQ: a single eventfd the driver signals. */
static int ifd2_ctx_trigger(struct eventfd_ctx **slot,
			    struct vfio_irq_set *hdr, const u8 *data)
{
	u32 type = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	struct eventfd_ctx *trigger;
	s32 fd;

	if (!(hdr->flags & VFIO_IRQ_SET_ACTION_TRIGGER))
		return -EINVAL;
	if (type == VFIO_IRQ_SET_DATA_NONE && !hdr->count) {
		if (*slot)
			eventfd_ctx_put(*slot);
		*slot = NULL;
		return 0;
	}
	if (type == VFIO_IRQ_SET_DATA_NONE ||
	    type == VFIO_IRQ_SET_DATA_BOOL) {
		if (type == VFIO_IRQ_SET_DATA_NONE || data[0])
			ifd2_signal(*slot);
		return 0;
	}
	memcpy(&fd, data, sizeof(fd));
	if (fd < -1)
		return -EINVAL;
	trigger = fd == -1 ? NULL : eventfd_ctx_fdget(fd);
	if (IS_ERR(trigger))
		return PTR_ERR(trigger);
	if (*slot)
		eventfd_ctx_put(*slot);
	*slot = trigger;
	return 0;
}

/**
 * ifd2_set_irqs() - VFIO_DEVICE_SET_IRQS
 * @state: the device; the caller holds its lock and the file is bound
 * @uarg: the user's struct vfio_irq_set and its data
 *
 * The header is checked as VFIO's core checks it: one data type, one
 * action, start and count within the index's vectors (count 0 only to
 * disable with DATA_NONE), and argsz covering the data.
 *
 * Return: 0 or a negative errno.
 */
int ifd2_set_irqs(struct ifd2_pci *state, void __user *uarg)
{
	size_t minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	unsigned int max;
	size_t size = 0;
	u8 *data = NULL;
	u32 type, action;
	int rc;

	if (copy_from_user(&hdr, uarg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.index >= VFIO_PCI_NUM_IRQS ||
	    hdr.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			  VFIO_IRQ_SET_ACTION_TYPE_MASK))
		return -EINVAL;
	type = hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if (hweight32(type) != 1 || hweight32(action) != 1)
		return -EINVAL;
	max = ifd2_irq_count(state, hdr.index);
	if (!max || hdr.start >= max || hdr.count > max - hdr.start)
		return -EINVAL;
	if (!hdr.count && type != VFIO_IRQ_SET_DATA_NONE)
		return -EINVAL;
	if (type == VFIO_IRQ_SET_DATA_BOOL)
		size = sizeof(u8);
	else if (type == VFIO_IRQ_SET_DATA_EVENTFD)
		size = sizeof(s32);
	if (size) {
		/* count is at most the device's vectors (2048): no overflow. */
		size *= hdr.count;
		if (hdr.argsz - minsz < size)
			return -EINVAL;
		data = memdup_user(uarg + minsz, size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	switch (hdr.index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			rc = ifd2_irq_trigger(state, &hdr, data);
		else
			rc = ifd2_intx_mask_action(state, &hdr, data);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		/* Vectors are not masked individually, as vfio-pci. */
		rc = action == VFIO_IRQ_SET_ACTION_TRIGGER ?
		     ifd2_irq_trigger(state, &hdr, data) : -ENOTTY;
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
		rc = ifd2_ctx_trigger(&state->err_trigger, &hdr, data);
		break;
	default:
		rc = ifd2_ctx_trigger(&state->req_trigger, &hdr, data);
		break;
	}
	kfree(data);
	return rc;
}

/**
 * ifd2_irq_teardown() - end every interrupt a user set up
 * @state: the device; the caller holds its lock
 */
void ifd2_irq_teardown(struct ifd2_pci *state)
{
	ifd2_irq_disable(state);
	if (state->err_trigger)
		eventfd_ctx_put(state->err_trigger);
	state->err_trigger = NULL;
	if (state->req_trigger)
		eventfd_ctx_put(state->req_trigger);
	state->req_trigger = NULL;
}

/**
 * ifd2_irq_request() - tell the user the device is being taken away
 * @state: the device; the caller holds its lock
 */
void ifd2_irq_request(struct ifd2_pci *state)
{
	ifd2_signal(state->req_trigger);
}

/**
 * ifd2_irq_error() - tell the user of an AER error
 * @state: the device; the caller holds its lock
 */
void ifd2_irq_error(struct ifd2_pci *state)
{
	ifd2_signal(state->err_trigger);
}
