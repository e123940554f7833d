package org.vmrole.model.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** One party's TLS credentials: its private key, its certificate, and the authority it trusts its peers by. */
public record TlsCredentials(PrivateKey key, X509Certificate certificate, X509Certificate authority) {
    /** The name a certificate was issued to ({@code CN=host-a} gives host-a), empty when it names none. */
    public static String commonName(X509Certificate c) {
        try {
            for (Rdn rdn : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) return rdn.getValue().toString();
            }
            return "";
        } catch (InvalidNameException e) {
            return "";
        }
    }

    public String name() { return commonName(certificate); }

    /** Never shows the key. */
    @Override
    public String toString() {
        return "TlsCredentials[" + name() + ", authority sha256 " + Fingerprint.of(authority) + ", key hidden]";
    }
}
