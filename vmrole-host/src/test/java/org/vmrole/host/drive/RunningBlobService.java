package org.vmrole.host.drive;

import org.vmrole.model.blob.PageBlobClient;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.storage.StorageAccount;
import org.vmrole.storage.StorageConfig;
import org.vmrole.storage.StorageService;

import org.vmrole.model.drive.FixedVhd;

import java.net.URI;
import java.time.Instant;
import java.nio.file.Path;
import java.util.UUID;

/** The real vmrole storage service on ephemeral ports, and page blobs in it for a test. */
public final class RunningBlobService implements AutoCloseable {
    static final BlobCredential KEY = new BlobCredential.SharedKey(StorageAccount.DEVELOPMENT.name(), StorageAccount.DEVELOPMENT.keys().getFirst());

    private final StorageService storage;

    public RunningBlobService(Path dir) {
        storage = StorageService.start(StorageConfig.development(dir).withEphemeralPorts());
    }

    public URI url(String container, String blob) {
        return URI.create("http://127.0.0.1:" + storage.blobPort() + "/" + StorageAccount.DEVELOPMENT.name() + "/" + container + "/" + blob);
    }

    /** A new empty page blob of {@code size} bytes in container "drives". */
    public PageBlobClient newPageBlob(long size) {
        PageBlobClient c = PageBlobClient.of(url("drives", "d" + UUID.randomUUID().toString().substring(0, 8) + ".vhd"), KEY);
        c.createContainer();
        c.create(size);
        return c;
    }

    /** A new blank drive: a page blob of {@code diskSize} bytes followed by a fixed-VHD footer. */
    public PageBlobClient newDrive(long diskSize) {
        PageBlobClient c = newPageBlob(diskSize + FixedVhd.FOOTER_BYTES);
        c.writePages(diskSize, FixedVhd.footer(diskSize, Instant.now(), UUID.randomUUID()), 0, FixedVhd.FOOTER_BYTES, null);
        return c;
    }

    /** The accounts the service serves: a test makes a tenant's account or regenerates its key here. */
    public org.vmrole.storage.AccountDirectory accounts() {
        return storage.accounts();
    }

    /** The URL of a blob in another account. */
    public URI url(String account, String container, String blob) {
        return URI.create("http://127.0.0.1:" + storage.blobPort() + "/" + account + "/" + container + "/" + blob);
    }

    @Override
    public void close() {
        storage.close();
    }
}
