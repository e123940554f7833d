package org.vmrole.bench.lb;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The balancer under test as a process of its own (run pinned to its own CPU by {@link PinnedBalancer}): prints its
 * endpoints, then serves until its standard input closes, which is also what happens when the benchmark dies.
 *
 * <p>Arguments: {@code BACKEND_PORT IO_THREADS TRANSPORT BUSY_POLL_MICROS}.
 */
public final class BalancerProcess {

    private BalancerProcess() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: BalancerProcess BACKEND_PORT IO_THREADS TRANSPORT BUSY_POLL_MICROS");
            System.exit(2);
        }
        InetSocketAddress backend = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0]));
        try (InProcessBalancer balancer = new InProcessBalancer(backend, Integer.parseInt(args[1]), args[2],
                Duration.ofNanos(1000 * Long.parseLong(args[3])))) {
            System.out.println(balancer.endpoints().readyLine());
            System.out.flush();
            while (System.in.read() >= 0) {
                // Anything written to us is ignored; only the end of input matters.
            }
        }
        System.exit(0);
    }
}
