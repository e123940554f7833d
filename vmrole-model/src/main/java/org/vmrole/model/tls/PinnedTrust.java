package org.vmrole.model.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How a host trusts the controller: the root of the chain the controller presents must have exactly the
 * fingerprint the join token pins, and every certificate in the chain must be signed by the next. No name check and
 * no system CA: the pin is the whole trust, so a controller reached by any address works and nothing else does.
 */
public final class PinnedTrust extends X509ExtendedTrustManager {
    private final String fingerprint;
    private final AtomicReference<X509Certificate> seen = new AtomicReference<>();

    public PinnedTrust(String fingerprint) {
        this.fingerprint = fingerprint;
    }

    /** The controller did not present the pinned certificate: the message gives both fingerprints and the likely causes. */
    public static final class Mismatch extends CertificateException {
        Mismatch(String message) {
            super(message);
        }
    }

    /** A context that trusts only the pinned controller and authenticates with {@code keys} (none: at join). */
    public SSLContext sslContext(KeyManager... keys) {
        return TlsIdentity.context(keys.length == 0 ? null : keys, new TrustManager[] {this});
    }

    /** The pinned certificate, once a controller presented it: the authority that signs this host's peers. */
    public Optional<X509Certificate> authority() {
        return Optional.ofNullable(seen.get());
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) throw new CertificateException("the controller sent no certificate");
        X509Certificate root = chain[chain.length - 1];
        String presented = Fingerprint.of(root);
        if (!presented.equals(fingerprint)) {
            throw new Mismatch("the controller presented a certificate with SHA-256 fingerprint " + presented + " but the join token pins "
                    + fingerprint + ": the token was issued by another controller (or for its earlier data directory), or something"
                    + " between this host and the controller is answering in its place. Ask for a new token: ./vmrole host token NAME");
        }
        try {
            for (int i = 0; i < chain.length - 1; i++) chain[i].verify(chain[i + 1].getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("the controller's certificate chain does not verify: " + e.getMessage(), e);
        }
        chain[0].checkValidity();
        seen.set(root);
    }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException { check(chain); }
    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException { check(chain); }
    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException { check(chain); }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a host does not accept TLS clients with the controller's pin");
    }

    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException { checkClientTrusted(chain, authType); }
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException { checkClientTrusted(chain, authType); }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
