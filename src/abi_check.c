// SPDX-License-Identifier: GPL-2.0
/*
 * Compile-time proof that uapi/iommufd2/iommufd.h, the ABI iommufd2 serves,
 * holds every definition of the target kernel's own
 * include/uapi/linux/iommufd.h, binary identical.  Kbuild force-includes
 * the kernel's header (by its path: ours stands in for it everywhere else)
 * and generates, with scripts/abi-gen.sh, our header with every iommu*
 * name renamed to IFD2ABI_* (abi_ours.h) and one static_assert per struct
 * size and alignment, member offset and size, enum constant and #define of
 * the kernel's header (abi_asserts.h).  A definition we lack or have
 * differently stops the build.  src/abi_check_newest.c does the same, both
 * ways, against the newest upstream header the bench has.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>

#include "abi_ours.h"
#include "abi_asserts.h"
