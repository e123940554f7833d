package org.vmrole.image;

/** The disk formats the repository takes in, named as qemu-img names them. */
public enum ImageFormat {
    RAW("raw", false),
    QCOW2("qcow2", true),
    /** VHD, fixed or dynamic. */
    VPC("vpc", false),
    VHDX("vhdx", true);

    private final String qemuName;
    private final boolean checkable;

    ImageFormat(String qemuName, boolean checkable) {
        this.qemuName = qemuName;
        this.checkable = checkable;
    }

    /** The name qemu-img uses ({@code -f raw}, {@code -f vpc}, ...). */
    public String qemuName() { return qemuName; }

    /** True when {@code qemu-img check} can examine this format (qemu 7.2: qcow2 and vhdx; not raw, not vpc). */
    public boolean checkable() { return checkable; }

    /** A name for people: VHD rather than vpc. */
    public String displayName() {
        return switch (this) {
            case RAW -> "raw";
            case QCOW2 -> "qcow2";
            case VPC -> "VHD";
            case VHDX -> "VHDX";
        };
    }
}
