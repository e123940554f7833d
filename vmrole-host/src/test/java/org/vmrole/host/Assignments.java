package org.vmrole.host;

import java.util.List;
import java.util.Map;
import org.vmrole.model.InstanceName;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.LocalDisk;

/** Assignments for tests. */
public final class Assignments {
    private Assignments() {
    }

    public static Assignment of(String role, int index, long incarnation, long rebootGeneration) {
        return new Assignment("d-test", new InstanceName(role, index), incarnation, rebootGeneration, VmSize.ExtraSmall,
                "sample", index % 5, index % 2, Map.of("Greeting", "hi"), List.of(), List.of());
    }

    public static Assignment withEndpoint(String role, int index, long incarnation, int hostPort, List<LocalDisk> disks) {
        return new Assignment("d-test", new InstanceName(role, index), incarnation, 0, VmSize.ExtraSmall,
                "sample", index % 5, index % 2, Map.of("Greeting", "hi"),
                List.of(new EndpointBinding("HttpIn", "http", 80, hostPort)), disks);
    }
}
