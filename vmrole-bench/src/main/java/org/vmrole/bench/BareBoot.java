package org.vmrole.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.vmrole.host.qemu.QemuSettings;

/**
 * The floor a replacement is compared with: the sample image booted by a bare qemu-system-x86_64 command line (own
 * overlay, config drive, no host agent) until its app answers HTTP 200. The same command line as
 * {@code BootOverheadScenario}, whose routine is private to it.
 */
public final class BareBoot {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private BareBoot() {
    }

    /** @return milliseconds from starting QEMU to the first HTTP 200 */
    public static long toHttp(Path image, Path dir) throws Exception {
        Files.createDirectories(dir);
        int port = freePort();
        Path overlay = dir.resolve("overlay.qcow2");
        run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", image.toString(), "-F", "qcow2", overlay.toString()));
        Path cidata = cidata(dir);
        List<String> cmd = List.of("qemu-system-x86_64", "-machine", "q35", "-accel", QemuSettings.detectAccelerator(), "-m", "768", "-smp", "1",
                "-nodefaults", "-display", "none",
                "-drive", "file=" + overlay + ",format=qcow2,if=virtio",
                "-drive", "file=" + cidata + ",format=raw,if=virtio,readonly=on",
                "-netdev", "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:" + port + "-:80", "-device", "virtio-net-pci,netdev=n0",
                "-device", "virtio-serial-pci", "-chardev", "socket,id=agent,path=" + dir.resolve("agent.sock") + ",server=on,wait=off",
                "-device", "virtserialport,chardev=agent,name=org.vmrole.agent");
        long t0 = System.nanoTime();
        Process qemu = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.out").toFile()).start();
        try {
            awaitHttp(port, qemu);
            return (System.nanoTime() - t0) / 1_000_000;
        } finally {
            qemu.destroyForcibly().waitFor();
        }
    }

    /** The environment the guest reads from the config drive when no host agent talks to it. */
    private static Path cidata(Path dir) throws Exception {
        Path staging = Files.createDirectories(dir.resolve("cidata-files"));
        Files.writeString(staging.resolve("meta-data"), "instance-id: bench\nlocal-hostname: bench\n");
        Files.writeString(staging.resolve("user-data"), "#cloud-config\n");
        Path vmrole = Files.createDirectories(staging.resolve("vmrole"));
        Files.writeString(vmrole.resolve("environment.json"), "{\"type\":\"environment\",\"deploymentId\":\"bench\",\"role\":\"WebVM\","
                + "\"instanceId\":\"WebVM_IN_0\",\"incarnation\":1,\"updateDomain\":0,\"faultDomain\":0,\"settings\":{},"
                + "\"endpoints\":{\"HttpIn\":{\"protocol\":\"http\",\"port\":80}}}\n");
        Path img = dir.resolve("cidata.img");
        run(List.of("mkfs.vfat", "-C", "-n", "CIDATA", img.toString(), "1024"));
        run(List.of("mcopy", "-i", img.toString(), "-s", staging.resolve("meta-data").toString(), staging.resolve("user-data").toString(),
                vmrole.toString(), "::"));
        return img;
    }

    private static void awaitHttp(int port, Process qemu) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() < deadline) {
            if (!qemu.isAlive()) throw new IllegalStateException("QEMU exited with " + qemu.exitValue());
            try {
                if (HTTP.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no HTTP 200 on port " + port + " within 3 minutes");
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(cmd.getFirst() + " failed: " + out);
    }
}
