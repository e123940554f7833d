package org.vmrole.lb;

import org.junit.jupiter.api.AfterEach;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What the balancer tests share: a balancer with two I/O threads and in-test backends, all closed after each test. */
abstract class BalancerFixture {

    static final ProbeSpec FAST_HTTP_PROBE = ProbeSpec.http("/health")
            .withInterval(Duration.ofMillis(50)).withTimeout(Duration.ofMillis(500));

    final LoadBalancer lb = LoadBalancer.start(2);
    final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeBalancerAndBackends() throws Exception {
        lb.close();
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    /** An HTTP backend answering with {@code id}, closed after the test. */
    HttpBackend backend(String id) throws IOException {
        HttpBackend b = new HttpBackend(id);
        toClose.add(b);
        return b;
    }
}
