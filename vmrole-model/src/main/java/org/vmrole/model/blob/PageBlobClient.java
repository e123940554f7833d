package org.vmrole.model.blob;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The page-blob calls a host needs to serve a drive (ranged Get Blob, Put Page, Get Blob Properties,
 * Lease Blob, Snapshot Blob), over the JDK HTTP client, signed with a {@link BlobCredential}.
 * Every call is synchronous and thread-safe; the HTTP client pools connections. {@link BlockBlobClient} speaks block
 * blobs over the same signed transport.
 */
public final class PageBlobClient {
    /** The service version every call (and every SAS it signs) speaks. */
    static final String SERVICE_VERSION = "2021-08-06";
    /** Put Page carries at most 4 MiB. */
    public static final int MAX_PUT_PAGE = 4 << 20;
    public static final int PAGE = 512;
    /** Reads of at least this many bytes are blocking GETs ({@link #read(long, int, byte[])} says why). */
    static final int BLOCKING_GET = 256 << 10;
    private static final String VERSION = SERVICE_VERSION;
    private static final DateTimeFormatter RFC1123 = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.US);

    private final HttpClient http;
    private final URI blob;
    private final String snapshot;
    private final BlobCredential credential;

    private PageBlobClient(HttpClient http, URI blob, String snapshot, BlobCredential credential) {
        this.http = http;
        this.blob = blob;
        this.snapshot = snapshot;
        this.credential = credential;
    }

    /** A client for the blob at a path-style URL such as {@code http://127.0.0.1:10000/acct/drives/data.vhd}. */
    public static PageBlobClient of(URI blobUrl, BlobCredential credential) {
        if (blobUrl.getRawQuery() != null) throw new IllegalArgumentException("blob URL '" + blobUrl + "' has a query: pass the SAS as the credential, not in the URL");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        return new PageBlobClient(http, blobUrl, null, credential);
    }

    /** Another blob of the same service, sharing this client's connections and credential (a container's URL for container calls). */
    PageBlobClient at(URI otherBlob) {
        return new PageBlobClient(http, otherBlob, null, credential);
    }

    /** The same blob as of one snapshot (read-only). */
    public PageBlobClient atSnapshot(String snapshotTime) {
        return new PageBlobClient(http, blob, snapshotTime, credential);
    }

    public URI url() { return blob; }

    public Optional<String> snapshot() { return Optional.ofNullable(snapshot); }

    /** Put Blob of an empty page blob of {@code size} bytes (a multiple of 512). */
    public void create(long size) {
        call("PUT", "", Map.of("x-ms-blob-type", "PageBlob", "x-ms-blob-content-length", Long.toString(size)), null, 0, 0, 201);
    }

    /** Put Blob of an empty page blob of {@code size} bytes that must not exist yet (409 BlobAlreadyExists otherwise). */
    public void createNew(long size) {
        call("PUT", "", Map.of("x-ms-blob-type", "PageBlob", "x-ms-blob-content-length", Long.toString(size), "If-None-Match", "*"), null, 0, 0, 201);
    }

    /** Deletes the blob with its snapshots; false when there was none. */
    public boolean delete() {
        try {
            call("DELETE", "", Map.of("x-ms-delete-snapshots", "include"), null, 0, 0, 202);
            return true;
        } catch (BlobStorageException e) {
            if (e.status() == 404) return false;
            throw e;
        }
    }

    /** Creates the container this blob lives in; an existing container is left as it is. */
    public void createContainer() {
        String path = blob.getRawPath();
        URI container = URI.create(blob.getScheme() + "://" + blob.getRawAuthority() + path.substring(0, path.lastIndexOf('/')));
        try {
            new PageBlobClient(http, container, null, credential).call("PUT", "restype=container", Map.of(), null, 0, 0, 201);
        } catch (BlobStorageException e) {
            if (!"ContainerAlreadyExists".equals(e.code())) throw e;
        }
    }

    public BlobProperties properties() {
        HttpResponse<InputStream> r = call("HEAD", "", Map.of(), null, 0, 0, 200);
        Map<String, String> meta = new LinkedHashMap<>();
        r.headers().map().forEach((k, v) -> {
            String lower = k.toLowerCase(Locale.ROOT);
            if (lower.startsWith("x-ms-meta-") && !v.isEmpty()) meta.put(lower.substring("x-ms-meta-".length()), v.getFirst());
        });
        return new BlobProperties(Long.parseLong(header(r, "Content-Length", "0")), header(r, "x-ms-blob-type", ""), header(r, "ETag", ""),
                header(r, "x-ms-lease-state", "available"), header(r, "x-ms-lease-duration", ""), meta);
    }

    /** Reads {@code length} bytes at {@code offset} with one ranged Get Blob. */
    public byte[] read(long offset, int length) {
        return read(offset, length, new byte[length]);
    }

    /**
     * Reads {@code length} bytes at {@code offset} with one ranged Get Blob into the start of {@code body} (a caller's reused
     * buffer); answers it. A large read is a blocking GET ({@link RangedGet}), not the JDK HTTP client's: that client hands
     * a body over from its selector thread in 16 KiB buffers, one wake-up each, which was the largest cost of a drive's
     * sequential reads. A small read stays with the HTTP client: from a virtual thread a blocking GET parks on the JDK's
     * poller for its connection and its few reads, and {@code HttpURLConnection} keeps at most 5 idle connections per
     * server, so 16 concurrent 4 KiB reads opened connections anew (4 KiB scattered reads fell from 80-88% to 62% of the
     * page-blob rate when all reads were blocking GETs; BENCHMARKS.md, drives fourth session).
     */
    public byte[] read(long offset, int length, byte[] body) {
        if (body.length < length) throw new IllegalArgumentException("a buffer of " + body.length + " bytes cannot take " + length);
        Map<String, String> range = Map.of("x-ms-range", range(offset, length));
        if (length >= BLOCKING_GET) return signed(signer -> RangedGet.read(this, request(signer, "GET", "", range, 0), offset, length, body));
        HttpResponse<InputStream> r = exchange("GET", "", range, null, 0, 0, 206, 200);
        int got;
        // read straight into the caller's array: readNBytes(int) would read 16 KiB arrays and join them (one more copy of every byte)
        try (InputStream in = r.body()) {
            got = readBody(in, body, length);
        } catch (IOException e) {
            throw unreachable("GET", e);
        }
        if (got != length) throw shortRead(r.statusCode(), offset, length, got);
        return body;
    }

    /**
     * As {@link #read(long, int, byte[])} into {@code into} from its position (which is left as it was): a heap buffer
     * gets the bytes in its array, a direct one through a 64 KiB array per call (the HTTP body is an {@link InputStream},
     * so a direct buffer costs the same one copy per byte as an array).
     */
    public void read(long offset, int length, ByteBuffer into) {
        if (into.remaining() < length) throw new IllegalArgumentException("a buffer of " + into.remaining() + " bytes cannot take " + length);
        if (into.hasArray() && into.arrayOffset() + into.position() == 0) {
            read(offset, length, into.array());
            return;
        }
        Map<String, String> range = Map.of("x-ms-range", range(offset, length));
        ByteBuffer target = into.duplicate();
        signed(signer -> {
            target.position(into.position());
            RangedGet.read(this, request(signer, "GET", "", range, 0), offset, length, (in, n) -> readBody(in, target, n));
            return null;
        });
    }

    private static int readBody(InputStream in, ByteBuffer into, int length) throws IOException {
        byte[] chunk = new byte[Math.min(length, 64 * 1024)];
        int got = 0;
        while (got < length) {
            int r = in.read(chunk, 0, Math.min(chunk.length, length - got));
            if (r < 0) return got;
            into.put(chunk, 0, r);
            got += r;
        }
        return in.read() != -1 ? length + 1 : got;
    }

    /** Reads a body of {@code length} bytes to its end into {@code into}; answers the bytes it had (more than asked: length + 1). */
    static int readBody(InputStream in, byte[] into, int length) throws IOException {
        int got = in.readNBytes(into, 0, length);
        return got == length && in.read() != -1 ? length + 1 : got;
    }

    BlobStorageException shortRead(int status, long offset, int length, int got) {
        return new BlobStorageException(status, "ShortRead", "asked " + blob + " for " + length + " bytes at " + offset + ", got " + got);
    }

    /** Put Page (update) of {@code length} bytes, 512-aligned and at most 4 MiB; {@code leaseId} may be null on an unleased blob. */
    public void writePages(long offset, byte[] data, int from, int length, String leaseId) {
        checkAligned(offset, length);
        if (length > MAX_PUT_PAGE) throw new IllegalArgumentException("Put Page carries at most 4 MiB, asked " + length);
        Map<String, String> h = new LinkedHashMap<>();
        h.put("x-ms-page-write", "update");
        h.put("x-ms-range", range(offset, length));
        if (leaseId != null) h.put("x-ms-lease-id", leaseId);
        call("PUT", "comp=page", h, data, from, length, 201);
    }

    /** Put Page (clear): the range reads back as zeros and holds no storage. */
    public void clearPages(long offset, long length, String leaseId) {
        checkAligned(offset, length);
        Map<String, String> h = new LinkedHashMap<>();
        h.put("x-ms-page-write", "clear");
        h.put("x-ms-range", range(offset, length));
        if (leaseId != null) h.put("x-ms-lease-id", leaseId);
        call("PUT", "comp=page", h, null, 0, 0, 201);
    }

    /** Acquires a lease for {@code seconds} (15-60, or -1 for infinite) under the id given; answers the lease id. */
    public String acquireLease(int seconds, String proposedId) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("x-ms-lease-action", "acquire");
        h.put("x-ms-lease-duration", Integer.toString(seconds));
        if (proposedId != null) h.put("x-ms-proposed-lease-id", proposedId);
        return header(call("PUT", "comp=lease", h, null, 0, 0, 201), "x-ms-lease-id", proposedId);
    }

    public void renewLease(String leaseId) {
        call("PUT", "comp=lease", Map.of("x-ms-lease-action", "renew", "x-ms-lease-id", leaseId), null, 0, 0, 200);
    }

    public void releaseLease(String leaseId) {
        call("PUT", "comp=lease", Map.of("x-ms-lease-action", "release", "x-ms-lease-id", leaseId), null, 0, 0, 200);
    }

    /** Breaks whatever lease is held, at once ({@code breakSeconds} 0) or after a grace period; answers the seconds left. */
    public int breakLease(int breakSeconds) {
        HttpResponse<InputStream> r = call("PUT", "comp=lease", Map.of("x-ms-lease-action", "break", "x-ms-lease-break-period", Integer.toString(breakSeconds)), null, 0, 0, 202);
        return Integer.parseInt(header(r, "x-ms-lease-time", "0"));
    }

    /** Replaces the blob's metadata (names without the x-ms-meta- prefix). */
    public void setMetadata(Map<String, String> metadata, String leaseId) {
        Map<String, String> h = new LinkedHashMap<>();
        metadata.forEach((k, v) -> h.put("x-ms-meta-" + k, v));
        if (leaseId != null) h.put("x-ms-lease-id", leaseId);
        call("PUT", "comp=metadata", h, null, 0, 0, 200);
    }

    /** Snapshot Blob; answers the snapshot's timestamp (pass it to {@link #atSnapshot}). */
    public String createSnapshot() {
        return header(call("PUT", "comp=snapshot", Map.of(), null, 0, 0, 201), "x-ms-snapshot", "");
    }

    BlobStorageException unreachable(String method, IOException e) {
        return new BlobStorageException(0, "Unreachable", "the storage service did not answer " + method + " " + blob
                + (e.getMessage() == null ? " (" + e.getClass().getSimpleName() + ")" : ": " + e.getMessage()));
    }

    private static void checkAligned(long offset, long length) {
        if (offset % PAGE != 0 || length % PAGE != 0 || length <= 0) {
            throw new IllegalArgumentException("page writes are 512-aligned: offset " + offset + " length " + length);
        }
    }

    private static String range(long offset, long length) {
        return "bytes=" + offset + "-" + (offset + length - 1);
    }

    static String header(HttpResponse<?> r, String name, String otherwise) {
        return r.headers().firstValue(name).orElse(otherwise);
    }

    /** A call whose answer has no body worth keeping. */
    HttpResponse<InputStream> call(String method, String query, Map<String, String> extra, byte[] body, int from, int length, int... expected) {
        HttpResponse<InputStream> r = exchange(method, query, extra, body, from, length, expected);
        try (InputStream in = r.body()) {
            in.transferTo(OutputStream.nullOutputStream()); // drained, so the connection goes back to the pool
        } catch (IOException e) {
            throw unreachable(method, e);
        }
        return r;
    }

    /**
     * Sends a signed request; answers the response with its body unread when the status is expected, else throws. A
     * replaceable credential's refused signature is sent once more with the credential that replaces it.
     */
    HttpResponse<InputStream> exchange(String method, String query, Map<String, String> extra, byte[] body, int from, int length, int... expected) {
        return signed(signer -> exchange(request(signer, method, query, extra, length), body, from, length, expected));
    }

    /** Runs a call signed with the credential in force; a 403 from a replaceable credential is run once more with the one replacing it. */
    <T> T signed(java.util.function.Function<BlobCredential, T> call) {
        // sign with the credential in force at this moment, so a refusal tells which one the service turned down
        BlobCredential signer = credential instanceof BlobCredential.Current c ? c.get() : credential;
        try {
            return call.apply(signer);
        } catch (BlobStorageException e) {
            if (e.status() != 403 || !(credential instanceof BlobCredential.Current c) || !c.awaitOther(signer)) throw e;
            return call.apply(c.get());
        }
    }

    /** A signed request: the address (with a SAS, if that is the credential) and every header, Authorization included. */
    record Request(String method, String query, URI address, Map<String, String> headers) {}

    Request request(BlobCredential signer, String method, String query, Map<String, String> extra, int length) {
        String q = query;
        if (snapshot != null) q = (q.isEmpty() ? "" : q + "&") + "snapshot=" + URLEncoder.encode(snapshot, StandardCharsets.UTF_8);
        URI uri = URI.create(blob + (q.isEmpty() ? "" : "?" + q));
        Map<String, String> headers = new LinkedHashMap<>(extra);
        headers.put("x-ms-date", RFC1123.format(ZonedDateTime.now(ZoneOffset.UTC)));
        headers.put("x-ms-version", VERSION);
        String auth = signer.authorization(method, uri, length, headers);
        if (auth != null) headers.put("Authorization", auth);
        return new Request(method, query, signer.address(uri), headers);
    }

    private HttpResponse<InputStream> exchange(Request request, byte[] body, int from, int length, int... expected) {
        String method = request.method();
        HttpRequest.Builder b = HttpRequest.newBuilder(request.address()).timeout(Duration.ofSeconds(60));
        request.headers().forEach(b::header);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : length == 0 ? HttpRequest.BodyPublishers.ofByteArray(body, from, 0)
                : HttpRequest.BodyPublishers.fromPublisher(new ArrayBody(body, from, length), length));
        HttpResponse<InputStream> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(method, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BlobStorageException(0, "Interrupted", method + " " + blob + " interrupted");
        }
        for (int ok : expected) if (r.statusCode() == ok) return r;
        byte[] error;
        try (InputStream in = r.body()) {
            error = in.readAllBytes();
        } catch (IOException e) {
            error = new byte[0];
        }
        throw refused(request, r.statusCode(), header(r, "x-ms-error-code", ""), error);
    }

    /** The error for an unexpected status: the call, the status, the service's code and its message. */
    BlobStorageException refused(Request request, int status, String code, byte[] error) {
        String query = request.query();
        return new BlobStorageException(status, code, request.method() + " " + blob + (query.isEmpty() ? "" : "?" + query) + " answered "
                + status + (code.isEmpty() ? "" : " " + code) + errorMessage(error));
    }

    /** The {@code <Message>} of Azure's XML error body, as ": text", or nothing. */
    private static String errorMessage(byte[] body) {
        if (body == null || body.length == 0) return "";
        try {
            XMLStreamReader x = XMLInputFactory.newDefaultFactory().createXMLStreamReader(new ByteArrayInputStream(body));
            while (x.hasNext()) {
                if (x.next() == XMLStreamConstants.START_ELEMENT && x.getLocalName().equals("Message")) return ": " + x.getElementText().strip();
            }
        } catch (XMLStreamException e) {
            // not Azure's XML error body: the status and code already say what happened
        }
        return "";
    }

    /**
     * A request body sent straight from the caller's array, in 64 KiB slices as the client asks for them: the JDK's
     * {@code ofByteArray} copies every byte into fresh buffers first, which for 8 MiB blocks was most of what an image
     * upload allocated. The caller keeps the array untouched until the call returns.
     */
    static final class ArrayBody implements java.util.concurrent.Flow.Publisher<java.nio.ByteBuffer> {
        private static final int SLICE = 64 << 10;
        private final byte[] array;
        private final int from;
        private final int end;

        ArrayBody(byte[] array, int from, int length) {
            this.array = array;
            this.from = from;
            this.end = from + length;
        }

        @Override
        public void subscribe(java.util.concurrent.Flow.Subscriber<? super java.nio.ByteBuffer> subscriber) {
            subscriber.onSubscribe(new java.util.concurrent.Flow.Subscription() {
                private int pos = from;
                private long demand;
                private boolean emitting;
                private boolean done;

                @Override
                public void request(long n) {
                    synchronized (this) {
                        if (done) return;
                        if (n <= 0) {
                            done = true;
                        } else {
                            demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                            if (emitting) return;
                            emitting = true;
                        }
                    }
                    if (n <= 0) {
                        subscriber.onError(new IllegalArgumentException("non-positive request " + n));
                        return;
                    }
                    // a loop, not recursion: onNext may ask for more from within
                    while (true) {
                        java.nio.ByteBuffer next;
                        synchronized (this) {
                            if (done) return;
                            if (pos >= end) {
                                done = true;
                                next = null;
                            } else if (demand == 0) {
                                emitting = false;
                                return;
                            } else {
                                demand--;
                                int len = Math.min(SLICE, end - pos);
                                next = java.nio.ByteBuffer.wrap(array, pos, len).slice();
                                pos += len;
                            }
                        }
                        if (next == null) {
                            subscriber.onComplete();
                            return;
                        }
                        subscriber.onNext(next);
                    }
                }

                @Override
                public synchronized void cancel() {
                    done = true;
                }
            });
        }
    }
}
