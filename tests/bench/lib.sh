# SPDX-License-Identifier: GPL-2.0
# Shared settings and helpers of the iommufd2 test bench.  Sourced, not run.
#
# Everything large lives in $IOMMUFD2_CACHE, outside the repository, so that
# later sessions and CI on the same machine reuse it:
#   $CACHE/trixie-<key>/      the trixie root (mmdebstrap), <key> hashes the
#                             package list and the provisioning recipe
#   $CACHE/src-<version>/     the parts of Debian's linux-source we use
# Per-run output (console logs, TAP, initramfs) goes to $REPO/build/.

set -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
CACHE=${IOMMUFD2_CACHE:-/var/cache/iommufd2}
BUILD=${IOMMUFD2_BUILD:-$REPO/build}
MIRROR=${IOMMUFD2_MIRROR:-http://deb.debian.org/debian}

# Packages of the bench root.  The kernel, its headers, qemu and the compiler
# follow trixie-backports; linux-source is pinned to the kernel's version
# separately (its metapackage may point at a newer series).  trixie's own
# kernel (6.12 LTS) is installed beside it, followed through trixie's
# metapackage (provision.sh); debhelper and dh-dkms build our .deb.
ROOT_PACKAGES="linux-image-amd64 linux-headers-amd64 gcc libc6-dev make dkms
	qemu-system-x86 busybox-static libnl-genl-3-dev libnl-3-dev libcap-dev
	kmod cpio xz-utils zstd perl python3 file build-essential debhelper
	dh-dkms"
ROOT_RECIPE=4	# bump when the way the root is made changes

ROOT_KEY=$(printf '%s %s' "$ROOT_PACKAGES" "$ROOT_RECIPE" | md5sum | cut -c1-10)
ROOT=$CACHE/trixie-$ROOT_KEY

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# Run "$@" holding the cache-wide lock NAME ($CACHE/NAME.lock), so bench
# runs from several work trees on one machine take turns at what they share
# (provisioning the root, dkms in it, building a cached kernel).
with_cache_lock() {
	local name=$1
	shift
	mkdir -p "$CACHE"
	flock "$CACHE/$name.lock" "$@"
}

need_root_user() {
	[ "$(id -u)" = 0 ] || die "the bench needs root (mmdebstrap, chroot)"
}

# Run a command inside the bench root, with /dev, /proc and /sys mounted in a
# private mount namespace that vanishes when the command ends.  With
# BENCH_BIND set, that directory appears as /bench; with BENCH_KSRC, the
# linux-source extract appears as /ksrc (BENCH_KSRC_NEWEST: the newest
# kernel's, as /ksrc-newest); with BENCH_KERNEL, a kernel tree built by
# kernel.sh appears as /kernel.
in_root() {
	unshare -m --propagation private bash -c '
		r=$0
		mount --rbind /dev "$r/dev"
		mount -t proc proc "$r/proc"
		mount -t sysfs sys "$r/sys"
		mount -t tmpfs tmp "$r/tmp"
		if [ -n "$BENCH_BIND" ]; then
			mkdir -p "$r/bench" && mount --bind "$BENCH_BIND" "$r/bench"
		fi
		if [ -n "$BENCH_KSRC" ]; then
			mkdir -p "$r/ksrc" && mount --bind "$BENCH_KSRC" "$r/ksrc"
		fi
		if [ -n "$BENCH_KSRC_NEWEST" ]; then
			mkdir -p "$r/ksrc-newest" &&
				mount --bind "$BENCH_KSRC_NEWEST" "$r/ksrc-newest"
		fi
		if [ -n "$BENCH_KERNEL" ]; then
			mkdir -p "$r/kernel" &&
				mount --bind "$BENCH_KERNEL" "$r/kernel"
		fi
		cp -L /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null
		exec chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	' "$ROOT" "$@"
}

# The Debian kernels of the root, written by provision.sh, a line each:
#   TAG RELEASE PKGVERSION SERIES
# TAG "backports" is trixie-backports' kernel (the newest; its source is
# the behavioural reference), "trixie" trixie's own.  IOMMUFD2_KTAG picks
# the one a build or a VM uses (default backports); IOMMUFD2_KERNELS the
# ones `check` runs (default both).
BENCH_KERNELS_FILE=$ROOT/etc/bench-kernels
KTAG=${IOMMUFD2_KTAG:-backports}
ALL_KTAGS="backports trixie"

# kernel_field N [TAG]: field N of TAG's line (default $KTAG).
kernel_field() {
	awk -v t="${2:-$KTAG}" -v f="$1" '$1 == t { print $f }' \
		"$BENCH_KERNELS_FILE" 2>/dev/null
}
root_kernel_release() { kernel_field 2 "$@"; }
root_kernel_pkgversion() { kernel_field 3 "$@"; }
root_kernel_series() { kernel_field 4 "$@"; }

# Machine variants, in the order `check` runs them.
ALL_MACHINES="vtd vtd-fs virtio vtd-group amd"

# The dkms package version, from dkms.conf.
dkms_version() {
	sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$REPO/dkms.conf"
}

# Where a machine variant's logs go: build/<machine> on the backports
# kernel, build/<machine>-<series> on trixie's (build/vtd-6.12), or
# build/<machine>-<flavour> on a kernel built by kernel.sh.
machine_out() {
	if [ -n "${IOMMUFD2_KERNEL_DIR:-}" ]; then
		echo "$BUILD/$1-$(basename "$IOMMUFD2_KERNEL_DIR" |
			sed -E 's/.*-(ref|debug)-[0-9a-f]+$/\1/')"
	elif [ "$KTAG" != backports ]; then
		echo "$BUILD/$1-$(root_kernel_series)"
	else
		echo "$BUILD/$1"
	fi
}

# Per-kernel build output: build/<what> for backports, else
# build/<what>-<series>.
kernel_build_dir() {
	if [ "$KTAG" != backports ]; then
		echo "$BUILD/$1-$(root_kernel_series)"
	else
		echo "$BUILD/$1"
	fi
}

# The linux-source extract of a kernel of the root (see provision.sh); the
# newest is the backports kernel's.
ksrc_dir() {
	echo "$CACHE/src-$(root_kernel_pkgversion "$@")"
}
newest_ksrc_dir() {
	ksrc_dir backports
}
