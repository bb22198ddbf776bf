// SPDX-License-Identifier: GPL-2.0
/*
 * Pinning user memory and memfds into struct ifd_pages (see
 * include/iommufd2/pages.h), and walking the result.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <uapi/linux/fcntl.h>
#include <uapi/linux/magic.h>

#include "iommufd2/compat.h"
#include "iommufd2/ctx.h"
#include "iommufd2/pages.h"
#include "iommufd2/kapi.h"
#include "iommufd2/stats.h"

/*
 * Entries of the buffers pinning goes through: 64 KiB on x86, so a GiB of
 * 4 KiB pages takes 32 calls into GUP, not 512.
 */
#define IFD_PIN_BATCH	(16 * PAGE_SIZE / sizeof(void *))

/*
 * Pages a small range pins through a buffer on the stack, not one from the
 * heap: up to 64 KiB of 4 KiB pages.
 */
#define IFD_PIN_STACK	16

/*
 * Tests shrink the batches (iommufd2_test_set_pin_batch()) so that every
 * path that crosses a batch boundary runs with small inputs.
 */
static unsigned int ifd_pin_batch = IFD_PIN_BATCH;

/**
 * iommufd2_test_set_pin_batch() - bound the pinning batches, for tests
 * @bytes: the memory a batch may use; at least one entry, at most the
 *	default (64 KiB of pointers)
 */
void iommufd2_test_set_pin_batch(unsigned int bytes)
{
	WRITE_ONCE(ifd_pin_batch, clamp_t(unsigned int, bytes / sizeof(void *),
					  1, IFD_PIN_BATCH));
}
EXPORT_SYMBOL_NS_GPL(iommufd2_test_set_pin_batch, "IOMMUFD2");

/*
 * Descriptors come from a cache of their own: one per live mapping, kept
 * at its size rather than kmalloc's next bucket's.
 */
static struct kmem_cache *ifd_pages_cache;

/**
 * ifd_pages_cache_init() - create the cache of descriptors
 *
 * Return: 0 or -ENOMEM.
 */
int ifd_pages_cache_init(void)
{
	ifd_pages_cache = KMEM_CACHE(ifd_pages, SLAB_ACCOUNT);
	return ifd_pages_cache ? 0 : -ENOMEM;
}

/**
 * ifd_pages_cache_exit() - destroy it; every descriptor is freed by then
 */
void ifd_pages_cache_exit(void)
{
	kmem_cache_destroy(ifd_pages_cache);
}

/**
 * ifd_pages_desc_alloc() - a zeroed descriptor, from the cache
 *
 * Return: the descriptor or NULL.
 */
struct ifd_pages *ifd_pages_desc_alloc(void)
{
	return kmem_cache_zalloc(ifd_pages_cache, GFP_KERNEL);
}

/**
 * ifd_pages_desc_free() - return a descriptor to the cache
 * @pages: from ifd_pages_desc_alloc(), holding nothing any more
 */
void ifd_pages_desc_free(struct ifd_pages *pages)
{
	kmem_cache_free(ifd_pages_cache, pages);
}

/* Runs the array starts with: a page's worth. */
#define IFD_RUNS_MIN	(PAGE_SIZE / sizeof(u64))

static void ifd_runs_free(struct ifd_pages *pages)
{
	if (pages->runs != &pages->run_inline)
		kvfree(pages->runs);
	pages->runs = NULL;
	pages->runs_cap = 0;
}

/*
 * Make room for @extra more runs.  The array doubles (up to one run per
 * page) as pinning goes, so its size follows what was really pinned and
 * charged, not what a huge sparse range could need.  A range of one page,
 * or any range while it is one run, uses @run_inline.
 */
static int ifd_runs_reserve(struct ifd_pages *pages, unsigned long extra)
{
	unsigned long want = pages->nr_runs + extra, cap;
	u64 *runs;

	if (want <= pages->runs_cap)
		return 0;
	if (!pages->runs && want == 1) {
		pages->runs = &pages->run_inline;
		pages->runs_cap = 1;
		return 0;
	}
	cap = max3(want, min(pages->runs_cap * 2, pages->npages),
		   min_t(unsigned long, IFD_RUNS_MIN, pages->npages));
	if (pages->runs == &pages->run_inline) {
		runs = kvmalloc_array(cap, sizeof(*runs),
				      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (runs)
			runs[0] = pages->run_inline;
	} else {
		runs = kvrealloc(pages->runs, array_size(cap, sizeof(*runs)),
				 GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	}
	if (!runs)
		return -ENOMEM;
	pages->runs = runs;
	pages->runs_cap = cap;
	return 0;
}

/* Record @n pinned pages at @pfn; room was reserved for them. */
static void ifd_runs_add(struct ifd_pages *pages, unsigned long pfn,
			 unsigned long n)
{
	while (n) {
		unsigned long take;

		if (pages->nr_runs) {
			u64 *last = &pages->runs[pages->nr_runs - 1];
			unsigned long len = ifd_run_npages(*last);

			if (ifd_run_pfn(*last) + len == pfn &&
			    len < IFD_RUN_MAX_PAGES) {
				take = min(n, IFD_RUN_MAX_PAGES - len);
				/* The low bits hold len - 1: no carry. */
				*last += take;
				pfn += take;
				n -= take;
				continue;
			}
		}
		take = min(n, IFD_RUN_MAX_PAGES);
		pages->runs[pages->nr_runs++] =
			((u64)pfn << IFD_RUN_LEN_BITS) | (take - 1);
		pfn += take;
		n -= take;
	}
}

/* Unpin every page pinned so far; dirty them if devices could write. */
static void ifd_pages_unpin(struct ifd_pages *pages)
{
	unsigned long i;

	for (i = 0; i < pages->nr_runs; i++) {
		u64 run = pages->runs[i];

		unpin_user_page_range_dirty_lock(pfn_to_page(ifd_run_pfn(run)),
						 ifd_run_npages(run),
						 pages->writable);
		cond_resched();
	}
	pages->nr_runs = 0;
}

/* The descriptor of a range; nothing is pinned or charged yet. */
static struct ifd_pages *ifd_pages_alloc(unsigned long npages,
					 unsigned long offset,
					 unsigned long length, bool writable,
					 struct ifd_ctx *ctx)
{
	struct ifd_pages *pages;

	pages = ifd_pages_desc_alloc();
	if (!pages)
		return ERR_PTR(-ENOMEM);
	if (ifd_owner_init_current(&pages->owner, ctx)) {
		ifd_pages_desc_free(pages);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&pages->kref);
	mutex_init(&pages->pin_lock);
	pages->npages = npages;
	pages->offset = offset;
	pages->length = length;
	pages->writable = writable;
	pages->tally = &ctx->pinned;
	return pages;
}

/* The descriptor's own memory, once its owner is dealt with. */
static void ifd_pages_desc_release(struct ifd_pages *pages)
{
	mutex_destroy(&pages->pin_lock);
	ifd_runs_free(pages);
	ifd_pages_desc_free(pages);
}

/* A descriptor nothing was pinned or charged through, or no more. */
static void ifd_pages_free(struct ifd_pages *pages)
{
	ifd_owner_destroy(&pages->owner);
	ifd_pages_desc_release(pages);
}

/* Give back what the doubling left unused, when that is much. */
static void ifd_pages_trim(struct ifd_pages *pages)
{
	u64 *runs;

	if (pages->nr_runs > pages->runs_cap / 2 ||
	    pages->runs == &pages->run_inline)
		return;
	if (pages->nr_runs == 1) {
		pages->run_inline = pages->runs[0];
		kvfree(pages->runs);
		pages->runs = &pages->run_inline;
		pages->runs_cap = 1;
		return;
	}
	runs = kvmalloc_array(pages->nr_runs, sizeof(*runs),
			      GFP_KERNEL_ACCOUNT);
	if (!runs)
		return;
	memcpy(runs, pages->runs, pages->nr_runs * sizeof(*runs));
	kvfree(pages->runs);
	pages->runs = runs;
	pages->runs_cap = pages->nr_runs;
}

/*
 * Charge the owner, then let @fill pin every page into @runs; all or
 * nothing.  The charge comes before any allocation or pin, so a range over
 * RLIMIT_MEMLOCK fails without touching memory, and the run array grows
 * with what is pinned (see ifd_runs_reserve()).
 */
static int ifd_pages_populate(struct ifd_pages *pages,
			      int (*fill)(struct ifd_pages *pages, void *arg),
			      void *arg)
{
	int rc;

	rc = ifd_owner_charge(&pages->owner, pages->npages);
	if (rc)
		return rc;
	rc = fill(pages, arg);
	if (rc) {
		ifd_pages_unpin(pages);
		ifd_owner_uncharge(&pages->owner, pages->npages);
		ifd_runs_free(pages);
		return rc;
	}
	ifd_pages_trim(pages);
	ifd_stats_pinned(pages->npages, pages->nr_runs);
	atomic_long_add(pages->npages, pages->tally);
	/* Pairs with the acquire in ifd_pages_pin(). */
	smp_store_release(&pages->populated, true);
	return 0;
}

/**
 * ifd_pages_user() - a range of the calling process's memory, not pinned yet
 * @uaddr: start of the range (any byte alignment)
 * @length: bytes
 * @writable: devices may write; the memory must be writable when pinned
 * @ctx: the context: its accounting mode and pinned-page count
 *
 * The range is pinned and charged by ifd_pages_pin(), from this process's
 * address space, whoever calls it.
 *
 * Return: the pages with one reference, or ERR_PTR: -EINVAL for an empty
 * range, -EOVERFLOW for one that wraps, -ENOMEM.
 */
struct ifd_pages *ifd_pages_user(unsigned long uaddr, unsigned long length,
				 bool writable, struct ifd_ctx *ctx)
{
	unsigned long first = uaddr & PAGE_MASK, end;
	struct ifd_pages *pages;

	if (!length)
		return ERR_PTR(-EINVAL);
	if (check_add_overflow(uaddr, length, &end) ||
	    end > ULONG_MAX - PAGE_SIZE)
		return ERR_PTR(-EOVERFLOW);
	pages = ifd_pages_alloc((PAGE_ALIGN(end) - first) >> PAGE_SHIFT,
				uaddr - first, length, writable, ctx);
	if (IS_ERR(pages))
		return pages;
	pages->source = uaddr;
	return pages;
}

/*
 * The address space a user range is pinned from: its payer's, which the
 * owner holds as long as the descriptor lives, and which never changes for
 * a user range (IOMMU_IOAS_CHANGE_PROCESS refuses them).
 */
static struct mm_struct *ifd_pages_mm(const struct ifd_pages *pages)
{
	return pages->owner.payer->mm;
}

/* Pin up to @want pages at @addr of @mm, from any process. */
static long ifd_pin_mm(struct mm_struct *mm, unsigned long addr,
		       unsigned long want, unsigned int gup_flags,
		       struct page **batch)
{
	int locked = 1;
	long got;

	if (mm == current->mm)
		return pin_user_pages_fast(addr, want, gup_flags, batch);
	mmap_read_lock(mm);
	got = pin_user_pages_remote(mm, addr, want, gup_flags, batch, &locked);
	if (locked)
		mmap_read_unlock(mm);
	return got;
}

/* How many of the @n pages at @batch follow the first one physically. */
static long ifd_contig_pages(struct page **batch, long n)
{
	unsigned long pfn = page_to_pfn(batch[0]);
	long i = 1;

	while (i < n && page_to_pfn(batch[i]) == pfn + i)
		i++;
	return i;
}

/* The buffer pinning goes through, and how many pages it holds. */
struct ifd_pin_buf {
	struct page **pages;
	unsigned long cap;
};

static int ifd_pin_user_range(struct ifd_pages *pages, void *arg)
{
	unsigned int gup_flags = FOLL_LONGTERM |
				 (pages->writable ? FOLL_WRITE : 0);
	unsigned long first = pages->source & PAGE_MASK, done = 0;
	struct ifd_pin_buf *buf = arg;
	struct page **batch = buf->pages;
	int rc = 0;

	while (done < pages->npages) {
		unsigned long want = min3(pages->npages - done, buf->cap,
					  (unsigned long)READ_ONCE(ifd_pin_batch));
		long i, n, got;

		got = ifd_pin_mm(ifd_pages_mm(pages),
				 first + (done << PAGE_SHIFT), want, gup_flags,
				 batch);
		if (got <= 0) {
			rc = got ?: -EFAULT;
			break;
		}
		/*
		 * One call per physically contiguous stretch of the batch,
		 * with room for the runs it makes (a huge page makes one, so
		 * pinning it reserves no array for the 512 it could have
		 * been).  Pages already recorded are unpinned with the rest
		 * of the range on failure; the batch's others here.
		 */
		for (i = 0; i < got; i += n) {
			n = ifd_contig_pages(batch + i, got - i);
			rc = ifd_runs_reserve(pages,
					      DIV_ROUND_UP(n, IFD_RUN_MAX_PAGES));
			if (rc) {
				unpin_user_pages(batch + i, got - i);
				return rc;
			}
			ifd_runs_add(pages, page_to_pfn(batch[i]), n);
		}
		done += got;
		cond_resched();
	}
	return rc;
}

/*
 * Keep @mm's pages while pinning from it: the caller's own address space
 * cannot go while it runs; another process's may have exited already.
 */
static bool ifd_mm_get(struct mm_struct *mm)
{
	return mm == current->mm || mmget_not_zero(mm);
}

static void ifd_mm_put(struct mm_struct *mm)
{
	if (mm != current->mm)
		mmput(mm);
}

/**
 * ifd_pages_pin() - make sure a range is pinned
 * @pages: the pages; returns at once if they are pinned already
 *
 * Pins a user range from the address space it was mapped from and charges
 * its owner.  Callers may hold an IOAS map lock (the order is map lock,
 * @pages->pin_lock, mmap_lock).  A failure leaves the range unpinned; the
 * next call tries again.
 *
 * Return: 0; -EFAULT when the memory cannot be pinned (not mapped, not
 * writable for a writable range, or its process has exited); -ENOMEM over
 * RLIMIT_MEMLOCK or without memory.
 */
int ifd_pages_pin(struct ifd_pages *pages)
{
	struct page *stack[IFD_PIN_STACK];
	struct ifd_pin_buf buf = { .pages = stack, .cap = IFD_PIN_STACK };
	int rc = 0;

	/* Pairs with the release in ifd_pages_populate(): @runs is set. */
	if (smp_load_acquire(&pages->populated))
		return 0;
	/* As large as the range needs, up to a batch. */
	if (pages->npages > IFD_PIN_STACK) {
		buf.cap = min_t(unsigned long, pages->npages, IFD_PIN_BATCH);
		buf.pages = kvmalloc_array(buf.cap, sizeof(*buf.pages),
					   GFP_KERNEL);
		if (!buf.pages)
			return -ENOMEM;
	}
	mutex_lock(&pages->pin_lock);
	if (!pages->populated) {
		struct mm_struct *mm = ifd_pages_mm(pages);

		if (ifd_mm_get(mm)) {
			rc = ifd_pages_populate(pages, ifd_pin_user_range,
						&buf);
			ifd_mm_put(mm);
		} else {
			rc = -EFAULT;
		}
	}
	mutex_unlock(&pages->pin_lock);
	if (buf.pages != stack)
		kvfree(buf.pages);
	return rc;
}

/*
 * Only memfds (shmem or hugetlbfs files) can be pinned by file offset.
 * Returns false for anything else; @seals receives the file's seals.
 */
static bool ifd_file_is_memfd(struct file *file, unsigned int *seals)
{
	struct inode *inode = file_inode(file);

	if (shmem_mapping(file->f_mapping))
		*seals = SHMEM_I(inode)->seals;
	else if (inode->i_sb->s_magic == HUGETLBFS_MAGIC)
		*seals = HUGETLBFS_I(inode)->seals;
	else
		return false;
	return true;
}

/* The most runs @n pinned folios can add (a run holds a bounded length). */
static unsigned long ifd_folio_runs(struct folio **folios, long n)
{
	unsigned long runs = 0;
	long i;

	for (i = 0; i < n; i++)
		runs += DIV_ROUND_UP(folio_nr_pages(folios[i]),
				     IFD_RUN_MAX_PAGES);
	return runs;
}

static int ifd_pin_file_range(struct ifd_pages *pages, void *arg)
{
	unsigned long left = pages->npages;
	loff_t pos = pages->source & PAGE_MASK;
	loff_t last = pages->source + pages->length - 1;
	struct file *file = arg;
	struct folio **folios;
	int rc = 0;

	folios = kvmalloc_array(IFD_PIN_BATCH, sizeof(*folios), GFP_KERNEL);
	if (!folios)
		return -ENOMEM;
	while (left) {
		pgoff_t skip_bytes;
		long i, n;

		n = memfd_pin_folios(file, pos, last, folios,
				     READ_ONCE(ifd_pin_batch),
				     &skip_bytes);
		if (n <= 0) {
			rc = n ?: -EFAULT;
			break;
		}
		rc = ifd_runs_reserve(pages, ifd_folio_runs(folios, n));
		if (rc) {
			unpin_folios(folios, n);
			break;
		}
		for (i = 0; i < n && left; i++) {
			struct folio *folio = folios[i];
			unsigned long skip = i ? 0 : skip_bytes >> PAGE_SHIFT;
			unsigned long use = min(folio_nr_pages(folio) - skip,
						left);

			/*
			 * memfd_pin_folios() pins each folio once; give every
			 * page we use a pin of its own so that unpinning is
			 * the same per-page operation as for user memory.
			 */
			if (use > 1 &&
			    ifd_compat_memfd_add_pins(file, pos, folio,
						      use - 1)) {
				rc = -EFAULT;
				use = 0;
			}
			if (use)
				ifd_runs_add(pages, folio_pfn(folio) + skip,
					     use);
			else
				unpin_folio(folio);
			left -= use;
			pos += use << PAGE_SHIFT;
			if (rc) {
				unpin_folios(folios + i + 1, n - i - 1);
				break;
			}
		}
		if (rc)
			break;
		if (i < n)
			unpin_folios(folios + i, n - i);
		cond_resched();
	}
	kvfree(folios);
	return rc;
}

/**
 * ifd_pages_pin_file() - pin a range of a memfd
 * @fd: the memfd (shmem or hugetlbfs)
 * @start: byte offset of the range
 * @length: bytes
 * @writable: devices may write; refused (-EPERM) if the file is sealed
 *	against writes or not open for writing
 * @ctx: the context: its accounting mode and pinned-page count
 *
 * Return: the pinned pages with one reference, or ERR_PTR: -EBADF, -EINVAL
 * for an empty range, one past the end of the file or a file that is not a
 * memfd, -EOVERFLOW, -EPERM, -ENOMEM.
 */
struct ifd_pages *ifd_pages_pin_file(int fd, unsigned long start,
				     unsigned long length, bool writable,
				     struct ifd_ctx *ctx)
{
	struct ifd_pages *pages;
	unsigned int seals = 0;
	unsigned long last;
	struct file *file;

	if (!length)
		return ERR_PTR(-EINVAL);
	if (check_add_overflow(start, length - 1, &last) || last > LLONG_MAX)
		return ERR_PTR(-EOVERFLOW);
	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);

	if (!ifd_file_is_memfd(file, &seals)) {
		pages = ERR_PTR(-EINVAL);
	} else if (writable &&
		   (!(file->f_mode & FMODE_WRITE) ||
		    (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))) {
		pages = ERR_PTR(-EPERM);
	} else if (last >= i_size_read(file_inode(file))) {
		pages = ERR_PTR(-EINVAL);
	} else {
		pages = ifd_pages_alloc((last >> PAGE_SHIFT) -
					(start >> PAGE_SHIFT) + 1,
					start & ~PAGE_MASK, length, writable,
					ctx);
		if (!IS_ERR(pages)) {
			int rc;

			pages->is_file = true;
			pages->source = start;
			rc = ifd_pages_populate(pages, ifd_pin_file_range,
						file);
			if (rc) {
				ifd_pages_free(pages);
				pages = ERR_PTR(rc);
			}
		}
	}
	fput(file);
	return pages;
}

/**
 * ifd_pages_reap_flush() - return what a reaper has gathered
 * @reaper: the reaper; empty afterwards, and may be used again
 *
 * Uncharges the gathered pages from their payer, takes them off the
 * counters and drops the payer references, each in one step.
 */
void ifd_pages_reap_flush(struct ifd_pages_reaper *reaper)
{
	if (!reaper->refs)
		return;
	if (reaper->npages) {
		ifd_payer_uncharge(reaper->payer, reaper->mode, reaper->npages);
		atomic_long_sub(reaper->npages, reaper->tally);
		ifd_stats_pinned(-(long)reaper->npages,
				 -(long)reaper->nr_runs);
	}
	ifd_payer_put_many(reaper->payer, reaper->refs);
	memset(reaper, 0, sizeof(*reaper));
}

/*
 * The last reference went: unpin now, and leave the accounting and the
 * payer's reference to @reaper, which gathers them per payer.  No IOAS
 * maps @pages any more, so its payer cannot change (see struct ifd_owner).
 */
static void ifd_pages_reap(struct ifd_pages *pages,
			   struct ifd_pages_reaper *reaper)
{
	struct ifd_owner *owner = &pages->owner;

	if (pages->dmabuf) {
		ifd_dmabuf_release(pages);
		ifd_runs_free(pages);
		ifd_pages_desc_free(pages);
		return;
	}
	if (reaper->payer != owner->payer || reaper->mode != owner->mode ||
	    reaper->tally != pages->tally) {
		ifd_pages_reap_flush(reaper);
		reaper->payer = owner->payer;
		reaper->mode = owner->mode;
		reaper->tally = pages->tally;
	}
	if (pages->populated) {
		reaper->npages += pages->npages;
		reaper->nr_runs += pages->nr_runs;
		ifd_pages_unpin(pages);
	}
	/* The owner's payer reference is the reaper's to drop now. */
	reaper->refs++;
	ifd_pages_desc_release(pages);
}

/**
 * ifd_pages_put_reaped() - drop a reference, releasing into a reaper
 * @pages: the pages; the last reference unpins them at once
 * @reaper: gathers the accounting of the pages released, for one
 *	ifd_pages_reap_flush() after a run of puts (an unmap of many
 *	mappings pays once per payer, not once per mapping)
 */
void ifd_pages_put_reaped(struct ifd_pages *pages,
			  struct ifd_pages_reaper *reaper)
{
	if (refcount_dec_and_test(&pages->kref.refcount))
		ifd_pages_reap(pages, reaper);
}

/**
 * ifd_pages_put() - drop a reference; the last one unpins everything
 * @pages: the pages
 */
void ifd_pages_put(struct ifd_pages *pages)
{
	struct ifd_pages_reaper reaper = {};

	ifd_pages_put_reaped(pages, &reaper);
	ifd_pages_reap_flush(&reaper);
}

/**
 * ifd_pfn_cursor_init() - start walking pages [@first, @first + @npages)
 * @cur: the cursor
 * @pages: the pinned pages
 * @first: index of the first page to visit
 * @npages: number of pages to visit
 */
void ifd_pfn_cursor_init(struct ifd_pfn_cursor *cur,
			 const struct ifd_pages *pages, unsigned long first,
			 unsigned long npages)
{
	cur->pages = pages;
	cur->run = 0;
	cur->left = npages;
	while (cur->run < pages->nr_runs &&
	       first >= ifd_run_npages(pages->runs[cur->run])) {
		first -= ifd_run_npages(pages->runs[cur->run]);
		cur->run++;
	}
	cur->skip = first;
}

/**
 * ifd_pfn_cursor_next() - the next physically contiguous piece
 * @cur: the cursor
 * @pfn: first PFN of the piece
 * @npages: its length in pages
 *
 * Return: false once the range is exhausted.
 */
bool ifd_pfn_cursor_next(struct ifd_pfn_cursor *cur, unsigned long *pfn,
			 unsigned long *npages)
{
	const struct ifd_pages *pages = cur->pages;

	*npages = 0;
	while (cur->left && cur->run < pages->nr_runs) {
		u64 run = pages->runs[cur->run];
		unsigned long rpfn = ifd_run_pfn(run) + cur->skip;
		unsigned long n = min(ifd_run_npages(run) - cur->skip,
				      cur->left);

		/* Adjacent runs may continue each other (length cap). */
		if (*npages && *pfn + *npages != rpfn)
			break;
		if (!*npages)
			*pfn = rpfn;
		*npages += n;
		cur->left -= n;
		cur->skip += n;
		if (cur->skip == ifd_run_npages(run)) {
			cur->run++;
			cur->skip = 0;
		}
	}
	return *npages;
}
