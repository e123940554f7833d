package org.vmrole.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vmrole.guest.image.ImageBuildException;
import org.vmrole.guest.image.ImageFormat;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.guest.image.SampleImageBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code vmrole sample-image}: builds the bootable sample VM image (busybox, the vmrole agent and a tiny HTTP app). */
@Command(name = "sample-image",
        description = "Build the sample VM image from Debian packages: kernel, busybox, the vmrole agent and an HTTP app.")
public final class SampleImageCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the image.")
    Path out;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "qcow2",
            description = "qcow2 (default), vpc (a VHD, as VM Role users uploaded) or raw.")
    String format;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Where downloaded .deb files are kept and reused (default: ~/.cache/vmrole/debs).")
    Path cache;

    @Override
    public Integer call() throws Exception {
        ImageFormat imageFormat = ImageFormat.parse(format);
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a directory; give a file name such as " + out.resolve("sample." + imageFormat.qemuName()));
        }
        Path debs = cache != null ? cache : SampleImage.defaultCacheRoot().resolve("debs");
        long started = System.nanoTime();
        Path work = Files.createTempDirectory("vmrole-sample-image-");
        try {
            new SampleImageBuilder(debs).build(out, imageFormat, work);
        } catch (ImageBuildException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return Main.FAILED;
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        spec.commandLine().getOut().printf("%s  %s  %.1f MiB  built in %.1f s%n", out, imageFormat.qemuName(),
                Files.size(out) / 1048576.0, ms / 1000.0);
        return Main.OK;
    }
}
