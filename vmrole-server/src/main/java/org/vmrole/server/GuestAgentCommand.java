package org.vmrole.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vmrole.guest.agent.AgentPackage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmrole guest-agent deb|tar --out FILE}: the guest agent packaged for the user's own images. */
@Command(name = "guest-agent", mixinStandardHelpOptions = true,
        description = "Package the vmrole guest agent for your own image: a Debian package or a tarball with install.sh.",
        subcommands = {GuestAgentCommand.Deb.class, GuestAgentCommand.Tar.class})
public final class GuestAgentCommand {

    abstract static class Build implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the package.")
        Path out;

        abstract void write(AgentPackage p, Path file);

        @Override
        public Integer call() {
            if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a directory; give a file name");
            write(new AgentPackage(), out);
            spec.commandLine().getOut().printf("%s  %s %s%n", out, AgentPackage.NAME, AgentPackage.version());
            return Main.OK;
        }
    }

    @Command(name = "deb", mixinStandardHelpOptions = true,
            description = "A Debian package: apt install ./FILE pulls what it needs and enables the agent's systemd unit.")
    static final class Deb extends Build {
        @Override
        void write(AgentPackage p, Path file) {
            p.deb(file);
        }
    }

    @Command(name = "tar", mixinStandardHelpOptions = true,
            description = "A .tar.gz for other systemd distributions: unpack it and run install.sh (or install.sh --root DIR).")
    static final class Tar extends Build {
        @Override
        void write(AgentPackage p, Path file) {
            p.tar(file);
        }
    }
}
