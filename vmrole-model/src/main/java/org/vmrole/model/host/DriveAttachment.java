package org.vmrole.model.host;

import java.util.regex.Pattern;

/**
 * A drive the host attaches to one instance: a fixed VHD kept in a page blob ({@code blobUrl}, path-style
 * {@code http://HOST:PORT/ACCOUNT/CONTAINER/BLOB}), mounted either for writing under a blob lease ({@link #WRITE}) or as
 * a read-only snapshot taken at attach time ({@link #SNAPSHOT}). {@code name} is the role's name for it (the virtio
 * serial, so the guest finds it at {@code /dev/disk/by-id/virtio-NAME}); {@code accountName}/{@code accountKey} are
 * the storage account credential the host signs its blob calls with (a secret: never log it). {@code sizeBytes} is
 * the disk the guest sees; the blob is 512 bytes longer (the VHD footer).
 */
public record DriveAttachment(String name, String blobUrl, String mode, String accountName, String accountKey, long sizeBytes) {
    public static final String WRITE = "write";
    public static final String SNAPSHOT = "snapshot";
    /** What a drive's name in a role may be: it becomes a virtio serial (20 bytes at most) and a device link. */
    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,19}");

    public DriveAttachment {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("drive name '" + name + "' must be 1-20 characters of a-z, 0-9 and '-', starting with a letter");
        }
        if (!WRITE.equals(mode) && !SNAPSHOT.equals(mode)) {
            throw new IllegalArgumentException("drive '" + name + "': mode '" + mode + "' must be 'write' or 'snapshot'");
        }
        if (blobUrl == null || blobUrl.isBlank()) throw new IllegalArgumentException("drive '" + name + "' needs its blob URL");
        if (sizeBytes <= 0 || sizeBytes % 512 != 0) {
            throw new IllegalArgumentException("drive '" + name + "': size " + sizeBytes + " must be a positive multiple of 512 bytes");
        }
    }

    public boolean writable() {
        return WRITE.equals(mode);
    }

    /** Shown in logs and status: everything but the key. */
    @Override
    public String toString() {
        return "DriveAttachment[" + name + " " + mode + " " + blobUrl + " (" + sizeBytes + " bytes, account " + accountName + ")]";
    }
}
