package org.vmrole.guest.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RootFilesystemTest {

    private final RootFilesystem.Plan plan = RootFilesystem.plan(GuestFiles.load(), new byte[] {0x7f, 'E', 'L', 'F'},
            List.of("bin/busybox", "bin/sh", "sbin/init", "usr/bin/[", "usr/sbin/udhcpc"));

    @Test
    void links_every_busybox_applet_to_the_binary() {
        assertThat(plan.links()).containsEntry("/bin/sh", "/bin/busybox")
                .containsEntry("/sbin/init", "/bin/busybox")
                .containsEntry("/usr/bin/[", "/bin/busybox")
                .doesNotContainKey("/bin/busybox");
        assertThat(plan.modes().get("/bin/busybox")).isEqualTo(0100755);
    }

    @Test
    void holds_the_agent_the_app_and_the_init_configuration() {
        assertThat(plan.files()).containsKeys("/usr/lib/vmrole/agent", "/etc/vmrole/app", "/etc/inittab",
                "/etc/init.d/rcS", "/usr/lib/vmrole-sample/http");
        assertThat(plan.modes().get("/usr/lib/vmrole/agent")).isEqualTo(0100755);
        assertThat(plan.modes().get("/tmp")).isEqualTo(041777);
        assertThat(plan.modes().get("/usr/lib")).as("implied parent").isEqualTo(040755);
        assertThat(plan.links()).containsEntry("/etc/resolv.conf", "/run/resolv.conf");
    }

    @Test
    void fixes_owner_mode_and_all_four_times_of_every_inode() {
        String script = RootFilesystem.debugfsScript(plan, 1704067200L);

        assertThat(script).contains("sif /tmp mode 041777\n", "sif /bin/sh mode 0120777\n", "sif /usr/bin/[ uid 0\n",
                "sif / crtime @1704067200\n");
        long perInode = 7;
        assertThat(script.lines().count()).isEqualTo(plan.modes().size() * perInode);
    }
}
