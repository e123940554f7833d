package org.vmrole.storage.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** HMAC-SHA256 signatures as Azure computes them, compared in constant time. */
final class Hmac {
    private Hmac() {}

    /** Mac instances are costly to look up, key and not thread-safe: one per thread and account key, keyed once. */
    private static final ThreadLocal<Map<byte[], Mac>> MACS = ThreadLocal.withInitial(IdentityHashMap::new);

    static String sign(byte[] key, String stringToSign) {
        Mac mac = MACS.get().computeIfAbsent(key, k -> {
            try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(new SecretKeySpec(k, "HmacSHA256"));
                return m;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        });
        return Base64.getEncoder().encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * True when {@code signature} matches {@code stringToSign} under one of the keys (each compared in
     * constant time; the search stops at the first key that matches, so the usual case signs once).
     */
    static boolean matchesAny(List<byte[]> keys, String stringToSign, String signature) {
        byte[] given = signature.getBytes(StandardCharsets.UTF_8);
        for (byte[] key : keys) {
            if (MessageDigest.isEqual(sign(key, stringToSign).getBytes(StandardCharsets.UTF_8), given)) return true;
        }
        return false;
    }
}
