package org.vmrole.server;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.vmrole.image.ImageBlobs;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.storage.StorageAccount;

/**
 * The storage account that holds the images: by default the platform's own account in the embedded storage service
 * (its key made at first start and kept in the data directory, known to no tenant), or the one an operator names with
 * {@code --image-storage URL --image-storage-key KEY}, so several controller replicas share one.
 */
public record ImageBlobAccount(URI accountUrl, BlobCredential.SharedKey key) {

    /** The account an operator names: a path-style account URL such as {@code http://10.0.0.5:10000/vmroleimages} and its key. */
    public static ImageBlobAccount external(String url, String base64Key) {
        URI u;
        try {
            u = URI.create(url.replaceAll("/+$", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--image-storage '" + url + "' is not a URL: give http://HOST:PORT/ACCOUNT");
        }
        String path = u.getPath() == null ? "" : u.getPath();
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null || !path.matches("/[a-z0-9]{3,24}")) {
            throw new IllegalArgumentException("--image-storage '" + url + "' must be the account's path-style Blob URL, http://HOST:PORT/ACCOUNT "
                    + "(the account name: 3-24 lowercase letters and digits)");
        }
        if (base64Key == null || base64Key.isBlank()) {
            throw new IllegalArgumentException("--image-storage needs the account's key: --image-storage-key KEY (or VMROLE_IMAGE_STORAGE_KEY)");
        }
        return new ImageBlobAccount(u, new BlobCredential.SharedKey(path.substring(1), base64Key));
    }

    /** The platform's own account, served by the embedded storage service; its key is made once and kept under {@code dataDir}. */
    static StorageAccount platformAccount(Path dataDir) throws IOException {
        Path file = dataDir.resolve("image-storage.key");
        if (!Files.exists(file)) {
            byte[] key = new byte[64];
            new SecureRandom().nextBytes(key);
            Path tmp = dataDir.resolve("image-storage.key.tmp");
            Files.writeString(tmp, Base64.getEncoder().encodeToString(key));
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the data directory's own permissions protect it
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return new StorageAccount(ImageBlobs.PLATFORM_ACCOUNT, List.of(Files.readString(file).strip()));
    }

    /** That account on a Blob endpoint such as {@code http://127.0.0.1:10000}. */
    static ImageBlobAccount of(StorageAccount account, String host, int blobPort) {
        return new ImageBlobAccount(URI.create("http://" + host + ":" + blobPort + "/" + account.name()),
                new BlobCredential.SharedKey(account.name(), account.keys().getFirst()));
    }

    ImageBlobs connect() {
        return ImageBlobs.connect(accountUrl, key);
    }
}
