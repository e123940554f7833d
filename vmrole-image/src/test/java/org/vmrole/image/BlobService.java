package org.vmrole.image;

import java.net.URI;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.storage.StorageAccount;
import org.vmrole.storage.StorageConfig;
import org.vmrole.storage.StorageService;

/** The real storage service on free loopback ports, with one account for images, for tests of the repository. */
final class BlobService implements AutoCloseable {
    static final String ACCOUNT = "vmroleimages";
    static final String KEY = Base64.getEncoder().encodeToString("a test key for the image blobs!!".getBytes());

    private final Path dir;
    private StorageService service;

    BlobService(Path dir) {
        this.dir = dir;
        start();
    }

    private void start() {
        service = StorageService.start(new StorageConfig(dir, "127.0.0.1", 0, 0, 0, List.of(new StorageAccount(ACCOUNT, List.of(KEY)))));
    }

    URI accountUrl() {
        return URI.create("http://127.0.0.1:" + service.blobPort() + "/" + ACCOUNT);
    }

    /** A client of the image blobs, as one controller replica has it. */
    ImageBlobs blobs() {
        return ImageBlobs.connect(accountUrl(), new BlobCredential.SharedKey(ACCOUNT, KEY));
    }

    /** Stops the service and starts it again on the same data (on new ports: make new clients after). */
    void restart() {
        service.close();
        start();
    }

    @Override
    public void close() {
        service.close();
    }
}
