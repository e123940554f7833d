package org.vmrole.fabric.reconcile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Operation;

/**
 * Which finished operations the store may forget, so the operation log does not grow without bound: those that
 * finished more than {@code keepFinished} ago, and those beyond the newest {@code keepPerDeployment} finished ones of
 * their deployment. An operation in progress, or one a deployment's upgrade still names, is always kept. At most
 * {@code atOnce} are given per call, oldest first, so forgetting a long history is spread over several passes.
 */
public record OperationRetention(Duration keepFinished, int keepPerDeployment, int atOnce) {
    /** A week of finished operations, and the last 100 of each deployment; 500 forgotten per pass at most. */
    public static final OperationRetention DEFAULT = new OperationRetention(Duration.ofDays(7), 100, 500);

    public OperationRetention {
        if (keepFinished.isNegative()) throw new IllegalArgumentException("keepFinished must not be negative, got " + keepFinished);
        if (keepPerDeployment < 0 || atOnce < 1) throw new IllegalArgumentException("keepPerDeployment must be >= 0 and atOnce >= 1");
    }

    /** The operations to forget now, oldest first; a pure decision over what the store holds. */
    public List<Operation> expired(Collection<Operation> operations, Collection<Deployment> deployments, long now) {
        Set<String> named = new HashSet<>();
        for (Deployment d : deployments) if (d.upgrade() != null && d.upgrade().operationId() != null) named.add(d.upgrade().operationId());
        Map<String, List<Operation>> finishedByDeployment = new HashMap<>();
        for (Operation op : operations) {
            if (!op.inProgress() && !named.contains(op.id())) finishedByDeployment.computeIfAbsent(String.valueOf(op.deploymentId()), k -> new ArrayList<>()).add(op);
        }
        Comparator<Operation> newestFirst = Comparator.comparingLong(Operation::finishedMillis).thenComparing(Operation.BY_ID_AGE).reversed();
        List<Operation> out = new ArrayList<>();
        for (List<Operation> finished : finishedByDeployment.values()) {
            finished.sort(newestFirst);
            for (int i = 0; i < finished.size(); i++) {
                Operation op = finished.get(i);
                if (i >= keepPerDeployment || now - op.finishedMillis() > keepFinished.toMillis()) out.add(op);
            }
        }
        out.sort(newestFirst.reversed());
        return out.size() > atOnce ? List.copyOf(out.subList(0, atOnce)) : out;
    }
}
