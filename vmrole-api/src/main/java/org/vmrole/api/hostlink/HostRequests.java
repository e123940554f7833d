package org.vmrole.api.hostlink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.vmrole.api.services.ConsoleLogs;
import org.vmrole.model.host.HostRequest;

/**
 * Questions the controller puts to hosts over the host link, wherever they run: a host polls for its questions
 * (a held request that ends when one arrives) and posts each answer back. Nothing here reads a host's files.
 */
public final class HostRequests implements ConsoleLogs {
    /** How long the API waits for a host's answer before it says the host did not answer. */
    public static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

    private record Asked(String host, HostRequest request, CompletableFuture<String> answer) {}

    private final Map<String, Asked> open = new ConcurrentHashMap<>();
    private final Map<String, List<HostRequest>> queued = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> pollers = new ConcurrentHashMap<>();
    private final Duration answerTimeout;

    public HostRequests(Duration answerTimeout) {
        this.answerTimeout = answerTimeout;
    }

    /** The console tail from the host that runs the instance; empty when the host does not answer in time. */
    @Override
    public Optional<String> tail(String host, String instanceKey, int maxBytes) {
        HostRequest request = new HostRequest(UUID.randomUUID().toString(), HostRequest.CONSOLE, instanceKey,
                Math.min(maxBytes, HostRequest.MAX_ANSWER_BYTES));
        Asked asked = new Asked(host, request, new CompletableFuture<>());
        open.put(request.id(), asked);
        queued.compute(host, (h, list) -> {
            List<HostRequest> next = list == null ? new ArrayList<>() : new ArrayList<>(list);
            next.add(request);
            return next;
        });
        CompletableFuture<Void> poller = pollers.remove(host);
        if (poller != null) poller.complete(null);
        try {
            return Optional.of(asked.answer().get(answerTimeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException | ExecutionException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            open.remove(request.id());
            queued.computeIfPresent(host, (h, list) -> {
                List<HostRequest> rest = new ArrayList<>(list);
                rest.remove(request);
                return rest.isEmpty() ? null : rest;
            });
        }
    }

    /** The host's questions now, or when one arrives within {@code wait} (an empty list after it). Holds no thread. */
    CompletableFuture<List<HostRequest>> next(String host, Duration wait) {
        List<HostRequest> now = queued.remove(host);
        if (now != null) return CompletableFuture.completedFuture(now);
        CompletableFuture<Void> arrival = new CompletableFuture<>();
        CompletableFuture<Void> before = pollers.put(host, arrival);
        if (before != null) before.complete(null);
        // a question queued between the look above and the registration must not wait for the next poll
        if (queued.containsKey(host)) arrival.complete(null);
        return arrival.completeOnTimeout(null, wait.toMillis(), TimeUnit.MILLISECONDS).thenApply(x -> {
            pollers.remove(host, arrival);
            List<HostRequest> taken = queued.remove(host);
            return taken == null ? List.of() : taken;
        });
    }

    /** A host's answer; false when nobody waits for it (too late, or a question put to another host). */
    boolean answer(String host, String id, String text) {
        Asked asked = open.get(id);
        if (asked == null || !asked.host().equals(host)) return false;
        return asked.answer().complete(text);
    }
}
