package org.vmrole.model.service;

import java.util.regex.Pattern;

/**
 * A drive a role's configuration binds ({@code <Drives><Drive name="data" account="ACCOUNT" drive="NAME" mode="write"/>}):
 * {@code name} is what the instance calls it (its device serial), {@code drive} the subscription's drive in storage
 * account {@code account}, {@code mode} {@code write} (one writer, under a lease) or {@code snapshot} (read-only).
 */
public record DriveBinding(String name, String account, String drive, String mode) {
    /** Azure's rule for storage account names. */
    public static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
    /** The platform's rule for drive names (the page blob is drives/NAME.vhd). */
    public static final Pattern DRIVE = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

    /** What is wrong with a binding's values (each with its fix), empty when nothing is; null values are reported by the reader. */
    static java.util.List<String> problems(String role, String name, String account, String drive, String mode) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (name != null && !org.vmrole.model.host.DriveAttachment.NAME.matcher(name).matches()) {
            out.add("drive name '" + name + "' of role '" + role + "' must be 1-20 characters of a-z, 0-9 and '-', starting with a letter (it becomes the disk's serial)");
        }
        if (account != null && !ACCOUNT.matcher(account).matches()) {
            out.add("drive '" + name + "' of role '" + role + "': account '" + account + "' is not a storage account name (3-24 lowercase letters and digits)");
        }
        if (drive != null && !DRIVE.matcher(drive).matches()) {
            out.add("drive '" + name + "' of role '" + role + "': drive '" + drive + "' is not a drive name (1-63 of a-z, 0-9 and '-')");
        }
        if (!mode.equals("write") && !mode.equals("snapshot")) {
            out.add("drive '" + name + "' of role '" + role + "' has mode '" + mode + "'. Use mode=\"write\" (one instance writes it) or mode=\"snapshot\" (every instance reads a snapshot)");
        }
        return out;
    }

    public boolean writes() {
        return "write".equals(mode);
    }
}
