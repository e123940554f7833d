package org.vmrole.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The members of the etcd cluster and whether each answers now, for {@code vmrole controller status}. */
public final class EtcdMembers {
    private EtcdMembers() {}

    /** One member: its name, client URL, whether it answered its status call within a second, and whether it leads etcd. */
    public record Health(String name, String url, boolean healthy, boolean leader, String problem) {
    }

    /** Asks the cluster for its members, then each member for its status; a cluster without quorum may list none. */
    public static List<Health> of(Client client) {
        List<Member> members;
        try {
            members = client.getClusterClient().listMember().get(2, TimeUnit.SECONDS).getMembers();
        } catch (Exception e) {
            return List.of(new Health("?", "?", false, false, "the cluster did not list its members: " + e.getMessage()));
        }
        List<Health> out = new ArrayList<>();
        for (Member m : members) {
            String url = m.getClientURIs().stream().findFirst().map(URI::toString).orElse("");
            try {
                StatusResponse s = client.getMaintenanceClient().statusMember(url).get(1, TimeUnit.SECONDS);
                out.add(new Health(m.getName(), url, true, s.getLeader() == m.getId(), null));
            } catch (Exception e) {
                out.add(new Health(m.getName(), url, false, false, "does not answer: " + e.getClass().getSimpleName()));
            }
        }
        return out;
    }
}
