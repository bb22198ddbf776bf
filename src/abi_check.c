// SPDX-License-Identifier: GPL-2.0
/*
 * Compile-time proof that uapi/iommufd2/iommufd.h, the header our tests and
 * tools build against, describes exactly the target kernel's iommufd ABI.
 *
 * scripts/abi-gen.sh renames every iommu* name of our header to IFD2ABI_*
 * (abi_ours.h) so both can be included here, and writes one static_assert
 * per struct size and alignment, member offset and size, enum constant and
 * #define (abi_asserts.h).  Any difference stops the build.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <uapi/linux/iommufd.h>

#include "abi_ours.h"
#include "abi_asserts.h"
