#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh MODE: inside the bench root, install iommufd2 with dkms for the
# root's kernel, build the guest programs statically, and (MODE check) run
# the lint (W=1, sparse, checkpatch), recording its verdict for check.sh.

. "$(dirname "$0")/lib.sh"

mode=$1
krel=$(root_kernel_release)
ver=$(dkms_version)
[ -n "$krel" ] && [ -n "$ver" ] || die "cannot tell kernel or package version"
mkdir -p "$BUILD"
export BENCH_BIND=$REPO BENCH_KSRC=$(ksrc_dir)

# A copy of the module's sources without build output or VCS data.
copy_sources() {
	rm -rf "$1" && mkdir -p "$1"
	tar -C "$REPO" --exclude=./build --exclude=./.git -cf - . | tar -C "$1" -xf -
	make -s -C "$1" KDIR=/nonexistent clean >/dev/null 2>&1 || true
}

# dkms installs into the shared root: one work tree at a time, and the
# installed modules are copied out for this tree's VMs before the next.
dkms_install() {
	copy_sources "$ROOT/usr/src/iommufd2-$ver"
	in_root bash -c "
		set -e
		dkms remove -m iommufd2 -v $ver --all >/dev/null 2>&1 || true
		dkms add -m iommufd2 -v $ver
		dkms build -m iommufd2 -v $ver -k $krel
		dkms install -m iommufd2 -v $ver -k $krel --force
		dkms status -m iommufd2
	" >"$BUILD/dkms.log" 2>&1 || return 1
	rm -rf "$BUILD/dkms" && mkdir -p "$BUILD/dkms"
	cp "$ROOT"/lib/modules/"$krel"/updates/dkms/iommufd2*.ko* "$BUILD/dkms/"
}
log "dkms: installing iommufd2/$ver for $krel"
export -f dkms_install copy_sources in_root
export ROOT BUILD REPO ver krel
with_cache_lock dkms bash -c dkms_install ||
	{ tail -n 30 "$BUILD/dkms.log" >&2; die "dkms failed (build/dkms.log)"; }
grep -E '^iommufd2/' "$BUILD/dkms.log" | sed 's/^/[bench] dkms status: /' >&2

if [ -n "${IOMMUFD2_KERNEL_DIR:-}" ]; then
	log "building iommufd2 and the mock against $(basename "$IOMMUFD2_KERNEL_DIR")"
	copy_sources "$BUILD/kmod-custom"
	BENCH_KERNEL=$IOMMUFD2_KERNEL_DIR in_root make -C /bench/build/kmod-custom \
		KDIR=/kernel mock limit >"$BUILD/kmod-custom.log" 2>&1 ||
		{ tail -n 30 "$BUILD/kmod-custom.log" >&2; die "module build failed"; }
fi

log "building the mock IOMMU module and the benchmark's limit module"
copy_sources "$BUILD/kmod"
in_root make -C /bench/build/kmod KDIR=/lib/modules/$krel/build mock limit \
	>"$BUILD/mock-build.log" 2>&1 ||
	{ tail -n 30 "$BUILD/mock-build.log" >&2; die "mock build failed"; }

log "building guest programs"
in_root make -s -C /bench/tests KSRC=/ksrc \
	OUT=/bench/build/guest >"$BUILD/tests-build.log" 2>&1 ||
	{ cat "$BUILD/tests-build.log" >&2; die "test build failed"; }

rm -f "$BUILD/lint.result"
# IOMMUFD2_LINT=0 skips it while iterating on a few tests (not counted).
if [ "$mode" = check ] && [ "${IOMMUFD2_LINT:-1}" != 0 ]; then
	log "lint: W=1, sparse, checkpatch"
	copy_sources "$BUILD/lint-src"
	if in_root make -C /bench/build/lint-src KDIR=/lib/modules/$krel/build \
		IFD_IOMMU_PRIV_DIR=/ksrc/drivers/iommu \
		IFD_NEWEST_SRC=/ksrc lint \
		>"$BUILD/lint.log" 2>&1; then
		echo pass >"$BUILD/lint.result"
	else
		echo fail >"$BUILD/lint.result"
		tail -n 30 "$BUILD/lint.log" >&2
	fi
	rm -rf "$BUILD/lint-src"
fi
