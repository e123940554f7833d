package org.vmrole.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * An IPv4 address of this machine given on the command line (the server's --listen, a host's --address): a wildcard is
 * refused, because others are told to dial it and cannot, and so is an address that is not this machine's.
 */
final class LocalAddress {
    private static final String FIX = "; give 127.0.0.1 (this machine only) or one of this machine's IPv4 addresses ('ip -4 addr' lists them)";

    private LocalAddress() {}

    static InetAddress require(String option, String text) {
        if (text == null || text.isBlank() || !text.chars().allMatch(c -> c == '.' || Character.isDigit(c)) || text.split("\\.", -1).length != 4) {
            throw new IllegalArgumentException(option + " '" + text + "' is not an IPv4 address such as 10.0.0.5" + FIX);
        }
        try {
            return requireLocal(option, InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(option + " '" + text + "' is not an IPv4 address such as 10.0.0.5" + FIX, e);
        }
    }

    /** The given address, or the source address the routing table picks for the controller (a connected UDP socket sends nothing). */
    static InetAddress orTowards(String option, String given, URI controller) {
        if (given != null) return require(option, given);
        int port = controller.getPort() > 0 ? controller.getPort() : "https".equals(controller.getScheme()) ? 443 : 80;
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(new InetSocketAddress(controller.getHost(), port));
            return requireLocal(option, probe.getLocalAddress());
        } catch (SocketException e) {
            throw new IllegalArgumentException("cannot find the address this machine reaches the controller " + controller + " from ("
                    + e.getMessage() + "); give " + option, e);
        }
    }

    private static InetAddress requireLocal(String option, InetAddress a) {
        if (a.isAnyLocalAddress()) {
            throw new IllegalArgumentException(option + " " + a.getHostAddress() + " is a wildcard: nobody can dial it" + FIX);
        }
        if (!(a instanceof Inet4Address)) throw new IllegalArgumentException(option + " " + a.getHostAddress() + " is not IPv4" + FIX);
        try {
            if (!a.isLoopbackAddress() && NetworkInterface.getByInetAddress(a) == null) {
                throw new IllegalArgumentException(option + " " + a.getHostAddress() + " is not an address of this machine" + FIX);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return a;
    }
}
