/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the guest programs: the device node, raw ioctls and the
 * module's debugfs counters.
 */
#ifndef IFD2_UTIL_H
#define IFD2_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

/* @npages zeroed, present pages of our memory, or NULL. */
static inline __u32 *ifd2_pages(size_t npages)
{
	size_t len = npages * sysconf(_SC_PAGESIZE);
	__u32 *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, len);
	return p;
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

/* The value of a "Field:   N kB" line of a /proc file, in kB; -1 if absent. */
static inline long ifd2_file_kb(const char *path, const char *field)
{
	char line[256];
	size_t len = strlen(field);
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':')
			val = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return val;
}

/* A "VmXxx:   N kB" line of /proc/PID/status, in kB; -1 if absent. */
static inline long ifd2_proc_kb(int pid, const char *field)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return ifd2_file_kb(path, field);
}

static inline int ifd2_map(int fd, __u32 ioas, void *va, __u64 len,
			   __u64 *iova, __u32 flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = *iova,
	};
	int rc = ifd2_ioctl(fd, IOMMU_IOAS_MAP, &cmd);

	if (!rc)
		*iova = cmd.iova;
	return rc;
}

#define IFD2_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define IFD2_FIXED (IFD2_RW | IOMMU_IOAS_MAP_FIXED_IOVA)

static inline int ifd2_unmap(int fd, __u32 ioas, __u64 iova, __u64 len,
			     __u64 *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};
	int rc = ifd2_ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);

	if (!rc && unmapped)
		*unmapped = cmd.length;
	return rc;
}

/* IOMMU_VIOMMU_ALLOC with @len bytes of type data at @data (or none). */
static inline int ifd2_viommu_alloc(int fd, __u32 type, __u32 dev,
				    __u32 hwpt, void *data, __u32 len,
				    __u32 *out)
{
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd),
		.type = type,
		.dev_id = dev,
		.hwpt_id = hwpt,
		.data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int rc = ifd2_ioctl(fd, IOMMU_VIOMMU_ALLOC, &cmd);

	if (!rc)
		*out = cmd.out_viommu_id;
	return rc;
}

static inline int ifd2_hwpt_alloc(int fd, __u32 dev, __u32 pt, __u32 flags,
				  __u32 *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev,
		.pt_id = pt,
	};
	int rc = ifd2_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc && out)
		*out = cmd.out_hwpt_id;
	return rc;
}

#endif /* IFD2_UTIL_H */
