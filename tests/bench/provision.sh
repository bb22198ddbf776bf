#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make (or refresh) the trixie bench root and the linux-source extracts.
#
# A fresh root is made with mmdebstrap, then the kernel, headers, toolchain and
# qemu come from trixie-backports, and trixie's own kernel (image, headers,
# linux-source) is installed beside it.  Both kernels follow their suite's
# linux-image-amd64 metapackage; $ROOT/etc/bench-kernels records them.  An existing root is reused; once it is
# older than $IOMMUFD2_REFRESH_HOURS (default 12) its package lists are
# refreshed so the kernel follows the metapackages.  A failed refresh (no
# archive reachable) keeps the root as it is.

. "$(dirname "$0")/lib.sh"

need_root_user
mkdir -p "$CACHE"

ensure_mmdebstrap() {
	command -v mmdebstrap >/dev/null && return
	log "installing mmdebstrap on the host"
	apt-get update -q >/dev/null || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap \
		>/dev/null || die "cannot install mmdebstrap"
}

install_packages() {
	in_root apt-get update -q >/dev/null || return 1
	# dracut/initramfs errors while installing the image in a chroot are
	# expected; dpkg still ends clean and we make our own initramfs.
	in_root apt-get install -y -q --no-install-recommends \
		-t trixie-backports $ROOT_PACKAGES >"$CACHE/apt-$ROOT_KEY.log" 2>&1 ||
		{ tail -n 20 "$CACHE/apt-$ROOT_KEY.log" >&2; return 1; }
	local bpo_ver bpo_rel bpo_series ver rel series
	bpo_ver=$(in_root dpkg-query -W -f='${Version}\n' linux-image-amd64)
	bpo_rel=$(meta_release "$bpo_ver")
	bpo_series=$(echo "$bpo_rel" | cut -d. -f1,2)
	in_root apt-get install -y -q --no-install-recommends \
		-t trixie-backports "linux-source-$bpo_series=$bpo_ver" \
		>>"$CACHE/apt-$ROOT_KEY.log" 2>&1 ||
		{ tail -n 20 "$CACHE/apt-$ROOT_KEY.log" >&2; return 1; }
	# trixie's kernel: the version trixie's metapackage has, and the
	# release it depends on (the metapackage itself cannot be installed
	# beside backports').
	ver=$(in_root apt-cache madison linux-image-amd64 |
		awk -F' *[|] *' '$3 ~ / trixie\/main / { print $2; exit }')
	rel=$(meta_release "$ver")
	series=$(echo "$rel" | cut -d. -f1,2)
	[ -n "$ver" ] && [ -n "$rel" ] ||
		{ echo "no linux-image-amd64 in trixie" >&2; return 1; }
	in_root apt-get install -y -q --no-install-recommends \
		"linux-image-$rel" "linux-headers-$rel" \
		"linux-source-$series=$ver" >>"$CACHE/apt-$ROOT_KEY.log" 2>&1 ||
		{ tail -n 20 "$CACHE/apt-$ROOT_KEY.log" >&2; return 1; }
	install_sparse || return 1
	in_root apt-get clean
	printf '%s %s %s %s\n' backports "$bpo_rel" "$bpo_ver" "$bpo_series" \
		trixie "$rel" "$ver" "$series" >"$BENCH_KERNELS_FILE"
}

# The kernel release linux-image-amd64 version $1 depends on.
meta_release() {
	in_root apt-cache show "linux-image-amd64=$1" | sed -n 's/^Depends: //p' |
		tr ',' '\n' | sed -n 's/^ *linux-image-\([^ ]*\) .*/\1/p' | head -n1
}

# trixie's sparse (0.6.4) cannot parse __typeof_unqual__, which the 7.x
# headers use, so kbuild would skip C=1 checks.  Take the sparse binary
# from sid through a private apt state that leaves the root's sources as
# they are.  (sid's Release may be stale on a mirror snapshot: don't let
# its Valid-Until stop us.)
install_sparse() {
	in_root bash -c '
		set -e
		mkdir -p /var/lib/bench-sid/lists/partial /tmp/sparse
		echo "deb '"$MIRROR"' sid main" >/var/lib/bench-sid/sources.list
		opts="-o Dir::Etc::SourceList=/var/lib/bench-sid/sources.list
		      -o Dir::Etc::SourceParts=-
		      -o Dir::State::Lists=/var/lib/bench-sid/lists
		      -o Acquire::Check-Valid-Until=false"
		apt-get $opts -q update >/dev/null
		cd /tmp/sparse
		apt-get $opts -q download sparse >/dev/null
		dpkg-deb -x sparse_*.deb .
		install -m 0755 usr/bin/sparse /usr/local/bin/sparse
		rm -rf /var/lib/bench-sid
	' >>"$CACHE/apt-$ROOT_KEY.log" 2>&1
}

make_root() {
	local tmp=$ROOT.tmp

	rm -rf "$tmp"
	log "creating trixie root in $ROOT (mmdebstrap)"
	mmdebstrap --variant=apt --components=main --include=ca-certificates \
		trixie "$tmp" \
		"deb $MIRROR trixie main" \
		"deb $MIRROR trixie-backports main" >"$CACHE/mmdebstrap.log" 2>&1 ||
		{ tail -n 20 "$CACHE/mmdebstrap.log" >&2; die "mmdebstrap failed"; }
	mv "$tmp" "$ROOT"
	log "installing kernel, headers, toolchain and qemu (trixie-backports)"
	install_packages || { rm -rf "$ROOT"; die "package installation failed"; }
	touch "$ROOT/.bench-complete"
}

refresh_root() {
	local age=$(( ($(date +%s) - $(stat -c %Y "$ROOT/.bench-complete")) / 3600 ))

	[ "$age" -ge "${IOMMUFD2_REFRESH_HOURS:-12}" ] || return 0
	log "refreshing root packages (last refresh ${age}h ago)"
	if install_packages; then
		touch "$ROOT/.bench-complete"
	else
		log "refresh failed; keeping the root as it is"
	fi
}

# The parts of the kernel's own source the bench needs: the kselftest
# harness, upstream's iommufd selftests and uapi (behavioural reference) and
# checkpatch.  Keyed by the source package version.
SOURCE_PARTS="*/tools/testing/selftests/kselftest* */tools/testing/selftests/iommu/*
	*/tools/include/* */drivers/iommu/iommufd/* */drivers/iommu/iommu-priv.h
	*/include/uapi/linux/iommufd.h */include/uapi/linux/vfio.h
	*/scripts/checkpatch.pl */scripts/spelling.txt
	*/scripts/const_structs.checkpatch"
# Parts only some kernels have: 6.12's kbuild runs no sparse probe, and
# its source has no VFIO selftests (nor the drivers' headers they use).
SOURCE_PARTS_OPTIONAL="*/scripts/checker-valid.sh
	*/tools/testing/selftests/vfio/* */tools/arch/x86/include/*
	*/include/linux/pci_ids.h */drivers/dma/idxd/registers.h
	*/drivers/dma/ioat/hw.h */drivers/dma/ioat/registers.h
	*/drivers/net/ethernet/intel/igb/e1000_*.h"

extract_source() {
	local ver tarball dst stamp
	ver=$(root_kernel_pkgversion "$1")
	dst=$CACHE/src-$ver
	# The stamp records which parts were extracted: a longer list
	# re-extracts.
	stamp=$(printf "%s" "$SOURCE_PARTS $SOURCE_PARTS_OPTIONAL" | md5sum | cut -c1-8)
	[ "$(cat "$dst/.complete" 2>/dev/null)" = "$stamp" ] &&
		{ echo "$dst"; return; }
	tarball=$ROOT/usr/src/linux-source-$(root_kernel_series "$1").tar.xz
	[ -f "$tarball" ] || die "no linux-source tarball in the root"
	log "extracting selftest harness and checkpatch from $(basename "$tarball")"
	rm -rf "$dst" && mkdir -p "$dst"
	set -f
	tar -C "$dst" --strip-components=1 -xJf "$tarball" --wildcards \
		$SOURCE_PARTS || die "extract failed"
	for part in $SOURCE_PARTS_OPTIONAL; do
		tar -C "$dst" --strip-components=1 -xJf "$tarball" --wildcards \
			"$part" 2>/dev/null || true
	done
	set +f
	echo "$stamp" >"$dst/.complete"
	echo "$dst"
}

# Debian's headers lack the probe kbuild runs before sparse (C=1/C=2) --
# without it the check is silently skipped -- and checkpatch.  Add them
# from the same source so `make lint KDIR=...` finds them in the tree.
complete_headers() {
	local src=$1 common f
	for common in "$ROOT"/usr/src/linux-headers-*-common; do
		for f in checker-valid.sh checkpatch.pl spelling.txt \
			 const_structs.checkpatch; do
			[ -e "$common/scripts/$f" ] || [ ! -e "$src/scripts/$f" ] ||
				cp -p "$src/scripts/$f" "$common/scripts/"
		done
	done
}

ensure_mmdebstrap
if [ -f "$ROOT/.bench-complete" ]; then
	refresh_root
else
	rm -rf "$ROOT"
	make_root
fi
for tag in $ALL_KTAGS; do
	complete_headers "$(extract_source "$tag")"
done
log "root ready: $ROOT (kernels $(for tag in $ALL_KTAGS; do
	root_kernel_release "$tag"; done | xargs))"
