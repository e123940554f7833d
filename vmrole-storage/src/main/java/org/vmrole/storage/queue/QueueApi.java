package org.vmrole.storage.queue;

import org.vmrole.storage.Names;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.auth.Access;
import org.vmrole.storage.http.ServiceApi;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;
import org.vmrole.storage.http.Xml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Queue service's REST surface. */
public final class QueueApi implements ServiceApi {
    private static final int MAX_MESSAGE = 64 * 1024;
    private static final long SEVEN_DAYS = 7L * 24 * 3600;
    private static final Pattern TEXT = Pattern.compile("<MessageText>(.*)</MessageText>", Pattern.DOTALL);
    private final QueueStore store;

    public QueueApi(QueueStore store) {
        this.store = store;
    }

    @Override
    public ErrorFormat errorFormat() { return ErrorFormat.XML; }

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
            } else if (comp.equals("properties") && r.hasParam("restype", "service")) {
                access.require('s', method.equals("GET") ? 'r' : 'w', null, null);
                if (method.equals("PUT")) {
                    store.serviceProperties().set(account, r.body());
                    resp.empty(202);
                } else {
                    resp.status(200).body("application/xml", store.serviceProperties().get(account));
                }
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
                resp.status(200).body("application/xml", "<?xml version=\"1.0\" encoding=\"utf-8\"?>" + (acl == null ? "<SignedIdentifiers />" : acl));
            }
            case "PUT acl" -> {
                access.require('c', 'w', queue, null);
                store.setAcl(account, queue, signedIdentifiers(r));
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
                resp.status(201).body("application/xml", "<?xml version=\"1.0\" encoding=\"utf-8\"?><QueueMessagesList>" + messageXml(m, false) + "</QueueMessagesList>");
            }
            case "GET" -> {
                boolean peek = "true".equalsIgnoreCase(r.param("peekonly"));
                access.require('o', peek ? "r" : "p", queue, null);
                int count = r.intParam("numofmessages", 1, 1, 32);
                long visibility = peek ? 0 : seconds(r, "visibilitytimeout", 30, 1, SEVEN_DAYS);
                List<QueueStore.Message> msgs = store.get(account, queue, count, visibility * 1000, peek);
                StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><QueueMessagesList>");
                for (QueueStore.Message m : msgs) sb.append(messageXml(m, true, peek));
                resp.status(200).body("application/xml", sb.append("</QueueMessagesList>").toString());
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

    private static String messageText(StorageRequest r, boolean required) throws IOException {
        byte[] body = r.body().readNBytes(MAX_MESSAGE * 2 + 1024);
        String xml = new String(body, StandardCharsets.UTF_8);
        Matcher m = TEXT.matcher(xml);
        if (!m.find()) {
            if (!required) return null;
            throw StorageException.badRequest("InvalidXmlDocument", "XML specified is not syntactically valid: expected <QueueMessage><MessageText>.");
        }
        String text = unescape(m.group(1));
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE) {
            throw new StorageException(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum permissible limit of 64 KiB.");
        }
        return text;
    }

    private static String signedIdentifiers(StorageRequest r) throws IOException {
        byte[] body = r.body().readNBytes(MAX_MESSAGE + 1);
        if (body.length > MAX_MESSAGE) throw StorageException.badRequest("InvalidXmlDocument", "The ACL document is too large.");
        String xml = new String(body, StandardCharsets.UTF_8).trim();
        if (xml.startsWith("<?xml")) xml = xml.substring(xml.indexOf("?>") + 2).trim();
        if (xml.isEmpty()) return null;
        if (!xml.startsWith("<SignedIdentifiers")) throw StorageException.badRequest("InvalidXmlDocument", "XML specified is not syntactically valid: expected SignedIdentifiers.");
        if (xml.split("<SignedIdentifier>", -1).length - 1 > 5) throw StorageException.badRequest("InvalidXmlDocument", "At most 5 signed identifiers are allowed.");
        return xml;
    }

    private static String unescape(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&");
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

    private static String messageXml(QueueStore.Message m, boolean withText) {
        return messageXml(m, withText, false);
    }

    private static String messageXml(QueueStore.Message m, boolean withText, boolean peek) {
        StringBuilder sb = new StringBuilder("<QueueMessage><MessageId>").append(m.id()).append("</MessageId><InsertionTime>")
                .append(date(m.inserted())).append("</InsertionTime><ExpirationTime>")
                .append(m.expires() == Long.MAX_VALUE ? "Fri, 31 Dec 9999 23:59:59 GMT" : date(m.expires())).append("</ExpirationTime>");
        if (!peek) sb.append("<PopReceipt>").append(m.pop()).append("</PopReceipt><TimeNextVisible>").append(date(m.visible())).append("</TimeNextVisible>");
        if (withText) sb.append("<DequeueCount>").append(m.dequeues()).append("</DequeueCount><MessageText>").append(Xml.escape(m.body())).append("</MessageText>");
        return sb.append("</QueueMessage>").toString();
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
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"/")
                .append(Xml.escape(r.account())).append("\">");
        if (prefix != null) sb.append("<Prefix>").append(Xml.escape(prefix)).append("</Prefix>");
        if (marker != null) sb.append("<Marker>").append(Xml.escape(marker)).append("</Marker>");
        sb.append("<MaxResults>").append(max).append("</MaxResults><Queues>");
        for (QueueStore.QueueRow q : rows) {
            sb.append("<Queue><Name>").append(q.name()).append("</Name>");
            if (withMeta) {
                sb.append("<Metadata>");
                q.metadata().forEach((k, v) -> sb.append('<').append(k).append('>').append(Xml.escape(v)).append("</").append(k).append('>'));
                sb.append("</Metadata>");
            }
            sb.append("</Queue>");
        }
        sb.append("</Queues><NextMarker>").append(next).append("</NextMarker></EnumerationResults>");
        resp.status(200).body("application/xml", sb.toString());
    }

    private static StorageException unsupported() {
        return StorageException.badRequest("UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb or query parameters.");
    }
}
