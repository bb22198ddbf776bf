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

/* IOMMU_TEST_CMD @cmd on @fd, or skip the test without the mock. */
#define MOCK_CMD_OR_SKIP(fd, cmd)					\
	do {								\
		int __rc = ifd2_ioctl(fd, IOMMU_TEST_CMD, &(cmd));	\
		if (__rc == ENOTTY)					\
			SKIP(return, "no IOMMU_TEST_CMD (mock not loaded)"); \
		ASSERT_EQ(0, __rc);					\
	} while (0)

/* The selftest mock domain maps [@iova, +@len) to the bytes at @va. */
static int md_check_map(int fd, __u32 hwpt, __u64 iova, void *va, __u64 len)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt,
		.check_map = { .iova = iova, .length = len,
			       .uptr = (uintptr_t)va },
	};

	return ifd2_ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/*
 * The selftest mock's domain has a 2 KiB granule, so upstream maps 2 KiB
 * mappings.  Two halves of one CPU page at the two halves of one IOVA
 * page, and the same halves crossed over at the next IOVA page, whether
 * mapped with the domain attached or before it attaches: each IOVA is
 * translated to its own half and nothing around them is (iommufd2 used to
 * mirror each half as its whole CPU page: EBUSY for the second half, and
 * the first half's mapping reached the other half of its page).
 */
TEST(sub_page_mappings_share_a_page)
{
	struct iommu_test_cmd md = {
		.size = sizeof(md),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	char *page = (char *)ifd2_pages(1);
	__u64 a = MOCK_APERTURE_START + 0x10000, c = a + 0x10000;
	static const struct {
		__u64 iova_off;
		unsigned int page_off;
	} halves[] = { { 0, 0 }, { 2048, 2048 }, { 0x10000, 2048 },
		       { 0x10000 + 2048, 0 } };
	int fd = ifd2_open(), i, h;
	__u32 ioas[2], hwpt;
	__u64 iova;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, page);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, ifd2_ioas_alloc(fd, &ioas[i]));
		md.id = ioas[i];
		/* IOAS 0 gets its domain first, IOAS 1 after its maps. */
		if (i == 0)
			MOCK_CMD_OR_SKIP(fd, md);
		for (h = 0; h < 4; h++) {
			iova = a + halves[h].iova_off;
			EXPECT_EQ(0, ifd2_map(fd, ioas[i],
					      page + halves[h].page_off, 2048,
					      &iova, IFD2_FIXED));
		}
		if (i == 1)
			MOCK_CMD_OR_SKIP(fd, md);
		hwpt = md.mock_domain.out_hwpt_id;
		for (h = 0; h < 4; h++)
			EXPECT_EQ(0, md_check_map(fd, hwpt,
						  a + halves[h].iova_off,
						  page + halves[h].page_off,
						  2048));
		/* Nothing on either side of the crossed pair. */
		EXPECT_NE(0, md_check_map(fd, hwpt, c - 2048, page, 2048));
		EXPECT_NE(0, md_check_map(fd, hwpt, c + 4096, page, 2048));
		/* Unmapping one half leaves the other, and only it. */
		ASSERT_EQ(0, ifd2_unmap(fd, ioas[i], a + 2048, 2048, NULL));
		EXPECT_NE(0, md_check_map(fd, hwpt, a + 2048, page + 2048,
					  2048));
		EXPECT_EQ(0, md_check_map(fd, hwpt, a, page, 2048));
	}
	close(fd);
}

/*
 * An access write over a read-only mapping followed by a hole: EPERM,
 * as upstream, which meets the read-only mapping before the hole.
 */
TEST(access_write_read_only_before_hole_is_eperm)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
	};
	char *page = (char *)ifd2_pages(1), buf[2 * 4096];
	__u64 iova = 0x100000;
	int fd = ifd2_open();

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, page);
	ASSERT_EQ(0, ifd2_ioas_alloc(fd, &cmd.id));
	ASSERT_EQ(0, ifd2_map(fd, cmd.id, page, 4096, &iova,
			      IOMMU_IOAS_MAP_READABLE |
			      IOMMU_IOAS_MAP_FIXED_IOVA));
	MOCK_CMD_OR_SKIP(fd, cmd);
	cmd.op = IOMMU_TEST_OP_ACCESS_RW;
	cmd.id = cmd.create_access.out_access_fd;
	cmd.access_rw.iova = iova;
	cmd.access_rw.length = sizeof(buf);
	cmd.access_rw.uptr = (uintptr_t)buf;
	cmd.access_rw.flags = MOCK_ACCESS_RW_WRITE;
	EXPECT_EQ(EPERM, ifd2_ioctl(fd, IOMMU_TEST_CMD, &cmd));
	/* A read of the same range meets the hole. */
	cmd.access_rw.flags = 0;
	EXPECT_EQ(ENOENT, ifd2_ioctl(fd, IOMMU_TEST_CMD, &cmd));
	close((int)cmd.id);
	close(fd);
}

TEST_HARNESS_MAIN
