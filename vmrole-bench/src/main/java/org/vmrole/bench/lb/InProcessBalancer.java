package org.vmrole.bench.lb;

import org.vmrole.lb.Backend;
import org.vmrole.lb.BackendPool;
import org.vmrole.lb.EndpointSpec;
import org.vmrole.lb.LoadBalancer;
import org.vmrole.lb.ProbeSpec;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/** The balancer under test in this JVM: a pool holding the one backend, behind a TCP, an HTTP and an HTTP+XFF endpoint. */
final class InProcessBalancer implements AutoCloseable {

    private final LoadBalancer lb;
    private final BalancerEndpoints endpoints;

    InProcessBalancer(InetSocketAddress backend, int ioThreads, String transport, Duration busyPoll) {
        lb = LoadBalancer.start(ioThreads, transport, busyPoll);
        try {
            BackendPool pool = lb.newPool("bench", ProbeSpec.tcp());
            pool.setBackends(List.of(Backend.ready("backend", backend)));
            int tcp = lb.listen(EndpointSpec.tcp("tcp", 0), pool).address().getPort();
            int http = lb.listen(EndpointSpec.http("http", 0), pool).address().getPort();
            int xff = lb.listen(EndpointSpec.http("http-xff", 0).withForwardedFor(true), pool).address().getPort();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (pool.inRotation().isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the benchmark backend " + backend + " never passed its probe");
                }
                Thread.onSpinWait();
            }
            endpoints = new BalancerEndpoints(lb.transport(), tcp, http, xff);
        } catch (RuntimeException e) {
            lb.close();
            throw e;
        }
    }

    BalancerEndpoints endpoints() {
        return endpoints;
    }

    @Override
    public void close() {
        lb.close();
    }
}
