package org.vmrole.api.hostlink;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.vmrole.fabric.controller.AssignmentSet;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.HostAssignments;
import org.vmrole.model.host.WantedImage;

/**
 * What a heartbeat is answered with: the host's assignments when the controller changed them, with the drives'
 * current account keys filled in; and the same assignments again when only a key changed since they were last sent
 * (a regenerated storage account key) or the subscription's accounts changed, so the host's attached drives sign
 * with the new key within seconds and its guests may mount drives from a new account. An unchanged host's keys are
 * compared again at most every {@link #RECHECK_NANOS}. The images hosts should warm ride along: a reply goes out at
 * the next heartbeat whenever that list changed (an upload committed), with the host's current assignments.
 */
final class AssignmentReplies {
    private record Sent(AssignmentSet set, List<String> keys, List<WantedImage> images, long checkedNanos) {}

    /** How often an unchanged host's keys and accounts are compared again (each comparison reads the store). */
    static final long RECHECK_NANOS = 2_000_000_000L;

    private final UnaryOperator<Assignment> credentials;
    private final java.util.function.LongSupplier nanos;
    private final Supplier<List<WantedImage>> wanted;
    private final Map<String, Sent> sent = new ConcurrentHashMap<>();

    /** @param wanted the images hosts should hold ahead of need, most wanted first (read at every heartbeat: keep it cheap) */
    AssignmentReplies(UnaryOperator<Assignment> credentials, Supplier<List<WantedImage>> wanted) {
        this(credentials, wanted, System::nanoTime);
    }

    AssignmentReplies(UnaryOperator<Assignment> credentials, Supplier<List<WantedImage>> wanted, java.util.function.LongSupplier nanos) {
        this.credentials = credentials;
        this.wanted = wanted;
        this.nanos = nanos;
    }

    /** @param changed the fabric's answer to the heartbeat: present when the host's assignments changed */
    Optional<HostAssignments> reply(String host, Optional<AssignmentSet> changed) {
        AssignmentSet set = changed.orElse(null);
        long now = nanos.getAsLong();
        List<WantedImage> images = List.copyOf(wanted.get());
        if (set == null) {
            Sent last = sent.get(host);
            if (last == null || (last.images().equals(images) && now - last.checkedNanos() < RECHECK_NANOS)) return Optional.empty();
            set = last.set();
        }
        List<Assignment> keyed = set.assignments().stream().map(credentials).toList();
        List<String> keys = keyed.stream().flatMap(a -> java.util.stream.Stream.concat(a.storageAccounts().stream(),
                a.drives().stream().map(d -> d.accountName() + ":" + d.accountKey()))).toList();
        Sent previous = sent.put(host, new Sent(set, keys, images, now));
        if (changed.isEmpty() && previous != null && previous.keys().equals(keys) && previous.images().equals(images)) return Optional.empty();
        return Optional.of(new HostAssignments(set.version(), keyed, images));
    }
}
