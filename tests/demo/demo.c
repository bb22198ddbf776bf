// SPDX-License-Identifier: GPL-2.0
/*
 * demo: a short tour of /dev/iommufd2 for the README's first command.
 * Opens the node, creates and inspects objects, destroys them and shows
 * the module's object counters after each step.
 */
#include <stdint.h>

#include "ifd2_util.h"

static int failures;

static void counters(const char *when)
{
	printf("    counters %-22s contexts=%ld ioas=%ld tombstones=%ld\n", when,
	       ifd2_counter("contexts"), ifd2_counter("ioas"),
	       ifd2_counter("tombstones"));
}

static void step(const char *what, int rc, int expect)
{
	printf("  %-52s -> %s%s\n", what, rc ? strerror(rc) : "ok",
	       rc == expect ? "" : "   (UNEXPECTED)");
	if (rc != expect)
		failures++;
}

int main(void)
{
	struct iommu_iova_range range;
	struct iommu_ioas_iova_ranges ranges = {
		.size = sizeof(ranges),
		.num_iovas = 1,
		.allowed_iovas = (uintptr_t)&range,
	};
	struct iommu_option opt = {
		.size = sizeof(opt),
		.option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_GET,
	};
	char line[128];
	__u32 a = 0, b = 0;
	int fd;

	printf("iommufd2 demo\n");
	counters("before open");
	fd = ifd2_open();
	if (fd < 0) {
		perror("open " IFD2_DEV);
		return 1;
	}
	printf("  opened %s (fd %d)\n", IFD2_DEV, fd);
	counters("after open");

	step("IOMMU_IOAS_ALLOC", ifd2_ioas_alloc(fd, &a), 0);
	step("IOMMU_IOAS_ALLOC", ifd2_ioas_alloc(fd, &b), 0);
	printf("    IOAS ids: %u and %u\n", a, b);
	counters("after two allocs");

	ranges.ioas_id = a;
	step("IOMMU_IOAS_IOVA_RANGES (empty IOAS)",
	     ifd2_ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &ranges), 0);
	printf("    %u range(s): [0x%llx, 0x%llx], alignment %llu\n",
	       ranges.num_iovas, (unsigned long long)range.start,
	       (unsigned long long)range.last,
	       (unsigned long long)ranges.out_iova_alignment);

	opt.object_id = a;
	step("IOMMU_OPTION get HUGE_PAGES", ifd2_ioctl(fd, IOMMU_OPTION, &opt),
	     0);
	printf("    huge pages on IOAS %u: %llu\n", a,
	       (unsigned long long)opt.val64);

	snprintf(line, sizeof(line), "IOMMU_DESTROY %u", a);
	step(line, ifd2_destroy(fd, a), 0);
	snprintf(line, sizeof(line), "IOMMU_DESTROY %u again (expect ENOENT)", a);
	step(line, ifd2_destroy(fd, a), ENOENT);
	step("IOMMU_IOAS_ALLOC with flags=1 (expect EOPNOTSUPP)",
	     ifd2_ioctl(fd, IOMMU_IOAS_ALLOC,
			&(struct iommu_ioas_alloc){ .size = 12, .flags = 1 }),
	     EOPNOTSUPP);
	counters("after destroy");

	close(fd);
	printf("  closed the file with IOAS %u still alive\n", b);
	counters("after close");
	printf("%s\n", failures ? "demo: FAILED" : "demo: all steps behaved");
	return failures ? 1 : 0;
}
