package org.vmrole.host.qemu;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.vmrole.host.Assignments;
import org.vmrole.host.HostAgent;

/**
 * A host agent in a JVM of its own, for the test that kills it with SIGKILL: applies one assignment
 * (instance Web_IN_0 with its endpoint on the given port), says "applied" and waits to be killed.
 * Arguments: data directory, base image, host port.
 */
public final class HostAgentProcess {
    private HostAgentProcess() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        QemuSettings settings = QemuSettings.defaults(data, BaseImages.of(Map.of("sample", Path.of(args[1]))));
        HostAgent agent = new HostAgent(new QemuDriver(settings), data);
        agent.apply(List.of(Assignments.withEndpoint("Web", 0, 1, Integer.parseInt(args[2]), List.of())));
        System.out.println("applied");
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Starts it with this JVM's own java and class path. */
    static Process launch(Path data, Path base, int port) throws java.io.IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), HostAgentProcess.class.getName(),
                data.toString(), base.toString(), Integer.toString(port)).redirectErrorStream(true).start();
    }
}
