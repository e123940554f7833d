package org.vmrole.storage.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

/** HMAC-SHA256 signatures as Azure computes them, compared in constant time. */
final class Hmac {
    private Hmac() {}

    /** Mac instances are costly to look up and not thread-safe: one per thread, re-keyed per use. */
    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });

    static String sign(byte[] key, String stringToSign) {
        try {
            Mac mac = MAC.get();
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True when {@code signature} matches {@code stringToSign} under any of the keys. */
    static boolean matchesAny(List<byte[]> keys, String stringToSign, String signature) {
        byte[] given = signature.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] key : keys) {
            ok |= MessageDigest.isEqual(sign(key, stringToSign).getBytes(StandardCharsets.UTF_8), given);
        }
        return ok;
    }
}
