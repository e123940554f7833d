package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo flow end to end on real QEMU: platform, beta admission, upload, two instances answering, nothing left after. */
@Tag("vm")
class DemoFlowVmTest {
    @TempDir Path dir;

    @Test
    void the_demo_deploys_two_instances_that_answer_and_leaves_no_vm_behind() throws Exception {
        Path data = dir.resolve("data");
        Path log = dir.resolve("demo.log");
        Process demo = ChildJvm.start(log, "demo", "--port", "0", "--data", data.toString(), "--exit-when-ready");
        boolean ended = demo.waitFor(10, TimeUnit.MINUTES);
        String out = Files.readString(log);
        if (!ended) demo.destroyForcibly();
        assertThat(ended).as("demo finished within 10 minutes:\n%s", out).isTrue();
        assertThat(demo.exitValue()).as(out).isZero();
        assertThat(out).contains("2 of 2 instances ready")
                .contains("-> instance=WebVM_IN_0 incarnation=1")
                .contains("-> instance=WebVM_IN_1 incarnation=1")
                .contains("administrator key:")
                .contains("through the load balancer")
                .contains("UseDevelopmentStorage=true");
        assertThat(ChildJvm.processesMentioning(data.toString())).as("QEMU processes left behind").isEmpty();
    }
}
