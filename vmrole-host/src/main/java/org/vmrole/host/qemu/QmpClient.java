package org.vmrole.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A client of the QEMU Machine Protocol on a UNIX socket: reads the greeting, negotiates capabilities,
 * matches replies to requests by id, hands events to listeners, and fails pending calls when the
 * socket closes.
 */
public final class QmpClient implements AutoCloseable {
    private static final int MAX_LINE = 1 << 20;

    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Consumer<QmpEvent>> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicLong ids = new AtomicLong();
    private final Duration timeout;
    private volatile JsonLineChannel channel;

    private QmpClient(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * Connects, waits for the greeting and leaves capabilities negotiation mode.
     *
     * @param timeout how long any one command may take
     */
    public static QmpClient connect(Path socket, Duration timeout) throws IOException {
        QmpClient c = new QmpClient(timeout);
        c.channel = JsonLineChannel.open(socket, MAX_LINE, c::onMessage, c::onClose);
        try {
            c.greeting.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            c.execute("qmp_capabilities");
        } catch (ExecutionException | TimeoutException | QmpException e) {
            c.close();
            throw new IOException("no QMP greeting on " + socket + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            c.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + socket, e);
        }
        return c;
    }

    /** The greeting QEMU sent: its version and capabilities. */
    public JsonNode greeting() {
        return greeting.getNow(null);
    }

    /** Sends a command; the future completes with its {@code return} value or fails with a {@link QmpException}. */
    public CompletableFuture<JsonNode> send(String command, Map<String, ?> arguments) {
        String id = "vmrole-" + ids.incrementAndGet();
        ObjectNode request = JsonLineChannel.JSON.createObjectNode();
        request.put("execute", command);
        if (arguments != null && !arguments.isEmpty()) request.set("arguments", JsonLineChannel.JSON.valueToTree(arguments));
        request.put("id", id);
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        if (closed.isDone()) {
            pending.remove(id);
            return CompletableFuture.failedFuture(new QmpException("QMP connection is closed; '" + command + "' not sent"));
        }
        try {
            channel.send(request);
        } catch (IOException e) {
            pending.remove(id);
            return CompletableFuture.failedFuture(new QmpException("cannot send '" + command + "': " + e.getMessage(), e));
        }
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, t) -> {
            pending.remove(id);
            if (t == null) {
                result.complete(r);
                return;
            }
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            result.completeExceptionally(cause instanceof TimeoutException
                    ? new QmpException("no answer to '" + command + "' within " + timeout.toMillis() + " ms", cause)
                    : cause);
        });
        return result;
    }

    /** Runs a command and waits for its answer. */
    public JsonNode execute(String command, Map<String, ?> arguments) {
        try {
            return send(command, arguments).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof QmpException q) throw q;
            throw new QmpException("'" + command + "' failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException("interrupted while waiting for '" + command + "'", e);
        }
    }

    public JsonNode execute(String command) {
        return execute(command, Map.of());
    }

    /** Calls the listener with every event, on the reading thread. */
    public void addEventListener(Consumer<QmpEvent> listener) {
        listeners.add(listener);
    }

    public void removeEventListener(Consumer<QmpEvent> listener) {
        listeners.remove(listener);
    }

    /** Completes when the connection ends (QEMU exited or the socket was closed). */
    public CompletableFuture<Void> closed() {
        return closed;
    }

    public boolean isOpen() {
        return !closed.isDone();
    }

    private void onMessage(JsonNode m) {
        if (m.has("QMP")) {
            greeting.complete(m.get("QMP"));
        } else if (m.has("event")) {
            QmpEvent event = new QmpEvent(m.get("event").asText(), m.path("data"));
            for (Consumer<QmpEvent> l : listeners) l.accept(event);
        } else if (m.has("id")) {
            CompletableFuture<JsonNode> reply = pending.remove(m.get("id").asText());
            if (reply == null) return;
            if (m.has("error")) {
                JsonNode err = m.get("error");
                reply.completeExceptionally(new QmpException(err.path("class").asText("Error") + ": " + err.path("desc").asText()));
            } else {
                reply.complete(m.path("return"));
            }
        }
    }

    private void onClose() {
        QmpException gone = new QmpException("QMP connection closed");
        greeting.completeExceptionally(gone);
        pending.values().forEach(f -> f.completeExceptionally(gone));
        pending.clear();
        closed.complete(null);
    }

    @Override
    public void close() {
        JsonLineChannel c = channel;
        if (c != null) c.close();
    }
}
