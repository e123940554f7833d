package org.vmrole.api.hostlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmrole.fabric.controller.AssignmentSet;
import org.vmrole.model.InstanceName;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.DriveAttachment;
import org.vmrole.model.host.HostAssignments;
import org.vmrole.model.host.WantedImage;

class AssignmentRepliesTest {
    private final Map<String, String> keys = new HashMap<>(Map.of("acct", "a2V5MQ=="));
    private long now = 0;
    private List<WantedImage> wanted = List.of();
    private final AssignmentReplies replies = new AssignmentReplies(a -> new Assignment(a.deploymentId(), a.instance(), a.incarnation(),
            a.rebootGeneration(), a.size(), a.imageDigest(), a.updateDomain(), a.faultDomain(), a.settings(), a.endpoints(), a.localDisks(),
            a.network(), a.userData(), a.probe(), a.drives().stream().map(d -> new DriveAttachment(d.name(), d.blobUrl(), d.mode(), d.accountName(),
                    keys.get(d.accountName()), d.sizeBytes())).toList()), () -> wanted, () -> now);

    private static AssignmentSet set(List<DriveAttachment> drives) {
        return new AssignmentSet(7, List.of(new Assignment("d-1", new InstanceName("Writer", 0), 1, 0, VmSize.ExtraSmall, "sha256:00", 0, 0, Map.of(),
                List.of(), List.of(), null, "", null, drives)));
    }

    private static String keyIn(Optional<HostAssignments> reply) {
        return reply.orElseThrow().assignments().getFirst().drives().getFirst().accountKey();
    }

    @Test
    void a_regenerated_account_key_is_sent_to_the_host_again_without_an_assignment_change() {
        AssignmentSet withDrive = set(List.of(new DriveAttachment("data", "http://s/acct/drives/d.vhd", "write", "acct", "", 1 << 20)));
        assertThat(keyIn(replies.reply("host-a", Optional.of(withDrive)))).isEqualTo("a2V5MQ==");
        assertThat(replies.reply("host-a", Optional.empty())).as("nothing changed").isEmpty();

        keys.put("acct", "a2V5Mg==");
        assertThat(replies.reply("host-a", Optional.empty())).as("not compared again yet").isEmpty();
        now += AssignmentReplies.RECHECK_NANOS;

        Optional<HostAssignments> again = replies.reply("host-a", Optional.empty());
        assertThat(again.orElseThrow().version()).as("the same version, the new key").isEqualTo(7);
        assertThat(keyIn(again)).isEqualTo("a2V5Mg==");
        now += AssignmentReplies.RECHECK_NANOS;
        assertThat(replies.reply("host-a", Optional.empty())).as("sent once").isEmpty();
    }

    @Test
    void a_host_without_drives_hears_nothing_when_nothing_changed() {
        replies.reply("host-b", Optional.of(set(List.of())));
        now += AssignmentReplies.RECHECK_NANOS;
        assertThat(replies.reply("host-b", Optional.empty())).isEmpty();
        assertThat(replies.reply("host-c", Optional.empty())).isEmpty();
    }

    @Test
    void an_uploaded_image_is_sent_at_the_next_heartbeat_without_an_assignment_change_and_only_once() {
        replies.reply("host-d", Optional.of(set(List.of())));
        assertThat(replies.reply("host-d", Optional.empty())).isEmpty();

        wanted = List.of(new WantedImage("sha256:" + "ab".repeat(32), 1 << 20));
        Optional<HostAssignments> told = replies.reply("host-d", Optional.empty());
        assertThat(told.orElseThrow().images()).as("no wait for the key recheck").isEqualTo(wanted);
        assertThat(told.orElseThrow().version()).as("the same assignments").isEqualTo(7);
        assertThat(told.orElseThrow().assignments()).hasSize(1);
        now += AssignmentReplies.RECHECK_NANOS;
        assertThat(replies.reply("host-d", Optional.empty())).as("sent once").isEmpty();
    }
}
