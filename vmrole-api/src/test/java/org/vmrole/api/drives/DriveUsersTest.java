package org.vmrole.api.drives;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.DriveAttachment;

class DriveUsersTest {
    static RoleSpec role(String name, DriveAttachment... drives) {
        return new RoleSpec(name, VmSize.ExtraSmall, 1, "sha256:00", Map.of(), List.of(), List.of(), List.of(), "", null, List.of(drives));
    }

    static DriveAttachment drive(String account, String drive, String mode) {
        return new DriveAttachment("data", "http://127.0.0.1:10000/" + account + "/drives/" + drive + ".vhd", mode, account, "", 1 << 20);
    }

    @Test
    void names_every_deployment_of_the_subscription_that_binds_the_drive_and_how() {
        List<Deployment> deployments = List.of(
                new Deployment("d-1", "contoso/web", "production", 5, List.of(role("WriterVM", drive("contosofiles", "shared", "write"))), false),
                new Deployment("d-2", "contoso/web", "staging", 5, List.of(role("ReaderVM", drive("contosofiles", "shared", "snapshot"))), true),
                new Deployment("d-3", "contoso/other", "production", 5, List.of(role("WebVM", drive("contosofiles", "sharedtoo", "write"))), false),
                new Deployment("d-4", "fabrikam/web", "production", 5, List.of(role("WebVM", drive("fabrikamfiles", "shared", "write"))), false));

        assertThat(DriveUsers.of(deployments, "contoso", "shared")).containsExactly(
                "deployment d-1 (web production) role WriterVM for writing",
                "deployment d-2 (web staging) role ReaderVM as snapshots, still stopping");
        assertThat(DriveUsers.of(deployments, "contoso", "unused")).isEmpty();
    }
}
