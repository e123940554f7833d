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

    public boolean writes() {
        return "write".equals(mode);
    }
}
