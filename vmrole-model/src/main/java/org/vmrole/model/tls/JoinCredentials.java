package org.vmrole.model.tls;

import java.util.regex.Pattern;

/**
 * What a join token carries: the secret that admits the host, and the SHA-256 fingerprint of the controller's
 * certificate, which the host pins before it sends the secret anywhere (as {@code kubeadm join
 * --discovery-token-ca-cert-hash} does). Written {@code v1.<64 hex>.<secret>}: one string for VMROLE_JOIN_TOKEN.
 */
public record JoinCredentials(String secret, String controllerFingerprint) {
    private static final String VERSION = "v1";
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{16,256}");

    public JoinCredentials {
        if (secret == null || !SECRET.matcher(secret).matches()) throw new IllegalArgumentException("a join secret is 16-256 of A-Z a-z 0-9 _ -");
        if (controllerFingerprint == null || !FINGERPRINT.matcher(controllerFingerprint).matches()) {
            throw new IllegalArgumentException("a controller fingerprint is 64 lowercase hex digits (SHA-256)");
        }
    }

    /** Reads a token as {@code vmrole host token} printed it; the message says what is wrong without echoing the token. */
    public static JoinCredentials parse(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("a host needs a join token (--join-token or VMROLE_JOIN_TOKEN); the administrator issues one with ./vmrole host token NAME");
        }
        String[] parts = token.trim().split("\\.", -1);
        if (parts.length != 3 || !VERSION.equals(parts[0]) || !FINGERPRINT.matcher(parts[1]).matches() || !SECRET.matcher(parts[2]).matches()) {
            throw new IllegalArgumentException("the join token is not one './vmrole host token NAME' prints (v1.<controller fingerprint>.<secret>);"
                    + " a token without the controller's fingerprint cannot be trusted over the network: issue a new one");
        }
        return new JoinCredentials(parts[2], parts[1]);
    }

    public String format() {
        return VERSION + "." + controllerFingerprint + "." + secret;
    }

    /** Never shows the secret: tokens end up in log lines through string concatenation. */
    @Override
    public String toString() {
        return "JoinCredentials[controller sha256 " + controllerFingerprint + ", secret hidden]";
    }
}
