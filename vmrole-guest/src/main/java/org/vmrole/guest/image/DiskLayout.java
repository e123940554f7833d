package org.vmrole.guest.image;

/**
 * Where the partitions of the sample image lie: an MBR, a FAT boot partition (syslinux, kernel,
 * initramfs) starting at 1 MiB, and the ext4 root partition after it, all aligned to 1 MiB.
 */
public record DiskLayout(long bootStartSector, long bootSectors, long rootStartSector, long rootSectors) {

    public static final int SECTOR = 512;
    public static final long MIB = 1024 * 1024;
    private static final long ALIGN = MIB / SECTOR;
    /** The MBR's disk signature: fixed, so the image is reproducible. */
    public static final String DISK_ID = "0x564d524f";

    public DiskLayout {
        if (bootStartSector < 1 || bootSectors < 1 || rootSectors < 1
                || rootStartSector < bootStartSector + bootSectors) {
            throw new IllegalArgumentException("partitions overlap or are empty: boot " + bootStartSector + "+"
                    + bootSectors + ", root " + rootStartSector + "+" + rootSectors);
        }
    }

    /**
     * The smallest aligned boot partition that holds {@code bootBytes} with room for syslinux and
     * FAT overhead (at least 32 MiB, so mformat picks FAT16), then a root partition of {@code rootMiB}.
     */
    public static DiskLayout forContent(long bootBytes, long rootMiB) {
        if (bootBytes < 0 || rootMiB < 16) {
            throw new IllegalArgumentException("root partition must be at least 16 MiB, was " + rootMiB);
        }
        long bootMiB = Math.max(32, ceilDiv(bootBytes + bootBytes / 4, MIB) + 4);
        long bootStart = ALIGN;
        long bootSectors = bootMiB * ALIGN;
        return new DiskLayout(bootStart, bootSectors, bootStart + bootSectors, rootMiB * ALIGN);
    }

    public long bootOffsetBytes() {
        return bootStartSector * SECTOR;
    }

    public long bootSizeBytes() {
        return bootSectors * SECTOR;
    }

    public long rootOffsetBytes() {
        return rootStartSector * SECTOR;
    }

    public long rootSizeBytes() {
        return rootSectors * SECTOR;
    }

    public long diskSizeBytes() {
        return (rootStartSector + rootSectors) * SECTOR;
    }

    /** Input for {@code sfdisk}: a DOS label, partition 1 FAT16 (LBA) and bootable, partition 2 Linux. */
    public String sfdiskScript() {
        return "label: dos\n"
                + "label-id: " + DISK_ID + "\n"
                + "unit: sectors\n\n"
                + "start=" + bootStartSector + ", size=" + bootSectors + ", type=e, bootable\n"
                + "start=" + rootStartSector + ", size=" + rootSectors + ", type=83\n";
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
