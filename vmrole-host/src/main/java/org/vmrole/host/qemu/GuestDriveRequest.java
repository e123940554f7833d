package org.vmrole.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.DriveAttachment;

/**
 * A guest's {@code mount-drive} message (docs/guest-agent.md) read into the drive to attach, or refused with the
 * reason the guest is told: a name it may use, a page blob URL in one of its own subscription's storage accounts,
 * and either a SAS that has not expired or the account's key. Pure: what storage says (not a fixed VHD, held by
 * another writer) comes later, when the drive is opened.
 */
record GuestDriveRequest(AttachedDrives.Mount mount) {

    /** @throws IllegalArgumentException with the message the guest hears */
    static GuestDriveRequest read(JsonNode m, Assignment a, Instant now) {
        String name = m.path("name").asText("");
        if (!DriveAttachment.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'name' must be 1-20 characters of a-z, 0-9 and '-', starting with a letter (the guest finds the drive at "
                    + "/dev/disk/by-id/virtio-NAME)");
        }
        if (a.drives().stream().anyMatch(d -> d.name().equals(name))) {
            throw new IllegalArgumentException("drive '" + name + "' is one the role declares; the host attaches it itself");
        }
        String mode = m.path("mode").asText(DriveAttachment.WRITE);
        if (!DriveAttachment.WRITE.equals(mode) && !DriveAttachment.SNAPSHOT.equals(mode)) {
            throw new IllegalArgumentException("'mode' is '" + mode + "'; give 'write' or 'snapshot'");
        }
        URI url;
        try {
            url = URI.create(m.path("url").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'url' is not a URL: " + e.getMessage());
        }
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getRawPath() == null) {
            throw new IllegalArgumentException("'url' must be the drive's page blob, http://HOST:PORT/ACCOUNT/CONTAINER/BLOB");
        }
        String[] path = url.getRawPath().substring(1).split("/", 3);
        if (path.length < 3 || path[2].isEmpty()) {
            throw new IllegalArgumentException("'url' " + url.getRawPath() + " must name ACCOUNT/CONTAINER/BLOB (path-style, as `vmrole drive create` answers)");
        }
        String account = path[0];
        if (!a.storageAccounts().contains(account)) {
            throw new IllegalArgumentException("the blob is in storage account '" + account + "', which is not one of this subscription's "
                    + a.storageAccounts() + "; a guest mounts drives of its own subscription only");
        }
        String sas = m.path("sas").asText("");
        if (sas.isEmpty() && url.getRawQuery() != null) sas = url.getRawQuery();
        String key = m.path("accountKey").asText("");
        URI blob = URI.create(url.getScheme() + "://" + url.getRawAuthority() + url.getRawPath());
        BlobCredential credential;
        if (!sas.isEmpty() && !key.isEmpty()) throw new IllegalArgumentException("give either 'sas' or 'accountKey', not both");
        if (!sas.isEmpty()) {
            credential = sas(sas, now);
        } else if (!key.isEmpty()) {
            try {
                credential = new BlobCredential.SharedKey(account, key);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'accountKey' is not base64: give the key `vmrole storage-account keys` prints");
            }
        } else {
            throw new IllegalArgumentException("give a 'sas' (or a SAS url) or the storage account's 'accountKey'");
        }
        return new GuestDriveRequest(new AttachedDrives.Mount(name, blob, DriveAttachment.WRITE.equals(mode), credential));
    }

    /** A SAS token, refused when its expiry ({@code se}) has passed. */
    private static BlobCredential.Sas sas(String token, Instant now) {
        Map<String, String> q = new LinkedHashMap<>();
        for (String pair : (token.startsWith("?") ? token.substring(1) : token).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) q.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        if (!q.containsKey("sig")) throw new IllegalArgumentException("'sas' has no signature (sig=): give the query part of the SAS url");
        String se = q.get("se");
        if (se != null) {
            try {
                Instant expiry = Instant.parse(se.length() == 10 ? se + "T00:00:00Z" : se);
                if (!expiry.isAfter(now)) throw new IllegalArgumentException("the SAS expired at " + se + "; ask for a new one (vmrole drive sas)");
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("the SAS expiry se=" + se + " is not a time");
            }
        }
        return new BlobCredential.Sas(token);
    }

    /** The answer to a mount the host carried out. */
    static Map<String, Object> mounted(AttachedDrives.Mount m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "drive-mounted");
        r.put("name", m.name());
        r.put("device", "/dev/disk/by-id/virtio-" + m.name());
        r.put("mode", m.writable() ? DriveAttachment.WRITE : DriveAttachment.SNAPSHOT);
        return r;
    }

    /** The answer to a mount or unmount refused: nothing was attached (or detached). */
    static Map<String, Object> refused(String name, String why) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "drive-refused");
        r.put("name", name);
        r.put("error", why);
        return r;
    }

    static Map<String, Object> unmounted(String name) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "drive-unmounted");
        r.put("name", name);
        return r;
    }
}
