// SPDX-License-Identifier: GPL-2.0
/*
 * User-supplied sizes are checked against the owner's limits before the
 * kernel allocates for them: a 1 TiB sparse memfd or MAP_NORESERVE range,
 * mapped into an IOAS with a device attached (so the map pins at once) by
 * an unprivileged user under a small RLIMIT_MEMLOCK, gets ENOMEM, leaves
 * nothing pinned and mapped, and makes no huge kernel allocation (which
 * would WARN, a panic under the bench's panic_on_warn).
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ifd2_util.h"
#include "ifd2_mock.h"

#define NOBODY	65534
#define TIB	(1ULL << 40)

/* In a child, as nobody with a 64 KiB RLIMIT_MEMLOCK: 0 if all held. */
static int huge_maps_as_nobody(void)
{
	struct rlimit lim = { 64 << 10, 64 << 10 };
	struct iommu_ioas_map_file mf = {
		.size = sizeof(mf),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.length = TIB,
	};
	__u32 dev, devid, ioas, pt;
	__u64 iova = 0;
	int fd, mfd, memfd;
	void *va;

	if (setrlimit(RLIMIT_MEMLOCK, &lim) || setgid(NOBODY) ||
	    setuid(NOBODY))
		return 10;
	fd = ifd2_open();
	mfd = open(MOCK_DEV, O_RDWR);
	if (fd < 0 || mfd < 0)
		return 11;
	if (mock_create(mfd, 0, &dev) || mock_bind(mfd, dev, fd, &devid) ||
	    ifd2_ioas_alloc(fd, &ioas))
		return 12;
	pt = ioas;
	if (mock_attach(mfd, dev, MOCK_NO_PASID, pt))
		return 13;

	memfd = memfd_create("ifd2-sparse", 0);
	if (memfd < 0 || ftruncate(memfd, TIB))
		return 14;
	mf.ioas_id = ioas;
	mf.fd = memfd;
	if (ifd2_ioctl(fd, IOMMU_IOAS_MAP_FILE, &mf) != ENOMEM)
		return 15;

	va = mmap(NULL, TIB, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (va == MAP_FAILED)
		return 16;
	if (ifd2_map(fd, ioas, va, TIB, &iova, IFD2_RW) != ENOMEM)
		return 17;

	/* Nothing stayed mapped: the whole space is free for a small map. */
	iova = 0;
	if (ifd2_map(fd, ioas, va, 4096, &iova, IFD2_RW) ||
	    ifd2_unmap(fd, ioas, 0, UINT64_MAX, NULL))
		return 18;
	return 0;
}

TEST(huge_sparse_map_over_memlock)
{
	struct stat ctl, mock;
	int status;
	pid_t pid;

	if (stat(MOCK_DEV, &mock))
		SKIP(return, "no mock IOMMU");
	ASSERT_EQ(0, stat(IFD2_DEV, &ctl));
	/* Given to the unprivileged user, as a VMM's nodes would be. */
	ASSERT_EQ(0, chmod(IFD2_DEV, 0666));
	ASSERT_EQ(0, chmod(MOCK_DEV, 0666));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(huge_maps_as_nobody());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	chmod(IFD2_DEV, ctl.st_mode & 07777);
	chmod(MOCK_DEV, mock.st_mode & 07777);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, ifd2_counter("pinned_pages"));
}

TEST_HARNESS_MAIN
