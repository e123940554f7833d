package org.vmrole.host.qemu;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.vmrole.host.Assignments;
import org.vmrole.host.HostAgent;

/**
 * A host agent in a JVM of its own, for the test that kills it with SIGKILL: applies one assignment
 * (instance Web_IN_0 with its endpoint on the given port, and a drive "data" when one is given), says "applied" and
 * waits to be killed. Arguments: data directory, base image, host port [, drive blob URL, account, key, disk size].
 */
public final class HostAgentProcess {
    private HostAgentProcess() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        QemuSettings settings = QemuSettings.defaults(data, BaseImages.of(Map.of("sample", Path.of(args[1]))));
        HostAgent agent = new HostAgent(new QemuDriver(settings), data);
        org.vmrole.model.host.Assignment a = Assignments.withEndpoint("Web", 0, 1, Integer.parseInt(args[2]), List.of());
        if (args.length > 3) {
            // with a drive: blob URL, account, key, disk size
            a = a.withStorage(List.of(new org.vmrole.model.host.DriveAttachment("data", args[3], "write", args[4], args[5], Long.parseLong(args[6]))),
                    List.of(args[4]));
        }
        agent.apply(List.of(a));
        System.out.println("applied");
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Starts it with this JVM's own java and class path. */
    static Process launch(Path data, Path base, int port, String... drive) throws java.io.IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), HostAgentProcess.class.getName(),
                data.toString(), base.toString(), Integer.toString(port)));
        command.addAll(List.of(drive));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }
}
