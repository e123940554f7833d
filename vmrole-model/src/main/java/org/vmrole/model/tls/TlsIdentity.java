package org.vmrole.model.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Who this party is on TLS connections, and whom it trusts: the peer's certificate must be signed by the authority
 * of the current credentials and be within its validity. The credentials may be replaced while connections use
 * them (a host gets its certificate at join, and a new one when it joins again); until it has some, every
 * handshake fails.
 */
public final class TlsIdentity {
    private static final String ALIAS = "vmrole";
    private final AtomicReference<TlsCredentials> current = new AtomicReference<>();

    public TlsIdentity() {
    }

    public TlsIdentity(TlsCredentials credentials) {
        current.set(credentials);
    }

    public void set(TlsCredentials credentials) {
        current.set(credentials);
    }

    /** Null until credentials were set. */
    public TlsCredentials current() {
        return current.get();
    }

    /** TLS 1.3 with this identity's key and the authority's trust, both ways. */
    public SSLContext sslContext() {
        return context(new KeyManager[] {keyManager()}, new TrustManager[] {trustManager()});
    }

    static SSLContext context(KeyManager[] keys, TrustManager[] trust) {
        try {
            SSLContext c = SSLContext.getInstance("TLSv1.3");
            c.init(keys, trust, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no TLS 1.3: " + e.getMessage(), e);
        }
    }

    public X509ExtendedKeyManager keyManager() {
        return new X509ExtendedKeyManager() {
            private String alias(String... keyTypes) {
                TlsCredentials c = current.get();
                if (c == null) return null;
                for (String t : keyTypes) {
                    if (t != null && t.equalsIgnoreCase(c.key().getAlgorithm())) return ALIAS;
                }
                return null;
            }

            @Override public String[] getClientAliases(String keyType, Principal[] issuers) { return alias(keyType) == null ? null : new String[] {ALIAS}; }
            @Override public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) { return alias(keyTypes); }
            @Override public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) { return alias(keyTypes); }
            @Override public String[] getServerAliases(String keyType, Principal[] issuers) { return getClientAliases(keyType, issuers); }
            @Override public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) { return alias(keyType); }
            @Override public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) { return alias(keyType); }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                TlsCredentials c = current.get();
                return c == null || !ALIAS.equals(alias) ? null : new X509Certificate[] {c.certificate()};
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                TlsCredentials c = current.get();
                return c == null || !ALIAS.equals(alias) ? null : c.key();
            }
        };
    }

    /** Accepts a peer whose certificate the current authority signed and that is valid now; nothing else. */
    public X509ExtendedTrustManager trustManager() {
        return new X509ExtendedTrustManager() {
            private void check(X509Certificate[] chain) throws CertificateException {
                TlsCredentials c = current.get();
                if (c == null) throw new CertificateException("this party has no credentials yet (a host gets them when it joins)");
                if (chain == null || chain.length == 0) throw new CertificateException("the peer sent no certificate");
                X509Certificate peer = chain[0];
                try {
                    peer.verify(c.authority().getPublicKey());
                } catch (GeneralSecurityException e) {
                    throw new CertificateException("the peer's certificate (" + TlsCredentials.commonName(peer)
                            + ") is not signed by this fabric's controller", e);
                }
                peer.checkValidity();
            }

            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException { check(chain); }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException { check(chain); }
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException { check(chain); }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException { check(chain); }
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException { check(chain); }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException { check(chain); }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                TlsCredentials c = current.get();
                return c == null ? new X509Certificate[0] : new X509Certificate[] {c.authority()};
            }
        };
    }
}
