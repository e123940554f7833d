package org.vmrole.server;

import java.time.Instant;
import java.util.List;
import org.vmrole.etcd.EtcdMembers;

/** This process's part in the control plane: it runs the reconciler (and so the executor) only while it leads. */
public interface ControllerRole extends AutoCloseable {

    /** Who leads, which replicas run, and the etcd members' health; as {@code vmrole controller status -o json} shows it. */
    record Status(String leader, Instant leaderSince, List<Replica> replicas, List<EtcdMembers.Health> members) {
    }

    /** One server replica, named by its API address. */
    record Replica(String address, Instant since, boolean leader) {
    }

    boolean leads();

    Status status();

    @Override
    void close();
}
