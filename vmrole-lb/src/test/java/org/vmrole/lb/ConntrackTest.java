package org.vmrole.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ConntrackTest {

    private static final String TABLE = """
            ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.9 dst=10.0.0.1 sport=50000 dport=80 src=10.0.0.2 dst=10.0.0.1 sport=20001 dport=50000 [ASSURED] mark=0 zone=0 use=2
            ipv4     2 tcp      6 119 FIN_WAIT src=127.0.0.1 dst=127.0.0.1 sport=50001 dport=18080 src=10.0.0.2 dst=10.0.0.1 sport=20001 dport=50001 [ASSURED] mark=0 zone=0 use=2
            ipv4     2 tcp      6 27 TIME_WAIT src=10.0.0.9 dst=10.0.0.1 sport=50002 dport=80 src=10.0.0.2 dst=10.0.0.1 sport=20001 dport=50002 [ASSURED] mark=0 zone=0 use=2
            ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.9 dst=10.0.0.1 sport=50003 dport=80 src=10.0.0.3 dst=10.0.0.1 sport=20001 dport=50003 [ASSURED] mark=0 zone=0 use=2
            ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.2 dst=10.0.0.9 sport=20001 dport=50004 src=10.0.0.9 dst=10.0.0.2 sport=50004 dport=20001 [ASSURED] mark=0 zone=0 use=2
            ipv4     2 udp      17 29 src=10.0.0.9 dst=10.0.0.1 sport=53 dport=53 src=10.0.0.2 dst=10.0.0.9 sport=20001 dport=53 mark=0 zone=0 use=2
            """;

    @Test
    void counts_open_connections_whose_answers_come_from_the_backend_whatever_was_translated() {
        // the established DNAT one and the half-closed local one; not the closed one, another backend, a connection
        // the backend opened itself, or UDP
        assertThat(Conntrack.openTo(TABLE, new InetSocketAddress("10.0.0.2", 20001))).isEqualTo(2);
        assertThat(Conntrack.openTo(TABLE, new InetSocketAddress("10.0.0.2", 20002))).isZero();
    }
}
