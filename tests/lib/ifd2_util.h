/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the guest programs: the device node, raw ioctls and the
 * module's debugfs counters.
 */
#ifndef IFD2_UTIL_H
#define IFD2_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <iommufd2/iommufd.h>

#define IFD2_DEV "/dev/iommufd2"
#define IFD2_COUNTERS "/sys/kernel/debug/iommufd2/objects"

static inline int ifd2_open(void)
{
	return open(IFD2_DEV, O_RDWR | O_CLOEXEC);
}

/* ioctl() that returns 0 or the errno, for compact assertions. */
static inline int ifd2_ioctl(int fd, unsigned long num, void *arg)
{
	return ioctl(fd, num, arg) ? errno : 0;
}

static inline int ifd2_ioas_alloc(int fd, __u32 *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc = ifd2_ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);

	if (!rc)
		*id = cmd.out_ioas_id;
	return rc;
}

static inline int ifd2_destroy(int fd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ifd2_ioctl(fd, IOMMU_DESTROY, &cmd);
}

/*
 * A module-wide counter from debugfs ("contexts", "tombstones", "ioas",
 * ...), or -1 if it cannot be read.
 */
static inline long ifd2_counter(const char *name)
{
	char key[64];
	long val, found = -1;
	FILE *f = fopen(IFD2_COUNTERS, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &val) == 2)
		if (!strcmp(key, name))
			found = val;
	fclose(f);
	return found;
}

#endif /* IFD2_UTIL_H */
