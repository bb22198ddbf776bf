#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh MODE: inside the bench root, build the Debian packages from the
# tree (make deb) and install them with apt, so that dkms builds iommufd2
# for each kernel of the root; build the mock and limit modules per kernel
# and the guest programs statically; and (MODE check) run the lint (W=1,
# sparse, checkpatch) against each kernel, recording its verdict for
# check.sh.  The kernels: $IOMMUFD2_KERNELS (default: all of the root's)
# for check and check-upstream, $IOMMUFD2_KTAG's alone for the others.

. "$(dirname "$0")/lib.sh"

mode=$1
ver=$(dkms_version)
case $mode in
check | check-upstream) ktags=${IOMMUFD2_KERNELS:-$ALL_KTAGS} ;;
*) ktags=$KTAG ;;
esac
# A kernel built by kernel.sh replaces the backports kernel alone.
[ -n "${IOMMUFD2_KERNEL_DIR:-}" ] && ktags=backports
krels=$(for t in $ALL_KTAGS; do root_kernel_release "$t"; done | xargs)
[ -n "$krels" ] && [ -n "$ver" ] || die "cannot tell kernels or package version"
mkdir -p "$BUILD"
export BENCH_BIND=$REPO BENCH_KSRC_NEWEST=$(newest_ksrc_dir)

# A copy of the module's sources without build output or VCS data.
copy_sources() {
	rm -rf "$1" && mkdir -p "$1"
	tar -C "$REPO" --exclude=./build --exclude=./.git -cf - . | tar -C "$1" -xf -
	make -s -C "$1" KDIR=/nonexistent clean >/dev/null 2>&1 || true
}

# The packages go into the shared root: one work tree at a time, and the
# modules dkms built are copied out for this tree's VMs before the next.
# Installing iommufd2-dkms makes dkms build it for every kernel whose
# headers are installed (its postinst, in a chroot); what is left unbuilt
# is an error, and so is a module the previous run's package left behind
# when it was purged.
deb_install() {
	local k

	copy_sources "$BUILD/deb-src"
	in_root bash -c "
		set -e
		make -C /bench/build/deb-src deb
		apt-get purge -y -q iommufd2-dkms iommufd2-tools || true
		# Purging the package took the previous run's modules away.
		if ls /lib/modules/*/updates/dkms/iommufd2* 2>/dev/null; then
			echo 'modules left behind by apt purge iommufd2-dkms'
			exit 1
		fi
		dkms remove -m iommufd2 -v $ver --all || true
		apt-get install -y -q --no-install-recommends \
			/bench/build/deb-src/build/deb/iommufd2-dkms_${ver}_all.deb \
			/bench/build/deb-src/build/deb/iommufd2-tools_${ver}_*.deb
		dkms status -m iommufd2
	" >"$BUILD/dkms.log" 2>&1 || return 1
	rm -rf "$BUILD/dkms" "$BUILD/deb" && mkdir -p "$BUILD/dkms" "$BUILD/deb"
	cp "$BUILD"/deb-src/build/deb/*.deb "$BUILD/deb/"
	for k in $krels; do
		grep -q "^iommufd2/$ver, $k, .*: installed" "$BUILD/dkms.log" || {
			echo "dkms did not install iommufd2 for $k" >>"$BUILD/dkms.log"
			return 1
		}
		mkdir -p "$BUILD/dkms/$k"
		cp "$ROOT"/lib/modules/"$k"/updates/dkms/iommufd2*.ko* \
			"$BUILD/dkms/$k/"
	done
}
log "packages: make deb, apt install iommufd2-dkms ($ver) for $krels"
export -f deb_install copy_sources in_root
export ROOT BUILD REPO ver krels
with_cache_lock dkms bash -c deb_install ||
	{ tail -n 30 "$BUILD/dkms.log" >&2; die "packaging or dkms failed (build/dkms.log)"; }
grep -E '^iommufd2/' "$BUILD/dkms.log" | sed 's/^/[bench] dkms status: /' >&2

if [ -n "${IOMMUFD2_KERNEL_DIR:-}" ]; then
	log "building iommufd2 and the mock against $(basename "$IOMMUFD2_KERNEL_DIR")"
	copy_sources "$BUILD/kmod-custom"
	BENCH_KERNEL=$IOMMUFD2_KERNEL_DIR in_root make -C /bench/build/kmod-custom \
		KDIR=/kernel mock limit >"$BUILD/kmod-custom.log" 2>&1 ||
		{ tail -n 30 "$BUILD/kmod-custom.log" >&2; die "module build failed"; }
fi

for KTAG in $ktags; do
	krel=$(root_kernel_release)
	kmod=$(kernel_build_dir kmod)
	log "building the mock IOMMU and the limit module for $krel"
	copy_sources "$kmod"
	in_root make -C "/bench/${kmod#"$REPO"/}" KDIR=/lib/modules/$krel/build \
		mock limit >"$kmod.log" 2>&1 ||
		{ tail -n 30 "$kmod.log" >&2; die "mock build failed ($kmod.log)"; }
done

log "building guest programs"
BENCH_KSRC=$(newest_ksrc_dir) in_root make -s -C /bench/tests KSRC=/ksrc \
	OUT=/bench/build/guest >"$BUILD/tests-build.log" 2>&1 ||
	{ cat "$BUILD/tests-build.log" >&2; die "test build failed"; }
# An older kernel's own upstream selftests, from its linux-source, beside
# the newest's.  They may not build (6.12.117's use uapi and test-ABI
# names its own headers lack); check.sh reports that, with the errors.
for KTAG in $ktags; do
	[ "$KTAG" = backports ] && continue
	guest=$(kernel_build_dir guest)
	rm -rf "$guest" "$guest.result"
	BENCH_KSRC=$(ksrc_dir) in_root make -k -C /bench/tests KSRC=/ksrc \
		OUT="/bench/${guest#"$REPO"/}" upstream >"$guest.log" 2>&1 ||
		grep -m3 'error:' "$guest.log" | sed 's|^/ksrc/||' >"$guest.result"
done

# IOMMUFD2_LINT=0 skips it while iterating on a few tests (not counted).
for KTAG in $ktags; do
	result=$(kernel_build_dir lint).result
	rm -f "$result"
	[ "$mode" = check ] && [ "${IOMMUFD2_LINT:-1}" != 0 ] || continue
	krel=$(root_kernel_release)
	log "lint against $krel: W=1, sparse, checkpatch"
	copy_sources "$BUILD/lint-src"
	if BENCH_KSRC=$(ksrc_dir) in_root make -C /bench/build/lint-src \
		KDIR=/lib/modules/$krel/build \
		IFD_IOMMU_PRIV_DIR=/ksrc/drivers/iommu \
		IFD_NEWEST_SRC=/ksrc-newest lint \
		>"$(kernel_build_dir lint).log" 2>&1; then
		echo pass >"$result"
	else
		echo fail >"$result"
		tail -n 30 "$(kernel_build_dir lint).log" >&2
	fi
	rm -rf "$BUILD/lint-src"
done
