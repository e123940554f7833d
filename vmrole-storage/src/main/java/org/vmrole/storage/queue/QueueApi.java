package org.vmrole.storage.queue;

import org.vmrole.storage.Names;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.auth.Access;
import org.vmrole.storage.auth.SignedIdentifiers;
import org.vmrole.storage.http.ServiceApi;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;
import org.vmrole.storage.store.ServiceProperties;
import org.vmrole.storage.http.XmlBody;
import org.vmrole.storage.http.XmlElement;
import org.vmrole.storage.http.XmlWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The Queue service's REST surface. */
public final class QueueApi implements ServiceApi {
    private static final int MAX_MESSAGE = 64 * 1024;
    private static final long SEVEN_DAYS = 7L * 24 * 3600;
    private final QueueStore store;

    public QueueApi(QueueStore store) {
        this.store = store;
    }

    @Override
    public ErrorFormat errorFormat() { return ErrorFormat.XML; }

    @Override
    public ServiceProperties properties() { return store.serviceProperties(); }

    @Override
    public void handle(StorageRequest r, Access access, StorageResponse resp) throws IOException {
        String path = r.resourcePath();
        String comp = r.param("comp") == null ? "" : r.param("comp");
        String account = r.account();
        String[] parts = path.isEmpty() ? new String[0] : path.split("/", -1);
        String method = r.method();
        if (parts.length == 0) {
            if (method.equals("GET") && comp.equals("list")) {
                access.require('s', 'l', null, null);
                list(r, resp);
            } else {
                throw unsupported();
            }
            return;
        }
        String queue = Names.queue(parts[0]);
        if (parts.length == 1 || (parts.length == 2 && parts[1].isEmpty())) {
            queueOp(r, access, resp, account, queue, method, comp);
        } else if (parts[1].equals("messages") && parts.length == 2) {
            messagesOp(r, access, resp, account, queue, method);
        } else if (parts[1].equals("messages") && parts.length == 3) {
            messageOp(r, access, resp, account, queue, parts[2], method);
        } else {
            throw StorageException.badRequest("InvalidUri", "The requested URI does not represent any resource on the server.");
        }
    }

    private void queueOp(StorageRequest r, Access access, StorageResponse resp, String account, String queue, String method, String comp) throws IOException {
        switch (method + " " + comp) {
            case "PUT " -> {
                access.require('c', 'c', queue, null);
                boolean created = store.create(account, queue, r.metadata());
                resp.empty(created ? 201 : 204);
            }
            case "DELETE " -> {
                access.require('c', 'd', queue, null);
                store.delete(account, queue);
                resp.empty(204);
            }
            case "GET metadata", "HEAD metadata" -> {
                access.require('c', 'r', queue, null);
                Map.Entry<QueueStore.QueueRow, Long> p = store.properties(account, queue);
                resp.metadata(p.getKey().metadata()).header("x-ms-approximate-messages-count", String.valueOf(p.getValue())).empty(200);
            }
            case "PUT metadata" -> {
                access.require('c', 'w', queue, null);
                store.setMetadata(account, queue, r.metadata());
                resp.empty(204);
            }
            case "GET acl", "HEAD acl" -> {
                access.require('c', 'r', queue, null);
                String acl = store.acl(account, queue);
                resp.status(200).body("application/xml", SignedIdentifiers.parse(acl).toXml());
            }
            case "PUT acl" -> {
                access.require('c', 'w', queue, null);
                store.setAcl(account, queue, SignedIdentifiers.read(r.body()).stored());
                resp.empty(204);
            }
            default -> throw unsupported();
        }
    }

    private void messagesOp(StorageRequest r, Access access, StorageResponse resp, String account, String queue, String method) throws IOException {
        switch (method) {
            case "POST" -> {
                access.require('o', 'a', queue, null);
                String text = messageText(r, true);
                long visibility = seconds(r, "visibilitytimeout", 0, 0, SEVEN_DAYS);
                long ttl = ttl(r);
                if (ttl >= 0 && visibility >= ttl) throw StorageException.invalidQuery("visibilitytimeout", String.valueOf(visibility));
                QueueStore.Message m = store.put(account, queue, text, visibility * 1000, ttl < 0 ? -1 : ttl * 1000);
                resp.status(201).body("application/xml", messagesXml(List.of(m), false, false));
            }
            case "GET" -> {
                boolean peek = "true".equalsIgnoreCase(r.param("peekonly"));
                access.require('o', peek ? "r" : "p", queue, null);
                int count = r.intParam("numofmessages", 1, 1, 32);
                long visibility = peek ? 0 : seconds(r, "visibilitytimeout", 30, 1, SEVEN_DAYS);
                List<QueueStore.Message> msgs = store.get(account, queue, count, visibility * 1000, peek);
                resp.status(200).body("application/xml", messagesXml(msgs, true, peek));
            }
            case "DELETE" -> {
                access.require('o', "dp", queue, null);
                store.clear(account, queue);
                resp.empty(204);
            }
            default -> throw unsupported();
        }
    }

    private void messageOp(StorageRequest r, Access access, StorageResponse resp, String account, String queue, String id, String method) throws IOException {
        String pop = r.param("popreceipt");
        if (pop == null) throw new StorageException(400, "MissingRequiredQueryParameter", "A query parameter that's mandatory for this request is not specified: popreceipt.");
        switch (method) {
            case "DELETE" -> {
                access.require('o', "dp", queue, null);
                store.deleteMessage(account, queue, id, pop);
                resp.empty(204);
            }
            case "PUT" -> {
                access.require('o', 'u', queue, null);
                if (r.param("visibilitytimeout") == null) throw new StorageException(400, "MissingRequiredQueryParameter", "A query parameter that's mandatory for this request is not specified: visibilitytimeout.");
                long visibility = seconds(r, "visibilitytimeout", 0, 0, SEVEN_DAYS);
                String text = r.contentLength() > 0 ? messageText(r, false) : null;
                QueueStore.Message m = store.update(account, queue, id, pop, visibility * 1000, text);
                resp.header("x-ms-popreceipt", m.pop()).date("x-ms-time-next-visible", Instant.ofEpochMilli(m.visible())).empty(204);
            }
            default -> throw unsupported();
        }
    }

    private static String messageText(StorageRequest r, boolean required) {
        XmlElement doc = XmlBody.read(r.body(), MAX_MESSAGE * 2 + 1024, "QueueMessage");
        XmlElement text = doc == null ? null : doc.child("MessageText");
        if (text == null) {
            if (!required) return null;
            throw StorageException.badRequest("InvalidXmlDocument", "XML specified is not syntactically valid: expected <QueueMessage><MessageText>.");
        }
        if (text.text().getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE) {
            throw new StorageException(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum permissible limit of 64 KiB.");
        }
        return text.text();
    }

    private static long seconds(StorageRequest r, String name, long def, long min, long max) {
        String v = r.param(name);
        if (v == null) return def;
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) throw new StorageException(400, "OutOfRangeQueryParameterValue", "One of the query parameters specified in the request URI is outside the permissible range: " + name + "=" + v);
            return n;
        } catch (NumberFormatException e) {
            throw StorageException.invalidQuery(name, v);
        }
    }

    private static long ttl(StorageRequest r) {
        String v = r.param("messagettl");
        if (v == null) return SEVEN_DAYS;
        try {
            long n = Long.parseLong(v);
            if (n == -1) return -1;
            if (n < 1) throw new StorageException(400, "OutOfRangeQueryParameterValue", "One of the query parameters specified in the request URI is outside the permissible range: messagettl=" + v);
            return n;
        } catch (NumberFormatException e) {
            throw StorageException.invalidQuery("messagettl", v);
        }
    }

    private static String messagesXml(List<QueueStore.Message> messages, boolean withText, boolean peek) {
        XmlWriter w = XmlWriter.document().start("QueueMessagesList");
        for (QueueStore.Message m : messages) {
            w.start("QueueMessage").element("MessageId", m.id()).element("InsertionTime", date(m.inserted()))
                    .element("ExpirationTime", m.expires() == Long.MAX_VALUE ? "Fri, 31 Dec 9999 23:59:59 GMT" : date(m.expires()));
            if (!peek) w.element("PopReceipt", m.pop()).element("TimeNextVisible", date(m.visible()));
            if (withText) w.element("DequeueCount", m.dequeues()).element("MessageText", m.body());
            w.end();
        }
        return w.finish();
    }

    private static String date(long ms) {
        return StorageResponse.RFC1123.format(Instant.ofEpochMilli(ms));
    }

    private void list(StorageRequest r, StorageResponse resp) {
        String prefix = r.param("prefix");
        String marker = r.param("marker");
        int max = r.intParam("maxresults", 5000, 1, 5000);
        boolean withMeta = r.param("include") != null && r.param("include").contains("metadata");
        List<QueueStore.QueueRow> rows = store.list(r.account(), prefix, marker, max);
        String next = rows.size() > max ? rows.get(max).name() : "";
        if (rows.size() > max) rows = rows.subList(0, max);
        XmlWriter w = XmlWriter.document().start("EnumerationResults").attribute("ServiceEndpoint", "/" + r.account())
                .optional("Prefix", prefix).optional("Marker", marker).element("MaxResults", max).start("Queues");
        for (QueueStore.QueueRow q : rows) {
            w.start("Queue").element("Name", q.name());
            if (withMeta) {
                w.start("Metadata");
                q.metadata().forEach(w::element);
                w.end();
            }
            w.end();
        }
        resp.status(200).body("application/xml", w.end().element("NextMarker", next).finish());
    }

    private static StorageException unsupported() {
        return StorageException.badRequest("UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb or query parameters.");
    }
}
