package org.vmrole.host.lan;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The learning Ethernet switch of one deployment's private network on one host: frames go to the port their
 * destination MAC was last seen on, broadcasts and unknown destinations to every other port. Nothing else is
 * attached, so no other deployment and no host service sees these frames.
 */
public final class VirtualLan {
    static final int MIN_FRAME = 14;
    private final String deploymentId;
    private final String key;
    private final Set<LanPort> ports = ConcurrentHashMap.newKeySet();
    private final Map<Long, LanPort> lastSeen = new ConcurrentHashMap<>();

    VirtualLan(String deploymentId, String key) {
        this.deploymentId = deploymentId;
        this.key = key;
    }

    public String deploymentId() { return deploymentId; }

    String key() { return key; }

    void attach(LanPort port) {
        ports.add(port);
    }

    void detach(LanPort port) {
        ports.remove(port);
        lastSeen.values().removeIf(p -> p == port);
    }

    int portCount() {
        return ports.size();
    }

    /** Switches one frame that arrived on {@code from}. */
    void deliver(LanPort from, byte[] frame, int length) {
        if (length < MIN_FRAME || !ports.contains(from)) return;
        if (!isGroup(frame, 6)) lastSeen.put(mac(frame, 6), from);
        if (!isGroup(frame, 0)) {
            LanPort to = lastSeen.get(mac(frame, 0));
            if (to != null) {
                if (to != from && !(from.remote() && to.remote())) to.send(frame, length);
                return;
            }
        }
        for (LanPort p : ports) {
            if (p != from && !(from.remote() && p.remote())) p.send(frame, length);
        }
    }

    /**
     * A gratuitous ARP request ("who has ADDRESS, tell ADDRESS") broadcast from {@code mac}: switches learn where the
     * MAC is, and guests that know the address update the MAC they send it to. Padded to Ethernet's 60 bytes.
     */
    static byte[] gratuitousArp(long mac, byte[] ipv4) {
        java.nio.ByteBuffer f = java.nio.ByteBuffer.allocate(60);
        for (int i = 0; i < 6; i++) f.put((byte) 0xff);
        putMac(f, mac);
        f.putShort((short) 0x0806);           // ARP
        f.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        putMac(f, mac);
        f.put(ipv4);
        f.put(new byte[6]);
        f.put(ipv4);
        return f.array();
    }

    private static void putMac(java.nio.ByteBuffer f, long mac) {
        for (int shift = 40; shift >= 0; shift -= 8) f.put((byte) (mac >>> shift));
    }

    /** The MAC address at {@code offset} (0: destination, 6: source) as a number. */
    static long mac(byte[] frame, int offset) {
        long m = 0;
        for (int i = 0; i < 6; i++) m = (m << 8) | (frame[offset + i] & 0xff);
        return m;
    }

    /** Broadcast and multicast addresses have the group bit set. */
    private static boolean isGroup(byte[] frame, int offset) {
        return (frame[offset] & 1) != 0;
    }

    /** Reads {@code 52:54:0a:80:00:0a}. */
    static long parseMac(String text) {
        String[] parts = text.split(":");
        if (parts.length != 6) throw new IllegalArgumentException("MAC '" + text + "' is not six hex pairs separated by ':'");
        long m = 0;
        for (String p : parts) m = (m << 8) | Integer.parseInt(p, 16);
        return m;
    }
}
