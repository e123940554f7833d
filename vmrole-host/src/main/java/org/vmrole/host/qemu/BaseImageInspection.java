package org.vmrole.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.vmrole.host.VmStartException;

/** Checks a base image before an overlay is put on it: it must exist, be readable by qemu-img, and stand alone. */
final class BaseImageInspection {
    private BaseImageInspection() {
    }

    /** @return the image's format, {@code qcow2} or {@code raw}, for the overlay's {@code -F} */
    static String formatOf(Path base) {
        if (!Files.isRegularFile(base)) {
            throw new VmStartException("base image " + base + " does not exist; upload the image again or fix the image store");
        }
        HostCommand info;
        try {
            info = HostCommand.run(List.of("qemu-img", "info", "--output=json", base.toString()), Duration.ofSeconds(30));
        } catch (IOException e) {
            throw new VmStartException("cannot inspect base image " + base + ": " + e.getMessage(), e);
        }
        if (!info.ok()) {
            throw new VmStartException("base image " + base + " is corrupt or unreadable: " + firstLine(info.output())
                    + "; upload the image again");
        }
        JsonNode json;
        try {
            json = JsonLineChannel.JSON.readTree(info.output());
        } catch (IOException e) {
            throw new VmStartException("base image " + base + ": qemu-img info gave no JSON", e);
        }
        if (json.hasNonNull("backing-filename")) {
            throw new VmStartException("base image " + base + " refused: it names a backing file (" + json.get("backing-filename").asText()
                    + "); make it self-contained: qemu-img convert -O qcow2 IN OUT");
        }
        if (json.path("format-specific").path("data").hasNonNull("data-file")) {
            throw new VmStartException("base image " + base + " refused: it names an external data file; make it self-contained: qemu-img convert -O qcow2 IN OUT");
        }
        String format = json.path("format").asText();
        if (!format.equals("qcow2") && !format.equals("raw")) {
            throw new VmStartException("base image " + base + " is " + format + "; the host runs qcow2 or raw images (convert with qemu-img convert -O qcow2)");
        }
        if (format.equals("qcow2") && json.path("format-specific").path("data").path("corrupt").asBoolean(false)) {
            throw new VmStartException("base image " + base + " is marked corrupt by qemu-img; upload the image again");
        }
        return format;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
