package org.vmrole.guest.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarExtractorTest {

    @TempDir
    Path dir;

    @Test
    void extracts_only_the_wanted_files_including_ones_with_long_names() throws Exception {
        Path src = dir.resolve("src");
        String deep = "lib/modules/6.1.0-56-amd64/kernel/drivers/net/ethernet/some/vendor/with/a/very/long/path/beyond/one/hundred/chars";
        Files.createDirectories(src.resolve(deep));
        Files.createDirectories(src.resolve("boot"));
        Files.writeString(src.resolve("boot/vmlinuz-6.1.0-56-amd64"), "kernel");
        Files.writeString(src.resolve(deep + "/virtio_net.ko"), "module");
        Files.writeString(src.resolve(deep + "/unwanted.ko"), "x".repeat(5000));
        Files.createSymbolicLink(src.resolve("boot/link"), Path.of("vmlinuz-6.1.0-56-amd64"));
        Path into = dir.resolve("out");
        HostTools tools = new HostTools(Map.of());

        int[] count = {0};
        for (String format : List.of("gnu", "pax", "ustar")) {
            Path target = into.resolve(format);
            tools.stream(src, List.of("tar", "--format=" + format, "-cf", "-", "."), (InputStream tar) ->
                    count[0] = TarExtractor.extract(tar, KernelTree.needed(List.of("virtio_net")), target));

            assertThat(count[0]).as(format).isEqualTo(2);
            assertThat(target.resolve("boot/vmlinuz-6.1.0-56-amd64")).hasContent("kernel");
            assertThat(target.resolve(deep + "/virtio_net.ko")).hasContent("module");
            assertThat(target.resolve(deep + "/unwanted.ko")).doesNotExist();
            assertThat(target.resolve("boot/link")).doesNotExist();
        }
    }
}
