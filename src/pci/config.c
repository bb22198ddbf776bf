// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd2_pci: the config space a VFIO user sees.
 *
 * Every byte of config space has three masks, set once at probe from the
 * device's layout:
 *
 *   rvirt  bits read from the shadow copy instead of the device;
 *   wvirt  bits a user write stores in the shadow;
 *   whw    bits a user write sends to the device.
 *
 * A bit in none of them is read from the device and ignores writes.  The
 * shadow is reloaded from the device at each bind.  What is virtualized:
 * the BARs and the ROM BAR (a user sizes them by writing all ones and
 * reading back the size mask; the device keeps the addresses the kernel
 * gave it), the interrupt line, INTx-disable in the command register (the
 * kernel masks INTx itself), MSI's enable, size, address and data and
 * MSI-X's enable and function mask (interrupts are set up through
 * VFIO_DEVICE_SET_IRQS, never by the user writing the capability).  The
 * user may write the command register's decode, bus-master, parity and
 * SERR bits, the cache line size and latency timer, and PCIe's device
 * control (a function-level reset requested there goes through the PCI
 * core).  Everything else reads from the device and is read-only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>

#include "pci_cdev.h"

static void ifd2_cfg_set(struct ifd2_vcfg *c, unsigned int pos,
			 unsigned int len, u8 rvirt, u8 wvirt, u8 whw)
{
	unsigned int i;

	for (i = pos; i < pos + len && i < c->size; i++) {
		c->rvirt[i] = rvirt;
		c->wvirt[i] = wvirt;
		c->whw[i] = whw;
	}
}

/* Little-endian masks of a 16-bit register. */
static void ifd2_cfg_setw(struct ifd2_vcfg *c, unsigned int pos, u16 rvirt,
			  u16 wvirt, u16 whw)
{
	ifd2_cfg_set(c, pos, 1, rvirt, wvirt, whw);
	ifd2_cfg_set(c, pos + 1, 1, rvirt >> 8, wvirt >> 8, whw >> 8);
}

/**
 * ifd2_cfg_setup() - lay out the virtual config space of a device
 * @state: the device, at probe
 *
 * Return: 0 or -ENOMEM.
 */
int ifd2_cfg_setup(struct ifd2_pci *state)
{
	struct pci_dev *pdev = state->pdev;
	struct ifd2_vcfg *c = &state->cfg;
	unsigned int i, len;
	u16 flags;
	u32 table;
	int pos;

	c->size = pdev->cfg_size;
	c->val = kzalloc(4 * c->size, GFP_KERNEL);
	if (!c->val)
		return -ENOMEM;
	c->rvirt = c->val + c->size;
	c->wvirt = c->rvirt + c->size;
	c->whw = c->wvirt + c->size;

	ifd2_cfg_setw(c, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE,
		      PCI_COMMAND_INTX_DISABLE,
		      PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
		      PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
		      PCI_COMMAND_SERR);
	ifd2_cfg_set(c, PCI_CACHE_LINE_SIZE, 1, 0, 0, 0xff);
	ifd2_cfg_set(c, PCI_LATENCY_TIMER, 1, 0, 0, 0xff);
	ifd2_cfg_set(c, PCI_BASE_ADDRESS_0, 6 * 4, 0xff, 0xff, 0);
	ifd2_cfg_set(c, PCI_ROM_ADDRESS, 4, 0xff, 0xff, 0);
	ifd2_cfg_set(c, PCI_INTERRUPT_LINE, 1, 0xff, 0xff, 0);

	/* The low bits of each BAR (space, type, prefetch) stay as read. */
	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		pci_read_config_dword(pdev, PCI_BASE_ADDRESS_0 + 4 * i,
				      &state->bar_low[i]);

	pos = pdev->msi_cap;
	if (pos) {
		pci_read_config_word(pdev, pos + PCI_MSI_FLAGS, &flags);
		len = flags & PCI_MSI_FLAGS_64BIT ? 14 : 10;
		if (flags & PCI_MSI_FLAGS_MASKBIT)
			len += 10;
		/* Flags, address and data, mask and pending from the shadow. */
		ifd2_cfg_set(c, pos + PCI_MSI_FLAGS, len - 2, 0xff, 0xff, 0);
		ifd2_cfg_setw(c, pos + PCI_MSI_FLAGS, 0xffff,
			      PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, 0);
		if (flags & PCI_MSI_FLAGS_MASKBIT)
			ifd2_cfg_set(c, pos + len - 4, 4, 0xff, 0, 0);
		state->msi_qmax = 1 << ((flags & PCI_MSI_FLAGS_QMASK) >> 1);
	}
	pos = pdev->msix_cap;
	if (pos) {
		ifd2_cfg_setw(c, pos + PCI_MSIX_FLAGS,
			      PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL,
			      PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL,
			      0);
		pci_read_config_word(pdev, pos + PCI_MSIX_FLAGS, &flags);
		pci_read_config_dword(pdev, pos + PCI_MSIX_TABLE, &table);
		state->msix_count = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
		state->msix_bar = table & PCI_MSIX_TABLE_BIR;
		state->msix_offset = table & PCI_MSIX_TABLE_OFFSET;
	}
	pos = pci_pcie_cap(pdev);
	/* Device control but its top bit, FLR (handled on write). */
	if (pos)
		ifd2_cfg_setw(c, pos + PCI_EXP_DEVCTL, 0, 0,
			      PCI_EXP_DEVCTL_BCR_FLR - 1);
	return 0;
}

/**
 * ifd2_cfg_free() - free what ifd2_cfg_setup() allocated
 * @state: the device
 */
void ifd2_cfg_free(struct ifd2_pci *state)
{
	kfree(state->cfg.val);
	state->cfg.val = NULL;
}

static u32 ifd2_cfg_get32(struct ifd2_vcfg *c, unsigned int pos)
{
	return get_unaligned_le32(c->val + pos);
}

static void ifd2_cfg_put32(struct ifd2_vcfg *c, unsigned int pos, u32 v)
{
	put_unaligned_le32(v, c->val + pos);
}

/*
 * Make the shadow BARs what a device answers: the address bits the BAR's
 * size leaves (all ones written read back as the size mask), the low bits
 * the hardware has, and nothing for an absent BAR.
 */
static void ifd2_cfg_fix_bars(struct ifd2_pci *state)
{
	struct pci_dev *pdev = state->pdev;
	struct ifd2_vcfg *c = &state->cfg;
	unsigned int i, pos;
	resource_size_t len;
	u32 v;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		pos = PCI_BASE_ADDRESS_0 + 4 * i;
		len = pci_resource_len(pdev, i);
		v = ifd2_cfg_get32(c, pos);
		if (!len) {
			ifd2_cfg_put32(c, pos, 0);
			continue;
		}
		if (pci_resource_flags(pdev, i) & IORESOURCE_IO) {
			v &= ~(u32)(len - 1) & PCI_BASE_ADDRESS_IO_MASK;
			v |= state->bar_low[i] & ~PCI_BASE_ADDRESS_IO_MASK;
			ifd2_cfg_put32(c, pos, v);
			continue;
		}
		v &= ~(u32)(len - 1) & PCI_BASE_ADDRESS_MEM_MASK;
		v |= state->bar_low[i] & ~PCI_BASE_ADDRESS_MEM_MASK;
		ifd2_cfg_put32(c, pos, v);
		if ((pci_resource_flags(pdev, i) & IORESOURCE_MEM_64) &&
		    i + 1 < PCI_STD_NUM_BARS) {
			i++;
			pos += 4;
			v = ifd2_cfg_get32(c, pos);
			v &= ~(u32)((u64)(len - 1) >> 32);
			ifd2_cfg_put32(c, pos, v);
		}
	}
	len = pci_resource_len(pdev, PCI_ROM_RESOURCE);
	v = ifd2_cfg_get32(c, PCI_ROM_ADDRESS);
	if (len)
		v &= (~(u32)(len - 1) & PCI_ROM_ADDRESS_MASK) |
		     PCI_ROM_ADDRESS_ENABLE;
	else
		v = 0;
	ifd2_cfg_put32(c, PCI_ROM_ADDRESS, v);
}

/**
 * ifd2_cfg_load() - reload the shadow from the device (at bind)
 * @state: the device; the caller holds its lock
 *
 * Return: 0 or a negative errno from a config read.
 */
int ifd2_cfg_load(struct ifd2_pci *state)
{
	struct ifd2_vcfg *c = &state->cfg;
	unsigned int pos;
	u32 v;
	int rc;

	for (pos = 0; pos < c->size; pos += 4) {
		rc = pci_user_read_config_dword(state->pdev, pos, &v);
		if (rc)
			return pcibios_err_to_errno(rc);
		ifd2_cfg_put32(c, pos, v);
	}
	/* MSI and MSI-X start disabled, as the kernel left them. */
	if (state->pdev->msi_cap)
		c->val[state->pdev->msi_cap + PCI_MSI_FLAGS] &=
			~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	if (state->pdev->msix_cap)
		c->val[state->pdev->msix_cap + PCI_MSIX_FLAGS + 1] &=
			~((PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8);
	ifd2_cfg_fix_bars(state);
	return 0;
}

/* Read @len (1, 2 or 4, aligned) bytes of the device's config at @pos. */
static int ifd2_cfg_hw_read(struct pci_dev *pdev, unsigned int pos,
			    unsigned int len, u8 *out)
{
	u32 v = 0;
	u16 w;
	u8 b;
	int rc;

	switch (len) {
	case 4:
		rc = pci_user_read_config_dword(pdev, pos, &v);
		break;
	case 2:
		rc = pci_user_read_config_word(pdev, pos, &w);
		v = w;
		break;
	default:
		rc = pci_user_read_config_byte(pdev, pos, &b);
		v = b;
		break;
	}
	if (rc)
		return pcibios_err_to_errno(rc);
	while (len--) {
		*out++ = v;
		v >>= 8;
	}
	return 0;
}

static int ifd2_cfg_read_chunk(struct ifd2_pci *state, unsigned int pos,
			       unsigned int len, u8 *buf)
{
	struct ifd2_vcfg *c = &state->cfg;
	bool all_virt = true;
	unsigned int i;
	int rc;

	for (i = 0; i < len; i++)
		all_virt &= c->rvirt[pos + i] == 0xff;
	if (!all_virt) {
		rc = ifd2_cfg_hw_read(state->pdev, pos, len, buf);
		if (rc)
			return rc;
	}
	for (i = 0; i < len; i++)
		buf[i] = (buf[i] & ~c->rvirt[pos + i]) |
			 (c->val[pos + i] & c->rvirt[pos + i]);
	return 0;
}

/* Write the bits @mask of byte @pos of the device's config to @val. */
static int ifd2_cfg_hw_write(struct pci_dev *pdev, unsigned int pos, u8 mask,
			     u8 val)
{
	u8 old = 0;
	int rc;

	if (mask != 0xff) {
		rc = pci_user_read_config_byte(pdev, pos, &old);
		if (rc)
			return pcibios_err_to_errno(rc);
	}
	rc = pci_user_write_config_byte(pdev, pos,
					(old & ~mask) | (val & mask));
	return rc ? pcibios_err_to_errno(rc) : 0;
}

static int ifd2_cfg_write_bytes(struct ifd2_pci *state, unsigned int pos,
				unsigned int len, const u8 *buf)
{
	struct ifd2_vcfg *c = &state->cfg;
	int exp = pci_pcie_cap(state->pdev);
	bool bars = false, flr = false;
	unsigned int i, p;
	int rc;

	for (i = 0; i < len; i++) {
		p = pos + i;
		c->val[p] = (c->val[p] & ~c->wvirt[p]) |
			    (buf[i] & c->wvirt[p]);
		if (c->wvirt[p] &&
		    ((p >= PCI_BASE_ADDRESS_0 && p <= PCI_BASE_ADDRESS_5 + 3) ||
		     (p >= PCI_ROM_ADDRESS && p < PCI_ROM_ADDRESS + 4)))
			bars = true;
		if (exp && p == exp + PCI_EXP_DEVCTL + 1 &&
		    (buf[i] & (PCI_EXP_DEVCTL_BCR_FLR >> 8)))
			flr = true;
		if (c->whw[p]) {
			rc = ifd2_cfg_hw_write(state->pdev, p, c->whw[p],
					       buf[i]);
			if (rc)
				return rc;
		}
	}
	if (bars)
		ifd2_cfg_fix_bars(state);
	/* A function-level reset asked for in device control. */
	if (flr && state->pdev->reset_methods[0]) {
		rc = pci_try_reset_function(state->pdev);
		if (rc)
			return rc;
	}
	return 0;
}

/* Does a write of @len bytes at @pos reach the byte at @reg? */
static bool ifd2_cfg_reaches(unsigned int pos, unsigned int len,
			     unsigned int reg)
{
	return reg >= pos && reg < pos + len;
}

/*
 * A write that can turn memory decode off (the command register) or reset
 * the function (PCIe device control) first takes the BAR mappings away,
 * and holds them off until it is done: pages fault back in only while
 * decode is on (fops.c).
 */
static int ifd2_cfg_write_chunk(struct ifd2_pci *state, unsigned int pos,
				unsigned int len, const u8 *buf)
{
	int exp = pci_pcie_cap(state->pdev);
	bool zap = ifd2_cfg_reaches(pos, len, PCI_COMMAND) ||
		   (exp && ifd2_cfg_reaches(pos, len,
					    exp + PCI_EXP_DEVCTL + 1));
	int rc;

	if (!zap)
		return ifd2_cfg_write_bytes(state, pos, len, buf);
	down_write(&state->memory_lock);
	ifd2_bar_zap(state);
	rc = ifd2_cfg_write_bytes(state, pos, len, buf);
	up_write(&state->memory_lock);
	return rc;
}

/**
 * ifd2_cfg_rw() - a user's read or write of the config region
 * @state: the device; the caller holds its lock and the file is bound
 * @ubuf: the user's buffer
 * @count: its length
 * @pos: the offset in config space
 * @write: a write
 *
 * Accesses are split into naturally aligned pieces of 4, 2 or 1 bytes.
 *
 * Return: the bytes transferred or a negative errno.
 */
ssize_t ifd2_cfg_rw(struct ifd2_pci *state, char __user *ubuf, size_t count,
		    u64 pos, bool write)
{
	struct ifd2_vcfg *c = &state->cfg;
	size_t done = 0;
	unsigned int len;
	u8 buf[4];
	int rc;

	if (pos >= c->size)
		return -EINVAL;
	count = min_t(size_t, count, c->size - pos);
	while (done < count) {
		len = ifd2_access_width(pos, count - done);
		if (write) {
			if (copy_from_user(buf, ubuf + done, len))
				return -EFAULT;
			rc = ifd2_cfg_write_chunk(state, pos, len, buf);
		} else {
			rc = ifd2_cfg_read_chunk(state, pos, len, buf);
			if (!rc && copy_to_user(ubuf + done, buf, len))
				rc = -EFAULT;
		}
		if (rc)
			return rc;
		done += len;
		pos += len;
	}
	return done;
}

/**
 * ifd2_cfg_command() - the command register as the user wrote it
 * @state: the device; the caller holds its lock
 *
 * Return: the device's command register with the virtual INTx-disable.
 */
u16 ifd2_cfg_command(struct ifd2_pci *state)
{
	u16 cmd = 0;

	pci_read_config_word(state->pdev, PCI_COMMAND, &cmd);
	cmd &= ~PCI_COMMAND_INTX_DISABLE;
	return cmd | (get_unaligned_le16(state->cfg.val + PCI_COMMAND) &
		      PCI_COMMAND_INTX_DISABLE);
}
