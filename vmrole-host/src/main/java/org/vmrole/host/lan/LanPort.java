package org.vmrole.host.lan;

/** One attachment to a {@link VirtualLan}: a VM's NIC on this host, or a tunnel to another host. */
interface LanPort {
    /** Tunnels are remote: frames that came in over one are never sent out over another (the hosts form a full mesh). */
    boolean remote();

    /** Sends one Ethernet frame out of this port; a port that cannot send drops it, as a switch does. */
    void send(byte[] frame, int length);
}
