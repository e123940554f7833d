package org.vmrole.api.hostlink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.model.tls.CertificateAuthority;
import org.vmrole.model.tls.Pem;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vmrole.fabric.store.RevisionConflict;
import org.vmrole.fabric.store.Store;

/**
 * Where the controller keeps its certificate authority: {@code authority.crt} and {@code authority.key} (PKCS#8,
 * mode 0600, in a 0700 directory) under its state directory, made on first start. Only the certificate's
 * fingerprint is ever logged.
 */
public final class ControllerAuthority {
    private static final Logger log = LoggerFactory.getLogger(ControllerAuthority.class);
    static final String CERTIFICATE = "authority.crt";
    static final String KEY = "authority.key";

    private ControllerAuthority() {}

    public static CertificateAuthority loadOrCreate(Path dir, Instant now) throws IOException {
        Path crt = dir.resolve(CERTIFICATE);
        Path key = dir.resolve(KEY);
        if (Files.exists(crt) && Files.exists(key)) {
            return new CertificateAuthority(Pem.parsePrivateKey(Files.readString(key, StandardCharsets.US_ASCII)),
                    Pem.parseCertificate(Files.readString(crt, StandardCharsets.US_ASCII)));
        }
        Files.createDirectories(dir);
        ownerOnly(dir, "rwx------");
        CertificateAuthority made = CertificateAuthority.create("vmrole controller", now);
        // the key file is created 0600 before a byte is written, and never replaced: a second controller on the same
        // directory fails here rather than swap the authority its hosts pinned
        try {
            Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("found " + key + " without " + crt + ": restore the certificate, or remove the key to make a new authority"
                    + " (every host then needs a new join token)", e);
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(key);
        }
        Files.writeString(key, Pem.privateKey(made.key()), StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        Files.writeString(crt, Pem.certificate(made.certificate()), StandardCharsets.US_ASCII);
        log.info("made the controller's host-link certificate authority in {} (SHA-256 fingerprint {})", dir, made.fingerprint());
        return made;
    }

    /** Where replicas on one shared store keep their one authority, so a join token works on every replica. */
    static final String STORE_KEY = "secrets/host-link-authority";

    private record Stored(String certificate, String key) {
    }

    /**
     * The authority every replica on {@code store} shares (etcd): made by the first replica that starts, read by the
     * others. The key is kept in the store, so the store must be as well guarded as the controller's data folder.
     */
    public static CertificateAuthority loadOrCreate(Store store, Instant now) {
        ObjectMapper json = new ObjectMapper();
        try {
            if (store.get(STORE_KEY).isEmpty()) {
                CertificateAuthority made = CertificateAuthority.create("vmrole controller", now);
                try {
                    store.put(STORE_KEY, json.writeValueAsString(new Stored(Pem.certificate(made.certificate()), Pem.privateKey(made.key()))), Store.ABSENT);
                    log.info("made the controller's host-link certificate authority in the store (SHA-256 fingerprint {})", made.fingerprint());
                } catch (RevisionConflict anotherReplicaFirst) {
                    // read theirs below
                }
            }
            Stored kept = json.readValue(store.get(STORE_KEY).orElseThrow().value(), Stored.class);
            return new CertificateAuthority(Pem.parsePrivateKey(kept.key()), Pem.parseCertificate(kept.certificate()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the store's '" + STORE_KEY + "' is not an authority vmrole wrote: " + e.getOriginalMessage(), e);
        }
    }

    private static void ownerOnly(Path p, String mode) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException notPosix) {
            // not a POSIX file system: the directory keeps its default permissions
        }
    }
}
