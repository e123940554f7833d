package org.vmrole.api.hostlink;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.vmrole.api.ApiException;

/**
 * Checks, when a host joins, that the controller can open a connection to the host's tunnel listener, which listens
 * on the host's address: a host whose address nobody can dial would run instances that never get a request.
 */
final class HostReachability {
    static final Duration TIMEOUT = Duration.ofSeconds(3);

    private HostReachability() {}

    static void require(String host, String address, String networkAddress) {
        if (networkAddress == null) return;
        int colon = networkAddress.lastIndexOf(':');
        String target = address != null ? address : networkAddress.substring(0, colon);
        int port = Integer.parseInt(networkAddress.substring(colon + 1));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(target, port), (int) TIMEOUT.toMillis());
        } catch (IOException | IllegalArgumentException e) {
            throw new ApiException(422, "HostUnreachable", "host '" + host + "' gave address " + target + ", but the controller cannot connect to "
                    + target + ":" + port + " (" + e.getMessage() + "); start the host with --address set to an address of its machine"
                    + " that the controller's machine can reach", "address");
        }
    }
}
