package org.vmrole.bench.lb;

import org.vmrole.lb.Backend;
import org.vmrole.lb.BackendPool;
import org.vmrole.lb.EndpointSpec;
import org.vmrole.lb.InputEndpoint;
import org.vmrole.lb.LoadBalancer;
import org.vmrole.lb.ProbeSpec;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The balancer under test in this JVM: a pool holding the one backend, behind a TCP, an HTTP and an HTTP+XFF endpoint;
 * and a second balancer that forwards its TCP endpoint in the kernel, where nft may run here.
 */
final class InProcessBalancer implements AutoCloseable {

    private final LoadBalancer lb;
    private final LoadBalancer kernelLb;
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
            kernelLb = LoadBalancer.start(1);
            endpoints = new BalancerEndpoints(lb.transport(), tcp, http, xff, kernelEndpoint(backend));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The port of a TCP endpoint the kernel forwards to the backend, or 0 (and why, on stderr) when nft cannot run. */
    private int kernelEndpoint(InetSocketAddress backend) {
        try {
            kernelLb.forwardInKernel();
        } catch (IllegalStateException e) {
            System.err.println("no 'lb kernel' target: " + e.getMessage());
            return 0;
        }
        BackendPool pool = kernelLb.newPool("bench-kernel", ProbeSpec.tcp());
        pool.setBackends(List.of(Backend.ready("backend", backend)));
        InputEndpoint endpoint = kernelLb.listen(EndpointSpec.tcp("kernel", 0), pool);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!kernelLb.forwardsInKernel(endpoint)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the kernel never started forwarding to the benchmark backend " + backend);
            }
            Thread.onSpinWait();
        }
        return endpoint.port();
    }

    BalancerEndpoints endpoints() {
        return endpoints;
    }

    @Override
    public void close() {
        if (kernelLb != null) {
            kernelLb.close();
        }
        lb.close();
    }
}
