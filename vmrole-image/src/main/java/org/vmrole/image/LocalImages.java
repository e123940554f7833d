package org.vmrole.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an earlier version of the repository kept on the controller's disk, moved into the Blob service at start:
 * stored images ({@code blobs/<hex>.qcow2}, each checked against its name before it is stored, then deleted here),
 * their records ({@code images/<subscription>/<name>.json}, after the images, so no record names a missing blob) and
 * uploads left in progress (staged, so their clients resume where they were).
 */
final class LocalImages {
    private static final Logger log = LoggerFactory.getLogger(LocalImages.class);

    /** Stages one upload left in progress by an earlier version (its folder under {@code uploads/}). */
    interface UploadStager {
        void stage(Path uploadDir) throws IOException;
    }

    private LocalImages() {}

    static void migrate(Path root, ImageBlobs blobs, UploadStager uploads) throws IOException {
        Path legacy = root.resolve("blobs");
        if (Files.isDirectory(legacy)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(legacy)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".qcow2")).sorted().toList();
            }
            for (Path f : files) {
                String name = f.getFileName().toString();
                String digest = Sha256.ofFile(f);
                if (!name.equals(Sha256.hex(digest) + ".qcow2")) {
                    log.warn("image file {} has digest {}, not its name: left where it is, not stored", f, digest);
                    continue;
                }
                blobs.store(digest, f);
                Files.delete(f);
                log.info("moved image {} from {} into the Blob service at {}", digest, legacy, blobs.location());
            }
            try (Stream<Path> s = Files.list(legacy)) {
                if (s.findAny().isEmpty()) Files.delete(legacy);
            }
        }
        Path records = root.resolve("images");
        if (Files.isDirectory(records)) {
            List<Path> files;
            try (Stream<Path> s = Files.walk(records, 2)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".json") && p.getParent().getParent().equals(records)).sorted().toList();
            }
            for (Path f : files) {
                String subscription = f.getParent().getFileName().toString();
                String name = f.getFileName().toString().replaceAll("\\.json$", "");
                if (blobs.createRecord(subscription, name, Files.readAllBytes(f)) || blobs.readRecord(subscription, name).isPresent()) {
                    Files.delete(f);
                    log.info("moved the record of image {}/{} into the Blob service's catalog", subscription, name);
                }
            }
            DurableFiles.deleteEmptyFolders(records);
        }
        try (Stream<Path> s = Files.list(root.resolve("uploads"))) {
            for (Path dir : s.sorted().toList()) uploads.stage(dir);
        }
    }
}
