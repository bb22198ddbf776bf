// SPDX-License-Identifier: GPL-2.0
/*
 * File descriptors that serve one object; the rules are in
 * include/iommufd2/object_file.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>

#include "iommufd2/ctx.h"
#include "iommufd2/object.h"
#include "iommufd2/object_file.h"

/**
 * ifd_object_file_open() - make an object's file, not yet installed
 * @ctx: the context (from an ioctl: it has a file)
 * @obj: the object, not yet finalized
 * @ctx_file: where the object records the context's file
 * @name: the anonymous inode's name
 * @fops: the file's operations; their release calls
 *	ifd_object_file_unref() unless private_data is NULL
 * @priv: the file's private_data
 * @flags: O_RDWR or O_RDONLY
 * @of: filled with the file and its reserved fd
 *
 * Finish with ifd_object_file_install() once the object is finalized, or
 * ifd_object_file_cancel().
 *
 * Return: 0 or an error (nothing to undo then).
 */
int ifd_object_file_open(struct ifd_ctx *ctx, struct ifd_object *obj,
			 struct file **ctx_file, const char *name,
			 const struct file_operations *fops, void *priv,
			 int flags, struct ifd_object_file *of)
{
	of->fd = get_unused_fd_flags(O_CLOEXEC);
	if (of->fd < 0)
		return of->fd;
	/* The object is its creator's, not yet published. */
	ifd_object_hold_more(obj);
	*ctx_file = get_file(ctx->file);
	of->filep = anon_inode_getfile(name, fops, priv, flags);
	if (IS_ERR(of->filep)) {
		ifd_object_file_unref(obj, *ctx_file);
		put_unused_fd(of->fd);
		return PTR_ERR(of->filep);
	}
	return 0;
}

/**
 * ifd_object_file_cancel() - give up a file before it was installed
 * @of: the file
 * @obj: its object, to be aborted by the caller
 * @ctx_file: the context's file the object recorded
 */
void ifd_object_file_cancel(struct ifd_object_file *of,
			    struct ifd_object *obj, struct file *ctx_file)
{
	/* The release runs later (fput is deferred): it must drop nothing. */
	of->filep->private_data = NULL;
	ifd_object_file_unref(obj, ctx_file);
	fput(of->filep);
	put_unused_fd(of->fd);
}

/**
 * ifd_object_file_install() - publish the fd, after the object
 * @of: the file
 */
void ifd_object_file_install(struct ifd_object_file *of)
{
	fd_install(of->fd, of->filep);
}

/**
 * ifd_object_file_unref() - drop what an object's file holds
 * @obj: the object
 * @ctx_file: the context's file the object recorded
 */
void ifd_object_file_unref(struct ifd_object *obj, struct file *ctx_file)
{
	ifd_object_release(obj);
	fput(ctx_file);
}
