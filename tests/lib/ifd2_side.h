/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two iommufd implementations side by side on the reference kernel,
 * each with an iommu-testdev of its own: upstream (/dev/iommu, its device
 * through vfio-pci's cdev) takes the first testdev in BDF order, iommufd2
 * (/dev/iommufd2, its device through iommufd2_pci) the second.
 */
#ifndef IFD2_SIDE_H
#define IFD2_SIDE_H

#include "ifd2_dev.h"

/**
 * struct ifd2_side - one implementation and its device
 * @name: "upstream" or "iommufd2"
 * @node: its iommufd node
 * @driver: the PCI driver that gives its device a node
 * @sysdir: the sysfs directory under the device naming that node
 * @devdir: the /dev directory holding it
 * @nth: which iommu-testdev it takes
 * @bdf: that device, once found
 */
struct ifd2_side {
	const char *name;
	const char *node;
	const char *driver;
	const char *sysdir;
	const char *devdir;
	int nth;
	char bdf[64];
};

#define IFD2_SIDE_UPSTREAM { "upstream", "/dev/iommu", "vfio-pci", \
			     "vfio-dev", "vfio/devices", 0, "" }
#define IFD2_SIDE_IOMMUFD2 { "iommufd2", IFD2_DEV, IFD2_PCI_DRIVER, \
			     "iommufd2-dev", "iommufd2-dev", 1, "" }

/*
 * Find the side's testdev (or the only one, on a machine with one) and hand
 * it to the side's driver; the node must exist first.
 */
static inline int ifd2_side_claim(struct ifd2_side *side)
{
	if (access(side->node, F_OK))
		return ENOENT;
	if (ifd2_find_pci_nth(TESTDEV_ID, side->nth, side->bdf,
			      sizeof(side->bdf)) &&
	    ifd2_find_pci_nth(TESTDEV_ID, 0, side->bdf, sizeof(side->bdf)))
		return ENODEV;
	return ifd2_pci_bind_to(side->bdf, side->driver) ? EBUSY : 0;
}

/* Open the side's iommufd and device nodes. */
static inline int ifd2_side_open(const struct ifd2_side *side, int *fd,
				 int *devfd)
{
	*fd = open(side->node, O_RDWR | O_CLOEXEC);
	if (*fd < 0)
		return errno;
	*devfd = ifd2_pci_open_node(side->bdf, side->sysdir, side->devdir);
	if (*devfd < 0) {
		close(*fd);
		return ENODEV;
	}
	return 0;
}

/*
 * Bind the device to the iommufd and let it master the bus (which VFIO
 * allows only once the device is bound).
 */
static inline int ifd2_side_bind(int fd, int devfd, __u32 *devid)
{
	return ifd2_dev_bind(devfd, fd, devid) ?: ifd2_pci_enable_master(devfd);
}

#endif /* IFD2_SIDE_H */
