package org.vmrole.api.services;

import static io.javalin.http.HandlerType.DELETE;
import static io.javalin.http.HandlerType.GET;
import static io.javalin.http.HandlerType.POST;
import static io.javalin.http.HandlerType.PUT;

import io.javalin.http.Context;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.vmrole.api.ApiException;
import org.vmrole.api.audit.AuditEntry;
import org.vmrole.api.audit.AuditLog;
import org.vmrole.api.auth.Principal;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.NameRule;
import org.vmrole.api.store.Optimistic;
import org.vmrole.fabric.store.Write;
import org.vmrole.api.http.Route;
import org.vmrole.api.tenancy.Tenants;
import org.vmrole.api.tenancy.Usage;
import org.vmrole.fabric.store.Store;
import org.vmrole.image.ImageRecord;
import org.vmrole.image.ImageRepository;

/**
 * Routes for images: a resumable, streaming, verified upload (start, ask how much arrived, send chunks at an
 * offset, commit with the SHA-256), then list, show and delete.
 */
public final class ImageRoutes {
    private ImageRoutes() {}

    record NewUpload(String name) {}

    record Commit(String sha256) {}

    public static List<Route> of(ImageRepository images, Ownership uploads, Store store, AuditLog audit, java.time.Clock clock, LongConsumer uploadedBytes,
                                 Tenants tenants) {
        return List.of(
                Route.taking(POST, "/images/uploads", Access.TENANT, "Start an image upload", 201, NewUpload.class, false, (ctx, who, body) -> {
                    NameRule.IMAGE.require(body.name(), "name");
                    String sub = sub(tenants, ctx, who);
                    held(images, sub).plus(new Usage(0, 0, 1, 0)).requireWithin(tenants.get(who, sub).limits(), sub);
                    String id = images.startUpload(sub, body.name());
                    // an upload whose subscription went meanwhile is left to the idle sweep
                    Optimistic.retry(() -> {
                        Write turn = tenants.turn(sub);
                        tenants.get(who, sub);
                        store.commit(List.of(turn, uploads.record(id, new Ownership.Owner(sub, body.name(), null))));
                    });
                    ctx.status(201).json(Map.of("uploadId", id, "name", body.name(), "received", 0));
                }),
                new Route(GET, "/images/uploads/{upload}", Access.TENANT, "How many bytes of an upload arrived (resume from there)", 200, (ctx, who) -> {
                    var owner = uploads.require(who, ctx.pathParam("upload"));
                    ctx.json(Map.of("uploadId", ctx.pathParam("upload"), "name", owner.service(), "received", images.received(ctx.pathParam("upload"))));
                }),
                new Route(PUT, "/images/uploads/{upload}", Access.TENANT,
                        "Append bytes at ?offset=N: a chunk or the whole rest of the file, staged in the Blob service as blocks, committed there before the answer", 200, (ctx, who) -> {
                    String off = ctx.queryParam("offset");
                    long offset;
                    try {
                        offset = Long.parseLong(off);
                    } catch (NumberFormatException e) {
                        throw ApiException.badRequest("InvalidQueryParameter", "give the chunk's start as ?offset=N (bytes), got '" + off + "'", "offset");
                    }
                    var owner = uploads.require(who, ctx.pathParam("upload"));
                    // an upload may not grow past what the subscription may store: checked before the body, and bounded while it streams
                    Usage before = held(images, owner.subscriptionId()).plus(new Usage(0, 0, 1, offset));
                    var limits = tenants.get(who, owner.subscriptionId()).limits();
                    before.requireWithin(limits, owner.subscriptionId());
                    var body = new UploadBody(ctx.bodyInputStream(), limits.storageBytes() - before.storageBytes());
                    long received;
                    try {
                        received = images.append(ctx.pathParam("upload"), offset, body);
                    } catch (IOException e) {
                        // what arrived before the body failed is kept (durable): say why it stopped and where to go on
                        if (body.exceeded()) before.plus(new Usage(0, 0, 0, body.allowance() + 1)).requireWithin(limits, owner.subscriptionId());
                        if (body.broken()) {
                            throw ApiException.badRequest("UploadInterrupted", "the request body broke off (" + e.getMessage() + "); "
                                    + images.received(ctx.pathParam("upload")) + " bytes are kept: ask for 'received' and send the rest from there", "body");
                        }
                        throw e;
                    }
                    uploadedBytes.accept(received - offset);
                    ctx.json(Map.of("uploadId", ctx.pathParam("upload"), "received", received));
                }),
                new Route(DELETE, "/images/uploads/{upload}", Access.TENANT, "Abandon an upload", 204, (ctx, who) -> {
                    uploads.require(who, ctx.pathParam("upload"));
                    images.abort(ctx.pathParam("upload"));
                    ctx.status(204);
                }),
                Route.taking(POST, "/images/uploads/{upload}/commit", Access.TENANT, "Verify the SHA-256, inspect, convert and store the image", 201,
                        Commit.class, false, (ctx, who, body) -> {
                    var owner = uploads.require(who, ctx.pathParam("upload"));
                    if (body.sha256() == null) throw ApiException.badRequest("MissingField", "give the SHA-256 of the uploaded file as 'sha256'", "sha256");
                    ImageRecord rec = images.commit(ctx.pathParam("upload"), body.sha256());
                    store.commit(List.of(audit.record(new AuditEntry(clock.instant(), who.actor(), owner.subscriptionId(), "image.create", rec.name()))));
                    ctx.status(201).json(rec);
                }).answering(ImageRecord.class),
                new Route(GET, "/images", Access.TENANT, "List images", 200, (ctx, who) -> ctx.json(Map.of("images", images.list(sub(tenants, ctx, who)))))
                        .answeringList("images", ImageRecord.class),
                new Route(GET, "/images/{image}", Access.TENANT, "Show an image", 200, (ctx, who) ->
                        ctx.json(images.find(sub(tenants, ctx, who), ctx.pathParam("image")).orElseThrow(() -> ApiException.notFound("Image", ctx.pathParam("image")))))
                        .answering(ImageRecord.class),
                new Route(DELETE, "/images/{image}", Access.TENANT, "Delete an image no deployment uses", 204, (ctx, who) -> {
                    String sub = sub(tenants, ctx, who);
                    images.delete(sub, ctx.pathParam("image"));
                    store.commit(List.of(audit.record(new AuditEntry(clock.instant(), who.actor(), sub, "image.delete", ctx.pathParam("image")))));
                    ctx.status(204);
                }));
    }

    /** An upload body that fails once it brings more than the subscription's remaining storage, and tells a broken body from a disk failure. */
    private static final class UploadBody extends FilterInputStream {
        private final long allowance;
        private long read;
        private boolean exceeded;
        private boolean broken;

        UploadBody(InputStream in, long allowance) {
            super(in);
            this.allowance = allowance;
        }

        long allowance() { return allowance; }

        boolean exceeded() { return exceeded; }

        /** True when reading the request body itself failed (the client went away or sent less than it announced). */
        boolean broken() { return broken; }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, (int) Math.min(len, Math.max(1, allowance - read + 1)));
            } catch (IOException e) {
                broken = true;
                throw e;
            }
            if (n > 0) read += n;
            if (read > allowance) {
                exceeded = true;
                throw new IOException("the upload passed the subscription's storage limit");
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            int step = (int) Math.min(n, 8192);
            return Math.max(0, read(new byte[step], 0, step));
        }
    }

    /** The images a subscription holds: their count and stored bytes. */
    static Usage held(ImageRepository images, String subscription) throws IOException {
        List<ImageRecord> all = images.list(subscription);
        return new Usage(0, 0, all.size(), all.stream().mapToLong(ImageRecord::actualSize).sum());
    }

    /** The subscription the call acts for: the caller's own, or the existing one the administrator names in ?subscription=. */
    private static String sub(Tenants tenants, Context ctx, Principal who) {
        return tenants.actingFor(who, ctx.queryParam("subscription"));
    }
}
