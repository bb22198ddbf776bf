/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One ioctl on /dev/iommufd2 in flight: the command structure copied in by
 * the dispatcher (src/main.c) and handed to the command's handler.
 */
#ifndef IOMMUFD2_UCMD_H
#define IOMMUFD2_UCMD_H

#include <linux/types.h>
#include <iommufd2/iommufd.h>

struct ifd_ctx;

/**
 * struct ifd_ucmd - a command being executed
 * @ctx: the context the ioctl was issued on
 * @ubuf: the caller's structure
 * @user_size: the size the caller declared (its first __u32)
 * @cmd: the kernel copy, zero-extended to the kernel's structure size
 */
struct ifd_ucmd {
	struct ifd_ctx *ctx;
	void __user *ubuf;
	u32 user_size;
	void *cmd;
};

int ifd_ucmd_respond(struct ifd_ucmd *ucmd, size_t len);
int ifd_ucmd_respond_u64(struct ifd_ucmd *ucmd, const u64 *field);

/* The commands; each validates its own flags and reserved fields. */
int ifd_cmd_destroy(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_alloc(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_iova_ranges(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_allow_iovas(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_map(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_map_file(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_copy(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_unmap(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_change_process(struct ifd_ucmd *ucmd);
int ifd_cmd_ioas_noiommu_get_pa(struct ifd_ucmd *ucmd);
int ifd_cmd_hwpt_alloc(struct ifd_ucmd *ucmd);
int ifd_cmd_get_hw_info(struct ifd_ucmd *ucmd);
int ifd_cmd_viommu_alloc(struct ifd_ucmd *ucmd);
int ifd_cmd_vdevice_alloc(struct ifd_ucmd *ucmd);
int ifd_cmd_option(struct ifd_ucmd *ucmd);
int ifd_cmd_test(struct ifd_ucmd *ucmd);
int ifd_cmd_vfio_ioas(struct ifd_ucmd *ucmd);
int ifd_cmd_hwpt_invalidate(struct ifd_ucmd *ucmd);
int ifd_cmd_fault_queue_alloc(struct ifd_ucmd *ucmd);
int ifd_cmd_veventq_alloc(struct ifd_ucmd *ucmd);
int ifd_cmd_hw_queue_alloc(struct ifd_ucmd *ucmd);
long ifd_vfio_ioctl(struct ifd_ctx *ctx, unsigned int cmd, unsigned long arg);
int ifd_cmd_hwpt_set_dirty_tracking(struct ifd_ucmd *ucmd);
int ifd_cmd_hwpt_get_dirty_bitmap(struct ifd_ucmd *ucmd);

#endif /* IOMMUFD2_UCMD_H */
