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
# separately (its metapackage may point at a newer series).
ROOT_PACKAGES="linux-image-amd64 linux-headers-amd64 gcc libc6-dev make dkms
	qemu-system-x86 busybox-static libnl-genl-3-dev libnl-3-dev libcap-dev
	kmod cpio xz-utils zstd perl python3 file"
ROOT_RECIPE=3	# bump when the way the root is made changes

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
# linux-source extract appears as /ksrc; with BENCH_KERNEL, a kernel tree
# built by kernel.sh appears as /kernel.
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
		if [ -n "$BENCH_KERNEL" ]; then
			mkdir -p "$r/kernel" &&
				mount --bind "$BENCH_KERNEL" "$r/kernel"
		fi
		cp -L /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null
		exec chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	' "$ROOT" "$@"
}

# The kernel release the root's linux-image-amd64 metapackage points at.
root_kernel_release() {
	in_root dpkg-query -W -f='${Depends}\n' linux-image-amd64 |
		tr ',' '\n' | sed -n 's/^ *linux-image-\([^ ]*\) .*/\1/p' | head -n1
}

root_kernel_pkgversion() {
	in_root dpkg-query -W -f='${Version}\n' linux-image-amd64
}

# Machine variants, in the order `check` runs them.
ALL_MACHINES="vtd vtd-fs virtio vtd-group amd"

# The dkms package version, from dkms.conf.
dkms_version() {
	sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$REPO/dkms.conf"
}

# Where a machine variant's logs go: build/<machine>, or
# build/<machine>-<flavour> on a kernel built by kernel.sh.
machine_out() {
	if [ -n "${IOMMUFD2_KERNEL_DIR:-}" ]; then
		echo "$BUILD/$1-$(basename "$IOMMUFD2_KERNEL_DIR" |
			sed -E 's/.*-(ref|debug)-[0-9a-f]+$/\1/')"
	else
		echo "$BUILD/$1"
	fi
}

# The linux-source extract of the root's kernel (see provision.sh).
ksrc_dir() {
	echo "$CACHE/src-$(root_kernel_pkgversion)"
}
