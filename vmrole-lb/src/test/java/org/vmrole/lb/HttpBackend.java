package org.vmrole.lb;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A small in-test HTTP backend: answers with its id, has a switchable /health, and a /slow request it holds. */
final class HttpBackend implements AutoCloseable {

    final String id;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean healthy = true;
    final AtomicInteger hits = new AtomicInteger();
    final List<List<String>> forwardedFor = new CopyOnWriteArrayList<>();
    final List<String> bodies = new CopyOnWriteArrayList<>();
    final CountDownLatch slowArrived = new CountDownLatch(1);
    private final CountDownLatch slowReleased = new CountDownLatch(1);

    HttpBackend(String id) throws IOException {
        this.id = id;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        server.setExecutor(executor);
        server.createContext("/health", ex -> answer(ex, healthy ? 200 : 503, healthy ? "ok" : "sick"));
        server.createContext("/slow", ex -> {
            slowArrived.countDown();
            try {
                slowReleased.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(ex, 200, id + " slow");
        });
        server.createContext("/", ex -> {
            hits.incrementAndGet();
            forwardedFor.add(ex.getRequestHeaders().getOrDefault("X-Forwarded-For", List.of()));
            byte[] body = ex.getRequestBody().readAllBytes();
            if (body.length > 0) {
                bodies.add(new String(body, StandardCharsets.UTF_8));
            }
            answer(ex, 200, id);
        });
        server.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.getAddress().getPort());
    }

    Backend ready() {
        return Backend.ready(id, address());
    }

    void healthy(boolean on) {
        healthy = on;
    }

    void releaseSlow() {
        slowReleased.countDown();
    }

    private static void answer(HttpExchange ex, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        slowReleased.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
