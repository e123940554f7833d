package org.vmrole.host.drive;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
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
            String signed = stringToSign(method, uri, contentLength, headers);
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(Base64.getDecoder().decode(base64Key), "HmacSHA256"));
                return "SharedKey " + account + ":" + Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
            }
        }

        /** The canonical string (version 2009-09-19 and later); the client never sends Date or Range, only x-ms-*. */
        String stringToSign(String method, URI uri, long contentLength, Map<String, String> headers) {
            StringBuilder sb = new StringBuilder(method).append('\n');
            sb.append("\n\n"); // Content-Encoding, Content-Language
            sb.append(contentLength > 0 ? Long.toString(contentLength) : "").append('\n');
            sb.append("\n"); // Content-MD5
            sb.append(headers.getOrDefault("Content-Type", "")).append('\n');
            sb.append("\n\n\n\n\n\n"); // Date, If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since, Range
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
    }
}
