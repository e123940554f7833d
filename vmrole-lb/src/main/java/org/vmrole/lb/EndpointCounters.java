package org.vmrole.lb;

import java.util.concurrent.atomic.LongAdder;

/** The live counters of one listener; cheap to bump from event-loop threads. */
final class EndpointCounters {
    final LongAdder accepted = new LongAdder();
    final LongAdder open = new LongAdder();
    final LongAdder bytesToBackends = new LongAdder();
    final LongAdder bytesToClients = new LongAdder();
    final LongAdder backendErrors = new LongAdder();
    final LongAdder retried = new LongAdder();
    final LongAdder noBackend = new LongAdder();
    final LongAdder badRequests = new LongAdder();

    EndpointMetrics snapshot(String endpoint) {
        return new EndpointMetrics(endpoint, accepted.sum(), open.sum(), bytesToBackends.sum(), bytesToClients.sum(),
                backendErrors.sum(), retried.sum(), noBackend.sum(), badRequests.sum());
    }
}
