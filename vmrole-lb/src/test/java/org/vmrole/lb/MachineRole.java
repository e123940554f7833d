package org.vmrole.lb;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One machine's part in {@link KernelFastPathTest}, run in a network namespace of its own ({@code ip netns exec}), with
 * commands on its standard input and one answer line each on its standard output:
 * <ul>
 * <li>{@code backend NAME=PORT...}: echo servers; on a connection, {@code who} is answered with the name, and
 * {@code bulk N} is followed by N bytes the server sends back.</li>
 * <li>{@code balancer LISTEN_ADDRESS NAME=ADDRESS:PORT...}: a balancer forwarding one TCP endpoint in the kernel to those
 * backends; prints {@code ready PORT INTERFACES} once its fast path is attached (or {@code ready PORT none} after 60 s);
 * then {@code drain NAME} answers {@code draining} at once and {@code drained NAME} when the drain ends.</li>
 * <li>{@code client ADDRESS:PORT}: one connection; {@code who} prints the backend's name, {@code bulk N} sends N random
 * bytes and prints {@code echoed N} when they all came back unchanged, {@code close} closes it.</li>
 * </ul>
 * Each role ends when its standard input closes.
 */
final class MachineRole {

    private MachineRole() {
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        switch (args[0]) {
            case "backend" -> backend(args, in);
            case "balancer" -> balancer(args, in);
            case "client" -> client(args[1], in);
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.exit(0);
    }

    private static void backend(String[] args, BufferedReader in) throws IOException {
        for (int i = 1; i < args.length; i++) {
            String[] nameAndPort = args[i].split("=");
            ServerSocket server = new ServerSocket(Integer.parseInt(nameAndPort[1]));
            Thread.ofPlatform().daemon().start(() -> serve(server, nameAndPort[0]));
        }
        say("ready");
        while (in.readLine() != null) {
            // serve until the end of input
        }
    }

    private static void serve(ServerSocket server, String name) {
        while (true) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> {
                    try (s; DataInputStream r = new DataInputStream(s.getInputStream()); DataOutputStream w = new DataOutputStream(s.getOutputStream())) {
                        String line;
                        while ((line = readLine(r)) != null) {
                            if (line.equals("who")) {
                                w.write((name + "\n").getBytes(StandardCharsets.UTF_8));
                            } else if (line.startsWith("bulk ")) {
                                long left = Long.parseLong(line.substring(5));
                                byte[] buf = new byte[64 * 1024];
                                while (left > 0) {
                                    int n = r.read(buf, 0, (int) Math.min(buf.length, left));
                                    if (n < 0) return;
                                    w.write(buf, 0, n);
                                    left -= n;
                                }
                            }
                            w.flush();
                        }
                    } catch (IOException e) {
                        // the client went away
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void balancer(String[] args, BufferedReader in) throws IOException {
        try (LoadBalancer lb = LoadBalancer.start(1)) {
            lb.forwardInKernel();
            BackendPool pool = lb.newPool("pool", ProbeSpec.tcp().withInterval(Duration.ofSeconds(5)).withTimeout(Duration.ofSeconds(3)));
            List<Backend> backends = new ArrayList<>();
            for (int i = 2; i < args.length; i++) {
                String[] nameAndAddress = args[i].split("=");
                String[] hostAndPort = nameAndAddress[1].split(":");
                backends.add(Backend.ready(nameAndAddress[0], new InetSocketAddress(hostAndPort[0], Integer.parseInt(hostAndPort[1]))));
            }
            pool.setBackends(backends);
            InputEndpoint endpoint = lb.listen(EndpointSpec.tcp("tcp", 0).withBind(new InetSocketAddress(args[1], 0)), pool);
            // compiling the fast path takes seconds of CPU on a busy machine: wait without spinning, which would take it
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while ((!lb.forwardsInKernel(endpoint) || pool.inRotation().size() < backends.size() || lb.fastPathInterfaces().isEmpty())
                    && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            }
            say("ready " + endpoint.port() + " " + (lb.fastPathInterfaces().isEmpty() ? "none" : String.join(",", lb.fastPathInterfaces())));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("drain ")) {
                    String name = line.substring(6);
                    pool.drain(name, Duration.ofMinutes(5)).thenAccept(d -> say("drained " + d.backendId()));
                    say("draining");
                }
            }
        }
    }

    private static void client(String target, BufferedReader in) throws IOException {
        int colon = target.lastIndexOf(':');
        try (Socket s = new Socket(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
             DataInputStream r = new DataInputStream(s.getInputStream()); DataOutputStream w = new DataOutputStream(s.getOutputStream())) {
            String line;
            while ((line = in.readLine()) != null && !line.equals("close")) {
                if (line.equals("who")) {
                    w.write("who\n".getBytes(StandardCharsets.UTF_8));
                    w.flush();
                    say(readLine(r));
                } else if (line.startsWith("bulk ")) {
                    say(bulk(r, w, Integer.parseInt(line.substring(5))));
                }
            }
        }
        say("closed");
    }

    /** Sends {@code n} random bytes while reading them back (a writer thread, so neither side's buffers fill up). */
    private static String bulk(DataInputStream r, DataOutputStream w, int n) throws IOException {
        byte[] sent = new byte[n];
        new Random(n).nextBytes(sent);
        w.write(("bulk " + n + "\n").getBytes(StandardCharsets.UTF_8));
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                w.write(sent);
                w.flush();
            } catch (IOException e) {
                // the read below fails too
            }
        });
        byte[] back = new byte[n];
        r.readFully(back);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return java.util.Arrays.equals(sent, back) ? "echoed " + n : "corrupted";
    }

    private static String readLine(DataInputStream r) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = r.read()) != '\n') {
            if (c < 0) return b.isEmpty() ? null : b.toString();
            b.append((char) c);
        }
        return b.toString();
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
