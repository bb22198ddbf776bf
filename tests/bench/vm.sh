#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm.sh MODE MACHINE: pack an initramfs (busybox, iommufd2.ko as dkms
# installed it, the guest programs) and boot the root's kernel in QEMU/TCG.
#
# MODE demo   runs the demo; its output is printed afterwards
#      bench  runs map_bench (arguments from IOMMUFD2_BENCH_ARGS); ditto;
#             with IOMMUFD2_PERF=1 under perf (sampled, whole guest), its
#             report in build/MACHINE/perf-report.txt
#      check  runs the suites named in $IOMMUFD2_SUITES ("ours": the
#             project's; "baseline": upstream's iommufd selftests against
#             the kernel's own /dev/iommu; "differential": diff_run between
#             upstream and iommufd2; "upstream": upstream's selftests
#             against /dev/iommufd2; "vfio": upstream's VFIO selftests
#             on the igb through iommufd2_pci (alias_vfio) and
#             /dev/iommufd2; default: ours, upstream and vfio on vtd,
#             ours elsewhere; IOMMUFD2_TESTS="races core" narrows
#             "ours" to those test programs and
#             IOMMUFD2_UPSTREAM_TESTS="fork_present" narrows "upstream"
#             to those cases of upstream's iommufd), then unloads the
#             modules
#      shell  gives an interactive shell on this terminal
#
# The guest writes its kernel console to build/MACHINE/console.log (ttyS0)
# and the programs' output, framed by "### suite NAME" / "### end NAME rc=N"
# lines, to build/MACHINE/tap.log (ttyS1).  A guest that does not power off
# within $IOMMUFD2_VM_TIMEOUT seconds (default 900) is killed.  The guest
# has $IOMMUFD2_VM_MEM of memory (default 3G); IOMMUFD2_SIDE_BY_SIDE adds a
# second iommu-testdev, so upstream and iommufd2 each have one.

. "$(dirname "$0")/lib.sh"

mode=$1
machine=$2
krel=$(root_kernel_release)
export BENCH_BIND=$REPO
# A kernel built by kernel.sh instead of Debian's (IOMMUFD2_KERNEL_DIR), with
# iommufd2 built against it by build.sh into build/kmod-custom.
kdir=${IOMMUFD2_KERNEL_DIR:-}
[ -n "$kdir" ] && export BENCH_KERNEL=$kdir
out=$(machine_out "$machine")

# QEMU arguments of each machine variant.  The IOMMU must come before the
# PCI devices, or their DMA bypasses it.  GUEST_MODULES are loaded (in
# order) before iommufd2.
machine_args() {
	local vtd="-device intel-iommu,scalable-mode=on,pasid-bits=20,caching-mode=on"
	local iommu

	GUEST_MODULES=
	KERNEL_ARGS=
	MODULE_ARGS=
	MACHINE_TESTS=
	# igb (82576) is the device of upstream's VFIO selftests.
	local devices="-device iommu-testdev
		-device edu,dma_mask=0xffffffffffffffff -device igb"
	case $1 in
	vtd)	# Intel VT-d, second-stage (default) page tables
		iommu=$vtd
		KERNEL_ARGS="intel_iommu=on" ;;
	vtd-fs)	# Intel VT-d, first-stage page tables
		iommu="$vtd,fsts=on"
		KERNEL_ARGS="intel_iommu=on" ;;
	virtio)	# virtio-iommu; devices behind it wait for its module.  No
		# interrupt remapping: binding a PCI device needs the
		# administrator's allow_unsafe_interrupts (msi_isolation checks
		# the refusal without it).
		iommu="-device virtio-iommu-pci"
		GUEST_MODULES="virtio-iommu"
		MODULE_ARGS="allow_unsafe_interrupts=1" ;;
	amd)	# AMD-Vi (QEMU's amd-iommu with DMA remapping).  QEMU's
		# model gives no interrupt remapping here, so, as on virtio,
		# binding a PCI device needs allow_unsafe_interrupts.
		iommu="-device amd-iommu,dma-remap=on"
		MODULE_ARGS="allow_unsafe_interrupts=1" ;;
	vtd-group) # VT-d with two testdevs as functions 0 and 1 of one
		# multifunction slot without ACS: one IOMMU group of two
		# devices, each with its own requester ID.  (Behind a
		# PCIe-to-PCI bridge they would share an alias, which 7.3's
		# VT-d driver gives no context entry in scalable mode:
		# pci_pasid_table_setup() skips aliases of other devices.)
		iommu=$vtd
		KERNEL_ARGS="intel_iommu=on"
		# An edu behind a PCIe root port: a bus the PCI core can
		# reset (hot reset), unlike the root bus.
		devices="-device iommu-testdev,addr=0x5.0,multifunction=on
			-device iommu-testdev,addr=0x5.1 -device igb
			-device pcie-root-port,id=rp1,chassis=1
			-device edu,bus=rp1,dma_mask=0xffffffffffffffff"
		MACHINE_TESTS="group devices msi_isolation" ;;
	*)	die "unknown machine variant '$1' (known: $ALL_MACHINES)" ;;
	esac
	QEMU_ARGS="-M q35 $iommu $devices"
	# Side by side with upstream (ref kernel): a testdev for each.
	[ -n "${IOMMUFD2_SIDE_BY_SIDE:-}" ] && QEMU_ARGS="$QEMU_ARGS
		-device iommu-testdev"
}

# Upstream's iommufd selftests drive the mock IOMMU only: one machine runs
# them.  Upstream's VFIO selftests ("vfio") drive the igb.
default_suites() {
	case $1 in
	vtd)	echo "ours upstream vfio" ;;
	amd)	echo "ours vfio" ;;
	*)	echo ours ;;
	esac
}

# Copy a module out of the root, decompressed (busybox insmod wants plain).
add_module() {
	local src=$1 dst=$2
	case $src in
	*.xz)	xz -dc "$src" >"$dst" ;;
	*.zst)	zstd -qdc "$src" >"$dst" ;;
	*)	cp "$src" "$dst" ;;
	esac
}

# perf and the libraries it links, at their own paths, for a profiled
# bench (IOMMUFD2_PERF=1).  Installed into the root on first use.
add_perf() {
	local dir=$1 lib

	if ! in_root sh -c 'command -v perf' >/dev/null; then
		log "installing linux-perf into the root"
		in_root apt-get install -y -q --no-install-recommends \
			-t trixie-backports linux-perf >>"$CACHE/apt.log" 2>&1 ||
			die "cannot install linux-perf"
	fi
	mkdir -p "$dir/usr/bin"
	cp "$ROOT/usr/bin/perf" "$dir/usr/bin/perf"
	for lib in $(in_root ldd /usr/bin/perf |
		     awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		mkdir -p "$dir$(dirname "$lib")"
		cp -L "$ROOT$lib" "$dir$lib"
	done
}

pack_initramfs() {
	local dir=$out/initramfs m path mod

	rm -rf "$dir" && mkdir -p "$dir"/{bin,dev,proc,sys,tmp,etc,lib/modules,tests}
	cp "$ROOT/bin/busybox" "$dir/bin/busybox"
	cp "$BENCH_DIR/guest-init.sh" "$dir/init"
	chmod 0755 "$dir/init"

	if [ -n "$kdir" ]; then
		# Everything the machines need is built in; ours come from
		# the tree built against this kernel.
		GUEST_MODULES=
		cp "$BUILD"/kmod-custom/iommufd2.ko "$BUILD"/kmod-custom/iommufd2_pci.ko \
			"$dir/lib/modules/"
		cp "$BUILD/kmod-custom/tests/mock/iommufd2_mock.ko" \
			"$BUILD/kmod-custom/tests/limit/iommufd2_limit.ko" \
			"$dir/lib/modules/"
	else
		for m in iommufd2 iommufd2_pci; do
			mod=$(ls "$BUILD"/dkms/"$krel"/$m.ko* 2>/dev/null | head -n1)
			[ -f "$mod" ] || die "$m is not dkms-installed for $krel"
			add_module "$mod" "$dir/lib/modules/$m.ko"
		done
		cp "$(kernel_build_dir kmod)/tests/mock/iommufd2_mock.ko" \
			"$(kernel_build_dir kmod)/tests/limit/iommufd2_limit.ko" \
			"$dir/lib/modules/"
	fi
	for m in $GUEST_MODULES; do
		path=$(in_root modprobe -S "$krel" --show-depends "$m" |
			awk '/^insmod/ { print $2 }')
		for p in $path; do
			add_module "$ROOT$p" "$dir/lib/modules/$(basename "${p%%.ko*}").ko"
			echo "$(basename "${p%%.ko*}")" >>"$dir/etc/modules"
		done
	done

	cp "$BUILD"/guest/tests/* "$dir/tests/" 2>/dev/null
	mkdir -p "$dir/upstream" "$dir/upstream-own" "$dir/differential" \
		"$dir/vfio"
	cp "$BUILD"/guest/upstream/* "$dir/upstream/" 2>/dev/null
	cp "$BUILD"/guest/vfio/* "$dir/vfio/" 2>/dev/null
	# An older kernel's own upstream selftests, where they built.
	[ "$KTAG" != backports ] &&
		cp "$(kernel_build_dir guest)"/upstream/* "$dir/upstream-own/" \
			2>/dev/null
	cp "$BUILD"/guest/differential/* "$dir/differential/" 2>/dev/null
	cp "$BUILD"/guest/bin/* "$dir/bin/"
	[ "$mode" = bench ] && [ -n "${IOMMUFD2_PERF:-}" ] && add_perf "$dir"
	printf 'MODE=%s\nMACHINE=%s\nSERIES=%s\nBENCH_ARGS="%s"\nPERF="%s"\nSUITES="%s"\nTESTS="%s"\nUPSTREAM_TESTS="%s"\nMODULE_ARGS="%s"\n' \
		"$mode" "$machine" "$(root_kernel_series)" "${IOMMUFD2_BENCH_ARGS:-}" \
		"${IOMMUFD2_PERF:-}" \
		"${IOMMUFD2_SUITES:-$(default_suites "$machine")}" \
		"${IOMMUFD2_TESTS:-$MACHINE_TESTS}" \
		"${IOMMUFD2_UPSTREAM_TESTS:-}" "$MODULE_ARGS" \
		>"$dir/etc/bench.conf"

	in_root sh -c "cd /bench/${dir#"$REPO"/} && find . | cpio -o -H newc --quiet" |
		gzip -1 >"$out/initramfs.cpio.gz"
}

machine_args "$machine"
mkdir -p "$out"
rm -f "$out/console.log" "$out/tap.log"
pack_initramfs

kernel=/boot/vmlinuz-$krel
[ -n "$kdir" ] && kernel=/kernel/arch/x86/boot/bzImage
common="-nodefaults -no-reboot -accel tcg -cpu max -smp 2 -m ${IOMMUFD2_VM_MEM:-3G}
	-kernel $kernel -initrd /bench/${out#"$REPO"/}/initramfs.cpio.gz
	$QEMU_ARGS"
cmdline="console=ttyS0 $KERNEL_ARGS panic_on_warn=1 panic=-1 oops=panic
	rdinit=/init"

log "booting $machine ($mode); console: ${out#"$REPO"/}/console.log"
if [ "$mode" = shell ]; then
	in_root qemu-system-x86_64 $common -display none \
		-serial mon:stdio -serial "file:/bench/${out#"$REPO"/}/tap.log" \
		-append "$(echo $cmdline)"
	exit
fi

timeout -k 10 "${IOMMUFD2_VM_TIMEOUT:-900}" \
	env BENCH_BIND="$REPO" BENCH_KERNEL="$kdir" \
	bash -c '. "$0"; in_root "$@"' "$BENCH_DIR/lib.sh" \
	qemu-system-x86_64 $common -display none \
	-serial "file:/bench/${out#"$REPO"/}/console.log" \
	-serial "file:/bench/${out#"$REPO"/}/tap.log" \
	-append "$(echo $cmdline)"
rc=$?
[ $rc = 124 ] && log "$machine: guest timed out and was killed"
# The guest's serial lines end in CR LF.
for f in "$out/console.log" "$out/tap.log"; do
	[ -f "$f" ] && sed -i 's/\r$//' "$f"
done

case $mode in
demo | bench)
	sed -n "/^### suite $mode\$/,/^### end $mode /p" "$out/tap.log" | sed '1d;$d'
	[ "$mode" = bench ] && [ -n "${IOMMUFD2_PERF:-}" ] &&
		sed -n '/^### suite perf-report$/,/^### end perf-report /p' \
			"$out/tap.log" | sed '1d;$d' >"$out/perf-report.txt" &&
		log "profile: ${out#"$REPO"/}/perf-report.txt"
	grep -q "^### end $mode rc=0" "$out/tap.log" || { log "$mode failed"; exit 1; }
	;;
esac
exit 0
