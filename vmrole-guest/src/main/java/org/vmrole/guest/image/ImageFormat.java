package org.vmrole.guest.image;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Disk image file formats the sample image can be written in. */
public enum ImageFormat {
    QCOW2("qcow2"),
    /** Microsoft VHD, as VM Role users uploaded their images. */
    VPC("vpc"),
    RAW("raw");

    private final String qemuName;

    ImageFormat(String qemuName) {
        this.qemuName = qemuName;
    }

    /** The name {@code qemu-img -O} takes. */
    public String qemuName() {
        return qemuName;
    }

    public static ImageFormat parse(String text) {
        String wanted = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (ImageFormat f : values()) {
            if (f.qemuName.equals(wanted) || (f == VPC && wanted.equals("vhd"))) {
                return f;
            }
        }
        throw new IllegalArgumentException("--format '" + text + "' is not known; use one of "
                + Arrays.stream(values()).map(ImageFormat::qemuName).collect(Collectors.joining(", ")));
    }
}
