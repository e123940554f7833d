package org.vmrole.fabric.controller;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.reconcile.HealingPolicy;
import org.vmrole.fabric.store.SqliteStore;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.HostCapacity;

/**
 * A controller in a child process for the kill -9 test: admits two hosts, then creates deployments and runs a
 * pass for each, printing an acknowledgement only after the calls returned.
 */
public final class ControllerProcess {
    public static void main(String[] args) {
        FabricController controller = new FabricController(SqliteStore.open(Path.of(args[0])), java.time.InstantSource.system(), HealingPolicy.DEFAULT);
        for (String host : List.of("h0", "h1")) {
            String token = controller.issueJoinToken(host);
            controller.registerHost(token, new HostRegistration(host, new HostCapacity(64, 262144, 100000), host.equals("h0") ? 0 : 1));
            System.out.println("token " + host + " " + token);
        }
        for (int i = 0; ; i++) {
            String id = "d" + i;
            controller.createDeployment(new Deployment(id, "svc", "production", 5,
                    List.of(new RoleSpec("Web", VmSize.ExtraSmall, 2, "sha256:00", Map.of(), List.of(), List.of())), false));
            controller.reconcileOnce();
            System.out.println("ack " + id);
            System.out.flush();
        }
    }
}
