/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The iommufd user ABI as served by /dev/iommufd2.
 *
 * Every structure, constant and ioctl number here is binary identical to the
 * target kernel's include/uapi/linux/iommufd.h, under the same names, so a
 * program written for /dev/iommu compiles against either header and works on
 * either node.  The module build proves the identity (src/abi_check.c): it
 * fails if a size, a field offset or a number differs.
 *
 * Conventions shared by every command:
 *  - the argument is a pointer to a structure whose first __u32 is its size,
 *    filled in by the caller with sizeof() of the structure it was built
 *    against;
 *  - a size below the command's first version is rejected with EINVAL; a
 *    size above the kernel's is accepted only if the extra bytes are zero,
 *    otherwise E2BIG;
 *  - unknown flags and non-zero reserved fields are rejected (EOPNOTSUPP),
 *    and a rejected command changes nothing;
 *  - objects are named by 32-bit IDs local to the open file; IOMMU_DESTROY
 *    removes any kind.
 */
#ifndef _UAPI_IOMMUFD2_IOMMUFD_H
#define _UAPI_IOMMUFD2_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMMUFD_TYPE (';')

enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,
	IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,
	IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,
	IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,
	IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA = 0x95,
};

/*
 * IOMMU_DESTROY - remove the object @id.  EBUSY while anything else still
 * uses it (a HWPT built on an IOAS, an ioctl in flight); ENOENT for an ID
 * that names nothing, including one the kernel retired (a tombstone).
 */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};

#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/*
 * IOMMU_IOAS_ALLOC - create an I/O address space.  @flags must be 0; the
 * new object's ID is returned in @out_ioas_id.
 */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

/* An inclusive IOVA interval [start, last]. */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/*
 * IOMMU_IOAS_IOVA_RANGES - report the IOVA intervals of @ioas_id that may be
 * mapped.  @allowed_iovas points at an array of @num_iovas ranges; on return
 * @num_iovas holds the number of intervals that exist.  If the array was too
 * short, the first @num_iovas entries are filled and the call fails with
 * EMSGSIZE (the count is still written back).  @out_iova_alignment is the
 * alignment every mapping's IOVA and length must honour.
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};

#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/*
 * IOMMU_IOAS_ALLOW_IOVAS - restrict automatic and fixed mappings of
 * @ioas_id to the @num_iovas ranges at @allowed_iovas (none: no restriction).
 */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};

#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/* Flags of IOMMU_IOAS_MAP, IOMMU_IOAS_MAP_FILE and IOMMU_IOAS_COPY. */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,	/* use @iova as given */
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,	/* devices may write */
	IOMMU_IOAS_MAP_READABLE = 1 << 2,	/* devices may read */
};

/*
 * IOMMU_IOAS_MAP - pin @length bytes of this process's memory at @user_va
 * and map them at @iova of @ioas_id.  Without FIXED_IOVA the kernel picks
 * the IOVA and returns it in @iova.
 */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};

#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/*
 * IOMMU_IOAS_NOIOMMU_GET_PA - the physical address behind @iova of IOAS
 * @ioas_id and, in @length, how many bytes from there are contiguous.  Only
 * for devices without an IOMMU; iommufd2 has none and answers EOPNOTSUPP, as
 * a kernel built without no-IOMMU support does.
 */
struct iommu_ioas_noiommu_get_pa {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 out_phys;
};

#define IOMMU_IOAS_NOIOMMU_GET_PA _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA)

/*
 * IOMMU_IOAS_MAP_FILE - like IOMMU_IOAS_MAP, but the memory is @length bytes
 * of the file @fd (a memfd) from offset @start.
 */
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 iova;
};

#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)

/*
 * IOMMU_IOAS_COPY - map the pages already mapped at [@src_iova,
 * @src_iova + @length) of @src_ioas_id into @dst_ioas_id at @dst_iova
 * (returned when not FIXED_IOVA), sharing their pins.
 */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};

#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/*
 * IOMMU_IOAS_UNMAP - remove the mappings fully inside [@iova, @iova +
 * @length); iova 0 with length U64_MAX removes everything.  @length returns
 * the number of bytes unmapped.
 */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};

#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

/* Options of IOMMU_OPTION. */
enum iommufd_option {
	/*
	 * Context-wide (object_id 0): 0 charges pinned pages to the user's
	 * RLIMIT_MEMLOCK, 1 to the process (mm->pinned_vm).  Setting needs
	 * CAP_SYS_RESOURCE and an empty context.
	 */
	IOMMU_OPTION_RLIMIT_MODE = 0,
	/* Per IOAS: 1 (default) lets mappings use large IOMMU pages. */
	IOMMU_OPTION_HUGE_PAGES = 1,
};

enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/*
 * IOMMU_OPTION - get or set option @option_id of @object_id (0 for the
 * context-wide ones).  GET returns the value in @val64.
 */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};

#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

/* Flags of IOMMU_HWPT_ALLOC. */
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,	/* may parent nested HWPTs */
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1, /* track dirty IOVAs */
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,	/* @fault_id is used */
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,	/* may be attached to PASIDs */
};

/* Driver-specific data of IOMMU_HWPT_ALLOC; NONE for a paging HWPT. */
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
	IOMMU_HWPT_DATA_AMD_GUEST = 3,
};

/* IOMMU_HWPT_DATA_VTD_S1: attributes of the guest's stage-1 entries. */
enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,	/* supervisor requests */
	IOMMU_VTD_S1_EAFE = 1 << 1,	/* extended accessed flag */
	IOMMU_VTD_S1_WPE = 1 << 2,	/* write protect */
};

/* IOMMU_HWPT_DATA_VTD_S1: a guest stage-1 table and its address width. */
struct iommu_hwpt_vtd_s1 {
	__aligned_u64 flags;
	__aligned_u64 pgtbl_addr;
	__u32 addr_width;
	__u32 __reserved;
};

/* IOMMU_HWPT_DATA_ARM_SMMUV3: the guest STE's first two words (LE). */
struct iommu_hwpt_arm_smmuv3 {
	__aligned_le64 ste[2];
};

/* IOMMU_HWPT_DATA_AMD_GUEST: the guest's device table entry. */
struct iommu_hwpt_amd_guest {
	__aligned_u64 dte[4];
};

/*
 * IOMMU_HWPT_ALLOC - make a hardware page table for device @dev_id on top of
 * @pt_id: an IOAS (a paging HWPT mirroring it) or a paging HWPT / vIOMMU
 * (a nested HWPT described by @data_type, @data_len bytes at @data_uptr).
 * The new HWPT's ID is returned in @out_hwpt_id.
 */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};

#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

/* Errata the VT-d driver reports in iommu_hw_info_vtd.flags. */
enum iommu_hw_info_vtd_flags {
	IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,	/* no read-only maps */
};

/* IOMMU_HW_INFO_TYPE_INTEL_VTD data: the unit's capability registers. */
struct iommu_hw_info_vtd {
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;
	__aligned_u64 ecap_reg;
};

/* Errata the SMMUv3 driver reports in iommu_hw_info_arm_smmuv3.flags. */
enum iommu_hw_info_arm_smmuv3_flags {
	IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI = 1 << 0,
};

/* IOMMU_HW_INFO_TYPE_ARM_SMMUV3 data: the ID registers. */
struct iommu_hw_info_arm_smmuv3 {
	__u32 flags;
	__u32 __reserved;
	__u32 idr[6];
	__u32 iidr;
	__u32 aidr;
};

/* IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV data: the CMDQV's geometry. */
struct iommu_hw_info_tegra241_cmdqv {
	__u32 flags;
	__u8 version;
	__u8 log2vcmdqs;
	__u8 log2vsids;
	__u8 __reserved;
};

/* IOMMU_HW_INFO_TYPE_AMD data: the extended feature registers. */
struct iommu_hw_info_amd {
	__aligned_u64 efr;
	__aligned_u64 efr2;
};

/* What IOMMU_GET_HW_INFO's data describes. */
enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
	IOMMU_HW_INFO_TYPE_AMD = 4,
};

/* Bits of iommu_hw_info.out_capabilities. */
enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
	IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3,
};

enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,	/* in_data_type is set */
};

/*
 * IOMMU_GET_HW_INFO - describe the IOMMU behind device @dev_id: up to
 * @data_len bytes of driver data at @data_uptr (the rest of the buffer is
 * zeroed; @data_len returns the driver's full size), their type, the PASID
 * width (0: no PASID support) and capability bits.
 */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};

#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

/* vIOMMU types; 0 asks for nothing and is refused. */
enum iommu_viommu_type {
	IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};

/*
 * IOMMU_VIOMMU_ALLOC - a virtual IOMMU of @type for the IOMMU behind
 * device @dev_id, on top of paging HWPT @hwpt_id; @data_len bytes of type
 * data at @data_uptr.  Its ID is returned in @out_viommu_id.
 */
struct iommu_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id;
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
};

#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC)

/* IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV: where its VINTF page can be mmap()ed. */
struct iommu_viommu_tegra241_cmdqv {
	__aligned_u64 out_vintf_mmap_offset;
	__aligned_u64 out_vintf_mmap_length;
};

/*
 * IOMMU_VDEVICE_ALLOC - present device @dev_id to vIOMMU @viommu_id under
 * the guest-visible @virt_id (unique per vIOMMU; one vDevice per device).
 * Its ID is returned in @out_vdevice_id.
 */
struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};

#define IOMMU_VDEVICE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC)

/*
 * IOMMU_IOAS_CHANGE_PROCESS - make the calling process pay for every page
 * pinned by every IOAS of this file (after a hand-over to another
 * process).  Only IOMMU_IOAS_MAP_FILE mappings can change hands: any other
 * mapping fails the call with EINVAL.  A failure changes nothing.
 */
struct iommu_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};

#define IOMMU_IOAS_CHANGE_PROCESS \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS)

/* Queue types of IOMMU_HW_QUEUE_ALLOC. */
enum iommu_hw_queue_type {
	IOMMU_HW_QUEUE_TYPE_DEFAULT = 0,
	IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};

/*
 * IOMMU_HW_QUEUE_ALLOC - a queue of vIOMMU @viommu_id that the hardware
 * reads from guest memory: @length bytes at @nesting_parent_iova of the
 * vIOMMU's parent IOAS, pinned (and not unmappable) while the queue exists.
 * @type and @index name the queue within the vIOMMU; @flags must be 0.  Its
 * ID is returned in @out_hw_queue_id.
 */
struct iommu_hw_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 index;
	__u32 out_hw_queue_id;
	__aligned_u64 nesting_parent_iova;
	__aligned_u64 length;
};

#define IOMMU_HW_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HW_QUEUE_ALLOC)

/*
 * IOMMU_VFIO_IOAS - which IOAS the VFIO type1 container ioctls on this file
 * act on: @op GET returns it in @ioas_id (ENOENT if none), SET makes
 * @ioas_id that IOAS, CLEAR forgets it.
 */
enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};

struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};

#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

/*
 * IOMMU_HWPT_SET_DIRTY_TRACKING - start (flag ENABLE) or stop recording
 * which IOVAs devices write through paging HWPT @hwpt_id; the HWPT must
 * have been allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING.
 */
enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};

#define IOMMU_HWPT_SET_DIRTY_TRACKING \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

/*
 * IOMMU_HWPT_GET_DIRTY_BITMAP - one bit per @page_size of [@iova, @iova +
 * @length) of HWPT @hwpt_id, set where a device wrote, into the user bitmap
 * at @data (bits for clean pages are left as they were).  The record is
 * cleared as it is read unless flag NO_CLEAR is given.
 */
enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};

#define IOMMU_HWPT_GET_DIRTY_BITMAP \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

/*
 * IOMMU_HWPT_INVALIDATE - hand a nested HWPT or a vIOMMU (@hwpt_id) an
 * array of @entry_num driver-format requests (@data_type), @entry_len bytes
 * each, at @data_uptr.  On return @entry_num is how many were handled,
 * also when the call fails part way.
 */
enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

/* Flags of a VT-d stage-1 request. */
enum iommu_hwpt_vtd_s1_invalidate_flags {
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,	/* only the leaf entries */
};

/* A VT-d stage-1 request: @npages pages from @addr (all: U64_MAX). */
struct iommu_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

/* An SMMUv3 command queue entry, as the guest wrote it. */
struct iommu_viommu_arm_smmuv3_invalidate {
	__aligned_le64 cmd[2];
};

struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};

#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

/*
 * IOMMU_FAULT_QUEUE_ALLOC - a queue for the I/O page faults of the HWPTs
 * allocated with its ID as @fault_id (flag IOMMU_HWPT_FAULT_ID_VALID).
 * Its ID and a file are returned: read() gives struct iommu_hwpt_pgfault
 * records, a fault group at a time; write() takes struct
 * iommu_hwpt_page_response answers, matched by @cookie.
 */
struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};

#define IOMMU_FAULT_QUEUE_ALLOC \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = 1 << 0,	/* @pasid is used */
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = 1 << 1,	/* ends its group */
};

enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = 1 << 0,
	IOMMU_PGFAULT_PERM_WRITE = 1 << 1,
	IOMMU_PGFAULT_PERM_EXEC = 1 << 2,
	IOMMU_PGFAULT_PERM_PRIV = 1 << 3,
};

/* One faulting access of device @dev_id, @length bytes at @addr. */
struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0,
	IOMMUFD_PAGE_RESP_INVALID = 1,
};

/* The answer to the fault group whose last record carried @cookie. */
struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

/*
 * IOMMU_VEVENTQ_ALLOC - a queue of up to @veventq_depth events of @type
 * that vIOMMU @viommu_id reports.  Its ID and a read-only file are
 * returned; each read() record is a struct iommufd_vevent_header followed
 * by the type's event.  Headers number the events in sequence; when the
 * queue overflowed, a header with flag LOST_EVENTS (and no event after it)
 * says so.
 */
enum iommu_veventq_flag {
	IOMMU_VEVENTQ_FLAG_LOST_EVENTS = 1U << 0,
};

struct iommufd_vevent_header {
	__u32 flags;
	__u32 sequence;
};

enum iommu_veventq_type {
	IOMMU_VEVENTQ_TYPE_DEFAULT = 0,
	IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};

/* IOMMU_VEVENTQ_TYPE_ARM_SMMUV3: an event queue entry for the guest. */
struct iommu_vevent_arm_smmuv3 {
	__aligned_le64 evt[4];
};

/* IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV: which virtual queues saw errors. */
struct iommu_vevent_tegra241_cmdqv {
	__aligned_le64 lvcmdq_err_map[2];
};

struct iommu_veventq_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 veventq_depth;
	__u32 out_veventq_id;
	__u32 out_veventq_fd;
	__u32 __reserved;
};

#define IOMMU_VEVENTQ_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VEVENTQ_ALLOC)

#endif /* _UAPI_IOMMUFD2_IOMMUFD_H */
