package org.vmrole.api.http;

import io.javalin.http.Context;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import java.util.concurrent.CompletableFuture;

/** Answers a request with JSON once a future completes, unless the request ended first (client gone, server stopping). */
public final class LongPoll {
    private LongPoll() {}

    /**
     * Jetty recycles a request that ended while its answer was pending; writing to it afterwards fails inside Javalin.
     * Ending the request cancels the write, and the caller's {@code value} with it, so a host's queued questions are
     * not taken by a poll nobody reads any more.
     */
    public static void answer(Context ctx, CompletableFuture<?> value) {
        ctx.future(() -> {
            CompletableFuture<Void> written = value.thenAccept(ctx::json);
            ctx.req().getAsyncContext().addListener(new AsyncListener() {
                @Override public void onComplete(AsyncEvent event) { abandon(); }
                @Override public void onTimeout(AsyncEvent event) { abandon(); }
                @Override public void onError(AsyncEvent event) { abandon(); }
                @Override public void onStartAsync(AsyncEvent event) {}

                private void abandon() {
                    written.cancel(false);
                    value.cancel(false);
                }
            });
            return written;
        });
    }
}
