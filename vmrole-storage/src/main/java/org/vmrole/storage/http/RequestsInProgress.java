package org.vmrole.storage.http;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * How many calls each service is handling right now: the leader of a database's group commit reads it to know
 * whether more writes are on their way, so it can wait a moment and commit them together with one fsync.
 */
public final class RequestsInProgress {
    private final Map<Service, AtomicInteger> counts = new EnumMap<>(Service.class);

    public RequestsInProgress() {
        for (Service s : Service.values()) counts.put(s, new AtomicInteger());
    }

    /** The number of calls to {@code service} in progress, read when asked. */
    public IntSupplier of(Service service) {
        return counts.get(service)::get;
    }

    void enter(Service service) {
        counts.get(service).incrementAndGet();
    }

    void exit(Service service) {
        counts.get(service).decrementAndGet();
    }
}
