package org.vmrole.model.blob;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** How the host proves it may touch a drive's blob: the account's SharedKey, or a SAS token. */
public sealed interface BlobCredential {

    /** The URI to call: a SAS adds its token to the query; a key leaves it alone. */
    URI address(URI uri);

    /** The Authorization header for a request, or null when the address itself authorizes it. */
    String authorization(String method, URI uri, long contentLength, Map<String, String> headers);

    /** Signs with one of the account's two keys (Azure's Blob SharedKey scheme). */
    record SharedKey(String account, String base64Key) implements BlobCredential {
        public SharedKey {
            if (account == null || account.isBlank()) throw new IllegalArgumentException("account is required for a SharedKey credential");
            try {
                Base64.getDecoder().decode(base64Key);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("key for account '" + account + "' is not base64: pass the key `vmrole storage-account keys` prints");
            }
        }

        @Override
        public URI address(URI uri) {
            return uri;
        }

        @Override
        public String authorization(String method, URI uri, long contentLength, Map<String, String> headers) {
            return "SharedKey " + account + ":" + sign(stringToSign(method, uri, contentLength, headers));
        }

        /**
         * A read-only service SAS for the blob at {@code blobUrl} (or one of its snapshots when {@code snapshot} is not
         * null), valid from five minutes ago (clocks differ) until {@code expiry}: the query string to append to its URL.
         */
        public String readSas(URI blobUrl, String snapshot, Instant expiry) {
            String st = iso(Instant.now().minus(5, ChronoUnit.MINUTES));
            String se = iso(expiry);
            String sr = snapshot == null ? "b" : "bs";
            String path = blobUrl.getPath();
            String canonical = "/blob/" + account + path.substring(path.indexOf('/', 1));
            String toSign = "r\n" + st + "\n" + se + "\n" + canonical + "\n\n\nhttps,http\n" + PageBlobClient.SERVICE_VERSION + "\n" + sr + "\n"
                    + (snapshot == null ? "" : snapshot) + "\n\n\n\n\n\n";
            String q = "sv=" + PageBlobClient.SERVICE_VERSION + "&spr=https,http&st=" + enc(st) + "&se=" + enc(se) + "&sr=" + sr + "&sp=r&sig=" + enc(sign(toSign));
            return snapshot == null ? q : "snapshot=" + enc(snapshot) + "&" + q;
        }

        private String sign(String toSign) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(Base64.getDecoder().decode(base64Key), "HmacSHA256"));
                return Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
            }
        }

        private static String iso(Instant t) {
            return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
        }

        private static String enc(String s) {
            return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
        }

        /** The key stays out of logs and error messages. */
        @Override
        public String toString() {
            return "SharedKey[account=" + account + "]";
        }

        /** The canonical string (version 2009-09-19 and later) of a request with these headers. */
        String stringToSign(String method, URI uri, long contentLength, Map<String, String> headers) {
            Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            h.putAll(headers);
            StringBuilder sb = new StringBuilder(method).append('\n');
            for (String name : List.of("Content-Encoding", "Content-Language")) sb.append(h.getOrDefault(name, "")).append('\n');
            sb.append(contentLength > 0 ? Long.toString(contentLength) : "").append('\n');
            for (String name : List.of("Content-MD5", "Content-Type", "Date", "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range")) {
                sb.append(h.getOrDefault(name, "")).append('\n');
            }
            Map<String, String> canonical = new TreeMap<>();
            headers.forEach((k, v) -> {
                String lower = k.toLowerCase(Locale.ROOT);
                if (lower.startsWith("x-ms-")) canonical.put(lower, v.trim());
            });
            canonical.forEach((k, v) -> sb.append(k).append(':').append(v).append('\n'));
            sb.append('/').append(account).append(uri.getRawPath());
            Map<String, String> params = new TreeMap<>();
            String query = uri.getRawQuery();
            if (query != null) {
                for (String pair : query.split("&")) {
                    int eq = pair.indexOf('=');
                    String k = eq < 0 ? pair : pair.substring(0, eq);
                    String v = eq < 0 ? "" : pair.substring(eq + 1);
                    params.put(java.net.URLDecoder.decode(k, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT),
                            java.net.URLDecoder.decode(v, StandardCharsets.UTF_8));
                }
            }
            params.forEach((k, v) -> sb.append('\n').append(k).append(':').append(v));
            return sb.toString();
        }
    }

    /** A shared access signature (the query string `drive sas` or the account owner hands out, without the leading '?'). */
    record Sas(String token) implements BlobCredential {
        public Sas {
            if (token == null || !token.contains("sig=")) throw new IllegalArgumentException("SAS token has no 'sig=': pass the query part of the SAS URL");
            if (token.startsWith("?")) token = token.substring(1);
        }

        @Override
        public URI address(URI uri) {
            String q = uri.getRawQuery();
            return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath() + "?" + (q == null ? "" : q + "&") + token);
        }

        @Override
        public String authorization(String method, URI uri, long contentLength, Map<String, String> headers) {
            return null;
        }

        /** The signature stays out of logs and error messages. */
        @Override
        public String toString() {
            return "Sas[...]";
        }
    }

    /**
     * The credential in force now, replaceable while calls go on: a host swaps in a storage account's regenerated key
     * without closing the drives that sign with it. A call this credential signed that the storage service refuses
     * (403: the key was regenerated) waits up to {@code patience} for the next key and is sent once more with it, so
     * the seconds between a regeneration and the new key's arrival stall the drive's I/O instead of failing it.
     */
    final class Current implements BlobCredential {
        private final java.time.Duration patience;
        private volatile BlobCredential now;

        public Current(BlobCredential initial) {
            this(initial, java.time.Duration.ZERO);
        }

        public Current(BlobCredential initial, java.time.Duration patience) {
            this.patience = patience;
            set(initial);
        }

        public void set(BlobCredential next) {
            if (next == null || next instanceof Current) throw new IllegalArgumentException("a current credential holds a key or a SAS");
            synchronized (this) {
                now = next;
                notifyAll();
            }
        }

        public BlobCredential get() {
            return now;
        }

        /** Waits up to the patience for a credential other than {@code refused}; true when one is in force. */
        public boolean awaitOther(BlobCredential refused) {
            long deadline = System.nanoTime() + patience.toNanos();
            synchronized (this) {
                while (now.equals(refused)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return false;
                    try {
                        java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                return true;
            }
        }

        @Override
        public URI address(URI uri) {
            return now.address(uri);
        }

        @Override
        public String authorization(String method, URI uri, long contentLength, Map<String, String> headers) {
            return now.authorization(method, uri, contentLength, headers);
        }

        @Override
        public String toString() {
            return "Current[" + now + "]";
        }
    }
}
