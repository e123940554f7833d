package org.vmrole.host.link;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.vmrole.host.link.ControllerClient.CannotAct;
import org.vmrole.model.host.ControllerStartup;

/**
 * When a host that hears no controller must fence itself (stop its VMs): the moment a controller could have declared it
 * down and started its instances elsewhere.
 *
 * <p>A controller declares a host down only while it leads and hears nothing from the host. A replica that answered that
 * it cannot act can act only after it starts serving hosts, and then it waits {@link ControllerStartup#GRACE} before it
 * judges a host it has not heard: a replica found not running keeps the host safe for half that grace (the other half
 * is margin); one without its store, which may lead again as soon as its store answers, only as long as a heartbeat
 * would. The host relies on these answers only when every replica it knows gave one: a replica that did not answer at
 * all may be leading beyond a partition, and then only the last heartbeat counts.
 */
final class ControllerSilence {
    private ControllerSilence() {
    }

    /** A replica's last answer that it cannot act. */
    record Answer(CannotAct.Reason reason, long atMillis) {
        long safeUntilMillis(Duration fenceAfter) {
            return atMillis + (reason == CannotAct.Reason.NOT_RUNNING ? ControllerStartup.GRACE.dividedBy(2) : fenceAfter).toMillis();
        }
    }

    /**
     * @param lastContactMillis the last heartbeat a controller took
     * @param fenceAfter        how long after its last heartbeat a host fences itself
     * @param answers           each replica's last answer that it cannot act
     * @param replicas          every replica this host knows
     * @return when the host must have stopped its VMs
     */
    static long fenceAtMillis(long lastContactMillis, Duration fenceAfter, Map<URI, Answer> answers, List<URI> replicas) {
        long byHeartbeat = lastContactMillis + fenceAfter.toMillis();
        if (replicas.isEmpty()) return byHeartbeat;
        long byAnswers = Long.MAX_VALUE;
        for (URI replica : replicas) {
            Answer a = answers.get(replica);
            if (a == null) return byHeartbeat;
            byAnswers = Math.min(byAnswers, a.safeUntilMillis(fenceAfter));
        }
        return Math.max(byHeartbeat, byAnswers);
    }
}
