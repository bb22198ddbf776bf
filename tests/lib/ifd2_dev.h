/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for tests driving real PCI devices through iommufd2_pci: finding
 * a device, handing it to the driver, opening its node, VFIO-style
 * bind/attach/detach, BAR access and guest-physical addresses.
 */
#ifndef IFD2_DEV_H
#define IFD2_DEV_H

#include <dirent.h>
#include <linux/vfio.h>
#include <sys/mman.h>

#include "ifd2_util.h"

#define IFD2_PCI_DRIVER "iommufd2_pci"
#define IFD2_SYSFS_PCI "/sys/bus/pci/devices"

#define TESTDEV_ID "0x1b36 0x0005"	/* QEMU iommu-testdev */
#define EDU_ID "0x1234 0x11e8"		/* QEMU edu */

static inline int ifd2_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static inline int ifd2_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

static inline int ifd2_cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The BDF of the @nth (from 0, in BDF order) PCI device with "vendor
 * device" @id, or -1.
 */
static inline int ifd2_find_pci_nth(const char *id, int nth, char *bdf,
				    size_t len)
{
	char path[300], vendor[32], device[32], both[80], *found[32];
	DIR *d = opendir(IFD2_SYSFS_PCI);
	struct dirent *e;
	int n = 0, i, rc = -1;

	if (!d)
		return -1;
	while ((e = readdir(d)) && n < 32) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/vendor",
			 e->d_name);
		if (ifd2_read_file(path, vendor, sizeof(vendor)))
			continue;
		snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/device",
			 e->d_name);
		if (ifd2_read_file(path, device, sizeof(device)))
			continue;
		vendor[strcspn(vendor, "\n")] = 0;
		device[strcspn(device, "\n")] = 0;
		snprintf(both, sizeof(both), "%s %s", vendor, device);
		if (!strcmp(both, id))
			found[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(found, n, sizeof(*found), ifd2_cmp_name);
	if (nth < n && found[nth]) {
		snprintf(bdf, len, "%.*s", (int)len - 1, found[nth]);
		rc = 0;
	}
	for (i = 0; i < n; i++)
		free(found[i]);
	return rc;
}

/* The BDF of the first PCI device with "vendor device" @id, or -1. */
static inline int ifd2_find_pci(const char *id, char *bdf, size_t len)
{
	return ifd2_find_pci_nth(id, 0, bdf, len);
}

/*
 * Hand @bdf to PCI driver @driver the standard way (idempotent); -EBUSY if
 * another driver has it.
 */
static inline int ifd2_pci_bind_to(const char *bdf, const char *driver)
{
	char path[300], link[300], *name;
	ssize_t n;
	int rc;

	snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/driver_override", bdf);
	rc = ifd2_write_file(path, driver);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return ifd2_write_file("/sys/bus/pci/drivers_probe", bdf);
	link[n] = 0;
	name = strrchr(link, '/');
	return strcmp(name ? name + 1 : link, driver) ? -EBUSY : 0;
}

static inline int ifd2_pci_bind_driver(const char *bdf)
{
	return ifd2_pci_bind_to(bdf, IFD2_PCI_DRIVER);
}

/*
 * Open the device node a driver made for @bdf: the one named in its sysfs
 * directory @sysdir ("iommufd2-dev", "vfio-dev"), found in /dev/@devdir.
 */
static inline int ifd2_pci_open_node(const char *bdf, const char *sysdir,
				     const char *devdir)
{
	char path[300];
	struct dirent *e;
	int fd = -1;
	DIR *d;

	snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/%s", bdf, sysdir);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/dev/%s/%s", devdir, e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		break;
	}
	closedir(d);
	return fd;
}

/* Open an iommufd2_pci device's node. */
static inline int ifd2_pci_open(const char *bdf)
{
	return ifd2_pci_open_node(bdf, "iommufd2-dev", "iommufd2-dev");
}

/*
 * Let the device master the bus through its VFIO config region, as a VFIO
 * user must (vfio-pci and iommufd2_pci leave it off at bind).
 */
static inline int ifd2_pci_enable_master(int devfd)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	__u32 rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	__u16 cmd;

	if (ifd2_ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &info) ||
	    (info.flags & rw) != rw)
		return 0;
	if (pread(devfd, &cmd, sizeof(cmd), info.offset + 4) != sizeof(cmd))
		return errno;
	cmd |= 0x6;	/* memory space, bus master */
	if (pwrite(devfd, &cmd, sizeof(cmd), info.offset + 4) != sizeof(cmd))
		return errno;
	return 0;
}

static inline int ifd2_dev_bind(int devfd, int iommufd, __u32 *devid)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};
	int rc = ifd2_ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind);

	if (!rc && devid)
		*devid = bind.out_devid;
	return rc;
}

static inline int ifd2_dev_attach(int devfd, __u32 *pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = *pt_id,
	};
	int rc = ifd2_ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);

	if (!rc)
		*pt_id = attach.pt_id;
	return rc;
}

static inline int ifd2_dev_attach_pasid(int devfd, __u32 pasid, __u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.flags = VFIO_DEVICE_ATTACH_PASID,
		.pt_id = pt_id,
		.pasid = pasid,
	};

	return ifd2_ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
}

static inline int ifd2_dev_detach(int devfd)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach),
	};

	return ifd2_ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);
}

/* mmap BAR @bar of a device fd, or MAP_FAILED. */
static inline volatile __u32 *ifd2_map_bar(int devfd, int bar, size_t *len)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = bar,
	};
	void *p;

	if (ifd2_ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &info) ||
	    !info.size)
		return MAP_FAILED;
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, devfd,
		 info.offset);
	*len = info.size;
	return p;
}

/* Guest-physical address of a (pinned) byte of our memory, or 0. */
static inline __u64 ifd2_gpa(const void *va)
{
	long page = sysconf(_SC_PAGESIZE);
	__u64 entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry),
		  ((uintptr_t)va / page) * sizeof(entry)) != sizeof(entry))
		entry = 0;
	close(fd);
	if (!(entry & (1ULL << 63)))
		return 0;
	return (entry & ((1ULL << 55) - 1)) * page + (uintptr_t)va % page;
}

/* A page of our memory for a device to DMA to, and its GPA (0 if unknown). */
static inline __u32 *ifd2_dma_page(__u64 *gpa)
{
	__u32 *p = ifd2_pages(1);

	*gpa = p ? ifd2_gpa(p) : 0;
	return p;
}

/* iommu-testdev registers (QEMU hw/misc/iommu-testdev.c). */
#define TESTDEV_RUN		0x00	/* read: run the armed DMA */
#define TESTDEV_IOVA_LO		0x04
#define TESTDEV_IOVA_HI		0x08
#define TESTDEV_LEN		0x0c
#define TESTDEV_RESULT		0x10
#define TESTDEV_DOORBELL	0x14
#define TESTDEV_ATTRS		0x18
#define TESTDEV_GPA_LO		0x1c
#define TESTDEV_GPA_HI		0x20

#define TESTDEV_OK		0
#define TESTDEV_FAULT		0xdead0002u
#define TESTDEV_MISMATCH	0xdead0004u
#define TESTDEV_PATTERN		0x12345678u

/*
 * Have the device write its pattern at @iova and check it landed at guest
 * physical @gpa.  Returns the device's result register.
 */
static inline __u32 testdev_dma(volatile __u32 *bar, __u64 iova, __u32 len,
				__u64 gpa)
{
	bar[TESTDEV_IOVA_LO / 4] = (__u32)iova;
	bar[TESTDEV_IOVA_HI / 4] = iova >> 32;
	bar[TESTDEV_LEN / 4] = len;
	bar[TESTDEV_ATTRS / 4] = 0;
	bar[TESTDEV_GPA_LO / 4] = (__u32)gpa;
	bar[TESTDEV_GPA_HI / 4] = gpa >> 32;
	bar[TESTDEV_DOORBELL / 4] = 1;
	(void)bar[TESTDEV_RUN / 4];
	return bar[TESTDEV_RESULT / 4];
}

#endif /* IFD2_DEV_H */
