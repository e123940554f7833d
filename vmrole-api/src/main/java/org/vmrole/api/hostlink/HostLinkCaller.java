package org.vmrole.api.hostlink;

import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.vmrole.api.ApiException;
import org.vmrole.model.tls.TlsCredentials;

/**
 * Which connections may speak for a host on the host link. Over TLS (the certificate was already checked against the
 * controller's authority by the handshake) every call but the join must present the certificate the host got at join,
 * naming that very host. Plain HTTP is accepted only from a loopback address: that connection never left the
 * controller's machine. The join token is checked on top of either, so a revoked host is refused even with a valid
 * certificate.
 */
record HostLinkCaller(boolean tls, String certifiedHost, boolean loopbackPeer) {
    static final String CERTIFICATE_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";

    static HostLinkCaller of(Context ctx) {
        X509Certificate[] chain = (X509Certificate[]) ctx.req().getAttribute(CERTIFICATE_ATTRIBUTE);
        String named = chain == null || chain.length == 0 ? null : TlsCredentials.commonName(chain[0]);
        return new HostLinkCaller(ctx.req().isSecure(), named, loopback(ctx.req().getRemoteAddr()));
    }

    private static boolean loopback(String address) {
        try {
            // an IP literal from the socket: no name lookup happens
            return address != null && InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Why this connection may not speak for {@code host}, if it may not. */
    Optional<ApiException> refusal(String host, boolean joining) {
        if (!tls) {
            if (loopbackPeer) return Optional.empty();
            return Optional.of(ApiException.forbidden("HostLinkNeedsTls", "the host link takes plain HTTP only from the controller's own machine;"
                    + " a host on another machine speaks TLS to the same port (./vmrole host --controller URL with a token from"
                    + " ./vmrole host token NAME does)", "scheme"));
        }
        if (joining) return Optional.empty();
        if (certifiedHost == null) {
            return Optional.of(new ApiException(401, "HostCertificateMissing", "over TLS a host presents the certificate the controller issued it at"
                    + " join; join again (the host agent does so when it starts)", "certificate"));
        }
        if (!certifiedHost.equals(host)) {
            return Optional.of(ApiException.forbidden("HostCertificateMismatch", "the client certificate was issued to host '" + certifiedHost
                    + "', and speaks only for it, not for '" + host + "'", "certificate"));
        }
        return Optional.empty();
    }

    void require(String host, boolean joining) {
        Optional<ApiException> no = refusal(host, joining);
        if (no.isPresent()) throw no.get();
    }
}
