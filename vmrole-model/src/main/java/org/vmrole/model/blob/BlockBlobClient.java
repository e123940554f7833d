package org.vmrole.model.blob;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The block-blob calls the image repository needs (Put Blob, Put Block, Put Block List, Get Block List, Get Blob,
 * Delete Blob, List Blobs), over {@link PageBlobClient}'s signed transport: as csupload stored VHDs in Azure Storage.
 * Thread-safe; clients made with {@link #sibling} share one connection pool.
 */
public final class BlockBlobClient {
    private static final DateTimeFormatter RFC1123 = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.US);

    private final PageBlobClient transport;

    private BlockBlobClient(PageBlobClient transport) {
        this.transport = transport;
    }

    /** A client for the blob at a path-style URL such as {@code http://127.0.0.1:10000/acct/images/x.qcow2}. */
    public static BlockBlobClient of(URI blobUrl, BlobCredential credential) {
        return new BlockBlobClient(PageBlobClient.of(blobUrl, credential));
    }

    /** Another blob of the same container (its name encoded here, '/' kept), sharing connections and credential. */
    public BlockBlobClient sibling(String name) {
        return new BlockBlobClient(transport.at(URI.create(container() + "/" + encodePath(name))));
    }

    /** The blob of the same name in another container of the same account. */
    public BlockBlobClient inContainer(String container) {
        URI c = container();
        String path = c.getRawPath();
        String name = transport.url().getRawPath().substring(path.length());
        return new BlockBlobClient(transport.at(URI.create(c.getScheme() + "://" + c.getRawAuthority() + path.substring(0, path.lastIndexOf('/') + 1)
                + encodePath(container) + name)));
    }

    private static String encodePath(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/");
    }

    public URI url() { return transport.url(); }

    /** A block's id as the service wants it: base64, and of one length for every block of a blob. */
    public static String blockId(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The text a {@link #blockId} was made from. */
    public static String blockText(String id) {
        return new String(java.util.Base64.getDecoder().decode(id), StandardCharsets.UTF_8);
    }

    /**
     * Put Blob of a whole block blob in one call; {@code onlyIfAbsent} makes it fail with 409 BlobAlreadyExists when the
     * blob is there (an atomic create). Answers the new ETag.
     */
    public String put(byte[] data, Map<String, String> metadata, boolean onlyIfAbsent) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("x-ms-blob-type", "BlockBlob");
        metadata.forEach((k, v) -> h.put("x-ms-meta-" + k, v));
        if (onlyIfAbsent) h.put("If-None-Match", "*");
        return PageBlobClient.header(transport.call("PUT", "", h, data, 0, data.length, 201), "ETag", "");
    }

    /**
     * Put Block: stages {@code length} bytes under {@code blockId}; they belong to the blob once a block list names them.
     * A blocking exchange that writes {@code data} straight to the socket ({@link BlockPut}); best from a platform thread
     * (a virtual thread parks on the JDK's poller each time the socket's buffer is full).
     */
    public void putBlock(String blockId, byte[] data, int from, int length) {
        String query = "comp=block&blockid=" + URLEncoder.encode(blockId, StandardCharsets.UTF_8);
        transport.signed(signer -> {
            BlockPut.put(transport, transport.request(signer, "PUT", query, Map.of(), length), data, from, length);
            return null;
        });
    }

    /**
     * Put Block List: the blob becomes these blocks (each the latest staged, else committed, block of its id), with this
     * metadata; uncommitted blocks it does not name are dropped. With {@code ifMatch} it applies only to the blob of that
     * ETag (412 ConditionNotMet otherwise). Answers the new ETag.
     */
    public String putBlockList(List<String> blockIds, Map<String, String> metadata, String ifMatch) {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        for (String id : blockIds) xml.append("<Latest>").append(id).append("</Latest>");
        byte[] body = xml.append("</BlockList>").toString().getBytes(StandardCharsets.UTF_8);
        Map<String, String> h = new LinkedHashMap<>();
        metadata.forEach((k, v) -> h.put("x-ms-meta-" + k, v));
        if (ifMatch != null) h.put("If-Match", ifMatch);
        return PageBlobClient.header(transport.call("PUT", "comp=blocklist", h, body, 0, body.length, 201), "ETag", "");
    }

    /** A blob's committed and uncommitted blocks, in order, and its ETag (empty when only uncommitted blocks exist). */
    public record BlockList(String etag, List<Block> committed, List<Block> uncommitted) {
        public record Block(String id, long size) {}

        public BlockList {
            committed = List.copyOf(committed);
            uncommitted = List.copyOf(uncommitted);
        }
    }

    /** Get Block List with uncommitted blocks; empty when the blob has neither a committed version nor staged blocks. */
    public Optional<BlockList> blockList() {
        HttpResponse<InputStream> r;
        try {
            r = transport.exchange("GET", "comp=blocklist&blocklisttype=all", Map.of(), null, 0, 0, 200);
        } catch (BlobStorageException e) {
            if (e.status() == 404) return Optional.empty();
            throw e;
        }
        List<BlockList.Block> committed = new ArrayList<>();
        List<BlockList.Block> uncommitted = new ArrayList<>();
        try (InputStream in = r.body()) {
            XMLStreamReader x = XMLInputFactory.newDefaultFactory().createXMLStreamReader(in);
            List<BlockList.Block> into = committed;
            String name = null;
            while (x.hasNext()) {
                if (x.next() != XMLStreamConstants.START_ELEMENT) continue;
                switch (x.getLocalName()) {
                    case "CommittedBlocks" -> into = committed;
                    case "UncommittedBlocks" -> into = uncommitted;
                    case "Name" -> name = x.getElementText().strip();
                    case "Size" -> into.add(new BlockList.Block(name, Long.parseLong(x.getElementText().strip())));
                    default -> { }
                }
            }
        } catch (IOException e) {
            throw transport.unreachable("GET", e);
        } catch (XMLStreamException | NumberFormatException e) {
            throw new BlobStorageException(r.statusCode(), "InvalidXml", "the block list of " + url() + " cannot be read: " + e.getMessage());
        }
        return Optional.of(new BlockList(PageBlobClient.header(r, "ETag", ""), committed, uncommitted));
    }

    /**
     * Get Blob from {@code offset} to the end, streamed: close the stream to give the connection back. A blocking
     * exchange ({@link BlockingExchange#stream}): the JDK HttpClient's stream is fed 16 KiB at a time from its selector
     * thread, which made relaying an image to a host cost 1.3-1.5x the CPU of serving it from a file (BENCHMARKS.md).
     */
    public InputStream open(long offset) {
        Map<String, String> h = offset == 0 ? Map.of() : Map.of("x-ms-range", "bytes=" + offset + "-");
        return transport.signed(signer -> BlockingExchange.stream(transport, transport.request(signer, "GET", "", h, 0), 200, 206));
    }

    /** Get Blob of {@code length} bytes from {@code offset}, streamed as {@link #open(long)}. */
    public InputStream open(long offset, long length) {
        Map<String, String> h = Map.of("x-ms-range", "bytes=" + offset + "-" + (offset + length - 1));
        return transport.signed(signer -> BlockingExchange.stream(transport, transport.request(signer, "GET", "", h, 0), 206, 200));
    }

    /** The whole blob (for small ones), or empty when there is none. */
    public Optional<byte[]> read() {
        try (InputStream in = open(0)) {
            return Optional.of(in.readAllBytes());
        } catch (BlobStorageException e) {
            if (e.status() == 404) return Optional.empty();
            throw e;
        } catch (IOException e) {
            throw transport.unreachable("GET", e);
        }
    }

    /** Get Blob Properties (size, ETag, metadata); 404 BlobNotFound when there is no committed blob. */
    public BlobProperties properties() {
        return transport.properties();
    }

    /**
     * Copy Blob from another blob of the same account (a server-side copy: no bytes pass through this client). Fails
     * unless the service finished the copy before it answered, as it does within an account.
     */
    public void copyFrom(URI source) {
        HttpResponse<InputStream> r = transport.call("PUT", "", Map.of("x-ms-copy-source", source.toString()), null, 0, 0, 202);
        String status = PageBlobClient.header(r, "x-ms-copy-status", "");
        if (!"success".equals(status)) {
            throw new BlobStorageException(r.statusCode(), "CopyNotFinished", "copy of " + source + " to " + url() + " is '" + status + "', not finished");
        }
    }

    /** True when a committed blob is there. */
    public boolean exists() {
        try {
            transport.call("HEAD", "", Map.of(), null, 0, 0, 200);
            return true;
        } catch (BlobStorageException e) {
            if (e.status() == 404) return false;
            throw e;
        }
    }

    /** Deletes the blob with its snapshots and staged blocks; false when there was none. */
    public boolean delete() {
        return transport.delete();
    }

    /** Creates the container this blob lives in; an existing container is left as it is. */
    public void createContainer() {
        transport.createContainer();
    }

    /** One blob of a listing: its name, committed size and last change. */
    public record Listed(String name, long size, Instant lastModified) {}

    /** The committed blobs of this blob's container whose names start with {@code prefix}, all pages of the listing. */
    public List<Listed> list(String prefix) {
        PageBlobClient c = transport.at(container());
        List<Listed> out = new ArrayList<>();
        String marker = "";
        do {
            String q = "restype=container&comp=list&prefix=" + URLEncoder.encode(prefix, StandardCharsets.UTF_8)
                    + (marker.isEmpty() ? "" : "&marker=" + URLEncoder.encode(marker, StandardCharsets.UTF_8));
            HttpResponse<InputStream> r = c.exchange("GET", q, Map.of(), null, 0, 0, 200);
            marker = "";
            try (InputStream in = r.body()) {
                XMLStreamReader x = XMLInputFactory.newDefaultFactory().createXMLStreamReader(in);
                String name = null;
                long size = 0;
                Instant modified = Instant.EPOCH;
                while (x.hasNext()) {
                    int ev = x.next();
                    if (ev == XMLStreamConstants.END_ELEMENT && x.getLocalName().equals("Blob")) out.add(new Listed(name, size, modified));
                    if (ev != XMLStreamConstants.START_ELEMENT) continue;
                    switch (x.getLocalName()) {
                        case "Name" -> name = x.getElementText();
                        case "Content-Length" -> size = Long.parseLong(x.getElementText().strip());
                        case "Last-Modified" -> modified = ZonedDateTime.parse(x.getElementText().strip(), RFC1123).toInstant();
                        case "NextMarker" -> marker = x.getElementText().strip();
                        default -> { }
                    }
                }
            } catch (IOException e) {
                throw c.unreachable("GET", e);
            } catch (XMLStreamException | RuntimeException e) {
                throw new BlobStorageException(r.statusCode(), "InvalidXml", "the listing of " + container() + " cannot be read: " + e.getMessage());
            }
        } while (!marker.isEmpty());
        return out;
    }

    /** The container's URL: the path's first two segments, account and container (a blob's name may hold '/'). */
    private URI container() {
        URI blob = transport.url();
        String path = blob.getRawPath();
        int end = path.indexOf('/', path.indexOf('/', 1) + 1);
        return URI.create(blob.getScheme() + "://" + blob.getRawAuthority() + path.substring(0, end));
    }
}
