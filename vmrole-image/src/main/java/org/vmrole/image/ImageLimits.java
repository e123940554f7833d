package org.vmrole.image;

import java.time.Duration;

/**
 * Limits applied to untrusted images: the largest virtual size accepted, the most bytes an upload may send,
 * and the memory, CPU time and wall time qemu-img may use on one image. {@code conversionTimeout} bounds
 * {@code qemu-img convert}, which grows with the image; inspection uses {@code inspectTimeout}.
 */
public record ImageLimits(long maxVirtualBytes, long maxUploadBytes, long qemuMemoryBytes, Duration inspectTimeout,
                          Duration conversionTimeout, Duration uploadIdleTimeout) {
    public ImageLimits {
        if (maxVirtualBytes < 1 || maxUploadBytes < 1 || qemuMemoryBytes < 64L << 20) {
            throw new IllegalArgumentException("image limits need maxVirtualBytes >= 1, maxUploadBytes >= 1 and qemuMemoryBytes >= 64 MiB");
        }
        if (inspectTimeout.isNegative() || inspectTimeout.isZero() || conversionTimeout.isNegative() || conversionTimeout.isZero()
                || uploadIdleTimeout.isNegative() || uploadIdleTimeout.isZero()) {
            throw new IllegalArgumentException("image limits need positive timeouts");
        }
    }

    /** 64 GiB virtual, 64 GiB uploaded, 1 GiB of address space for qemu-img, 30 s to inspect, 30 min to convert, 1 h idle uploads. */
    public static ImageLimits defaults() {
        return new ImageLimits(64L << 30, 64L << 30, 1L << 30, Duration.ofSeconds(30), Duration.ofMinutes(30), Duration.ofHours(1));
    }

    public ImageLimits withMaxVirtualBytes(long bytes) {
        return new ImageLimits(bytes, maxUploadBytes, qemuMemoryBytes, inspectTimeout, conversionTimeout, uploadIdleTimeout);
    }

    public ImageLimits withUploadIdleTimeout(Duration idle) {
        return new ImageLimits(maxVirtualBytes, maxUploadBytes, qemuMemoryBytes, inspectTimeout, conversionTimeout, idle);
    }
}
