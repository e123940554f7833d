package org.vmrole.bench.lb;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The balancer under test in a child JVM pinned with {@code taskset} to one CPU, as if it had a machine of its own.
 * The child is stopped by {@link #close()}, by a shutdown hook if this JVM exits first, and by itself when this
 * JVM dies (its standard input closes).
 */
final class PinnedBalancer implements AutoCloseable {

    private final Process process;
    private final Thread hook;
    private final BalancerEndpoints endpoints;

    PinnedBalancer(InetSocketAddress backend, int cpu, int ioThreads, String transport, Duration busyPoll) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("taskset", "-c", Integer.toString(cpu),
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // The child runs with this JVM's flags (heap, native access, logging) but no profiler or debugger of its own.
            if (!arg.startsWith("-XX:StartFlightRecording") && !arg.startsWith("-agentlib") && !arg.startsWith("-javaagent")) {
                command.add(arg);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BalancerProcess.class.getName(),
                Integer.toString(backend.getPort()), Integer.toString(ioThreads), transport,
                Long.toString(busyPoll.toNanos() / 1000)));
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        hook = new Thread(process::destroyForcibly, "stop-pinned-balancer");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            endpoints = awaitReady();
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private BalancerEndpoints awaitReady() throws IOException, InterruptedException {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<BalancerEndpoints> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("pinned-balancer-output").start(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    BalancerEndpoints parsed = BalancerEndpoints.parse(line);
                    if (parsed != null) {
                        ready.complete(parsed);
                    } else {
                        System.err.println("balancer: " + line);
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IOException("the balancer process ended before it was ready (exit "
                    + process.onExit().join().exitValue() + "); its messages are above"));
        });
        try {
            return ready.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the balancer process was not ready within 30 s", e);
        }
    }

    BalancerEndpoints endpoints() {
        return endpoints;
    }

    /** CPU time the balancer's JVM has used so far (clock-tick resolution), in nanoseconds. */
    double cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(d -> (double) d.toNanos()).orElse(Double.NaN);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // Already gone: nothing left to tell it.
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // This JVM is already shutting down; the hook runs anyway.
        }
    }
}
