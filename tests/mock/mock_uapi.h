/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The test interface of iommufd2_mock: /dev/iommufd2-mock.
 *
 * Each open file owns the mock devices it creates; closing it unbinds and
 * removes them.  Devices are named by the index MOCK_DEV_CREATE returns.
 */
#ifndef IOMMUFD2_MOCK_UAPI_H
#define IOMMUFD2_MOCK_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MOCK_TYPE	'M'
#define MOCK_NO_PASID	0	/* the RID, as IOMMU_NO_PASID */

/* Create a mock device behind the mock IOMMU; @pasid_bits 0: no PASIDs. */
struct mock_dev_create {
	__u32 pasid_bits;
	__u32 out_index;
};

#define MOCK_DEV_CREATE		_IOWR(MOCK_TYPE, 1, struct mock_dev_create)
#define MOCK_DEV_DESTROY	_IOW(MOCK_TYPE, 2, __u32)

/* Bind a device to the iommufd2 context of @iommufd. */
struct mock_bind {
	__u32 index;
	__s32 iommufd;
	__u32 out_dev_id;
	__u32 __reserved;
};

#define MOCK_BIND		_IOWR(MOCK_TYPE, 3, struct mock_bind)
#define MOCK_UNBIND		_IOW(MOCK_TYPE, 4, __u32)

/*
 * Attach @pasid (MOCK_NO_PASID: the RID) of a bound device to @pt_id; an
 * attached one is replaced atomically.  @pt_id returns the HWPT used.
 */
struct mock_attach {
	__u32 index;
	__u32 pasid;
	__u32 pt_id;
	__u32 __reserved;
};

#define MOCK_ATTACH		_IOWR(MOCK_TYPE, 5, struct mock_attach)
#define MOCK_DETACH		_IOW(MOCK_TYPE, 6, struct mock_attach)

/*
 * "DMA": write @value at @iova as seen by (@index, @pasid), translated
 * through the domain attached at that moment.  EFAULT when nothing
 * translates it (blocked, unmapped).
 */
struct mock_dma {
	__u32 index;
	__u32 pasid;
	__u64 iova;
	__u32 value;
	__u32 __reserved;
};

#define MOCK_DMA		_IOW(MOCK_TYPE, 7, struct mock_dma)

/* Make the next @count calls of @op fail with EIO. */
enum mock_fail_op {
	MOCK_FAIL_SET_DEV_PASID = 1,
	MOCK_FAIL_ATTACH_DEV = 2,
};

struct mock_inject {
	__u32 op;
	__u32 count;
};

#define MOCK_INJECT		_IOW(MOCK_TYPE, 8, struct mock_inject)

/* Calls the mock driver received, for tests to check paths taken. */
struct mock_stats {
	__u64 set_dev_pasid;
	__u64 set_dev_pasid_replace;	/* with a non-blocked old domain */
	__u64 attach_dev;
	__u64 domains_live;
	__u64 vdev_init;		/* vDevice hooks of the selftest type */
	__u64 vdev_destroy;
	__u64 vdev_destroy_unowned;	/* ran after DMA ownership was gone */
	__u64 access_unmap_calls;	/* unmap callbacks received */
	__u64 access_pins_live;		/* ranges the mock holds pinned */
};

/* upstream's selftest vIOMMU type, served by the mock */
#define MOCK_VIOMMU_TYPE_SELFTEST	0xdeadbeef

#define MOCK_STATS		_IOR(MOCK_TYPE, 9, struct mock_stats)

/*
 * Emulated accesses, driven through iommufd2's in-kernel access API.  The
 * mock is a well-behaved owner: its unmap callback unpins every range it
 * holds inside the range being unmapped.
 *
 * CREATE: @iommufd -> @index (mock handle), @out_access_id (object ID)
 * ATTACH / REPLACE: @ioas_id;  DETACH, DESTROY
 * PIN: [@iova, @iova + @length), page aligned; with MOCK_ACCESS_WRITE
 *	the mock writes @value at the start of every pinned page
 * UNPIN: a range pinned before
 * RW: copy @length bytes between user buffer @uptr and @iova
 */
#define MOCK_ACCESS_WRITE	1

struct mock_access {
	__u32 index;
	__s32 iommufd;
	__u32 ioas_id;
	__u32 out_access_id;
	__u64 iova;
	__u64 length;
	__u64 uptr;
	__u32 flags;
	__u32 value;
};

#define MOCK_ACCESS_CREATE	_IOWR(MOCK_TYPE, 10, struct mock_access)
#define MOCK_ACCESS_DESTROY	_IOW(MOCK_TYPE, 11, struct mock_access)
#define MOCK_ACCESS_ATTACH	_IOW(MOCK_TYPE, 12, struct mock_access)
#define MOCK_ACCESS_REPLACE	_IOW(MOCK_TYPE, 13, struct mock_access)
#define MOCK_ACCESS_DETACH	_IOW(MOCK_TYPE, 14, struct mock_access)
#define MOCK_ACCESS_PIN		_IOW(MOCK_TYPE, 15, struct mock_access)
#define MOCK_ACCESS_UNPIN	_IOW(MOCK_TYPE, 16, struct mock_access)
#define MOCK_ACCESS_RW		_IOW(MOCK_TYPE, 17, struct mock_access)

#endif /* IOMMUFD2_MOCK_UAPI_H */
