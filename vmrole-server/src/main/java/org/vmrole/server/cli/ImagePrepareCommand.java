package org.vmrole.server.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vmrole.image.contents.ImageContents;
import org.vmrole.image.contents.ImagePreparation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmrole image prepare IN OUT}: generalizes a Linux image on this machine, as sysprep did for the VM Role. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = {"Generalize a Linux disk image (no root, no mount): empty /etc/machine-id, remove SSH host keys, DHCP leases,",
                "cloud-init's instance state, logs and shell histories; write OUT as qcow2 and say what the image holds."})
public final class ImagePrepareCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "IN", description = "the image (qcow2, raw, VHD, VHDX); only read") Path in;
    @Parameters(index = "1", paramLabel = "OUT", description = "the generalized image to write (qcow2; must not exist)") Path out;

    @Override
    public Integer call() {
        var say = spec.commandLine().getOut();
        try {
            ImagePreparation.Report r = ImagePreparation.prepare(in, out);
            ImageContents c = r.contents();
            say.println("os:      " + c.os());
            say.println("kernel:  " + (c.kernels().isEmpty() ? "none found on the root filesystem" : String.join(", ", c.kernels())));
            say.println("agent:   " + (c.agent().isEmpty() ? "none (instances are judged by their endpoint's probe)" : c.agent()));
            for (String w : c.warnings()) say.println("warning: " + w);
            say.println("removed: " + r.removed().size() + " files" + (r.removed().isEmpty() ? "" : ": " + String.join(", ", r.removed())));
            say.println("wrote " + out);
            say.flush();
            return 0;
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage() + "; nothing was written");
            return 1;
        }
    }
}
