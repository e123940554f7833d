package org.vmrole.host.lan;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How two hosts prove to each other that they hold a deployment's network key before they exchange its frames:
 * each side sends a fresh nonce and answers the other's with an HMAC-SHA256 under the key. The key itself never
 * crosses the wire. It runs inside the tunnel's TLS session: TLS says which host is at the other end, this says that
 * host carries the deployment.
 */
final class TunnelHandshake {
    static final String MAGIC = "vmrole-private-network/1";
    private static final int NONCE = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The dialing host asked for a network this host does not carry (yet: its assignments may be a beat behind). */
    static final class NotCarried extends IOException {
        NotCarried(String message) {
            super(message);
        }
    }

    /** What the accepting side learned: which network, and which host dialed. */
    record Accepted(VirtualLan lan, String clientHost) {
    }

    private TunnelHandshake() {
    }

    static void dial(DataInputStream in, DataOutputStream out, String deploymentId, String clientHost, String key) throws IOException {
        byte[] clientNonce = nonce();
        out.writeUTF(MAGIC);
        out.writeUTF(deploymentId);
        out.writeUTF(clientHost);
        out.write(clientNonce);
        out.flush();
        byte[] serverNonce = in.readNBytes(NONCE);
        byte[] serverProof = in.readNBytes(32);
        if (serverNonce.length != NONCE || !MessageDigest.isEqual(serverProof, proof(key, "server", deploymentId, clientHost, clientNonce))) {
            throw new IOException("the peer host does not hold the network key of deployment " + deploymentId);
        }
        out.write(proof(key, "client", deploymentId, clientHost, serverNonce));
        out.flush();
    }

    /** @param lans this host's network for a deployment id, if it carries one */
    static Accepted accept(DataInputStream in, DataOutputStream out, Function<String, Optional<VirtualLan>> lans) throws IOException {
        String magic = in.readUTF();
        if (!MAGIC.equals(magic)) throw new IOException("not a private-network tunnel (greeting '" + abbreviate(magic) + "')");
        String deploymentId = in.readUTF();
        String clientHost = in.readUTF();
        byte[] clientNonce = in.readNBytes(NONCE);
        if (clientNonce.length != NONCE) throw new IOException("tunnel greeting cut short");
        VirtualLan lan = lans.apply(deploymentId)
                .orElseThrow(() -> new NotCarried("host " + abbreviate(clientHost) + " asked for a private network this host does not carry"));
        byte[] serverNonce = nonce();
        out.write(serverNonce);
        out.write(proof(lan.key(), "server", deploymentId, clientHost, clientNonce));
        out.flush();
        byte[] clientProof = in.readNBytes(32);
        if (!MessageDigest.isEqual(clientProof, proof(lan.key(), "client", deploymentId, clientHost, serverNonce))) {
            throw new IOException("host " + abbreviate(clientHost) + " does not hold the network key of deployment " + deploymentId);
        }
        return new Accepted(lan, clientHost);
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE];
        RANDOM.nextBytes(n);
        return n;
    }

    static byte[] proof(String key, String side, String deploymentId, String clientHost, byte[] nonce) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            hmac.update((side + "\n" + deploymentId + "\n" + clientHost + "\n").getBytes(StandardCharsets.UTF_8));
            return hmac.doFinal(nonce);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /** Names from the wire go into log lines: keep them short and printable. */
    private static String abbreviate(String s) {
        String printable = s.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 64 ? printable.substring(0, 64) + "..." : printable;
    }
}
