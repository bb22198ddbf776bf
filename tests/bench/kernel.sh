#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh FLAVOUR: build (or reuse) a kernel from the root's Debian
# linux-source, cached as $CACHE/kernel-<version>-<FLAVOUR>-<config hash>.
#
#   ref    x86_64_defconfig + upstream iommufd (IOMMUFD, IOMMUFD_TEST),
#          VFIO cdev, Intel IOMMU and virtio-iommu built in, fault
#          injection, debugfs
#   debug  ref + lockdep, KASAN, kmemleak, DEBUG_OBJECTS, DEBUG_LIST
#
# Prints the cache directory (bzImage at arch/x86/boot/bzImage, usable as
# KDIR for out-of-tree modules).

. "$(dirname "$0")/lib.sh"

flavour=${1:-debug}
ref_opts="IOMMU_SUPPORT INTEL_IOMMU IRQ_REMAP VIRTIO VIRTIO_PCI VIRTIO_IOMMU
	IOMMUFD IOMMUFD_TEST VFIO VFIO_PCI VFIO_DEVICE_CDEV PCI PCI_IOV DEBUG_FS
	MODULES MODULE_UNLOAD BLK_DEV_INITRD DEVTMPFS HUGETLBFS
	TRANSPARENT_HUGEPAGE MEMFD_CREATE FAULT_INJECTION FAILSLAB
	FAIL_PAGE_ALLOC FAULT_INJECTION_DEBUG_FS"
debug_opts="PROVE_LOCKING DEBUG_LOCKDEP KASAN KASAN_GENERIC KASAN_INLINE
	DEBUG_KMEMLEAK DEBUG_KMEMLEAK_AUTO_SCAN DEBUG_OBJECTS
	DEBUG_OBJECTS_FREE DEBUG_LIST DEBUG_ATOMIC_SLEEP DETECT_HUNG_TASK"
off_opts="DRM SOUND WLAN WIRELESS BT NFS_FS CIFS MODULE_SIG DEBUG_INFO_BTF
	DEBUG_INFO_DWARF5 DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT RANDSTRUCT"

case $flavour in
ref) opts=$ref_opts ;;
debug) opts="$ref_opts $debug_opts" ;;
*) die "unknown kernel flavour $flavour (ref, debug)" ;;
esac

ver=$(root_kernel_pkgversion)
key=$(printf '%s %s' "$opts" "$off_opts" | md5sum | cut -c1-8)
dir=$CACHE/kernel-$ver-$flavour-$key
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi

# Kernel build tools, added to the cached root on first use.
KBUILD_PACKAGES="flex bison bc libssl-dev libelf-dev dwarves"
if ! in_root dpkg -s $KBUILD_PACKAGES >/dev/null 2>&1; then
	log "installing kernel build tools into the root"
	in_root apt-get install -y -q --no-install-recommends \
		-t trixie-backports $KBUILD_PACKAGES >>"$CACHE/apt.log" 2>&1 ||
		die "cannot install $KBUILD_PACKAGES"
fi

tarball=$ROOT/usr/src/linux-source-$(root_kernel_series).tar.xz
log "building the $flavour kernel from $(basename "$tarball") (cached in $dir)"
rm -rf "$dir" && mkdir -p "$dir"
tar -C "$dir" --strip-components=1 -xJf "$tarball" || die "extract failed"
{
	echo "set -e; cd /kbuild"
	echo "make -s x86_64_defconfig"
	for o in $opts; do echo "scripts/config -e $o"; done
	for o in $off_opts; do echo "scripts/config -d $o"; done
	echo "scripts/config -e DEBUG_INFO_NONE"
	echo "make -s olddefconfig"
	echo "make -s -j$(nproc) bzImage modules"
} >"$dir/.bench-build.sh"
BENCH_BIND=$REPO bash -c '
	. "$0"
	unshare -m --propagation private bash -c "
		mkdir -p \"$ROOT/kbuild\"
		mount --bind \"$1\" \"$ROOT/kbuild\"
		. \"$0\"
		in_root bash /kbuild/.bench-build.sh
	" "$0" "$1"
' "$BENCH_DIR/lib.sh" "$dir" >"$dir/.build.log" 2>&1 ||
	{ tail -n 30 "$dir/.build.log" >&2; die "kernel build failed ($dir/.build.log)"; }
for o in $opts; do
	grep -q "^CONFIG_$o=y" "$dir/.config" ||
		log "note: CONFIG_$o is not y in the $flavour kernel"
done
touch "$dir/.complete"
echo "$dir"
