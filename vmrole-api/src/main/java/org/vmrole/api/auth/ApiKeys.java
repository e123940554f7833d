package org.vmrole.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Issues API keys and turns them into what is stored: a public key id and a SHA-256 of the secret.
 * Keys carry 256 random bits, so a fast hash is enough; a slow KDF protects only guessable secrets.
 */
public final class ApiKeys {
    public static final String PREFIX = "vmr_";
    private static final int ID_LENGTH = 12;

    private ApiKeys() {}

    /** A new key; its secret is shown once and never stored. */
    public static IssuedKey issue(SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        return new IssuedKey(idOf(secret), secret, hash(secret));
    }

    /** The public part of a key, safe to log and list; also the lookup index. */
    public static String idOf(String secret) {
        if (!wellFormed(secret)) throw new IllegalArgumentException("not a vmrole API key: it must start with '" + PREFIX + "'");
        return secret.substring(PREFIX.length(), PREFIX.length() + ID_LENGTH);
    }

    public static boolean wellFormed(String secret) {
        return secret != null && secret.startsWith(PREFIX) && secret.length() >= PREFIX.length() + 32
                && secret.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '-'));
    }

    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JDK", e);
        }
    }

    /** Constant-time comparison of a presented secret with a stored hash. */
    public static boolean matches(String secret, String storedHash) {
        return MessageDigest.isEqual(hash(secret).getBytes(StandardCharsets.US_ASCII), storedHash.getBytes(StandardCharsets.US_ASCII));
    }

    /** A freshly issued key: {@code secret} goes to the caller once, {@code hash} to the store. */
    public record IssuedKey(String id, String secret, String hash) {
        @Override
        public String toString() { return "IssuedKey[id=" + id + "]"; }
    }
}
