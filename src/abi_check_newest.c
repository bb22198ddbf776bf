// SPDX-License-Identifier: GPL-2.0
/*
 * The ABI check of src/abi_check.c against the newest upstream iommufd uapi
 * header the bench has (IFD_NEWEST_SRC's, force-included by Kbuild), in both
 * directions: ours defines everything it does, and it defines everything
 * ours does, identically.  Built only when that header is given.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>

#include "abi_ours.h"
#include "abi_asserts.h"
