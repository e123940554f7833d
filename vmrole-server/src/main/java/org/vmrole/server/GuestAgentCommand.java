package org.vmrole.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vmrole.guest.agent.AgentPackage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmrole guest-agent deb|tar --out FILE}: the guest agent packaged for the user's own images. */
@Command(name = "guest-agent", mixinStandardHelpOptions = true,
        description = {"Package the vmrole guest agent for your own image:",
                "  deb  a Debian package: apt install ./FILE pulls what it needs and enables the agent's systemd unit",
                "  tar  a .tar.gz for other systemd distributions: unpack it and run install.sh (or install.sh --root DIR)"})
public final class GuestAgentCommand implements Callable<Integer> {
    enum Kind { deb, tar }

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "deb|tar", description = "the kind of package") Kind kind;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the package.")
    Path out;

    @Override
    public Integer call() {
        if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a directory; give a file name");
        AgentPackage p = new AgentPackage();
        if (kind == Kind.deb) p.deb(out);
        else p.tar(out);
        spec.commandLine().getOut().printf("%s  %s %s%n", out, AgentPackage.NAME, AgentPackage.version());
        return Main.OK;
    }
}
