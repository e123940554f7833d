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

    private static void ownerOnly(Path p, String mode) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException notPosix) {
            // not a POSIX file system: the directory keeps its default permissions
        }
    }
}
