package org.vmrole.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code mount-drive} requests a VM's guest made that the host carried out, kept in the VM's directory so that a
 * restarted host agent serves those drives again (the guest still has the devices plugged; only their NBD server went
 * away). Each is kept as the guest sent it (name, url, mode and its SAS or account key) and checked again when read
 * back; the file is the host's own, readable by it alone, and goes with the VM's directory on stop and reimage.
 */
final class GuestMounts {
    private static final List<String> KEPT = List.of("name", "url", "mode", "sas", "accountKey");
    /** The snapshot a read-only mount was given. */
    static final String SNAPSHOT = "snapshotTime";

    private GuestMounts() {}

    /**
     * Adds (or replaces) the request for its drive name.
     *
     * @param snapshot the snapshot a read-only mount serves (null for a writer): served again, not a newer one, since the
     *                 guest's file system is the one it mounted
     */
    static synchronized void remember(Path file, JsonNode request, String snapshot) {
        ObjectNode all = read(file);
        ObjectNode kept = all.objectNode();
        for (String field : KEPT) if (request.hasNonNull(field)) kept.set(field, request.get(field));
        if (snapshot != null) kept.put(SNAPSHOT, snapshot);
        all.set(request.path("name").asText(), kept);
        write(file, all);
    }

    static synchronized void forget(Path file, String name) {
        ObjectNode all = read(file);
        if (all.remove(name) != null) write(file, all);
    }

    /** The requests kept, in the order the guest made them. */
    static synchronized List<JsonNode> requests(Path file) {
        List<JsonNode> out = new ArrayList<>();
        read(file).forEach(out::add);
        return out;
    }

    private static ObjectNode read(Path file) {
        if (!Files.exists(file)) return JsonLineChannel.JSON.createObjectNode();
        try {
            JsonNode n = JsonLineChannel.JSON.readTree(file.toFile());
            return n instanceof ObjectNode o ? o : JsonLineChannel.JSON.createObjectNode();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the guest's drive mounts in " + file + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, ObjectNode all) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            // it holds the guest's SAS or account key: the host's alone
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            JsonLineChannel.JSON.writeValue(tmp.toFile(), all);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the guest's drive mounts in " + file + ": " + e.getMessage(), e);
        }
    }
}
