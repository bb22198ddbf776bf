// SPDX-License-Identifier: GPL-2.0
/*
 * Errno conformance with upstream iommufd where the two used to differ:
 * found by review and by random differential runs against upstream.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "ifd2_util.h"
#include "iommufd2/iommufd_test.h"

/* An address no process maps: any read of the argument would fault. */
#define BAD_PTR ((void *)8)

/*
 * An unknown command is ENOTTY before its argument is read, so a bad
 * pointer does not turn it into EFAULT.
 */
TEST(unknown_command_is_enotty_whatever_the_argument)
{
	int fd = ifd2_open();

	ASSERT_LE(0, fd);
	/* A served number with the wrong direction and size bits... */
	EXPECT_EQ(ENOTTY, ifd2_ioctl(fd, _IOWR(IOMMUFD_TYPE,
					       IOMMUFD_CMD_DESTROY,
					       struct iommu_destroy),
				     BAD_PTR));
	/* ...and one past every command. */
	EXPECT_EQ(ENOTTY, ifd2_ioctl(fd, _IO(IOMMUFD_TYPE,
					     IOMMUFD_CMD_BASE + 0x70),
				     BAD_PTR));
	/* A served command still reads its argument. */
	EXPECT_EQ(EFAULT, ifd2_ioctl(fd, IOMMU_DESTROY, BAD_PTR));
	close(fd);
}

/*
 * A domain whose aperture leaves out existing mappings cannot join the
 * IOAS: EADDRINUSE, as upstream answers (here through the selftest mock's
 * domain, attached by IOAS as an auto HWPT); nothing is left behind.
 */
TEST(domain_aperture_excludes_mapping)
{
	struct iommu_test_cmd md = {
		.size = sizeof(md),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	__u32 ioas, *page = ifd2_pages(1);
	__u64 iova = 0x1000;	/* below the selftest mock's aperture */
	int fd = ifd2_open(), rc;
	long hwpts = ifd2_counter("hwpt_paging");

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, page);
	ASSERT_EQ(0, ifd2_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, ifd2_map(fd, ioas, page, 4096, &iova, IFD2_FIXED));
	md.id = ioas;
	rc = ifd2_ioctl(fd, IOMMU_TEST_CMD, &md);
	if (rc == ENOTTY)
		SKIP(return, "no IOMMU_TEST_CMD (mock not loaded)");
	EXPECT_EQ(EADDRINUSE, rc);
	EXPECT_EQ(hwpts, ifd2_counter("hwpt_paging"));

	/* Moved inside the aperture, the same domain attaches. */
	ASSERT_EQ(0, ifd2_unmap(fd, ioas, iova, 4096, NULL));
	iova = MOCK_APERTURE_START;
	ASSERT_EQ(0, ifd2_map(fd, ioas, page, 4096, &iova, IFD2_FIXED));
	EXPECT_EQ(0, ifd2_ioctl(fd, IOMMU_TEST_CMD, &md));
	close(fd);
}

/*
 * IOMMU_IOAS_ALLOW_IOVAS with a count far beyond the ranges userspace
 * really supplied: the read fails (EFAULT) where the memory ends, with no
 * allocation sized by the count first, and nothing changes.
 */
TEST(allow_iovas_count_is_not_an_allocation_size)
{
	long page = sysconf(_SC_PAGESIZE);
	struct iommu_iova_range *r;
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.num_iovas = UINT32_MAX,
	};
	char *two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = ifd2_open();

	ASSERT_LE(0, fd);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, mprotect(two + page, page, PROT_NONE));
	/* Valid ranges up to the end of the readable page. */
	for (r = (void *)two; (char *)(r + 1) <= two + page; r++) {
		r->start = ((char *)r - two) * 0x100000ULL + 0x100000;
		r->last = r->start + 0xfffff;
	}
	ASSERT_EQ(0, ifd2_ioas_alloc(fd, &cmd.ioas_id));
	cmd.allowed_iovas = (uintptr_t)two;
	EXPECT_EQ(EFAULT, ifd2_ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd));
	/* As many as there are: accepted. */
	cmd.num_iovas = page / sizeof(*r);
	EXPECT_EQ(0, ifd2_ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd));
	close(fd);
}

TEST_HARNESS_MAIN
