/* SPDX-License-Identifier: GPL-2.0 */
/*
 * File descriptors that serve one object (fault queues, vEVENT queues).
 *
 * The file holds a long-term reference on its object, so IOMMU_DESTROY of
 * the object is EBUSY while the fd is open, and keeps the context's file
 * open (the object records it), so the context outlives the fd.  Both are
 * dropped by ifd_object_file_unref() from the file's release; a file whose
 * creation was cancelled has a NULL private_data and drops nothing.
 */
#ifndef IOMMUFD2_OBJECT_FILE_H
#define IOMMUFD2_OBJECT_FILE_H

struct file;
struct file_operations;
struct ifd_ctx;
struct ifd_object;

/**
 * struct ifd_object_file - an object's file while its command runs
 * @filep: the file
 * @fd: the fd number reserved for it
 */
struct ifd_object_file {
	struct file *filep;
	int fd;
};

int ifd_object_file_open(struct ifd_ctx *ctx, struct ifd_object *obj,
			 struct file **ctx_file, const char *name,
			 const struct file_operations *fops, void *priv,
			 int flags, struct ifd_object_file *of);
void ifd_object_file_cancel(struct ifd_object_file *of,
			    struct ifd_object *obj, struct file *ctx_file);
void ifd_object_file_install(struct ifd_object_file *of);
void ifd_object_file_unref(struct ifd_object *obj, struct file *ctx_file);

#endif /* IOMMUFD2_OBJECT_FILE_H */
