// SPDX-License-Identifier: GPL-2.0
/*
 * diff_run: the same sequence of iommufd operations against upstream
 * iommufd (/dev/iommu, its iommu-testdev through vfio-pci's cdev) and
 * against iommufd2 (/dev/iommufd2, its testdev through iommufd2_pci), on
 * the reference kernel, each side in a process of its own.
 *
 * Every step records its return value (0 or the errno) and what it made
 * observable: object IDs, IOVA ranges and choices, where the device's DMA
 * landed, the process's pinned and locked memory.  Then the two records
 * are compared step by step, as TAP: a step whose records differ fails,
 * unless it is one of the divergences listed below (and in the README's
 * divergence table), which pass with the difference shown.
 */
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "ifd2_side.h"

#define PAGE 4096UL
#define MAX_STEPS 96
#define IOVA_A 0x100000ULL	/* the page the device writes through */
#define IOVA_COPY 0x300000ULL	/* its copy in the second IOAS */
#define IOVA_HOLE 0x200000ULL	/* never mapped */

struct record {
	char step[40];
	int rc;
	char effect[216];
};

struct run_log {
	int n;
	int aborted;
	char bdf[64];
	struct record rec[MAX_STEPS];
};

/*
 * Differences upstream and iommufd2 are allowed to show, and why: at @step,
 * the records may differ in the "@field=..." word and nowhere else.
 */
static const struct {
	const char *step;
	const char *field;
	const char *why;
} allowed[] = {
	{ "detach", "VmPin",
	  "iommufd2 keeps a mapping's pages pinned until it is unmapped (README: pages of a mapping once pinned)" },
	{ "vmpin-after-detach", "VmPin",
	  "iommufd2 keeps a mapping's pages pinned until it is unmapped (README: pages of a mapping once pinned)" },
	{ "close-device", "VmPin",
	  "closing the device detaches it; iommufd2 keeps the IOAS's pages pinned until they are unmapped or the iommufd is closed" },
};

static struct run_log *cur;

static void rec(const char *step, int rc, const char *fmt, ...)
{
	struct record *r;
	va_list ap;

	if (cur->n >= MAX_STEPS)
		return;
	r = &cur->rec[cur->n++];
	snprintf(r->step, sizeof(r->step), "%s", step);
	r->rc = rc;
	r->effect[0] = 0;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(r->effect, sizeof(r->effect), fmt, ap);
		va_end(ap);
	}
}

/*
 * Record @step: run @op first, then evaluate the effect's arguments (which
 * read what the operation changed).
 */
#define REC(step, op, ...)			\
	do {					\
		int rc_ = (op);			\
						\
		rec(step, rc_, __VA_ARGS__);	\
	} while (0)

static const char *pinned(void)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "VmPin=%ldkB VmLck=%ldkB",
		 ifd2_proc_kb(getpid(), "VmPin"), ifd2_proc_kb(getpid(), "VmLck"));
	return buf;
}

static int option(int fd, __u32 id, __u32 object, __u16 op, __u64 *val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = id,
		.op = op,
		.object_id = object,
		.val64 = *val,
	};
	int rc = ifd2_ioctl(fd, IOMMU_OPTION, &cmd);

	*val = cmd.val64;
	return rc;
}

static void step_hw_info(int fd, __u32 devid)
{
	__u64 data[16] = {};
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = devid,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)data,
	};
	int rc = ifd2_ioctl(fd, IOMMU_GET_HW_INFO, &cmd);

	REC("hw-info", rc, "type=%u len=%u pasid_log2=%u caps=%#llx data=%llx/%llx/%llx",
	    cmd.out_data_type, cmd.data_len, cmd.out_max_pasid_log2,
	    (unsigned long long)cmd.out_capabilities,
	    (unsigned long long)data[0], (unsigned long long)data[1],
	    (unsigned long long)data[2]);
	cmd.dev_id = 0xfffff;
	REC("hw-info-bad-id", ifd2_ioctl(fd, IOMMU_GET_HW_INFO, &cmd), NULL);
	cmd.dev_id = devid;
	cmd.flags = 1u << 31;
	REC("hw-info-bad-flags", ifd2_ioctl(fd, IOMMU_GET_HW_INFO, &cmd), NULL);
}

static void step_ranges(const char *step, int fd, __u32 ioas)
{
	struct iommu_iova_range r[8] = {};
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.num_iovas = 8,
		.allowed_iovas = (uintptr_t)r,
	};
	int rc = ifd2_ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd), i, len;
	char buf[200];

	len = snprintf(buf, sizeof(buf), "n=%u align=%#llx", cmd.num_iovas,
		       (unsigned long long)cmd.out_iova_alignment);
	for (i = 0; !rc && i < (int)cmd.num_iovas && i < 8 &&
		    len < (int)sizeof(buf); i++)
		len += snprintf(buf + len, sizeof(buf) - len, " %llx-%llx",
				(unsigned long long)r[i].start,
				(unsigned long long)r[i].last);
	rec(step, rc, "%s", buf);
}

static void step_dma(const char *step, volatile __u32 *bar, __u64 iova,
		     __u32 *page, __u64 gpa)
{
	__u32 result;

	page[0] = 0;
	result = testdev_dma(bar, iova, 4, gpa);
	rec(step, 0, "result=%#x landed=%d", result,
	    page[0] == TESTDEV_PATTERN);
}

static int copy(int fd, __u32 dst, __u64 dst_iova, __u32 src, __u64 src_iova,
		__u64 len)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.dst_ioas_id = dst,
		.src_ioas_id = src,
		.length = len,
		.dst_iova = dst_iova,
		.src_iova = src_iova,
	};

	return ifd2_ioctl(fd, IOMMU_IOAS_COPY, &cmd);
}

static void step_map_errors(int fd, __u32 ioas, __u32 *page)
{
	__u64 iova = IOVA_A;

	REC("map-overlap", ifd2_map(fd, ioas, page, PAGE, &iova, IFD2_FIXED),
	    NULL);
	iova = IOVA_HOLE;
	REC("map-bad-flags", ifd2_map(fd, ioas, page, PAGE, &iova,
				      IFD2_FIXED | 1u << 30), NULL);
	REC("map-zero-length", ifd2_map(fd, ioas, page, 0, &iova, IFD2_FIXED),
	    NULL);
	iova = IOVA_HOLE + 1;
	REC("map-misaligned-iova", ifd2_map(fd, ioas, page, PAGE, &iova,
					    IFD2_FIXED), NULL);
	iova = IOVA_HOLE;
	REC("map-no-prot", ifd2_map(fd, ioas, page, PAGE, &iova,
				    IOMMU_IOAS_MAP_FIXED_IOVA), NULL);
	iova = IOVA_HOLE;
	REC("map-bad-ioas", ifd2_map(fd, 0xfffff, page, PAGE, &iova,
				     IFD2_FIXED), NULL);
	iova = IOVA_HOLE;
	REC("map-unmapped-memory", ifd2_map(fd, ioas, (void *)PAGE, PAGE,
					    &iova, IFD2_FIXED), NULL);
}

static void step_hwpt_variants(int fd, __u32 devid, __u32 ioas, __u32 hwpt)
{
	struct iommu_viommu_alloc va = {
		.size = sizeof(va),
		.type = IOMMU_VIOMMU_TYPE_DEFAULT,
		.dev_id = devid,
		.hwpt_id = hwpt,
	};
	__u32 id = 0;
	int rc;

	rc = ifd2_hwpt_alloc(fd, devid, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			     &id);
	REC("hwpt-alloc-dirty", rc, NULL);
	rc = ifd2_hwpt_alloc(fd, devid, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &id);
	REC("hwpt-alloc-nest-parent", rc, NULL);
	if (!rc)
		ifd2_destroy(fd, id);
	REC("hwpt-alloc-bad-flags",
	    ifd2_hwpt_alloc(fd, devid, ioas, 1u << 30, &id), NULL);
	REC("hwpt-alloc-bad-pt", ifd2_hwpt_alloc(fd, devid, devid, 0, &id),
	    NULL);
	REC("viommu-alloc-default", ifd2_ioctl(fd, IOMMU_VIOMMU_ALLOC, &va),
	    NULL);
}

/* Drop CAP_IPC_LOCK so RLIMIT_MEMLOCK applies to us. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return errno;
	data[0].effective &= ~(1u << CAP_IPC_LOCK);
	return syscall(SYS_capset, &hdr, data) ? errno : 0;
}

static void step_rlimit(int fd, int devfd, __u32 ioas)
{
	struct rlimit lim = { 64 << 10, 64 << 10 };
	__u32 *pages = ifd2_pages(32), pt = ioas;
	__u64 iova = IOVA_HOLE, len = 0;

	REC("rlimit-attach", ifd2_dev_attach(devfd, &pt), NULL);
	REC("rlimit-drop-ipc-lock", drop_ipc_lock() ||
	    setrlimit(RLIMIT_MEMLOCK, &lim) ? errno : 0, NULL);
	REC("map-over-rlimit", ifd2_map(fd, ioas, pages, 32 * PAGE, &iova,
					IFD2_FIXED), "%s", pinned());
	REC("map-under-rlimit", ifd2_map(fd, ioas, pages, 8 * PAGE, &iova,
					 IFD2_FIXED), "%s", pinned());
	REC("unmap-under-rlimit", ifd2_unmap(fd, ioas, iova, 8 * PAGE, &len),
	    "unmapped=%#llx %s", (unsigned long long)len, pinned());
}

/* The sequence, against one side.  Records everything into cur. */
static void run_side(struct ifd2_side *side)
{
	__u32 devid = 0, ioas = 0, ioas2 = 0, hwpt = 0, pt, *page, *two;
	__u64 gpa, iova, val = 1, len = 0;
	struct iommu_iova_range allow = { 0x800000, 0xffffff };
	struct iommu_ioas_allow_iovas aw = {
		.size = sizeof(aw),
		.num_iovas = 1,
		.allowed_iovas = (uintptr_t)&allow,
	};
	volatile __u32 *bar;
	size_t bar_len;
	int fd = -1, devfd = -1, rc;

	page = ifd2_dma_page(&gpa);
	two = ifd2_pages(2);
	rc = ifd2_side_claim(side);
	if (!rc)
		rc = ifd2_side_open(side, &fd, &devfd);
	REC("open", rc, NULL);
	if (rc || !page || !two || !gpa) {
		cur->aborted = 1;
		return;
	}
	REC("option-rlimit-mode", option(fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					 IOMMU_OPTION_OP_SET, &val), NULL);
	rc = ifd2_side_bind(fd, devfd, &devid);
	REC("bind", rc, "devid=%u", devid);
	bar = ifd2_map_bar(devfd, 0, &bar_len);
	REC("mmap-bar", bar == MAP_FAILED ? errno : 0, NULL);
	if (rc || bar == MAP_FAILED) {
		cur->aborted = 1;
		return;
	}
	REC("bind-again", ifd2_dev_bind(devfd, fd, NULL), NULL);
	step_hw_info(fd, devid);

	rc = ifd2_ioas_alloc(fd, &ioas);
	REC("ioas-alloc", rc, "id=%u", ioas);
	step_ranges("ranges-no-device", fd, ioas);
	iova = IOVA_A;
	REC("map-before-attach", ifd2_map(fd, ioas, page, PAGE, &iova,
					  IFD2_FIXED), "%s", pinned());
	pt = ioas;
	rc = ifd2_dev_attach(devfd, &pt);
	REC("attach-ioas", rc, "pt=%u %s", pt, pinned());
	step_ranges("ranges-attached", fd, ioas);
	step_dma("dma-mapped", bar, IOVA_A, page, gpa);
	step_dma("dma-hole", bar, IOVA_HOLE, page, gpa);
	step_map_errors(fd, ioas, page);

	iova = 0;
	rc = ifd2_map(fd, ioas, two, 2 * PAGE, &iova, IFD2_RW);
	REC("map-auto", rc, "iova=%#llx %s", (unsigned long long)iova,
	    pinned());
	REC("unmap-cut", ifd2_unmap(fd, ioas, iova, PAGE, NULL), NULL);
	REC("unmap-absent", ifd2_unmap(fd, ioas, 0x50000000, PAGE, NULL), NULL);
	REC("unmap-auto", ifd2_unmap(fd, ioas, iova, 2 * PAGE, &len),
	    "unmapped=%#llx %s", (unsigned long long)len, pinned());

	rc = ifd2_ioas_alloc(fd, &ioas2);
	REC("ioas2-alloc", rc, "id=%u", ioas2);
	REC("copy", copy(fd, ioas2, IOVA_COPY, ioas, IOVA_A, PAGE), NULL);
	REC("copy-absent-source", copy(fd, ioas2, IOVA_HOLE, ioas, IOVA_HOLE,
				       PAGE), NULL);
	rc = ifd2_hwpt_alloc(fd, devid, ioas2, 0, &hwpt);
	REC("hwpt-alloc", rc, "id=%u", hwpt);
	pt = hwpt;
	REC("replace-to-hwpt", ifd2_dev_attach(devfd, &pt), "pt=%u", pt);
	step_dma("dma-through-copy", bar, IOVA_COPY, page, gpa);
	step_dma("dma-old-ioas-iova", bar, IOVA_A, page, gpa);
	REC("destroy-ioas2-busy", ifd2_destroy(fd, ioas2), NULL);
	REC("destroy-hwpt-busy", ifd2_destroy(fd, hwpt), NULL);
	step_hwpt_variants(fd, devid, ioas2, hwpt);
	REC("unmap-copy", ifd2_unmap(fd, ioas2, IOVA_COPY, PAGE, NULL), NULL);
	step_dma("dma-after-unmap", bar, IOVA_COPY, page, gpa);

	REC("detach", ifd2_dev_detach(devfd), "%s", pinned());
	REC("detach-again", ifd2_dev_detach(devfd), NULL);
	step_dma("dma-detached", bar, IOVA_A, page, gpa);
	REC("vmpin-after-detach", 0, "%s", pinned());
	REC("destroy-hwpt", ifd2_destroy(fd, hwpt), NULL);
	REC("destroy-hwpt-again", ifd2_destroy(fd, hwpt), NULL);
	REC("unmap-all", ifd2_unmap(fd, ioas, 0, UINT64_MAX, &len),
	    "unmapped=%#llx %s", (unsigned long long)len, pinned());

	aw.ioas_id = ioas;
	REC("allow-iovas", ifd2_ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &aw), NULL);
	step_ranges("ranges-allowed", fd, ioas);
	iova = 0;
	rc = ifd2_map(fd, ioas, page, PAGE, &iova, IFD2_RW);
	REC("map-auto-allowed", rc, "iova=%#llx", (unsigned long long)iova);
	iova = IOVA_A;
	REC("map-fixed-outside-allowed", ifd2_map(fd, ioas, page, PAGE, &iova,
					     IFD2_FIXED), NULL);
	aw.num_iovas = 0;
	REC("allow-iovas-clear", ifd2_ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &aw),
	    NULL);
	val = 0;
	REC("option-huge-pages", option(fd, IOMMU_OPTION_HUGE_PAGES, ioas,
					IOMMU_OPTION_OP_GET, &val),
	    "val=%llu", (unsigned long long)val);
	REC("destroy-unknown", ifd2_destroy(fd, 0xfffff), NULL);
	step_rlimit(fd, devfd, ioas);

	munmap((void *)bar, bar_len);
	REC("close-device", close(devfd) ? errno : 0, "%s", pinned());
	REC("close-iommufd", close(fd) ? errno : 0, "%s", pinned());
}

/* Run one side in a child process; its records land in @log. */
static int run_in_child(struct ifd2_side *side, struct run_log *log)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		cur = log;
		run_side(side);
		snprintf(log->bdf, sizeof(log->bdf), "%s", side->bdf);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		log->aborted = 1;
	return 0;
}

/* @s without its "@field=..." word. */
static void strip_field(char *s, const char *field)
{
	size_t len = strlen(field);
	char *p = s, *end;

	while ((p = strstr(p, field))) {
		if ((p == s || p[-1] == ' ') && p[len] == '=') {
			end = strchr(p, ' ');
			memmove(p, end ? end + 1 : p + strlen(p),
				strlen(end ? end + 1 : p + strlen(p)) + 1);
			continue;
		}
		p += len;
	}
}

/* Why @a and @b (records of @step) may differ, or NULL if they may not. */
static const char *allowed_why(const char *step, const char *a, const char *b)
{
	char x[300], y[300];
	size_t i;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if (strcmp(allowed[i].step, step))
			continue;
		snprintf(x, sizeof(x), "%s", a);
		snprintf(y, sizeof(y), "%s", b);
		strip_field(x, allowed[i].field);
		strip_field(y, allowed[i].field);
		if (!strcmp(x, y))
			return allowed[i].why;
	}
	return NULL;
}

static const char *show(const struct record *r, char *buf, size_t len)
{
	snprintf(buf, len, "rc=%d%s%s", r->rc, r->effect[0] ? " " : "",
		 r->effect);
	return buf;
}

int main(void)
{
	struct ifd2_side up = IFD2_SIDE_UPSTREAM, ours = IFD2_SIDE_IOMMUFD2;
	struct run_log *logs = mmap(NULL, 2 * sizeof(*logs),
				    PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char a[300], b[300];
	int i, n, failed = 0, diverged = 0;
	const char *why;

	if (logs == MAP_FAILED)
		return 1;
	if (access(up.node, F_OK) || access(ours.node, F_OK)) {
		printf("1..0 # SKIP needs %s and %s (the reference kernel)\n",
		       up.node, ours.node);
		return 0;
	}
	run_in_child(&up, &logs[0]);
	run_in_child(&ours, &logs[1]);
	n = logs[0].n > logs[1].n ? logs[0].n : logs[1].n;
	printf("1..%d\n", n + 1);
	printf("# upstream device %s, iommufd2 device %s\n", logs[0].bdf,
	       logs[1].bdf);
	for (i = 0; i < n; i++) {
		const struct record *u = &logs[0].rec[i], *o = &logs[1].rec[i];

		if (i >= logs[0].n || i >= logs[1].n ||
		    strcmp(u->step, o->step)) {
			printf("not ok %d sequences part at step %d\n", i + 1,
			       i + 1);
			failed++;
			break;
		}
		show(u, a, sizeof(a));
		show(o, b, sizeof(b));
		if (!strcmp(a, b)) {
			printf("ok %d %s # %s\n", i + 1, u->step, a);
			continue;
		}
		why = allowed_why(u->step, a, b);
		if (why) {
			printf("ok %d %s # allowed divergence: upstream %s; iommufd2 %s; %s\n",
			       i + 1, u->step, a, b, why);
			diverged++;
		} else {
			printf("not ok %d %s # upstream %s; iommufd2 %s\n",
			       i + 1, u->step, a, b);
			failed++;
		}
	}
	printf("%s %d both sequences ran to the end\n",
	       logs[0].aborted || logs[1].aborted ? "not ok" : "ok", n + 1);
	printf("# %d steps, %d diverged as allowed, %d diverged otherwise\n",
	       n, diverged, failed);
	return failed || logs[0].aborted || logs[1].aborted;
}
