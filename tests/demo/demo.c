// SPDX-License-Identifier: GPL-2.0
/*
 * demo: iommufd2 at work, for the README's first command.
 *
 * Opens /dev/iommufd2, hands QEMU's iommu-testdev to iommufd2_pci, binds
 * it, maps buffer A at an IOVA in IOAS A, lets the device DMA there, then
 * replaces the attachment with IOAS B (buffer B at the same IOVA) and DMAs
 * again, printing where each write landed.  Finally it detaches, shows the
 * DMA blocked, closes everything and shows the object counters at zero.
 */
#include <stdint.h>

#include "ifd2_dev.h"

#define PAGE 4096UL
#define IOVA 0x40000000ULL

static int failures;

static void counters(const char *when)
{
	printf("    counters %-20s contexts=%ld ioas=%ld hwpt=%ld device=%ld pinned_pages=%ld\n",
	       when, ifd2_counter("contexts"), ifd2_counter("ioas"),
	       ifd2_counter("hwpt_paging"), ifd2_counter("device"),
	       ifd2_counter("pinned_pages"));
}

static void step(const char *what, int ok)
{
	printf("  %-58s %s\n", what, ok ? "ok" : "FAILED");
	failures += !ok;
}

static const char *result_name(__u32 r)
{
	switch (r) {
	case TESTDEV_OK: return "ok: pattern found at the expected address";
	case TESTDEV_FAULT: return "translation fault";
	case TESTDEV_MISMATCH: return "landed elsewhere";
	default: return "other error";
	}
}

static void dma(volatile __u32 *bar, const char *label, __u64 gpa,
		__u32 *a, __u32 *b, __u32 expect)
{
	__u32 r = testdev_dma(bar, IOVA, 4, gpa);
	char line[160];

	printf("  DMA write to IOVA 0x%llx (%s), device checks GPA 0x%llx: %s\n",
	       (unsigned long long)IOVA, label, (unsigned long long)gpa,
	       result_name(r));
	printf("    buffer A[0]=0x%08x  buffer B[0]=0x%08x\n", a[0], b[0]);
	snprintf(line, sizeof(line), "result is %s", result_name(expect));
	step(line, r == expect);
}

int main(void)
{
	__u64 gpa_a, gpa_b, iova;
	__u32 *a = ifd2_dma_page(&gpa_a), *b = ifd2_dma_page(&gpa_b);
	__u32 ioas_a = 0, ioas_b = 0, devid = 0, pt;
	volatile __u32 *bar;
	size_t bar_len;
	char bdf[256];
	int fd, devfd;

	printf("iommufd2 demo: real DMA through the IOMMU\n");
	counters("at start");
	if (!a || !b || !gpa_a || !gpa_b) {
		printf("cannot get buffers\n");
		return 1;
	}
	if (ifd2_find_pci(TESTDEV_ID, bdf, sizeof(bdf))) {
		printf("no iommu-testdev in this machine\n");
		return 1;
	}
	step("hand iommu-testdev to iommufd2_pci (driver_override)",
	     !ifd2_pci_bind_driver(bdf));
	fd = ifd2_open();
	devfd = ifd2_pci_open(bdf);
	step("open /dev/iommufd2 and the device's node", fd >= 0 && devfd >= 0);
	if (fd < 0 || devfd < 0)
		return 1;
	step("VFIO_DEVICE_BIND_IOMMUFD", !ifd2_dev_bind(devfd, fd, &devid));
	step("bus mastering on through the config region",
	     !ifd2_pci_enable_master(devfd));
	printf("    %s is device %u in the context\n", bdf, devid);

	step("IOMMU_IOAS_ALLOC x2", !ifd2_ioas_alloc(fd, &ioas_a) &&
				     !ifd2_ioas_alloc(fd, &ioas_b));
	iova = IOVA;
	step("IOMMU_IOAS_MAP buffer A into IOAS A",
	     !ifd2_map(fd, ioas_a, a, PAGE, &iova, IFD2_FIXED));
	iova = IOVA;
	step("IOMMU_IOAS_MAP buffer B into IOAS B (same IOVA)",
	     !ifd2_map(fd, ioas_b, b, PAGE, &iova, IFD2_FIXED));
	printf("    buffer A at GPA 0x%llx, buffer B at GPA 0x%llx\n",
	       (unsigned long long)gpa_a, (unsigned long long)gpa_b);
	counters("after mapping");

	pt = ioas_a;
	step("VFIO_DEVICE_ATTACH_IOMMUFD_PT to IOAS A", !ifd2_dev_attach(devfd, &pt));
	printf("    attached through automatic HWPT %u\n", pt);
	bar = ifd2_map_bar(devfd, 0, &bar_len);
	step("mmap BAR0", bar != MAP_FAILED);
	if (bar == MAP_FAILED)
		return 1;
	dma(bar, "IOAS A", gpa_a, a, b, TESTDEV_OK);
	step("pattern is in buffer A, B untouched",
	     a[0] == TESTDEV_PATTERN && b[0] == 0);

	pt = ioas_b;
	step("attach again = atomic replace to IOAS B",
	     !ifd2_dev_attach(devfd, &pt));
	a[0] = 0;
	dma(bar, "IOAS B", gpa_b, a, b, TESTDEV_OK);
	step("pattern is in buffer B, A untouched",
	     b[0] == TESTDEV_PATTERN && a[0] == 0);

	step("VFIO_DEVICE_DETACH_IOMMUFD_PT", !ifd2_dev_detach(devfd));
	b[0] = 0;
	dma(bar, "detached", gpa_b, a, b, TESTDEV_FAULT);
	counters("while bound");

	munmap((void *)bar, bar_len);
	close(devfd);
	close(fd);
	counters("after close");
	printf("%s\n", failures ? "demo: FAILED" : "demo: all steps behaved");
	return failures ? 1 : 0;
}
