// SPDX-License-Identifier: GPL-2.0
/*
 * diff_fuzz: seeded random sequences of iommufd commands, the same seed
 * against upstream iommufd (/dev/iommu) and against iommufd2
 * (/dev/iommufd2) on the reference kernel, compared line by line.
 *
 * A run is a list of seeds; a seed is a number of episodes; an episode
 * opens a fresh iommufd (and, where the side has an iommu-testdev, binds
 * it), runs a fixed number of random operations and closes everything, so
 * one divergence cannot leak into the next episode.
 *
 * What an operation does is drawn from the episode's random stream only.
 * Its operands name objects logically: slot numbers in a small table of
 * the objects this episode made, and mappings by their position in a model
 * of each IOAS.  Each side keeps its own table and model, filled from what
 * its kernel answered, so object IDs and kernel-chosen IOVAs are never
 * compared as numbers: an ID is printed as the slot it went to, an IOVA
 * the kernel chose by its properties (aligned, inside the allowed ranges,
 * clear of every other mapping).  Everything else is printed as it is:
 * the errno, lengths, ranges, DMA results and where the data landed.
 *
 * Each side runs in a child process and writes one line per operation.
 * The parent compares the two lines of every operation; the first
 * difference in an episode ends the comparison of that episode (the two
 * states differ from there on).  A difference is allowed only if it is in
 * the allow-list below, with the reason the README's divergence table
 * gives.  TAP: one test per seed.
 */
#include <stdarg.h>
#include <sys/wait.h>

#include "ifd2_side.h"
#include "iommufd2/iommufd_test.h"

#define PAGE 4096UL
#define LINE 192
#define NSLOTS 24
#define NMAPS 256
#define POOL_PAGES 4096			/* 16 MiB of anonymous memory */
#define FILE_PAGES 1024			/* 4 MiB memfd */
#define IOVA_BASE 0x1000000ULL		/* the mock aperture's start */
#define IOVA_WINDOW (64ULL << 20)	/* where fixed IOVAs are drawn */
#define BAD_ID 0x7ffffff0u

enum kind {
	K_NONE, K_IOAS, K_HWPT, K_STDEV, K_IDEV, K_VIOMMU, K_VDEV, K_FAULT,
	K_ACCESS, K_VEVENTQ, K_NKINDS
};

/*
 * One object this episode made.  @id is the side's own ID (kept after the
 * object is gone, so a stale handle stays stale on both sides); @fd is an
 * access's file; @for_device marks an IOAS or HWPT that is the side's
 * iommu-testdev's (not the mock devices'), see other_device_pt(); @ioas
 * is the slot of a paging HWPT's IOAS, -1 if unknown.
 */
struct slot {
	int kind;
	__u32 id;
	int fd;
	int for_device;
	int ioas;
};

/* One mapping of the model: @off bytes into the pool or (@file) memfd. */
struct mapping {
	int ioas;
	int file;
	__u64 iova;
	__u64 len;
	__u64 off;
};

/* What one side keeps during an episode. */
struct state {
	int fd;
	int devfd;
	__u32 devid;
	volatile __u32 *bar;
	size_t bar_len;
	struct slot slot[NSLOTS];
	struct mapping map[NMAPS];
	int nmaps;
	__u64 rng;
};

static char *pool, *filemem;
static int memfd = -1;

/*
 * Allowed differences: the lines of operation @op may differ in their
 * "@field=..." word and nowhere else; or, with @marker, lines of @op that
 * both carry the word @marker may differ from it on.  Each is a row of
 * the README's divergence table.
 */
static const struct {
	const char *op;
	const char *field;
	const char *marker;
	const char *why;
} allowed[] = {
	{ "unmap", "resync", NULL,
	  "IOMMU_IOAS_UNMAP that would cut a mapping: upstream may already have removed mappings before the cut when it returns ENOENT, iommufd2 removes nothing (README: bad input changes nothing)" },
	{ "dirty_bitmap", NULL, "unmapped_range",
	  "IOMMU_HWPT_GET_DIRTY_BITMAP of a range the HWPT's IOAS does not entirely map: upstream answers 0 (its walk's EINVAL is dropped), iommufd2 EINVAL" },
	{ "access_rw", "partial", NULL,
	  "An access write (IOMMU_TEST_OP_ACCESS_RW) that fails part way, at a hole or a read-only mapping: upstream has written the mappings before it, iommufd2 writes nothing (README: bad input changes nothing)" },
	{ "copy", NULL, "syz_flag",
	  "IOMMU_IOAS_COPY with bit 16 of its flags: upstream's test build (CONFIG_IOMMUFD_TEST) takes it as MOCK_FLAGS_ACCESS_SYZ and translates the source IOVA syzkaller's way, iommufd2 answers EOPNOTSUPP as for any unknown flag" },
	{ "map_file", NULL, "past_eof",
	  "IOMMU_IOAS_MAP_FILE of a range past the end of the file: upstream maps it and fails when the pages are pinned, iommufd2 answers EINVAL at the map" },
};

/* splitmix64: small, seedable, the same on both sides */
static __u64 rnd(struct state *st)
{
	__u64 z = (st->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(struct state *st, unsigned int n)
{
	return n ? rnd(st) % n : 0;
}

static int chance(struct state *st, unsigned int in)
{
	return !below(st, in);
}

/* ---- the line of the current operation ---- */

static char *line;

static void say(const char *fmt, ...)
{
	size_t len = strlen(line);
	va_list ap;

	if (len >= LINE - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(line + len, LINE - len, fmt, ap);
	va_end(ap);
}

static void say_rc(int rc)
{
	say(" rc=%d", rc);
}

/* ---- slots ---- */

/* A slot to put a new object in: a free one, else a random one. */
static int slot_new(struct state *st)
{
	int i, start = below(st, NSLOTS);

	for (i = 0; i < NSLOTS; i++)
		if (st->slot[(start + i) % NSLOTS].kind == K_NONE)
			return (start + i) % NSLOTS;
	return start;
}

static void slot_set(struct state *st, int s, int kind, __u32 id, int fd)
{
	if (st->slot[s].fd >= 0)
		close(st->slot[s].fd);
	st->slot[s].kind = kind;
	st->slot[s].id = id;
	st->slot[s].fd = fd;
	st->slot[s].for_device = 0;
	st->slot[s].ioas = -1;
	say(" ->s%d", s);
}

/*
 * An operand that should be of @kind: mostly a slot holding one, sometimes
 * any slot (a wrong type, a stale or empty handle), rarely an ID nothing
 * has.  Prints what it picked; returns the side's ID for it.
 */
static __u32 pick(struct state *st, int kind, int *out)
{
	int i, start = below(st, NSLOTS), s = -1;

	if (chance(st, 40)) {
		say(" bad");
		if (out)
			*out = -1;
		return BAD_ID;
	}
	if (!chance(st, 8))
		for (i = 0; i < NSLOTS; i++)
			if (st->slot[(start + i) % NSLOTS].kind == kind) {
				s = (start + i) % NSLOTS;
				break;
			}
	if (s < 0)
		s = start;
	if (out)
		*out = s;
	say(" s%d", s);
	return st->slot[s].id;
}

/* ---- the mapping model ---- */

/*
 * The pool and file pages some mapping of this episode reached.  After an
 * episode's first difference the two sides go on doing different things
 * to their memory; each episode starts from the initial bytes again, so
 * that does not leak into the next one.
 */
static unsigned char touched_pool[POOL_PAGES], touched_file[FILE_PAGES];

static void touch(int file, __u64 off, __u64 len)
{
	unsigned char *map = file ? touched_file : touched_pool;
	__u64 n = file ? FILE_PAGES : POOL_PAGES, p;

	for (p = off / PAGE; len && p < n && p <= (off + len - 1) / PAGE; p++)
		map[p] = 1;
}

static void reset_touched(void)
{
	unsigned int p;

	for (p = 0; p < POOL_PAGES; p++)
		if (touched_pool[p]) {
			memset(pool + p * PAGE, 0x11, PAGE);
			touched_pool[p] = 0;
		}
	for (p = 0; p < FILE_PAGES; p++)
		if (touched_file[p]) {
			memset(filemem + p * PAGE, 0x22, PAGE);
			touched_file[p] = 0;
		}
}

static void model_add(struct state *st, int ioas, int file, __u64 iova,
		      __u64 len, __u64 off)
{
	struct mapping *m;

	touch(file, off, len);

	if (st->nmaps >= NMAPS)
		return;
	m = &st->map[st->nmaps++];
	m->ioas = ioas;
	m->file = file;
	m->iova = iova;
	m->len = len;
	m->off = off;
}

/* Drop the model's mappings of @ioas lying wholly in [@iova, @last]. */
static int model_remove(struct state *st, int ioas, __u64 iova, __u64 last)
{
	int i, n = 0;

	for (i = 0; i < st->nmaps; i++) {
		struct mapping *m = &st->map[i];

		if (m->ioas != ioas || m->iova < iova ||
		    m->iova + m->len - 1 > last)
			continue;
		*m = st->map[--st->nmaps];
		i--;
		n++;
	}
	return n;
}

static void model_forget_ioas(struct state *st, int ioas)
{
	model_remove(st, ioas, 0, UINT64_MAX);
}

/* The mapping of @ioas in the model holding all of [@iova, +@len), or NULL. */
static struct mapping *model_covering(struct state *st, int ioas, __u64 iova,
				      __u64 len)
{
	int i;

	for (i = 0; i < st->nmaps; i++) {
		struct mapping *m = &st->map[i];

		if (m->ioas == ioas && iova >= m->iova && len <= m->len &&
		    iova - m->iova <= m->len - len)
			return m;
	}
	return NULL;
}

/* A random mapping of the model, or NULL. */
static struct mapping *model_pick(struct state *st)
{
	return st->nmaps ? &st->map[below(st, st->nmaps)] : NULL;
}

/* The user address behind @iova of @m. */
static char *model_va(const struct mapping *m, __u64 iova)
{
	return (m->file ? filemem : pool) + m->off + (iova - m->iova);
}

/*
 * Whether the model's bytes behind [@iova, +@len) of @m are memory of this
 * process: a map_file past the end of the file (which upstream accepts)
 * or of an odd address has none there.
 */
static int model_va_inside(const struct mapping *m, __u64 iova, __u64 len)
{
	__u64 size = m->file ? FILE_PAGES * PAGE : POOL_PAGES * PAGE;
	__u64 off = m->off + (iova - m->iova);

	return off < size && len <= size - off;
}

/*
 * Properties of a kernel-chosen IOVA in @ioas: aligned to the length's
 * natural alignment (up to a page), inside the reported ranges, clear of
 * every other mapping of the model.
 */
static void say_auto_iova(struct state *st, int ioas, __u32 ioas_id,
			  __u64 iova, __u64 len)
{
	struct iommu_iova_range r[8];
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = 8,
		.allowed_iovas = (uintptr_t)r,
	};
	int i, inside = 0, clear = 1;

	if (!ifd2_ioctl(st->fd, IOMMU_IOAS_IOVA_RANGES, &cmd))
		for (i = 0; i < (int)cmd.num_iovas && i < 8; i++)
			if (iova >= r[i].start && iova + len - 1 <= r[i].last)
				inside = 1;
	for (i = 0; i < st->nmaps; i++) {
		const struct mapping *m = &st->map[i];

		if (m->ioas == ioas && iova < m->iova + m->len &&
		    m->iova < iova + len)
			clear = 0;
	}
	say(" auto:aligned=%d,inside=%d,clear=%d",
	    !(iova % (len < PAGE ? len : PAGE)), inside, clear);
}

/* ---- operand values ---- */

static const __u64 lengths[] = {
	2048, PAGE, 2 * PAGE, 3 * PAGE, 16 * PAGE, 64 * PAGE, 512 * PAGE,
};

static __u64 pick_len(struct state *st)
{
	if (chance(st, 30))
		return chance(st, 2) ? 0 : PAGE + 512;
	return lengths[below(st, sizeof(lengths) / sizeof(lengths[0]))];
}

/* A fixed IOVA: mostly in the window, sometimes misaligned or outside. */
static __u64 pick_iova(struct state *st)
{
	switch (below(st, 24)) {
	case 0:
		return IOVA_BASE - PAGE;
	case 1:
		return (1ULL << 31) - PAGE;
	case 2:
		return 1ULL << 40;
	case 3:
		return IOVA_BASE + 2048 * below(st, IOVA_WINDOW / 2048);
	default:
		return IOVA_BASE + PAGE * below(st, IOVA_WINDOW / PAGE);
	}
}

static __u32 pick_map_flags(struct state *st)
{
	__u32 flags = 0;

	if (!chance(st, 3))
		flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
	if (!chance(st, 10))
		flags |= IOMMU_IOAS_MAP_READABLE;
	if (!chance(st, 6))
		flags |= IOMMU_IOAS_MAP_WRITEABLE;
	if (chance(st, 40))
		flags |= 1u << (3 + below(st, 29));
	return flags;
}

static void say_len(const char *what, __u64 len)
{
	say(" %s=%#llx", what, (unsigned long long)len);
}

/* ---- the operations ---- */

static void op_ioas_alloc(struct state *st)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc, s;

	say("ioas_alloc");
	if (chance(st, 30)) {
		cmd.flags = 1;
		say(" flags=1");
	}
	rc = ifd2_ioctl(st->fd, IOMMU_IOAS_ALLOC, &cmd);
	say_rc(rc);
	if (!rc) {
		s = slot_new(st);
		model_forget_ioas(st, s);
		slot_set(st, s, K_IOAS, cmd.out_ioas_id, -1);
		st->slot[s].for_device = chance(st, 2) && st->bar;
		if (st->slot[s].for_device)
			say(" device");
	}
}

static void op_destroy(struct state *st)
{
	int s, kind = below(st, K_NKINDS), rc;
	__u32 id;

	say("destroy");
	id = pick(st, kind, &s);
	if (s >= 0 && st->slot[s].kind == K_ACCESS) {
		/* an access is a file: closing it is its destroy */
		close(st->slot[s].fd);
		st->slot[s].fd = -1;
		st->slot[s].kind = K_NONE;
		say(" closed");
		return;
	}
	rc = ifd2_destroy(st->fd, id);
	say_rc(rc);
	if (!rc && s >= 0) {
		if (st->slot[s].kind == K_IOAS)
			model_forget_ioas(st, s);
		st->slot[s].kind = K_NONE;
	}
}

/* The memory of a map: mostly the pool, sometimes odd addresses. */
static char *pick_va(struct state *st, __u64 len, __u64 *off)
{
	unsigned int pages = len / PAGE + 1;

	switch (below(st, 40)) {
	case 0:
		say(" va=null");
		*off = 0;
		return (char *)PAGE;
	case 1:
		say(" va=+2k");
		*off = PAGE * below(st, POOL_PAGES - pages) + 2048;
		return pool + *off;
	default:
		*off = PAGE * below(st, POOL_PAGES - pages);
		return pool + *off;
	}
}

/*
 * After a map, map_file or copy into @ioas (slot @s): print the result
 * and, where it worked, what the kernel chose, and add the mapping to the
 * model.
 */
static void map_done(struct state *st, int s, __u32 ioas_id, __u32 flags,
		     int rc, __u64 iova, __u64 len, int file, __u64 off)
{
	say_rc(rc);
	if (rc || s < 0)
		return;
	if (!(flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		say_auto_iova(st, s, ioas_id, iova, len);
	model_add(st, s, file, iova, len, off);
}

static void op_map(struct state *st)
{
	struct iommu_ioas_map cmd = { .size = sizeof(cmd) };
	int s, rc;
	__u64 off;

	say("map");
	cmd.ioas_id = pick(st, K_IOAS, &s);
	cmd.flags = pick_map_flags(st);
	cmd.length = pick_len(st);
	cmd.user_va = (uintptr_t)pick_va(st, cmd.length, &off);
	if (cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		cmd.iova = pick_iova(st);
	say(" flags=%#x", cmd.flags);
	say_len("len", cmd.length);
	if (cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		say_len("iova", cmd.iova);
	rc = ifd2_ioctl(st->fd, IOMMU_IOAS_MAP, &cmd);
	map_done(st, s, cmd.ioas_id, cmd.flags, rc, cmd.iova, cmd.length, 0,
		 off);
}

static void op_map_file(struct state *st)
{
	struct iommu_ioas_map_file cmd = { .size = sizeof(cmd), .fd = memfd };
	int s, rc;

	say("map_file");
	cmd.ioas_id = pick(st, K_IOAS, &s);
	cmd.flags = pick_map_flags(st);
	cmd.length = pick_len(st);
	cmd.start = PAGE * below(st, FILE_PAGES);
	/* Mostly inside the file; sometimes past its end, on purpose. */
	if (!chance(st, 10) && cmd.length <= FILE_PAGES * PAGE &&
	    cmd.start + cmd.length > FILE_PAGES * PAGE)
		cmd.start = (FILE_PAGES * PAGE - cmd.length) & ~(PAGE - 1);
	if (chance(st, 20)) {
		cmd.start += 2048;
		say(" start+2k");
	}
	if (cmd.start + cmd.length > FILE_PAGES * PAGE)
		say(" past_eof");
	if (chance(st, 30)) {
		cmd.fd = -1;
		say(" fd=-1");
	}
	if (cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		cmd.iova = pick_iova(st);
	say(" flags=%#x", cmd.flags);
	say_len("len", cmd.length);
	say_len("start", cmd.start);
	if (cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		say_len("iova", cmd.iova);
	rc = ifd2_ioctl(st->fd, IOMMU_IOAS_MAP_FILE, &cmd);
	map_done(st, s, cmd.ioas_id, cmd.flags, rc, cmd.iova, cmd.length, 1,
		 cmd.start);
}

/*
 * Exactly unmap, one by one, the model's mappings of @ioas inside [@iova,
 * @last]: after an unmap that failed part way, both sides are back at the
 * same state.  Returns how many were still there.
 */
static int resync_unmap(struct state *st, int ioas, __u32 ioas_id,
			__u64 iova, __u64 last)
{
	int i, n = 0;

	for (i = 0; i < st->nmaps; i++) {
		struct mapping *m = &st->map[i];

		if (m->ioas != ioas || m->iova < iova ||
		    m->iova + m->len - 1 > last)
			continue;
		if (!ifd2_unmap(st->fd, ioas_id, m->iova, m->len, NULL))
			n++;
	}
	model_remove(st, ioas, iova, last);
	return n;
}

static void op_unmap(struct state *st)
{
	struct iommu_ioas_unmap cmd = { .size = sizeof(cmd) };
	struct mapping *m;
	__u64 last;
	int s, rc;

	say("unmap");
	cmd.ioas_id = pick(st, K_IOAS, &s);
	m = model_pick(st);
	switch (below(st, 8)) {
	case 0:
		say(" all");
		cmd.length = UINT64_MAX;
		break;
	case 1:
		cmd.iova = pick_iova(st);
		cmd.length = pick_len(st);
		say(" random iova=%#llx len=%#llx",
		    (unsigned long long)cmd.iova,
		    (unsigned long long)cmd.length);
		break;
	case 2:
		if (m) {
			say(" cut");
			cmd.iova = m->iova;
			cmd.length = m->len > 2048 ? m->len / 2 : 1024;
		}
		break;
	case 3:
		if (m) {
			say(" span");
			cmd.iova = m->iova & ~(IOVA_WINDOW / 8 - 1);
			cmd.length = IOVA_WINDOW / 8;
		}
		break;
	default:
		if (m) {
			say(" exact");
			cmd.iova = m->iova;
			cmd.length = m->len;
		}
		break;
	}
	last = cmd.length ? cmd.iova + cmd.length - 1 : cmd.iova;
	if (last < cmd.iova)
		last = UINT64_MAX;
	rc = ifd2_ioctl(st->fd, IOMMU_IOAS_UNMAP, &cmd);
	say_rc(rc);
	if (s < 0)
		return;
	if (!rc) {
		say_len("unmapped", cmd.length);
		model_remove(st, s, cmd.iova, last);
	} else if (rc == ENOENT) {
		/* how many whole mappings the failed unmap left in place */
		say(" resync=%d", resync_unmap(st, s, cmd.ioas_id, cmd.iova,
					       last));
	}
}

static void op_copy(struct state *st)
{
	struct iommu_ioas_copy cmd = { .size = sizeof(cmd) };
	struct mapping *m = model_pick(st);
	int s, d, rc;

	say("copy");
	cmd.src_ioas_id = pick(st, K_IOAS, &s);
	cmd.dst_ioas_id = pick(st, K_IOAS, &d);
	cmd.flags = pick_map_flags(st);
	if (m && !chance(st, 6)) {
		cmd.src_iova = m->iova;
		cmd.length = chance(st, 4) ? m->len / 2 : m->len;
		if (chance(st, 6))
			cmd.src_iova += 2048;
	} else {
		cmd.src_iova = pick_iova(st);
		cmd.length = pick_len(st);
	}
	if (cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		cmd.dst_iova = pick_iova(st);
	say(" flags=%#x", cmd.flags);
	say_len("len", cmd.length);
	if (cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		say_len("iova", cmd.dst_iova);
	if (cmd.flags & MOCK_FLAGS_ACCESS_SYZ)
		say(" syz_flag");
	rc = ifd2_ioctl(st->fd, IOMMU_IOAS_COPY, &cmd);
	/* The source as the model knows it: one mapping holding all of it. */
	m = model_covering(st, s, cmd.src_iova, cmd.length);
	if (!m)
		d = -1;	/* nothing the model knows was copied */
	map_done(st, d, cmd.dst_ioas_id, cmd.flags, rc, cmd.dst_iova,
		 cmd.length, m ? m->file : 0,
		 m ? m->off + (cmd.src_iova - m->iova) : 0);
}

static void op_iova_ranges(struct state *st)
{
	struct iommu_iova_range r[8] = {};
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.allowed_iovas = (uintptr_t)r,
	};
	int rc, i;

	say("iova_ranges");
	cmd.ioas_id = pick(st, K_IOAS, NULL);
	cmd.num_iovas = chance(st, 4) ? 0 : 8;
	rc = ifd2_ioctl(st->fd, IOMMU_IOAS_IOVA_RANGES, &cmd);
	say_rc(rc);
	if (rc && rc != EMSGSIZE)
		return;
	say(" n=%u align=%#llx", cmd.num_iovas,
	    (unsigned long long)cmd.out_iova_alignment);
	for (i = 0; !rc && i < (int)cmd.num_iovas && i < 4; i++)
		say(" %llx-%llx", (unsigned long long)r[i].start,
		    (unsigned long long)r[i].last);
}

static void op_allow_iovas(struct state *st)
{
	struct iommu_iova_range r[2];
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.allowed_iovas = (uintptr_t)r,
	};
	int i;

	say("allow_iovas");
	cmd.ioas_id = pick(st, K_IOAS, NULL);
	cmd.num_iovas = below(st, 3);
	for (i = 0; i < (int)cmd.num_iovas; i++) {
		r[i].start = pick_iova(st) & ~(PAGE - 1);
		r[i].last = r[i].start + PAGE * (1 + below(st, 8192)) - 1;
		if (chance(st, 10))
			r[i].last = r[i].start - 1;
		say(" %llx-%llx", (unsigned long long)r[i].start,
		    (unsigned long long)r[i].last);
	}
	say_rc(ifd2_ioctl(st->fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd));
}

static void op_option(struct state *st)
{
	struct iommu_option cmd = { .size = sizeof(cmd) };
	int rc;

	say("option");
	cmd.option_id = below(st, 3);
	cmd.op = below(st, 3);
	cmd.val64 = below(st, 3);
	if (cmd.option_id == IOMMU_OPTION_HUGE_PAGES)
		cmd.object_id = pick(st, K_IOAS, NULL);
	say(" id=%u op=%u val=%llu", cmd.option_id, cmd.op,
	    (unsigned long long)cmd.val64);
	rc = ifd2_ioctl(st->fd, IOMMU_OPTION, &cmd);
	say_rc(rc);
	if (!rc && cmd.op == IOMMU_OPTION_OP_GET)
		say(" got=%llu", (unsigned long long)cmd.val64);
}

/*
 * Is slot @s an IOAS or HWPT of the other kind of device than the one it
 * is about to be used with (@for_device: the iommu-testdev, else a mock
 * device)?  Upstream's core does not stop a domain of one IOMMU driver
 * from being attached to (or nested under, or given a vIOMMU for) a device
 * of another, and the driver then takes the device or domain for one of
 * its own: on the reference kernel the iommu-testdev attached to an IOAS
 * holding a mock auto domain (which upstream tries first) or to a mock
 * HWPT hangs the machine in mock_domain_nop_attach.  So IOASes are the
 * device's or the mocks' from their allocation, HWPTs are their device's,
 * and operations that would cross are not run; a stale or bad handle
 * still goes through.
 */
static int other_device_pt(struct state *st, int s, int for_device)
{
	int kind = s < 0 ? K_NONE : st->slot[s].kind;

	if (s < 0)
		return 0;
	/*
	 * A destroyed object's ID may be reused (by either side) for any
	 * new object, one of the other device's among them; so may a mock
	 * domain's automatic HWPT's, which goes when its device leaves it.
	 */
	if ((kind == K_NONE && st->slot[s].id) ||
	    (kind == K_HWPT && st->slot[s].for_device < 0)) {
		say(" stale_pt");
		return 1;
	}
	if ((kind != K_HWPT && kind != K_IOAS && kind != K_VIOMMU) ||
	    st->slot[s].for_device == for_device)
		return 0;
	say(" other_device_pt");
	return 1;
}

static int test_cmd(struct state *st, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return ifd2_ioctl(st->fd, IOMMU_TEST_CMD, cmd);
}

static void op_mock_domain(struct state *st)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	static const __u32 dev_flags[] = {
		0, MOCK_FLAGS_DEVICE_NO_DIRTY, 1u << 5,
	};
	int rc, s, n, ioas;

	say("mock_domain");
	cmd.id = pick(st, chance(st, 3) ? K_HWPT : K_IOAS, &s);
	if (chance(st, 3)) {
		cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS;
		cmd.mock_domain_flags.dev_flags = dev_flags[below(st, 3)];
		say(" dev_flags=%#x", cmd.mock_domain_flags.dev_flags);
	}
	if (other_device_pt(st, s, 0))
		return;
	rc = test_cmd(st, &cmd);
	say_rc(rc);
	if (rc)
		return;
	ioas = st->slot[s].kind == K_IOAS ? s : st->slot[s].ioas;
	slot_set(st, slot_new(st), K_STDEV, cmd.mock_domain.out_stdev_id, -1);
	slot_set(st, slot_new(st), K_IDEV, cmd.mock_domain.out_idev_id, -1);
	n = slot_new(st);
	slot_set(st, n, K_HWPT, cmd.mock_domain.out_hwpt_id, -1);
	st->slot[n].ioas = ioas;
	/* automatic: it may be gone, and its ID reused, at any time */
	st->slot[n].for_device = -1;
}

static void op_mock_replace(struct state *st)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE };
	int s;

	say("mock_replace");
	cmd.id = pick(st, K_STDEV, NULL);
	cmd.mock_domain_replace.pt_id = pick(st, chance(st, 2) ? K_HWPT :
					     K_IOAS, &s);
	if (other_device_pt(st, s, 0))
		return;
	say_rc(test_cmd(st, &cmd));
}

static void op_hwpt_alloc(struct state *st)
{
	static const __u32 flags[] = {
		0, IOMMU_HWPT_ALLOC_NEST_PARENT,
		IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
		IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
		1u << 30,
	};
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd = { .size = sizeof(cmd) };
	int rc, s = -1;

	say("hwpt_alloc");
	cmd.dev_id = pick(st, K_IDEV, NULL);
	if (chance(st, 3)) {
		/* nested, on a HWPT or a vIOMMU */
		cmd.pt_id = pick(st, chance(st, 2) ? K_VIOMMU : K_HWPT, &s);
		cmd.data_type = chance(st, 10) ? 7 : IOMMU_HWPT_DATA_SELFTEST;
		cmd.data_len = chance(st, 10) ? 2 : sizeof(data);
		cmd.data_uptr = (uintptr_t)&data;
		if (chance(st, 8))
			data.iotlb = below(st, 3);
		say(" nested type=%#x len=%u", cmd.data_type, cmd.data_len);
	} else {
		cmd.pt_id = pick(st, K_IOAS, &s);
		cmd.flags = flags[below(st, 5)];
	}
	if (chance(st, 8)) {
		cmd.flags |= IOMMU_HWPT_FAULT_ID_VALID;
		cmd.fault_id = pick(st, K_FAULT, NULL);
	}
	say(" flags=%#x", cmd.flags);
	if (other_device_pt(st, s, st->bar && cmd.dev_id == st->devid))
		return;
	rc = ifd2_ioctl(st->fd, IOMMU_HWPT_ALLOC, &cmd);
	say_rc(rc);
	if (!rc) {
		int n = slot_new(st);

		slot_set(st, n, K_HWPT, cmd.out_hwpt_id, -1);
		st->slot[n].for_device = st->bar && cmd.dev_id == st->devid;
		if (s >= 0 && st->slot[s].kind == K_IOAS)
			st->slot[n].ioas = s;
	}
}

static void op_hw_info(struct state *st)
{
	__u64 data[8] = {};
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.data_uptr = (uintptr_t)data,
	};
	int rc;

	say("hw_info");
	cmd.dev_id = pick(st, K_IDEV, NULL);
	cmd.data_len = chance(st, 4) ? 4 : sizeof(data);
	rc = ifd2_ioctl(st->fd, IOMMU_GET_HW_INFO, &cmd);
	say_rc(rc);
	if (!rc)
		say(" type=%#x len=%u caps=%#llx data=%llx", cmd.out_data_type,
		    cmd.data_len, (unsigned long long)cmd.out_capabilities,
		    (unsigned long long)data[0]);
}

static void op_dirty(struct state *st)
{
	__u64 bitmap[16] = {};
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get),
		.data = (uintptr_t)bitmap,
	};
	struct iommu_hwpt_set_dirty_tracking set = { .size = sizeof(set) };
	struct mapping *m = model_pick(st);
	int rc, i, s, bits = 0;

	if (chance(st, 2)) {
		say("dirty_tracking");
		set.hwpt_id = pick(st, K_HWPT, NULL);
		set.flags = below(st, 3);
		say(" flags=%#x", set.flags);
		say_rc(ifd2_ioctl(st->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set));
		return;
	}
	say("dirty_bitmap");
	get.hwpt_id = pick(st, K_HWPT, &s);
	get.flags = below(st, 3);
	get.page_size = chance(st, 4) ? 2048 : PAGE;
	if (m) {
		get.iova = m->iova;
		get.length = m->len < 256 * PAGE ? m->len : 256 * PAGE;
	}
	if (chance(st, 10))
		get.page_size = 3000;
	say(" flags=%#x ps=%#llx len=%#llx", get.flags,
	    (unsigned long long)get.page_size,
	    (unsigned long long)get.length);
	/* A range the HWPT's IOAS (as far as the model knows) does not map. */
	if (m && (s < 0 || st->slot[s].kind != K_HWPT ||
		  st->slot[s].ioas != m->ioas))
		say(" unmapped_range");
	rc = ifd2_ioctl(st->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	say_rc(rc);
	for (i = 0; !rc && i < 16; i++)
		bits += __builtin_popcountll(bitmap[i]);
	if (!rc)
		say(" dirty=%d", bits);
}

static void op_viommu_alloc(struct state *st)
{
	struct iommu_viommu_selftest data = { .in_data = 0xbeef };
	struct iommu_viommu_alloc cmd = { .size = sizeof(cmd) };
	static const __u32 types[] = {
		IOMMU_VIOMMU_TYPE_SELFTEST, IOMMU_VIOMMU_TYPE_DEFAULT, 77,
	};
	int rc, s;

	say("viommu_alloc");
	cmd.dev_id = pick(st, K_IDEV, NULL);
	cmd.hwpt_id = pick(st, K_HWPT, &s);
	cmd.type = types[below(st, 3)];
	if (cmd.type == IOMMU_VIOMMU_TYPE_SELFTEST && chance(st, 2)) {
		cmd.data_len = sizeof(data);
		cmd.data_uptr = (uintptr_t)&data;
	}
	say(" type=%#x len=%u", cmd.type, cmd.data_len);
	if (other_device_pt(st, s, st->bar && cmd.dev_id == st->devid))
		return;
	rc = ifd2_ioctl(st->fd, IOMMU_VIOMMU_ALLOC, &cmd);
	say_rc(rc);
	if (rc)
		return;
	if (cmd.data_len)
		say(" out=%#x", data.out_data);
	s = slot_new(st);
	slot_set(st, s, K_VIOMMU, cmd.out_viommu_id, -1);
	st->slot[s].for_device = st->bar && cmd.dev_id == st->devid;
}

static void op_vdevice_alloc(struct state *st)
{
	struct iommu_vdevice_alloc cmd = { .size = sizeof(cmd) };
	int rc, s;

	say("vdevice_alloc");
	cmd.viommu_id = pick(st, K_VIOMMU, &s);
	cmd.dev_id = pick(st, K_IDEV, NULL);
	cmd.virt_id = below(st, 4);
	say(" virt=%llu", (unsigned long long)cmd.virt_id);
	if (other_device_pt(st, s, st->bar && cmd.dev_id == st->devid))
		return;
	rc = ifd2_ioctl(st->fd, IOMMU_VDEVICE_ALLOC, &cmd);
	say_rc(rc);
	if (!rc)
		slot_set(st, slot_new(st), K_VDEV, cmd.out_vdevice_id, -1);
}

static void op_invalidate(struct state *st)
{
	struct iommu_hwpt_invalidate_selftest inv[2] = {};
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd),
		.data_uptr = (uintptr_t)inv,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		.entry_len = sizeof(inv[0]),
	};
	int i;

	say("invalidate");
	cmd.hwpt_id = pick(st, chance(st, 3) ? K_VIOMMU : K_HWPT, NULL);
	cmd.entry_num = below(st, 3);
	for (i = 0; i < 2; i++) {
		inv[i].flags = chance(st, 3) ? IOMMU_TEST_INVALIDATE_FLAG_ALL :
			       chance(st, 8) ? 2 : 0;
		inv[i].iotlb_id = below(st, 5);
	}
	if (chance(st, 10))
		cmd.entry_len = 4;
	if (chance(st, 10))
		cmd.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID;
	say(" n=%u len=%u type=%#x", cmd.entry_num, cmd.entry_len,
	    cmd.data_type);
	say_rc(ifd2_ioctl(st->fd, IOMMU_HWPT_INVALIDATE, &cmd));
	say(" done=%u", cmd.entry_num);
}

static void op_fault_alloc(struct state *st)
{
	struct iommu_fault_alloc cmd = { .size = sizeof(cmd) };
	int rc;

	say("fault_alloc");
	if (chance(st, 10)) {
		cmd.flags = 1;
		say(" flags=1");
	}
	rc = ifd2_ioctl(st->fd, IOMMU_FAULT_QUEUE_ALLOC, &cmd);
	say_rc(rc);
	if (rc)
		return;
	close(cmd.out_fault_fd);
	slot_set(st, slot_new(st), K_FAULT, cmd.out_fault_id, -1);
}

static void op_veventq_alloc(struct state *st)
{
	struct iommu_veventq_alloc cmd = { .size = sizeof(cmd) };
	int rc;

	say("veventq_alloc");
	cmd.viommu_id = pick(st, K_VIOMMU, NULL);
	cmd.type = chance(st, 5) ? 3 : IOMMU_VEVENTQ_TYPE_SELFTEST;
	cmd.veventq_depth = chance(st, 8) ? 0 : 1 + below(st, 8);
	say(" type=%#x depth=%u", cmd.type, cmd.veventq_depth);
	rc = ifd2_ioctl(st->fd, IOMMU_VEVENTQ_ALLOC, &cmd);
	say_rc(rc);
	if (rc)
		return;
	close(cmd.out_veventq_fd);
	slot_set(st, slot_new(st), K_VEVENTQ, cmd.out_veventq_id, -1);
}

static void op_access_create(struct state *st)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_CREATE_ACCESS };
	int rc;

	say("access_create");
	cmd.id = pick(st, K_IOAS, NULL);
	cmd.create_access.flags = chance(st, 2) ?
		MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES : 0;
	say(" flags=%#x", cmd.create_access.flags);
	rc = test_cmd(st, &cmd);
	say_rc(rc);
	if (!rc)
		slot_set(st, slot_new(st), K_ACCESS, 0,
			 cmd.create_access.out_access_fd);
}

/* An IOVA range near a mapping of the model, for accesses and checks. */
static __u64 near_mapping(struct state *st, struct mapping **mp, __u64 *len)
{
	struct mapping *m = model_pick(st);
	__u64 iova;

	*mp = m;
	if (!m) {
		*len = PAGE;
		return IOVA_BASE;
	}
	iova = m->iova + (m->len > 64 ? below(st, m->len / 64) * 64 : 0);
	*len = 1 + below(st, 3 * PAGE);
	if (iova + *len > m->iova + m->len && !chance(st, 4))
		*len = m->iova + m->len - iova;
	return iova;
}

static int access_fd(struct state *st)
{
	int s;

	pick(st, K_ACCESS, &s);
	return s >= 0 && st->slot[s].kind == K_ACCESS ? st->slot[s].fd :
	       BAD_ID;
}

/*
 * The user bytes behind [@iova, @iova + @len) in any mapping of the model
 * (of any IOAS: a superset does no harm), saved before an access write.
 */
static struct saved_bytes {
	char *va;
	size_t len;
	char data[3 * PAGE];
} saved[NMAPS];
static int nsaved;

static void save_range(struct state *st, __u64 iova, __u64 len)
{
	__u64 lo, hi;
	int i;

	nsaved = 0;
	for (i = 0; i < st->nmaps; i++) {
		const struct mapping *m = &st->map[i];

		lo = iova > m->iova ? iova : m->iova;
		hi = iova + len < m->iova + m->len ? iova + len :
						     m->iova + m->len;
		if (lo >= hi || hi - lo > sizeof(saved[0].data) ||
		    !model_va_inside(m, lo, hi - lo))
			continue;
		saved[nsaved].va = model_va(m, lo);
		saved[nsaved].len = hi - lo;
		memcpy(saved[nsaved].data, saved[nsaved].va, hi - lo);
		nsaved++;
	}
}

/* Put the saved bytes back; whether any had changed. */
static int restore_range(void)
{
	int i, changed = 0;

	for (i = 0; i < nsaved; i++) {
		if (memcmp(saved[i].va, saved[i].data, saved[i].len))
			changed = 1;
		memcpy(saved[i].va, saved[i].data, saved[i].len);
	}
	return changed;
}

static void op_access_rw(struct state *st)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_ACCESS_RW };
	static char buf[3 * PAGE];
	struct mapping *m;
	unsigned int sum = 0, i;
	int rc;

	say("access_rw");
	cmd.id = access_fd(st);
	cmd.access_rw.iova = near_mapping(st, &m, &cmd.access_rw.length);
	cmd.access_rw.uptr = (uintptr_t)buf;
	cmd.access_rw.flags = below(st, 2) ? MOCK_ACCESS_RW_WRITE : 0;
	if (chance(st, 3))
		cmd.access_rw.flags |= MOCK_ACCESS_RW_SLOW_PATH;
	memset(buf, 0x5a, sizeof(buf));
	say(" flags=%#x len=%#llx", cmd.access_rw.flags,
	    (unsigned long long)cmd.access_rw.length);
	if (cmd.access_rw.flags & MOCK_ACCESS_RW_WRITE)
		save_range(st, cmd.access_rw.iova, cmd.access_rw.length);
	rc = test_cmd(st, &cmd);
	say_rc(rc);
	/*
	 * A failed write: upstream has written the mappings before the one
	 * it failed on, iommufd2 none.  Say so, and undo it, so the two
	 * sides' memory stays the same.
	 */
	if (rc && (cmd.access_rw.flags & MOCK_ACCESS_RW_WRITE))
		say(" partial=%d", restore_range());
	if (rc || (cmd.access_rw.flags & MOCK_ACCESS_RW_WRITE))
		return;
	for (i = 0; i < cmd.access_rw.length && i < sizeof(buf); i++)
		sum = sum * 31 + (unsigned char)buf[i];
	say(" sum=%#x", sum);
}

static void op_access_pages(struct state *st)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_ACCESS_PAGES };
	struct mapping *m;
	int rc;

	say("access_pages");
	cmd.id = access_fd(st);
	cmd.access_pages.iova = near_mapping(st, &m, &cmd.access_pages.length);
	cmd.access_pages.flags = below(st, 2) ? MOCK_FLAGS_ACCESS_WRITE : 0;
	cmd.access_pages.uptr = m ? (uintptr_t)model_va(m,
						cmd.access_pages.iova) : 0;
	say(" flags=%#x len=%#llx", cmd.access_pages.flags,
	    (unsigned long long)cmd.access_pages.length);
	rc = test_cmd(st, &cmd);
	say_rc(rc);
}

static void op_check_map(struct state *st)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MD_CHECK_MAP };
	struct mapping *m;

	say("check_map");
	cmd.id = pick(st, chance(st, 4) ? K_IOAS : K_HWPT, NULL);
	cmd.check_map.iova = near_mapping(st, &m, &cmd.check_map.length);
	cmd.check_map.iova &= ~(2048ULL - 1);
	cmd.check_map.length = m ? m->iova + m->len - cmd.check_map.iova :
			       PAGE;
	cmd.check_map.uptr = m ? (uintptr_t)model_va(m, cmd.check_map.iova) :
			     (uintptr_t)pool;
	say(" len=%#llx", (unsigned long long)cmd.check_map.length);
	say_rc(test_cmd(st, &cmd));
}

/* ---- the device, where the side has one ---- */

static void op_dev_attach(struct state *st)
{
	__u32 pt;
	int rc, s;

	say("dev_attach");
	pt = pick(st, chance(st, 3) ? K_HWPT : K_IOAS, &s);
	if (other_device_pt(st, s, 1))
		return;
	rc = ifd2_dev_attach(st->devfd, &pt);
	say_rc(rc);
}

static void op_dev_detach(struct state *st)
{
	say("dev_detach");
	say_rc(ifd2_dev_detach(st->devfd));
}

static void op_dev_dma(struct state *st)
{
	struct mapping *m = model_pick(st);
	__u64 iova, gpa;
	__u32 *va, result;

	say("dev_dma");
	if (!m || m->len < PAGE) {
		iova = IOVA_BASE + PAGE * below(st, 16);
		say(" hole");
		result = testdev_dma(st->bar, iova, 4, 0);
		say(" result=%#x", result);
		return;
	}
	iova = m->iova + PAGE * below(st, m->len / PAGE);
	if (!model_va_inside(m, iova, 4)) {
		say(" outside");
		return;
	}
	va = (__u32 *)model_va(m, iova);
	*va = 0;
	gpa = ifd2_gpa(va);
	result = testdev_dma(st->bar, iova, 4, gpa);
	say(" result=%#x landed=%d", result, *va == TESTDEV_PATTERN);
}

struct op {
	void (*fn)(struct state *st);
	unsigned int weight;
	int needs_device;
};

#define OP(fn, weight) { fn, weight, 0 }
#define DEVICE_OP(fn, weight) { fn, weight, 1 }

static const struct op ops[] = {
	OP(op_ioas_alloc, 6), OP(op_destroy, 6), OP(op_map, 18),
	OP(op_map_file, 5), OP(op_unmap, 12), OP(op_copy, 5),
	OP(op_iova_ranges, 3), OP(op_allow_iovas, 3), OP(op_option, 3),
	OP(op_mock_domain, 6), OP(op_mock_replace, 3), OP(op_hwpt_alloc, 6),
	OP(op_hw_info, 2), OP(op_dirty, 3), OP(op_viommu_alloc, 3),
	OP(op_vdevice_alloc, 2), OP(op_invalidate, 2), OP(op_fault_alloc, 2),
	OP(op_veventq_alloc, 1), OP(op_access_create, 2),
	OP(op_access_rw, 3), OP(op_access_pages, 2), OP(op_check_map, 3),
	DEVICE_OP(op_dev_attach, 4), DEVICE_OP(op_dev_detach, 2),
	DEVICE_OP(op_dev_dma, 5),
};

static void run_op(struct state *st)
{
	unsigned int total = 0, i, r;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		total += ops[i].weight;
	r = below(st, total);
	for (i = 0; r >= ops[i].weight; i++)
		r -= ops[i].weight;
	if (ops[i].needs_device && !st->bar) {
		say("no_device");
		return;
	}
	ops[i].fn(st);
}

/* ---- episodes and sides ---- */

struct run_log {
	int aborted;
	char bdf[64];
	char lines[];	/* episodes * nops lines of LINE bytes */
};

static void episode(struct ifd2_side *side, int has_dev, __u64 seed, int e,
		    int nops, char *out)
{
	struct state st = { .fd = -1, .devfd = -1 };
	int i;

	for (i = 0; i < NSLOTS; i++)
		st.slot[i].fd = -1;
	st.rng = seed * 1000003ULL + e;
	line = out;
	reset_touched();
	if (ifd2_side_open(side, &st.fd, &st.devfd)) {
		snprintf(out, LINE, "open failed");
		return;
	}
	if (has_dev && !ifd2_side_bind(st.fd, st.devfd, &st.devid)) {
		st.bar = ifd2_map_bar(st.devfd, 0, &st.bar_len);
		if (st.bar == MAP_FAILED)
			st.bar = NULL;
		/* the device as an idev operand */
		st.slot[0].kind = K_IDEV;
		st.slot[0].id = st.devid;
	}
	for (i = 0; i < nops; i++) {
		line = out + (size_t)i * LINE;
		line[0] = 0;
		run_op(&st);
	}
	if (st.bar)
		munmap((void *)st.bar, st.bar_len);
	for (i = 0; i < NSLOTS; i++)
		if (st.slot[i].fd >= 0)
			close(st.slot[i].fd);
	close(st.devfd);
	close(st.fd);
}

static int setup_memory(void)
{
	pool = mmap(NULL, POOL_PAGES * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	memfd = memfd_create("diff_fuzz", 0);
	if (pool == MAP_FAILED || memfd < 0 ||
	    ftruncate(memfd, FILE_PAGES * PAGE))
		return -1;
	filemem = mmap(NULL, FILE_PAGES * PAGE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, memfd, 0);
	if (filemem == MAP_FAILED)
		return -1;
	memset(pool, 0x11, POOL_PAGES * PAGE);
	memset(filemem, 0x22, FILE_PAGES * PAGE);
	return 0;
}

/* One side, one seed, in a child process: its lines land in @log. */
static void run_side(struct ifd2_side *side, __u64 seed, int episodes,
		     int nops, struct run_log *log)
{
	int status, e, has_dev;
	pid_t pid = fork();

	if (pid < 0) {
		log->aborted = 1;
		return;
	}
	if (!pid) {
		if (setup_memory())
			_exit(1);
		has_dev = !ifd2_side_claim(side);
		snprintf(log->bdf, sizeof(log->bdf), "%s",
			 has_dev ? side->bdf : "none");
		for (e = 0; e < episodes; e++)
			episode(side, has_dev, seed, e, nops,
				log->lines + (size_t)e * nops * LINE);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		log->aborted = 1;
		printf("# %s side of seed %llu: %s %d\n", side->name,
		       (unsigned long long)seed,
		       WIFSIGNALED(status) ? "killed by signal" : "exit status",
		       WIFSIGNALED(status) ? WTERMSIG(status) :
					     WEXITSTATUS(status));
	}
}

/* @s without its "@field=..." word. */
static void strip_field(char *s, const char *field)
{
	size_t len = strlen(field);
	char *p = s, *end;

	while ((p = strstr(p, field))) {
		if (p > s && p[-1] == ' ' && p[len] == '=') {
			end = strchr(p, ' ');
			if (!end)
				end = p + strlen(p);
			memmove(p - 1, end, strlen(end) + 1);
			continue;
		}
		p += len;
	}
}

/* Why lines @a and @b may differ, or NULL if they may not. */
static const char *allowed_why(const char *a, const char *b)
{
	char x[LINE], y[LINE];
	size_t i, n;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		n = strlen(allowed[i].op);
		if (strncmp(a, allowed[i].op, n) || a[n] != ' ' ||
		    strncmp(b, allowed[i].op, n) || b[n] != ' ')
			continue;
		if (allowed[i].marker) {
			const char *ma = strstr(a, allowed[i].marker);
			const char *mb = strstr(b, allowed[i].marker);

			if (ma && mb && ma - a == mb - b &&
			    !strncmp(a, b, ma - a))
				return allowed[i].why;
			continue;
		}
		snprintf(x, sizeof(x), "%s", a);
		snprintf(y, sizeof(y), "%s", b);
		strip_field(x, allowed[i].field);
		strip_field(y, allowed[i].field);
		if (!strcmp(x, y))
			return allowed[i].why;
	}
	return NULL;
}

struct totals {
	long ops, compared, allowed, diverged;
};

/* The operations of episode @e before op @i (the same on both sides). */
#define SHOW_BEFORE 40

static void show_before(const struct run_log *log, int e, int i, int nops)
{
	int j = i > SHOW_BEFORE ? i - SHOW_BEFORE : 0;

	for (; j < i; j++)
		printf("#     %3d %s\n", j,
		       log->lines + ((size_t)e * nops + j) * LINE);
}

static int compare_seed(__u64 seed, int episodes, int nops,
			struct run_log *up, struct run_log *ours,
			struct totals *t, int *shown)
{
	long compared = 0, allowed_n = 0, diverged = 0;
	int e, i;

	for (e = 0; e < episodes; e++) {
		for (i = 0; i < nops; i++) {
			size_t at = ((size_t)e * nops + i) * LINE;
			const char *a = up->lines + at, *b = ours->lines + at;
			const char *why;

			compared++;
			if (!strcmp(a, b))
				continue;
			why = allowed_why(a, b);
			if (why) {
				allowed_n++;
			} else {
				diverged++;
				if ((*shown)++ < 40) {
					printf("# seed %llu episode %d op %d:\n#   upstream %s\n#   iommufd2 %s\n",
					       (unsigned long long)seed, e, i,
					       a, b);
					show_before(up, e, i, nops);
				}
			}
			break;
		}
	}
	t->ops += (long)episodes * nops;
	t->compared += compared;
	t->allowed += allowed_n;
	t->diverged += diverged;
	printf("%s %llu - seed %llu: %d episodes, %ld operations compared, %ld allowed, %ld diverged\n",
	       diverged || up->aborted || ours->aborted ? "not ok" : "ok",
	       (unsigned long long)seed, (unsigned long long)seed, episodes,
	       compared, allowed_n, diverged);
	return diverged || up->aborted || ours->aborted;
}

int main(int argc, char **argv)
{
	struct ifd2_side up = IFD2_SIDE_UPSTREAM, ours = IFD2_SIDE_IOMMUFD2;
	int seeds = 5, episodes = 100, nops = 200, opt, failed = 0, shown = 0;
	struct totals t = {};
	struct run_log *log[2];
	size_t size;
	__u64 s;

	while ((opt = getopt(argc, argv, "s:e:n:")) != -1) {
		switch (opt) {
		case 's':
			seeds = atoi(optarg);
			break;
		case 'e':
			episodes = atoi(optarg);
			break;
		case 'n':
			nops = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-s seeds] [-e episodes] [-n ops]\n",
				argv[0]);
			return 2;
		}
	}
	if (access(up.node, F_OK) || access(ours.node, F_OK)) {
		printf("1..0 # SKIP needs %s and %s (the reference kernel)\n",
		       up.node, ours.node);
		return 4;
	}
	size = sizeof(struct run_log) + (size_t)episodes * nops * LINE;
	log[0] = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (log[0] == MAP_FAILED)
		return 1;
	log[1] = (struct run_log *)((char *)log[0] + size);
	printf("1..%d\n", seeds);
	for (s = 1; s <= (__u64)seeds; s++) {
		memset(log[0], 0, 2 * size);
		run_side(&up, s, episodes, nops, log[0]);
		run_side(&ours, s, episodes, nops, log[1]);
		if (s == 1)
			printf("# upstream device %s, iommufd2 device %s\n",
			       log[0]->bdf, log[1]->bdf);
		failed += compare_seed(s, episodes, nops, log[0], log[1], &t,
				       &shown);
	}
	printf("# %ld operations per side, %ld compared, %ld allowed divergences, %ld undocumented\n",
	       t.ops, t.compared, t.allowed, t.diverged);
	return failed ? 1 : 0;
}
