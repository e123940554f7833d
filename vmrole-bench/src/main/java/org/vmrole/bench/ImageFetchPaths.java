package org.vmrole.bench;

import java.io.InputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import org.vmrole.host.link.ControllerClient;
import org.vmrole.image.ImageSource;
import org.vmrole.server.EmbeddedPlatform;
import org.vmrole.server.ImageBlobAccount;
import org.vmrole.server.cli.ImageUploader;

/**
 * The two ways a host could fetch an image kept in the Blob service, alternated on one stored image: through the
 * controller over the host link (the controller streams the blob to the host), or straight from the Blob service
 * with a short-lived read SAS. Both write, fsync and verify into a fresh image cache.
 *
 * <p>Usage: {@code ImageFetchPaths WORKDIR SIZE_MIB ROUNDS}.
 */
public final class ImageFetchPaths {
    private ImageFetchPaths() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path source = ImageTransferBenchmark.source(dir, Long.parseLong(args[1]));
        int rounds = Integer.parseInt(args[2]);
        System.setProperty("vmrole.config.dir", dir.resolve("cli-paths").toString());
        Path data = dir.resolve("platform-paths");
        ImageTransferBenchmark.deleteTree(data);
        try (EmbeddedPlatform platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(data, "127.0.0.1", 0, null, 0))) {
            String digest = new ImageUploader(ImageTransferBenchmark.tenant(platform), new PrintWriter(new StringWriter(), true))
                    .upload(source, "disk", null).path("digest").asText();
            ControllerClient host = ImageTransferBenchmark.joinedHost(platform, "bench-host");
            ImageBlobAccount account = platform.imageStorage();
            URI blob = URI.create(account.accountUrl() + "/images/" + digest.substring("sha256:".length()) + ".qcow2");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            ImageSource direct = d -> {
                String sas = account.key().readSas(blob, null, Instant.now().plus(15, ChronoUnit.MINUTES));
                try {
                    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(blob + "?" + sas)).GET().build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    if (r.statusCode() != 200) throw new IOException("GET with SAS answered " + r.statusCode());
                    return r.body();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            };
            for (int round = 1; round <= rounds; round++) {
                Thread.sleep(2_000);
                double viaController = ImageTransferBenchmark.fetch(data.resolve("cache-api"), host::image, digest);
                Thread.sleep(2_000);
                double withSas = ImageTransferBenchmark.fetch(data.resolve("cache-sas"), direct, digest);
                System.out.printf(Locale.ROOT, "round %d: via the controller %.2f s, with a read SAS from the Blob service %.2f s (ratio %.2f), load %s%n",
                        round, viaController, withSas, withSas / viaController, java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            }
        } finally {
            ImageTransferBenchmark.deleteTree(data);
        }
    }
}
