package org.vmrole.host.qemu;

import java.util.List;
import org.vmrole.model.host.Assignment;

/** What a VM's directory remembers about it, so that a later driver can re-adopt it. */
record InstanceRecord(Assignment assignment, List<Integer> hostPorts) {
}
