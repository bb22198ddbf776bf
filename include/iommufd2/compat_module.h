/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbol namespaces as string literals on every kernel.  Kbuild
 * force-includes this header in every iommufd2, iommufd2_pci and mock
 * object, so that EXPORT_SYMBOL_NS_GPL(sym, "IOMMUFD2") means the same on
 * 6.12, whose macro takes a bare token and quotes it itself, as on 7.x,
 * whose macro takes the string (scripts/probe.sh: MODULE_NS_UNQUOTED).
 * Imports use IFD_MODULE_IMPORT_NS("NS"), which is what 7.x's
 * MODULE_IMPORT_NS() expands to.  Part of the compat layer
 * (iommufd2/compat.h); nothing else redefines a kernel macro.
 *
 * Only linux/export.h is included here: linux/module.h would define the
 * default pr_fmt before the including file defines its own.
 */
#ifndef IOMMUFD2_COMPAT_MODULE_H
#define IOMMUFD2_COMPAT_MODULE_H

#include <linux/export.h>

#include "probes.h"

#ifdef IFD_HAVE_MODULE_NS_UNQUOTED
#undef EXPORT_SYMBOL_NS_GPL
#define EXPORT_SYMBOL_NS_GPL(sym, ns)	__EXPORT_SYMBOL(sym, "GPL", ns)
#endif

/* Uses the symbols of namespace @ns (a string); needs linux/module.h. */
#define IFD_MODULE_IMPORT_NS(ns)	MODULE_INFO(import_ns, ns)

#endif /* IOMMUFD2_COMPAT_MODULE_H */
