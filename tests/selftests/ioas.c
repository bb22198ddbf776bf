// SPDX-License-Identifier: GPL-2.0
/*
 * The IOAS engine: map, map_file, unmap, copy, allowed and usable ranges,
 * pinned-memory accounting (both RLIMIT modes), change_process, huge pages
 * and concurrent use.  Expected errnos are upstream iommufd's; pins are
 * checked through VmPin and the module's pinned_pages counter.
 *
 * Pinning waits until a domain (or an emulated access) needs the pages, so
 * the IOASes here have a mock device attached and pin as they map; the
 * lazy_pin tests cover IOASes without one.
 */
#include <linux/capability.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ifd2_util.h"
#include "ifd2_mock.h"

#define PAGE 4096UL
#define SZ_2M (2UL << 20)
#define BUF_PAGES 64

/* Anonymous memory, @align aligned, touched so every page exists. */
static void *alloc_buf(size_t len, size_t align)
{
	char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
	memset(a, 0x5a, len);
	return a;
}

static int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].permitted &= ~CAP_TO_MASK(cap);
	return syscall(SYS_capset, &hdr, data);
}

static int set_rlimit_mode(int fd, int mm)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_SET,
		.val64 = mm,
	};

	return ifd2_ioctl(fd, IOMMU_OPTION, &cmd);
}

static int copy(int fd, __u32 dst, __u32 src, __u64 src_iova, __u64 len,
		__u64 *dst_iova, __u32 flags)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dst_ioas_id = dst,
		.src_ioas_id = src,
		.length = len,
		.dst_iova = *dst_iova,
		.src_iova = src_iova,
	};
	int rc = ifd2_ioctl(fd, IOMMU_IOAS_COPY, &cmd);

	if (!rc)
		*dst_iova = cmd.dst_iova;
	return rc;
}

static int map_file(int fd, __u32 ioas, int mfd, __u64 start, __u64 len,
		    __u64 *iova, __u32 flags)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.fd = mfd,
		.start = start,
		.length = len,
		.iova = *iova,
	};
	int rc = ifd2_ioctl(fd, IOMMU_IOAS_MAP_FILE, &cmd);

	if (!rc)
		*iova = cmd.iova;
	return rc;
}

static int allow(int fd, __u32 ioas, struct iommu_iova_range *r, __u32 n)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.num_iovas = n,
		.allowed_iovas = (uintptr_t)r,
	};

	return ifd2_ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd);
}

static int change_process(int fd)
{
	struct iommu_ioas_change_process cmd = { .size = sizeof(cmd) };

	return ifd2_ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd);
}

/*
 * Bind a new mock device to @fd and attach it to @ioas, so that mappings
 * there are pinned and charged as they are made.  Returns the mock's
 * control fd (close it before @fd), or -1; @dev receives the device.
 */
static int pin_on_map(int fd, __u32 ioas, __u32 *dev)
{
	int mfd = open(MOCK_DEV, O_RDWR);

	if (mfd < 0)
		return -1;
	if (mock_create(mfd, 0, dev) || mock_bind(mfd, *dev, fd, NULL) ||
	    mock_attach(mfd, *dev, MOCK_NO_PASID, ioas)) {
		close(mfd);
		return -1;
	}
	return mfd;
}

FIXTURE(ioas) {
	int fd, mfd;
	__u32 ioas, dev;
	char *buf;
	long base_pinned;
	long base_vmpin;
};

FIXTURE_SETUP(ioas)
{
	self->fd = ifd2_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &self->ioas));
	self->mfd = pin_on_map(self->fd, self->ioas, &self->dev);
	ASSERT_LE(0, self->mfd);
	self->buf = alloc_buf(BUF_PAGES * PAGE, SZ_2M);
	ASSERT_NE(NULL, self->buf);
	self->base_pinned = ifd2_counter("pinned_pages");
	self->base_vmpin = ifd2_proc_kb(getpid(), "VmPin");
	ASSERT_LE(0, self->base_pinned);
	ASSERT_LE(0, self->base_vmpin);
}

FIXTURE_TEARDOWN(ioas)
{
	/* The bound device keeps the context open until the mock lets go. */
	close(self->mfd);
	close(self->fd);
}

/*
 * Automatic placement takes the lowest hole that fits, also after holes
 * open below mappings placed later, and after the bottom fills again.
 */
TEST_F(ioas, auto_iova_takes_lowest_hole)
{
	__u64 iova[8], again;
	int i;

	for (i = 0; i < 8; i++) {
		iova[i] = 0;
		ASSERT_EQ(0, ifd2_map(self->fd, self->ioas,
				      self->buf + i * PAGE, PAGE, &iova[i],
				      IFD2_RW));
		if (i) {
			EXPECT_EQ(iova[i - 1] + PAGE, iova[i]);
		}
	}
	/* A hole in the middle, then one at the bottom. */
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova[5], PAGE, NULL));
	again = 0;
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &again,
			      IFD2_RW));
	EXPECT_EQ(iova[5], again);
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova[0], PAGE, NULL));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova[2], PAGE, NULL));
	again = 0;
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &again,
			      IFD2_RW));
	EXPECT_EQ(iova[0], again);
	again = 0;
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &again,
			      IFD2_RW));
	EXPECT_EQ(iova[2], again);
	/* Full again: past the last one; two pages skip a one-page hole. */
	again = 0;
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &again,
			      IFD2_RW));
	EXPECT_EQ(iova[7] + PAGE, again);
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova[3], PAGE, NULL));
	again = 0;
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, 2 * PAGE,
			      &again, IFD2_RW));
	EXPECT_LT(iova[7], again);
	EXPECT_EQ(0, again % (2 * PAGE));
	EXPECT_EQ(0, ifd2_unmap(self->fd, self->ioas, 0, UINT64_MAX, NULL));
}

/*
 * An unmap whose range holds every mapping there is empties the map in one
 * step (the tree goes whole): each page is unpinned, the IOVAs are free
 * again and automatic placement starts from the bottom.  One that leaves
 * the highest mapping behind removes only the others.
 */
TEST_F(ioas, unmap_of_every_mapping_empties_the_map)
{
	__u64 iova[16], again, unmapped;
	int i;

	for (i = 0; i < 16; i++) {
		iova[i] = 0;
		ASSERT_EQ(0, ifd2_map(self->fd, self->ioas,
				      self->buf + i * PAGE, PAGE, &iova[i],
				      IFD2_RW));
	}
	EXPECT_EQ(self->base_pinned + 16, ifd2_counter("pinned_pages"));

	/* All but the highest. */
	unmapped = 0;
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova[0],
				iova[15] - iova[0], &unmapped));
	EXPECT_EQ(15 * PAGE, unmapped);
	EXPECT_EQ(self->base_pinned + 1, ifd2_counter("pinned_pages"));
	again = iova[15];
	EXPECT_EQ(EEXIST, ifd2_map(self->fd, self->ioas, self->buf, PAGE,
				   &again, IFD2_FIXED));
	again = 0;
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &again,
			      IFD2_RW));
	EXPECT_EQ(iova[0], again);

	/* Both that are left, in a range that is not the whole space. */
	unmapped = 0;
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova[0],
				iova[15] + PAGE - iova[0], &unmapped));
	EXPECT_EQ(2 * PAGE, unmapped);
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	EXPECT_EQ(self->base_vmpin, ifd2_proc_kb(getpid(), "VmPin"));
	EXPECT_EQ(ENOENT, ifd2_unmap(self->fd, self->ioas, iova[15], PAGE,
				     NULL));

	/* The emptied map takes mappings as a new one does. */
	for (i = 0; i < 4; i++) {
		again = 0;
		ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE,
				      &again, IFD2_RW));
		EXPECT_EQ(iova[i], again);
	}
	again = iova[15];
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &again,
			      IFD2_FIXED));
	unmapped = 0;
	EXPECT_EQ(0, ifd2_unmap(self->fd, self->ioas, 0, UINT64_MAX,
				&unmapped));
	EXPECT_EQ(5 * PAGE, unmapped);
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
}

TEST_F(ioas, map_pins_and_unmap_releases)
{
	__u64 iova = 0, unmapped = 0;

	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, 16 * PAGE,
			      &iova, IFD2_RW));
	/* Auto placement: clear of page 0, aligned like the buffer. */
	EXPECT_LE(PAGE, iova);
	EXPECT_EQ(0, iova % (16 * PAGE));
	EXPECT_EQ(self->base_pinned + 16, ifd2_counter("pinned_pages"));
	EXPECT_EQ(self->base_vmpin + 64, ifd2_proc_kb(getpid(), "VmPin"));

	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, 16 * PAGE,
				&unmapped));
	EXPECT_EQ(16 * PAGE, unmapped);
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	EXPECT_EQ(self->base_vmpin, ifd2_proc_kb(getpid(), "VmPin"));
}

TEST_F(ioas, map_bad_input)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IFD2_RW,
		.ioas_id = self->ioas,
		.user_va = (uintptr_t)self->buf,
		.length = PAGE,
	};
	char *ro;
	__u64 iova = 0;

	cmd.flags = IFD2_RW | (1 << 3);
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.flags = IFD2_RW;
	cmd.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.__reserved = 0;
	cmd.flags = IOMMU_IOAS_MAP_FIXED_IOVA;
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.flags = IFD2_RW;
	cmd.length = 0;
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.length = UINT64_MAX;
	EXPECT_EQ(EOVERFLOW, ifd2_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.length = PAGE;
	cmd.flags = IFD2_FIXED;
	cmd.iova = UINT64_MAX;
	EXPECT_EQ(EOVERFLOW, ifd2_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.iova = UINT64_MAX - PAGE + 1;
	cmd.length = 2 * PAGE;
	EXPECT_EQ(EOVERFLOW, ifd2_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.flags = IFD2_RW;
	cmd.user_va = UINT64_MAX - PAGE;
	cmd.length = 2 * PAGE;
	EXPECT_EQ(EOVERFLOW, ifd2_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.user_va = (uintptr_t)self->buf;
	cmd.length = PAGE;
	cmd.ioas_id = self->ioas + 100;
	EXPECT_EQ(ENOENT, ifd2_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));

	/* Unmapped memory: at the start and half way through. */
	ro = alloc_buf(4 * PAGE, PAGE);
	ASSERT_NE(NULL, ro);
	ASSERT_EQ(0, munmap(ro + 2 * PAGE, 2 * PAGE));
	EXPECT_EQ(EFAULT, ifd2_map(self->fd, self->ioas, ro, 4 * PAGE, &iova,
				   IFD2_RW));
	ASSERT_EQ(0, munmap(ro, 2 * PAGE));
	EXPECT_EQ(EFAULT, ifd2_map(self->fd, self->ioas, ro, 4 * PAGE, &iova,
				   IFD2_RW));

	/* Read-only memory can be mapped for device reads only. */
	ro = alloc_buf(2 * PAGE, PAGE);
	ASSERT_NE(NULL, ro);
	ASSERT_EQ(0, mprotect(ro, 2 * PAGE, PROT_READ));
	EXPECT_EQ(EFAULT, ifd2_map(self->fd, self->ioas, ro, 2 * PAGE, &iova,
				   IFD2_RW));
	EXPECT_EQ(0, ifd2_map(self->fd, self->ioas, ro, 2 * PAGE, &iova,
			      IOMMU_IOAS_MAP_READABLE));
	EXPECT_EQ(self->base_pinned + 2, ifd2_counter("pinned_pages"));
	EXPECT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, 2 * PAGE, NULL));

	/* Nothing above left anything pinned. */
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
}

TEST_F(ioas, fixed_iova_overlaps)
{
	__u64 base = 0x100000, iova;

	iova = base;
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, 4 * PAGE,
			      &iova, IFD2_FIXED));
	EXPECT_EQ(base, iova);
	/* Any overlap is EEXIST and pins nothing. */
	iova = base;
	EXPECT_EQ(EEXIST, ifd2_map(self->fd, self->ioas, self->buf, PAGE,
				   &iova, IFD2_FIXED));
	iova = base - PAGE;
	EXPECT_EQ(EEXIST, ifd2_map(self->fd, self->ioas, self->buf, 2 * PAGE,
				   &iova, IFD2_FIXED));
	iova = base + 3 * PAGE;
	EXPECT_EQ(EEXIST, ifd2_map(self->fd, self->ioas, self->buf, 2 * PAGE,
				   &iova, IFD2_FIXED));
	iova = base - PAGE;
	EXPECT_EQ(EEXIST, ifd2_map(self->fd, self->ioas, self->buf, 6 * PAGE,
				   &iova, IFD2_FIXED));
	EXPECT_EQ(self->base_pinned + 4, ifd2_counter("pinned_pages"));
	/* Adjacent on both sides is fine. */
	iova = base - PAGE;
	EXPECT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &iova,
			      IFD2_FIXED));
	iova = base + 4 * PAGE;
	EXPECT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &iova,
			      IFD2_FIXED));
}

TEST_F(ioas, unmap_rules)
{
	__u64 base = 0x200000, iova, unmapped = 0;
	int i;

	/* Three 2-page mappings with a one-page gap between each. */
	for (i = 0; i < 3; i++) {
		iova = base + i * 3 * PAGE;
		ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf,
				      2 * PAGE, &iova, IFD2_FIXED));
	}
	/* Cutting a mapping at either end changes nothing. */
	EXPECT_EQ(ENOENT, ifd2_unmap(self->fd, self->ioas, base + PAGE,
				     4 * PAGE, NULL));
	EXPECT_EQ(ENOENT, ifd2_unmap(self->fd, self->ioas, base,
				     4 * PAGE, NULL));
	EXPECT_EQ(self->base_pinned + 6, ifd2_counter("pinned_pages"));
	iova = base;
	EXPECT_EQ(EEXIST, ifd2_map(self->fd, self->ioas, self->buf, PAGE,
				   &iova, IFD2_FIXED));
	/* Nothing mapped in range. */
	EXPECT_EQ(ENOENT, ifd2_unmap(self->fd, self->ioas, base + 2 * PAGE,
				     PAGE, NULL));
	EXPECT_EQ(ENOENT, ifd2_unmap(self->fd, self->ioas, 0x10000000,
				     PAGE, NULL));
	EXPECT_EQ(EINVAL, ifd2_unmap(self->fd, self->ioas, base, 0, NULL));
	EXPECT_EQ(EOVERFLOW, ifd2_unmap(self->fd, self->ioas, UINT64_MAX,
					PAGE, NULL));
	EXPECT_EQ(EOVERFLOW, ifd2_unmap(self->fd, self->ioas, 1,
					UINT64_MAX, NULL));
	EXPECT_EQ(ENOENT, ifd2_unmap(self->fd, self->ioas + 10, base, PAGE,
				     NULL));

	/* A range covering two whole mappings and the gaps around them. */
	EXPECT_EQ(0, ifd2_unmap(self->fd, self->ioas, base - PAGE, 6 * PAGE,
				&unmapped));
	EXPECT_EQ(4 * PAGE, unmapped);
	EXPECT_EQ(self->base_pinned + 2, ifd2_counter("pinned_pages"));
	/* Unmap everything. */
	EXPECT_EQ(0, ifd2_unmap(self->fd, self->ioas, 0, UINT64_MAX,
				&unmapped));
	EXPECT_EQ(2 * PAGE, unmapped);
	EXPECT_EQ(0, ifd2_unmap(self->fd, self->ioas, 0, UINT64_MAX,
				&unmapped));
	EXPECT_EQ(0, unmapped);
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
}

TEST_F(ioas, auto_placement)
{
	struct iommu_iova_range window = { .start = 0x40000000,
					   .last = 0x40000000 + 64 * PAGE - 1 };
	__u64 iova = 0, prev;
	char *huge;

	/* A 2 MiB-aligned 4 MiB buffer lands 2 MiB aligned (PMD cap). */
	huge = alloc_buf(2 * SZ_2M, SZ_2M);
	ASSERT_NE(NULL, huge);
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, huge, 2 * SZ_2M, &iova,
			      IFD2_RW));
	EXPECT_EQ(0, iova % SZ_2M);
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, 2 * SZ_2M, NULL));

	/* Allowed ranges confine placement; a full window is ENOSPC. */
	ASSERT_EQ(0, allow(self->fd, self->ioas, &window, 1));
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, 32 * PAGE,
			      &iova, IFD2_RW));
	EXPECT_EQ(window.start, iova);
	prev = iova;
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, 32 * PAGE,
			      &iova, IFD2_RW));
	EXPECT_EQ(prev + 32 * PAGE, iova);
	EXPECT_EQ(ENOSPC, ifd2_map(self->fd, self->ioas, self->buf, PAGE,
				   &iova, IFD2_RW));
	EXPECT_EQ(self->base_pinned + 64, ifd2_counter("pinned_pages"));
	/* Fixed IOVAs may still go outside the allowed ranges. */
	iova = 0x1000;
	EXPECT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &iova,
			      IFD2_FIXED));
	/* Lifting the restriction opens the rest of the space again. */
	ASSERT_EQ(0, allow(self->fd, self->ioas, NULL, 0));
	EXPECT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &iova,
			      IFD2_RW));
}

TEST_F(ioas, allow_iovas_bad_input)
{
	struct iommu_iova_range r[2] = {
		{ .start = 0x1000, .last = 0x1fff },
		{ .start = 0x1800, .last = 0x2fff },
	};
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = self->ioas,
		.num_iovas = 1,
		.allowed_iovas = (uintptr_t)r,
		.__reserved = 1,
	};

	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_IOAS_ALLOW_IOVAS,
					 &cmd));
	EXPECT_EQ(EINVAL, allow(self->fd, self->ioas, r, 2));
	r[1].start = 0x3000;
	r[1].last = 0x3000;
	EXPECT_EQ(EINVAL, allow(self->fd, self->ioas, r, 2));
	r[1].last = 0x2000;
	EXPECT_EQ(EINVAL, allow(self->fd, self->ioas, r, 2));
	EXPECT_EQ(EFAULT, allow(self->fd, self->ioas, (void *)8, 1));
	EXPECT_EQ(ENOENT, allow(self->fd, self->ioas + 7, r, 1));
	/*
	 * 2^32 - 1 ranges: read one by one, as upstream does, so the bad
	 * second range answers, and no allocation is sized by the count.
	 */
	EXPECT_EQ(EINVAL, allow(self->fd, self->ioas, r, UINT32_MAX));
	r[1].last = 0x3fff;
	EXPECT_EQ(0, allow(self->fd, self->ioas, r, 2));
}

TEST_F(ioas, copy_shares_pins)
{
	__u64 iova = 0, dst = 0, unmapped;
	__u32 other;

	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &other));
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, 8 * PAGE,
			      &iova, IFD2_RW));
	ASSERT_EQ(self->base_pinned + 8, ifd2_counter("pinned_pages"));

	ASSERT_EQ(0, copy(self->fd, other, self->ioas, iova, 8 * PAGE, &dst,
			  IFD2_RW));
	EXPECT_EQ(self->base_pinned + 8, ifd2_counter("pinned_pages"));
	EXPECT_EQ(self->base_vmpin + 32, ifd2_proc_kb(getpid(), "VmPin"));
	/* Part of a mapping, into the same IOAS. */
	dst = 0x700000;
	EXPECT_EQ(0, copy(self->fd, self->ioas, self->ioas, iova + PAGE,
			  2 * PAGE, &dst,
			  IFD2_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	EXPECT_EQ(self->base_pinned + 8, ifd2_counter("pinned_pages"));

	/* The pin outlives the original mapping. */
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, 8 * PAGE,
				&unmapped));
	EXPECT_EQ(self->base_pinned + 8, ifd2_counter("pinned_pages"));
	ASSERT_EQ(0, ifd2_unmap(self->fd, other, 0, UINT64_MAX, &unmapped));
	EXPECT_EQ(8 * PAGE, unmapped);
	EXPECT_EQ(self->base_pinned + 8, ifd2_counter("pinned_pages"));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, 0, UINT64_MAX,
				&unmapped));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	EXPECT_EQ(self->base_vmpin, ifd2_proc_kb(getpid(), "VmPin"));
}

TEST_F(ioas, copy_rules)
{
	__u64 a = 0x100000, b = 0x100000 + 2 * PAGE, dst = 0;
	__u32 other;
	char *ro;

	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &other));
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, 2 * PAGE, &a,
			      IFD2_FIXED));
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf + 8 * PAGE,
			      2 * PAGE, &b, IFD2_FIXED));
	/* A range spanning two adjacent mappings copies as one. */
	EXPECT_EQ(0, copy(self->fd, other, self->ioas, a + PAGE, 2 * PAGE,
			  &dst, IFD2_RW));
	/* Holes and unmapped ranges are ENOENT. */
	EXPECT_EQ(ENOENT, copy(self->fd, other, self->ioas, a, 5 * PAGE,
			       &dst, IFD2_RW));
	EXPECT_EQ(ENOENT, copy(self->fd, other, self->ioas, 0x900000, PAGE,
			       &dst, IFD2_RW));
	EXPECT_EQ(EOPNOTSUPP, copy(self->fd, other, self->ioas, a, PAGE,
				   &dst, IFD2_RW | (1 << 5)));
	EXPECT_EQ(EINVAL, copy(self->fd, other, self->ioas, a, PAGE, &dst,
			       0));
	EXPECT_EQ(EINVAL, copy(self->fd, other, self->ioas, a, 0, &dst,
			       IFD2_RW));
	EXPECT_EQ(EOVERFLOW, copy(self->fd, other, self->ioas, UINT64_MAX,
				  PAGE, &dst, IFD2_RW));
	EXPECT_EQ(ENOENT, copy(self->fd, other + 9, self->ioas, a, PAGE,
			       &dst, IFD2_RW));
	EXPECT_EQ(ENOENT, copy(self->fd, other, self->ioas + 9, a, PAGE,
			       &dst, IFD2_RW));
	dst = a;
	EXPECT_EQ(EEXIST, copy(self->fd, self->ioas, self->ioas, a, PAGE,
			       &dst, IFD2_FIXED));

	/* Pages pinned read-only cannot be copied writable. */
	ro = alloc_buf(PAGE, PAGE);
	ASSERT_NE(NULL, ro);
	ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));
	dst = 0x900000;
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, ro, PAGE, &dst,
			      IOMMU_IOAS_MAP_READABLE |
			      IOMMU_IOAS_MAP_FIXED_IOVA));
	EXPECT_EQ(EPERM, copy(self->fd, other, self->ioas, 0x900000, PAGE,
			      &dst, IFD2_RW));
	EXPECT_EQ(0, copy(self->fd, other, self->ioas, 0x900000, PAGE, &dst,
			  IOMMU_IOAS_MAP_READABLE));
}

TEST_F(ioas, map_file_memfd)
{
	int mfd = memfd_create("ifd2", MFD_ALLOW_SEALING);
	__u64 iova = 0;
	int pipefd[2];

	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, 8 * PAGE));
	ASSERT_EQ(0, map_file(self->fd, self->ioas, mfd, 0, 8 * PAGE, &iova,
			      IFD2_RW));
	EXPECT_EQ(self->base_pinned + 8, ifd2_counter("pinned_pages"));

	/* Past the end, empty, a file that is not a memfd. */
	EXPECT_EQ(EINVAL, map_file(self->fd, self->ioas, mfd, 0, 8 * PAGE + 1,
				   &iova, IFD2_RW));
	EXPECT_EQ(EINVAL, map_file(self->fd, self->ioas, mfd, 8 * PAGE, PAGE,
				   &iova, IFD2_RW));
	EXPECT_EQ(EINVAL, map_file(self->fd, self->ioas, mfd, 0, 0, &iova,
				   IFD2_RW));
	EXPECT_EQ(EBADF, map_file(self->fd, self->ioas, 999, 0, PAGE, &iova,
				  IFD2_RW));
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(EINVAL, map_file(self->fd, self->ioas, pipefd[0], 0, PAGE,
				   &iova, IFD2_RW));
	EXPECT_EQ(EOVERFLOW, map_file(self->fd, self->ioas, mfd, UINT64_MAX,
				      2, &iova, IFD2_RW));

	/* Sealed against writes: devices may read, not write. */
	ASSERT_EQ(0, fcntl(mfd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	EXPECT_EQ(EPERM, map_file(self->fd, self->ioas, mfd, 0, PAGE, &iova,
				  IFD2_RW));
	EXPECT_EQ(0, map_file(self->fd, self->ioas, mfd, 0, PAGE, &iova,
			      IOMMU_IOAS_MAP_READABLE));

	/* Too short after a truncate. */
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, 0, UINT64_MAX, NULL));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	close(mfd);
	mfd = memfd_create("ifd2-short", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, 4 * PAGE));
	ASSERT_EQ(0, ftruncate(mfd, 0));
	EXPECT_EQ(EINVAL, map_file(self->fd, self->ioas, mfd, 0, 4 * PAGE,
				   &iova, IFD2_RW));
	close(mfd);
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
}

/* Run in a forked test child: both changes die with it. */
static void limit_memlock(struct __test_metadata *_metadata, rlim_t bytes)
{
	struct rlimit lim = { .rlim_cur = bytes, .rlim_max = bytes };

	ASSERT_EQ(0, drop_cap(CAP_IPC_LOCK));
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &lim));
}

static void check_rlimit(struct __test_metadata *_metadata, int fd,
			 __u32 ioas, char *buf, long base_pinned)
{
	__u64 a = 0, b = 0;

	/* 16 pages fit a 64 KiB limit; one more does not. */
	ASSERT_EQ(0, ifd2_map(fd, ioas, buf, 16 * PAGE, &a, IFD2_RW));
	EXPECT_EQ(ENOMEM, ifd2_map(fd, ioas, buf + 16 * PAGE, PAGE, &b,
				   IFD2_RW));
	EXPECT_EQ(base_pinned + 16, ifd2_counter("pinned_pages"));
	/* Unmap gives the budget back. */
	ASSERT_EQ(0, ifd2_unmap(fd, ioas, a, 16 * PAGE, NULL));
	EXPECT_EQ(0, ifd2_map(fd, ioas, buf + 16 * PAGE, 16 * PAGE, &b,
			      IFD2_RW));
	/* Copies share the charge. */
	a = 0;
	EXPECT_EQ(0, copy(fd, ioas, ioas, b, 16 * PAGE, &a, IFD2_RW));
}

TEST(rlimit_user_mode)
{
	char *buf = alloc_buf(BUF_PAGES * PAGE, PAGE);
	long base = ifd2_counter("pinned_pages");
	int fd = ifd2_open();
	__u32 ioas;

	__u32 dev;
	int mfd;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ifd2_ioas_alloc(fd, &ioas));
	mfd = pin_on_map(fd, ioas, &dev);
	ASSERT_LE(0, mfd);
	limit_memlock(_metadata, 16 * PAGE);
	check_rlimit(_metadata, fd, ioas, buf, base);
	close(fd);
	close(mfd);
	EXPECT_EQ(base, ifd2_counter("pinned_pages"));
}

TEST(rlimit_mm_mode)
{
	char *buf = alloc_buf(BUF_PAGES * PAGE, PAGE);
	long base = ifd2_counter("pinned_pages");
	long vmpin = ifd2_proc_kb(getpid(), "VmPin");
	long vmlck = ifd2_proc_kb(getpid(), "VmLck");
	int fd = ifd2_open();
	__u32 ioas;

	__u32 dev;
	int mfd;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, set_rlimit_mode(fd, 1));
	ASSERT_EQ(0, ifd2_ioas_alloc(fd, &ioas));
	mfd = pin_on_map(fd, ioas, &dev);
	ASSERT_LE(0, mfd);
	limit_memlock(_metadata, 16 * PAGE);
	check_rlimit(_metadata, fd, ioas, buf, base);
	/* Charged to this process: VmPin and its locked memory. */
	EXPECT_EQ(vmpin + 64, ifd2_proc_kb(getpid(), "VmPin"));
	EXPECT_EQ(vmlck + 64, ifd2_proc_kb(getpid(), "VmLck"));
	close(fd);
	close(mfd);
	EXPECT_EQ(vmpin, ifd2_proc_kb(getpid(), "VmPin"));
	EXPECT_EQ(vmlck, ifd2_proc_kb(getpid(), "VmLck"));
	EXPECT_EQ(base, ifd2_counter("pinned_pages"));
}

/*
 * A context keeps the payer of its last mapping process for the next map.
 * A process that has dropped CAP_IPC_LOCK since must be charged all the
 * same: new credentials make a new payer.
 */
TEST(rlimit_after_capability_drop)
{
	char *buf = alloc_buf(BUF_PAGES * PAGE, PAGE);
	long base = ifd2_counter("pinned_pages");
	int fd = ifd2_open();
	__u64 iova = 0;
	__u32 ioas, dev;
	int mfd;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ifd2_ioas_alloc(fd, &ioas));
	mfd = pin_on_map(fd, ioas, &dev);
	ASSERT_LE(0, mfd);
	/* Exempt now: all 64 pages, over the limit set below. */
	ASSERT_EQ(0, ifd2_map(fd, ioas, buf, BUF_PAGES * PAGE, &iova,
			      IFD2_RW));
	limit_memlock(_metadata, 16 * PAGE);
	check_rlimit(_metadata, fd, ioas, buf, base + BUF_PAGES);
	close(fd);
	close(mfd);
	EXPECT_EQ(base, ifd2_counter("pinned_pages"));
}

/* Each process that maps through a shared context pays for its own maps. */
TEST_F(ioas, each_process_pays_its_maps)
{
	pid_t parent = getpid(), child;
	__u64 a = 0, b = 0, c = 0;
	int status;

	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &a,
			      IFD2_RW));
	EXPECT_EQ(self->base_vmpin + 4, ifd2_proc_kb(parent, "VmPin"));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		long before = ifd2_proc_kb(getpid(), "VmPin");
		int ok = ifd2_map(self->fd, self->ioas, self->buf + PAGE, PAGE,
				  &b, IFD2_RW) == 0 &&
			 ifd2_proc_kb(getpid(), "VmPin") == before + 4 &&
			 ifd2_proc_kb(parent, "VmPin") ==
				 self->base_vmpin + 4;

		_exit(ok ? 0 : 1);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's map was the last: the parent's next is its own again. */
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf + 2 * PAGE, PAGE,
			      &c, IFD2_RW));
	EXPECT_EQ(self->base_vmpin + 8, ifd2_proc_kb(parent, "VmPin"));
	EXPECT_EQ(self->base_pinned + 3, ifd2_counter("pinned_pages"));
	/* The exited child's pages are still mapped, and unpin on unmap. */
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, 0, UINT64_MAX, NULL));
	EXPECT_EQ(self->base_vmpin, ifd2_proc_kb(parent, "VmPin"));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
}

#define PAYER_ROUNDS	2000
#define PAYER_IOVA	0x100000ULL

/* Map and unmap one page at @iova @rounds times; 0 if every call worked. */
static int map_unmap_rounds(int fd, __u32 ioas, char *page, __u64 iova,
			    int rounds)
{
	__u64 at;

	while (rounds--) {
		at = iova;
		if (ifd2_map(fd, ioas, page, PAGE, &at, IFD2_FIXED) ||
		    ifd2_unmap(fd, ioas, iova, PAGE, NULL))
			return -1;
	}
	return 0;
}

/*
 * Two processes mapping through one context replace its cached payer on
 * nearly every map, while the other's lookup may be reading it.  Every
 * call succeeds, each process pays only for its own pages, and at the end
 * nothing is pinned or charged (a payer leaked or freed twice would show
 * under kmemleak or KASAN on the debug kernel).
 */
TEST_F_TIMEOUT(ioas, payer_cache_races_between_processes, 600)
{
	pid_t parent = getpid(), child;
	int status;

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		long before = ifd2_proc_kb(getpid(), "VmPin");
		int rc = map_unmap_rounds(self->fd, self->ioas,
					  self->buf + PAGE, PAYER_IOVA + PAGE,
					  PAYER_ROUNDS);

		_exit(rc || ifd2_proc_kb(getpid(), "VmPin") != before);
	}
	EXPECT_EQ(0, map_unmap_rounds(self->fd, self->ioas, self->buf,
				      PAYER_IOVA, PAYER_ROUNDS));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(self->base_vmpin, ifd2_proc_kb(parent, "VmPin"));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
}

/* An IOAS with no domain yet, and a bound mock device to attach later. */
FIXTURE(lazy) {
	int fd, mfd;
	__u32 ioas, dev;
	long base_pinned;
	long base_vmpin;
};

FIXTURE_SETUP(lazy)
{
	self->mfd = open(MOCK_DEV, O_RDWR);
	if (self->mfd < 0)
		SKIP(return, "no mock IOMMU");
	self->fd = ifd2_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &self->ioas));
	ASSERT_EQ(0, mock_create(self->mfd, 0, &self->dev));
	ASSERT_EQ(0, mock_bind(self->mfd, self->dev, self->fd, NULL));
	self->base_pinned = ifd2_counter("pinned_pages");
	self->base_vmpin = ifd2_proc_kb(getpid(), "VmPin");
}

FIXTURE_TEARDOWN(lazy)
{
	if (self->mfd >= 0) {
		close(self->mfd);
		close(self->fd);
	}
}

/* Attach the fixture's device to its IOAS: the first domain there. */
static int lazy_attach(FIXTURE_DATA(lazy) *self)
{
	return mock_attach(self->mfd, self->dev, MOCK_NO_PASID, self->ioas);
}

TEST_F(lazy, pinned_and_charged_at_attach)
{
	char *buf = alloc_buf(16 * PAGE, PAGE);
	__u64 iova = 0;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, buf, 16 * PAGE, &iova,
			      IFD2_RW));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	EXPECT_EQ(self->base_vmpin, ifd2_proc_kb(getpid(), "VmPin"));
	ASSERT_EQ(0, lazy_attach(self));
	EXPECT_EQ(self->base_pinned + 16, ifd2_counter("pinned_pages"));
	EXPECT_EQ(self->base_vmpin + 64, ifd2_proc_kb(getpid(), "VmPin"));
	/* The device wrote through the IOMMU into the pages pinned late. */
	EXPECT_EQ(0, mock_dma(self->mfd, self->dev, MOCK_NO_PASID, iova + PAGE,
			      0xabcd));
	EXPECT_EQ(0xabcd, *(__u32 *)(buf + PAGE));
	/* Once pinned, the pages stay pinned until they are unmapped. */
	ASSERT_EQ(0, mock_detach(self->mfd, self->dev, MOCK_NO_PASID));
	EXPECT_EQ(self->base_pinned + 16, ifd2_counter("pinned_pages"));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, 16 * PAGE, NULL));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	EXPECT_EQ(self->base_vmpin, ifd2_proc_kb(getpid(), "VmPin"));
}

TEST_F(lazy, bad_memory_fails_at_attach)
{
	char *gone = alloc_buf(4 * PAGE, PAGE), *ro = alloc_buf(2 * PAGE, PAGE);
	__u64 iova = 0, unmapped = 0;

	ASSERT_NE(NULL, gone);
	ASSERT_NE(NULL, ro);
	ASSERT_EQ(0, munmap(gone, 4 * PAGE));
	ASSERT_EQ(0, mprotect(ro, 2 * PAGE, PROT_READ));

	/* Nothing is pinned without a domain: these maps are accepted... */
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, gone, 4 * PAGE, &iova,
			      IFD2_RW));
	EXPECT_EQ(EFAULT, lazy_attach(self));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, 4 * PAGE,
				&unmapped));
	EXPECT_EQ(4 * PAGE, unmapped);
	iova = 0;
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, ro, 2 * PAGE, &iova,
			      IFD2_RW));
	/* ...and the attach that needs them fails, changing nothing. */
	EXPECT_EQ(EFAULT, lazy_attach(self));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, 2 * PAGE, NULL));
	EXPECT_EQ(0, lazy_attach(self));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
}

TEST_F(lazy, exited_process_cannot_be_pinned)
{
	char *buf = alloc_buf(4 * PAGE, PAGE);
	__u64 iova = 0x100000;
	int status;
	pid_t child;

	ASSERT_NE(NULL, buf);
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(ifd2_map(self->fd, self->ioas, buf, 4 * PAGE, &iova,
			       IFD2_FIXED));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* The child's memory is gone with it: nothing left to pin. */
	EXPECT_EQ(EFAULT, lazy_attach(self));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
}

/* Without a domain, mappings are byte granular; a domain wants pages. */
TEST_F(lazy, byte_granular_until_attach)
{
	int mfd = memfd_create("ifd2", 0);
	char *buf = alloc_buf(4 * PAGE, PAGE);
	__u64 iova = 0, fiova = 0;

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, 8 * PAGE));
	/* The page offset of the user address or file offset is kept. */
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, buf + 0x123, 100, &iova,
			      IFD2_RW));
	EXPECT_EQ(0x123, iova % PAGE);
	ASSERT_EQ(0, map_file(self->fd, self->ioas, mfd, 3 * PAGE + 12, 100,
			      &fiova, IFD2_RW));
	EXPECT_EQ(12, fiova % PAGE);
	/*
	 * The domain cannot map them: the attach fails, nothing changes
	 * (EADDRINUSE, as upstream: the mappings are in the domain's way).
	 */
	EXPECT_EQ(EADDRINUSE, lazy_attach(self));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, fiova, 100, NULL));
	EXPECT_EQ(EADDRINUSE, lazy_attach(self));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, 100, NULL));
	EXPECT_EQ(0, lazy_attach(self));
	close(mfd);
}

TEST_F(lazy, over_rlimit_fails_at_attach)
{
	char *buf = alloc_buf(32 * PAGE, PAGE);
	__u64 iova = 0;

	ASSERT_NE(NULL, buf);
	limit_memlock(_metadata, 16 * PAGE);
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, buf, 32 * PAGE, &iova,
			      IFD2_RW));
	EXPECT_EQ(ENOMEM, lazy_attach(self));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, 32 * PAGE, NULL));
	iova = 0;
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, buf, 16 * PAGE, &iova,
			      IFD2_RW));
	EXPECT_EQ(0, lazy_attach(self));
	EXPECT_EQ(self->base_pinned + 16, ifd2_counter("pinned_pages"));
}

TEST_F(ioas, change_process_across_fork)
{
	int mfd = memfd_create("ifd2", 0);
	pid_t parent = getpid(), child;
	__u64 iova = 0, uiova = 0;
	int status;

	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, 4 * PAGE));
	ASSERT_EQ(0, map_file(self->fd, self->ioas, mfd, 0, 4 * PAGE, &iova,
			      IFD2_RW));
	/* A mapping of plain user memory cannot change hands. */
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &uiova,
			      IFD2_RW));
	EXPECT_EQ(EINVAL, change_process(self->fd));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, uiova, PAGE, NULL));
	EXPECT_EQ(self->base_vmpin + 16, ifd2_proc_kb(parent, "VmPin"));
	/* Already ours: nothing to do. */
	EXPECT_EQ(0, change_process(self->fd));
	EXPECT_EQ(self->base_vmpin + 16, ifd2_proc_kb(parent, "VmPin"));

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		long before = ifd2_proc_kb(getpid(), "VmPin");
		int ok = change_process(self->fd) == 0 &&
			 ifd2_proc_kb(getpid(), "VmPin") == before + 16 &&
			 ifd2_proc_kb(parent, "VmPin") ==
				 self->base_vmpin;

		_exit(ok ? 0 : 1);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(self->base_vmpin, ifd2_proc_kb(parent, "VmPin"));
	/* Take it back, then release. */
	EXPECT_EQ(0, change_process(self->fd));
	EXPECT_EQ(self->base_vmpin + 16, ifd2_proc_kb(parent, "VmPin"));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, 4 * PAGE, NULL));
	EXPECT_EQ(self->base_vmpin, ifd2_proc_kb(parent, "VmPin"));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	struct iommu_ioas_change_process bad = { .size = sizeof(bad),
						 .__reserved = 1 };
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_IOAS_CHANGE_PROCESS,
					 &bad));
}

TEST_F(ioas, pins_outlive_munmap_until_unmap)
{
	char *tmp = alloc_buf(8 * PAGE, PAGE);
	__u64 iova = 0;

	ASSERT_NE(NULL, tmp);
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, tmp, 8 * PAGE, &iova,
			      IFD2_RW));
	ASSERT_EQ(0, munmap(tmp, 8 * PAGE));
	EXPECT_EQ(self->base_pinned + 8, ifd2_counter("pinned_pages"));
	EXPECT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, 8 * PAGE, NULL));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	EXPECT_EQ(self->base_vmpin, ifd2_proc_kb(getpid(), "VmPin"));
}

TEST_F(ioas, destroy_and_close_release_pins)
{
	__u64 iova = 0;
	__u32 other;
	int fd2;

	__u64 copied = 0;
	__u32 dev2;
	int mfd2;

	/* Pinned through a copy into the IOAS with a domain, then only
	 * held by the other IOAS: destroying it lets go.
	 */
	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &other));
	ASSERT_EQ(0, ifd2_map(self->fd, other, self->buf, 8 * PAGE, &iova,
			      IFD2_RW));
	ASSERT_EQ(0, copy(self->fd, self->ioas, other, iova, 8 * PAGE,
			  &copied, IFD2_RW));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, copied, 8 * PAGE, NULL));
	EXPECT_EQ(self->base_pinned + 8, ifd2_counter("pinned_pages"));
	EXPECT_EQ(0, ifd2_destroy(self->fd, other));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));

	fd2 = ifd2_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, ifd2_ioas_alloc(fd2, &other));
	mfd2 = pin_on_map(fd2, other, &dev2);
	ASSERT_LE(0, mfd2);
	ASSERT_EQ(0, ifd2_map(fd2, other, self->buf, 8 * PAGE, &iova,
			      IFD2_RW));
	EXPECT_EQ(self->base_pinned + 8, ifd2_counter("pinned_pages"));
	close(fd2);
	close(mfd2);
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	EXPECT_EQ(self->base_vmpin, ifd2_proc_kb(getpid(), "VmPin"));
}

/*
 * A mapping of many physically discontiguous pieces reaches the domain in
 * several batches (iommu_map_sg(), 128 pieces a call): every page must
 * translate to its own user page, across the batch boundaries too.  The
 * pages are a memfd's, allocated in file order and mapped into the buffer
 * in a stride-3 order, so neighbours in the buffer are never neighbours
 * in memory.
 */
#define SCATTER_PAGES 400

TEST_F(ioas, scattered_pages_translate)
{
	size_t len = SCATTER_PAGES * PAGE;
	long runs = ifd2_counter("pinned_runs");
	int memfd = memfd_create("ifd2-scatter", 0);
	__u64 iova = 0;
	char *buf;
	long i;

	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, fallocate(memfd, 0, 0, len));
	buf = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	for (i = 0; i < SCATTER_PAGES; i++)
		ASSERT_EQ(buf + i * PAGE,
			  mmap(buf + i * PAGE, PAGE, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_FIXED, memfd,
			       (i * 3 % SCATTER_PAGES) * PAGE));
	memset(buf, 0, len);

	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, buf, len, &iova,
			      IFD2_RW));
	/* Enough pieces for more than two batches. */
	EXPECT_LT(runs + 2 * 128, ifd2_counter("pinned_runs"));
	for (i = 0; i < SCATTER_PAGES; i++)
		ASSERT_EQ(0, mock_dma(self->mfd, self->dev, MOCK_NO_PASID,
				      iova + i * PAGE + 8, 0x5ca70000 | i));
	for (i = 0; i < SCATTER_PAGES; i++)
		ASSERT_EQ(0x5ca70000 | i, *(__u32 *)(buf + i * PAGE + 8));
	EXPECT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, len, NULL));
	EXPECT_EQ(runs, ifd2_counter("pinned_runs"));
	munmap(buf, len);
	close(memfd);
}

/* Huge pages are kept as few runs: bookkeeping far below 8 B/page. */
static void check_huge(struct __test_metadata *_metadata, int fd, __u32 ioas,
		       char *buf, size_t len)
{
	long pages = ifd2_counter("pinned_pages");
	long runs = ifd2_counter("pinned_runs");
	__u64 iova = 0;

	ASSERT_EQ(0, ifd2_map(fd, ioas, buf, len, &iova, IFD2_RW));
	EXPECT_EQ(0, iova % SZ_2M);
	EXPECT_EQ(pages + (long)(len / PAGE), ifd2_counter("pinned_pages"));
	/* At most one run per 2 MiB page (runs cap at 16 MiB). */
	EXPECT_GE(runs + (long)(len / SZ_2M), ifd2_counter("pinned_runs"));
	EXPECT_EQ(0, ifd2_unmap(fd, ioas, iova, len, NULL));
	EXPECT_EQ(runs, ifd2_counter("pinned_runs"));
}

TEST_F(ioas, hugetlb_pages)
{
	size_t len = 4 * SZ_2M;
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");
	char *buf;

	if (f) {
		fprintf(f, "16\n");
		fclose(f);
	}
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (buf == MAP_FAILED)
		SKIP(return, "no hugetlb pages");
	memset(buf, 1, len);
	check_huge(_metadata, self->fd, self->ioas, buf, len);
}

TEST_F(ioas, thp_pages)
{
	size_t len = 4 * SZ_2M;
	char *buf = mmap(NULL, len + SZ_2M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, buf);
	buf = (char *)(((uintptr_t)buf + SZ_2M - 1) & ~(SZ_2M - 1));
	if (madvise(buf, len, MADV_HUGEPAGE))
		SKIP(return, "no THP");
	memset(buf, 1, len);
	check_huge(_metadata, self->fd, self->ioas, buf, len);
}

TEST_F(ioas, huge_page_option_does_not_block_maps)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_SET,
		.object_id = self->ioas,
		.val64 = 0,
	};
	__u64 iova = 0;

	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, 4 * PAGE,
			      &iova, IFD2_RW));
}

/* HUGE_PAGES=0 raises the IOVA alignment to PAGE_SIZE, never past a map. */
TEST_F(ioas, huge_page_option_alignment)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_SET,
		.object_id = self->ioas,
		.val64 = 0,
	};
	__u64 iova = 0x100000 + 100, unmapped = 0;

	/* Byte granular while no domain asks for more. */
	ASSERT_EQ(0, mock_detach(self->mfd, self->dev, MOCK_NO_PASID));
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf + 100, PAGE,
			      &iova, IFD2_FIXED));
	EXPECT_EQ(EADDRINUSE, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd.op = IOMMU_OPTION_OP_GET;
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(1, cmd.val64);
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, PAGE, &unmapped));

	cmd.op = IOMMU_OPTION_OP_SET;
	cmd.val64 = 0;
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(EINVAL, ifd2_map(self->fd, self->ioas, self->buf + 100, PAGE,
				   &iova, IFD2_FIXED));
	iova = 0x100000;
	EXPECT_EQ(EINVAL, ifd2_map(self->fd, self->ioas, self->buf + 100, PAGE,
				   &iova, IFD2_FIXED));
	EXPECT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf, PAGE, &iova,
			      IFD2_FIXED));

	cmd.val64 = 1;
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	iova = 0x200000 + 100;
	EXPECT_EQ(0, ifd2_map(self->fd, self->ioas, self->buf + 100, PAGE,
			      &iova, IFD2_FIXED));
}

/* Several threads mapping, unmapping and copying over the same window. */
struct churn {
	int fd;
	__u32 ioas[2];
	char *buf;
	unsigned int seed;
	int unexpected;
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	unsigned int seed = __atomic_add_fetch(&c->seed, 7919,
					       __ATOMIC_RELAXED);
	int i, rc;

	for (i = 0; i < 3000; i++) {
		unsigned int r = rand_r(&seed);
		__u32 ioas = c->ioas[r & 1];
		__u64 iova = 0x100000 + ((r >> 1) % 32) * PAGE;
		__u64 len = (1 + (r >> 6) % 4) * PAGE;
		__u64 dst = 0x100000 + ((r >> 9) % 32) * PAGE;

		switch ((r >> 14) % 3) {
		case 0:
			rc = ifd2_map(c->fd, ioas, c->buf, len, &iova,
				      IFD2_FIXED);
			if (rc && rc != EEXIST)
				__atomic_add_fetch(&c->unexpected, 1,
						   __ATOMIC_RELAXED);
			break;
		case 1:
			rc = ifd2_unmap(c->fd, ioas, iova, len, NULL);
			if (rc && rc != ENOENT)
				__atomic_add_fetch(&c->unexpected, 1,
						   __ATOMIC_RELAXED);
			break;
		default:
			rc = copy(c->fd, c->ioas[!(r & 1)], ioas, iova, len,
				  &dst, IFD2_FIXED);
			if (rc && rc != ENOENT && rc != EEXIST)
				__atomic_add_fetch(&c->unexpected, 1,
						   __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

TEST_F(ioas, concurrent_map_unmap_copy)
{
	struct churn c = { .fd = self->fd, .buf = self->buf, .seed = 1 };
	struct iommu_iova_range ranges[4];
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q),
		.num_iovas = 4,
		.allowed_iovas = (uintptr_t)ranges,
	};
	pthread_t t[4];
	__u64 unmapped;
	int i;

	c.ioas[0] = self->ioas;
	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &c.ioas[1]));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn_thread, &c));
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(0, c.unexpected);

	/* Consistent afterwards: the ranges answer, all unmaps succeed. */
	q.ioas_id = c.ioas[1];
	EXPECT_EQ(0, ifd2_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &q));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, ifd2_unmap(self->fd, c.ioas[i], 0, UINT64_MAX,
					&unmapped));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	EXPECT_EQ(self->base_vmpin, ifd2_proc_kb(getpid(), "VmPin"));
}

TEST_HARNESS_MAIN
