package org.vmrole.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Plugs a drive served over NBD into a running VM and unplugs it again, over QMP.
 *
 * <p>Attach: {@code blockdev-add} (driver nbd, the host's NBD server's Unix socket, the export name) and then
 * {@code device_add virtio-blk-pci} with {@code serial} set to the drive's name, so the guest finds
 * it at {@code /dev/disk/by-id/virtio-<name>}. The q35 root bus cannot take hot-plugged devices, so
 * every VM is started with {@link #PORTS} empty PCIe root ports ({@link #commandLine()}) and a drive
 * goes into the first free one. Detach: {@code device_del}, wait for the guest to let go
 * ({@code DEVICE_DELETED}), then {@code blockdev-del}.
 */
public final class DriveHotplug {
    /** How many drives one VM can have attached at once. */
    public static final int PORTS = 4;

    private DriveHotplug() {}

    /** Where QEMU reaches a drive: the NBD server's Unix socket and the export's name. */
    public record NbdTarget(java.nio.file.Path socket, String export) {}

    /** The options that give a VM its empty hot-plug ports. */
    static java.util.List<String> commandLine() {
        java.util.List<String> c = new java.util.ArrayList<>();
        for (int i = 0; i < PORTS; i++) c.addAll(java.util.List.of("-device", "pcie-root-port,id=" + port(i) + ",chassis=" + (i + 1)));
        return c;
    }

    static String port(int i) {
        return "hotplug" + i;
    }

    /** The QOM id of a drive's device, also the stem of its block node's name. */
    public static String deviceId(String drive) {
        return "drive-" + QemuCommandLine.serial(drive);
    }

    private static String nodeName(String drive) {
        return deviceId(drive) + "-nbd";
    }

    /**
     * Attaches the drive to the VM behind {@code qmp}.
     *
     * @throws QmpException when QEMU refuses, or every port is taken; nothing is left half-attached
     */
    public static void attach(QmpClient qmp, String drive, NbdTarget target, boolean readOnly) {
        String serial = QemuCommandLine.serial(drive);
        if (!serial.equals(drive)) {
            throw new IllegalArgumentException("drive name '" + drive + "' is not a disk serial: use at most 20 letters, digits, '-' or '_'");
        }
        String port = freePort(qmp).orElseThrow(() -> new QmpException("VM has no free drive port: at most " + PORTS + " drives can be attached at once"));
        Map<String, Object> server = new LinkedHashMap<>();
        server.put("type", "unix");
        server.put("path", target.socket().toString());
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("driver", "nbd");
        node.put("node-name", nodeName(drive));
        node.put("server", server);
        node.put("export", target.export());
        node.put("read-only", readOnly);
        // a host agent that restarts brings its NBD server back: QEMU retries instead of failing the guest's I/O at once
        node.put("reconnect-delay", 15);
        try {
            qmp.execute("blockdev-add", node);
        } catch (QmpException e) {
            throw new QmpException("drive " + drive + ": QEMU cannot open NBD export '" + target.export() + "' on " + target.socket()
                    + " (" + e.getMessage() + ")", e);
        }
        try {
            qmp.execute("device_add", Map.of("driver", "virtio-blk-pci", "id", deviceId(drive), "drive", nodeName(drive),
                    "serial", serial, "bus", port));
        } catch (QmpException e) {
            qmp.execute("blockdev-del", Map.of("node-name", nodeName(drive)));
            throw e;
        }
    }

    /**
     * Detaches the drive: asks the guest to release the device, waits up to {@code guestWait} for it,
     * and removes the block node.
     *
     * @return false when the guest did not release the device in time (the node stays until the VM ends)
     */
    public static boolean detach(QmpClient qmp, String drive, Duration guestWait) {
        String id = deviceId(drive);
        CompletableFuture<Void> deleted = new CompletableFuture<>();
        Consumer<QmpEvent> listener = e -> {
            if (e.name().equals("DEVICE_DELETED") && id.equals(e.data().path("device").asText())) deleted.complete(null);
        };
        qmp.addEventListener(listener);
        try {
            if (attached(qmp, drive)) {
                qmp.execute("device_del", Map.of("id", id));
                deleted.get(guestWait.toMillis(), TimeUnit.MILLISECONDS);
            }
            if (hasNode(qmp, drive)) qmp.execute("blockdev-del", Map.of("node-name", nodeName(drive)));
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new QmpException("detaching drive " + drive + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            qmp.removeEventListener(listener);
        }
    }

    /** True while the drive's device is in the VM. */
    public static boolean attached(QmpClient qmp, String drive) {
        return peripherals(qmp).containsKey(deviceId(drive));
    }

    /** True once the guest's virtio driver has set the device up (DRIVER_OK): the guest sees the disk. */
    public static boolean guestBound(QmpClient qmp, String drive) {
        JsonNode status = qmp.execute("x-query-virtio-status", Map.of("path", "/machine/peripheral/" + deviceId(drive) + "/virtio-backend"));
        for (JsonNode s : status.path("status").path("statuses")) if (s.asText().startsWith("VIRTIO_CONFIG_S_DRIVER_OK")) return true;
        return false;
    }

    private static boolean hasNode(QmpClient qmp, String drive) {
        for (JsonNode n : qmp.execute("query-named-block-nodes", Map.of("flat", true))) {
            if (nodeName(drive).equals(n.path("node-name").asText())) return true;
        }
        return false;
    }

    /**
     * The first port no device sits in. QOM is asked, not query-pci: before the guest's firmware has
     * numbered the buses, query-pci does not list what sits behind a root port.
     */
    private static Optional<String> freePort(QmpClient qmp) {
        Map<String, String> devices = peripherals(qmp);
        java.util.Set<String> taken = new java.util.HashSet<>();
        devices.forEach((id, type) -> {
            if (type.equals("child<virtio-blk-pci>") && id.startsWith("drive-")) {
                String bus = qmp.execute("qom-get", Map.of("path", "/machine/peripheral/" + id, "property", "parent_bus")).asText();
                taken.add(bus.substring(bus.lastIndexOf('/') + 1));
            }
        });
        for (int i = 0; i < PORTS; i++) {
            if (devices.containsKey(port(i)) && !taken.contains(port(i))) return Optional.of(port(i));
        }
        return Optional.empty();
    }

    /** The devices given an id, with their QOM type ("child<virtio-blk-pci>"). */
    private static Map<String, String> peripherals(QmpClient qmp) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode p : qmp.execute("qom-list", Map.of("path", "/machine/peripheral"))) out.put(p.path("name").asText(), p.path("type").asText());
        return out;
    }
}
