package org.vmrole.guest.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.guest.image.HostTools;

/** The agent packages, read back with dpkg-deb and tar as a user's machine would. */
class AgentPackageTest {
    @TempDir Path dir;
    private final HostTools tools = new HostTools(Map.of());

    @Test
    void the_deb_holds_the_agent_with_run_bits_the_unit_and_its_dependencies() {
        Path deb = dir.resolve("agent.deb");
        new AgentPackage().deb(deb);

        String contents = tools.runText(dir, List.of("dpkg-deb", "-c", deb.toString()));
        assertThat(contents).containsPattern("-rwxr-xr-x root/root .* \\./usr/lib/vmrole/agent\\n")
                .containsPattern("-rwxr-xr-x root/root .* \\./usr/lib/vmrole/http-probe\\n")
                .containsPattern("-rwxr-xr-x root/root .* \\./usr/lib/vmrole/shutdown\\n")
                .containsPattern("-rw-r--r-- root/root .* \\./usr/lib/vmrole/json\\.awk\\n")
                .containsPattern("-rw-r--r-- root/root .* \\./lib/systemd/system/vmrole-guest-agent\\.service\\n");
        assertThat(tools.runText(dir, List.of("dpkg-deb", "-f", deb.toString(), "Version")).strip()).isEqualTo(AgentPackage.version());
        assertThat(tools.runText(dir, List.of("dpkg-deb", "-f", deb.toString(), "Depends"))).contains("systemd", "mawk", "util-linux");
        assertThat(tools.runText(dir, List.of("dpkg-deb", "-I", deb.toString(), "postinst"))).contains("systemctl enable vmrole-guest-agent.service");
        assertThat(tools.runText(dir, List.of("dpkg-deb", "--fsys-tarfile", deb.toString())).length()).isPositive();
        String unit = tools.runText(dir, List.of("sh", "-c", "dpkg-deb --fsys-tarfile " + deb + " | tar -xOf - ./lib/systemd/system/vmrole-guest-agent.service"));
        assertThat(unit).contains("ExecStart=/usr/lib/vmrole/agent", "Restart=always", "KillMode=process");
    }

    @Test
    void the_same_sources_give_the_same_deb() throws Exception {
        Path a = dir.resolve("a.deb");
        Path b = dir.resolve("b.deb");
        new AgentPackage().deb(a);
        new AgentPackage().deb(b);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
    }

    @Test
    void the_tarball_installs_into_an_image_tree_with_run_bits_and_the_unit_enabled() throws Exception {
        Path tgz = dir.resolve("agent.tar.gz");
        new AgentPackage().tar(tgz);
        tools.run(dir, null, List.of("tar", "-xzf", tgz.toString()));
        Path top = dir.resolve(AgentPackage.NAME + "-" + AgentPackage.version());
        assertThat(Files.isExecutable(top.resolve("install.sh"))).isTrue();

        Path image = Files.createDirectory(dir.resolve("image"));
        String said = tools.runText(dir, List.of(top.resolve("install.sh").toString(), "--root", image.toString()));

        assertThat(said).contains("installed");
        assertThat(Files.isExecutable(image.resolve("usr/lib/vmrole/agent"))).isTrue();
        assertThat(Files.isExecutable(image.resolve("usr/lib/vmrole/http-probe"))).isTrue();
        assertThat(Files.isExecutable(image.resolve("usr/lib/vmrole/json.awk"))).isFalse();
        assertThat(Files.readString(image.resolve("usr/lib/vmrole/VERSION")).strip()).isEqualTo(AgentPackage.version());
        Path wanted = image.resolve("etc/systemd/system/sysinit.target.wants/vmrole-guest-agent.service");
        assertThat(Files.readSymbolicLink(wanted)).isEqualTo(Path.of("/lib/systemd/system/vmrole-guest-agent.service"));
        assertThat(image.resolve("lib/systemd/system/vmrole-guest-agent.service")).exists();
    }
}
