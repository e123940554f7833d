package org.vmrole.lb;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

class ResponseCloseMarkerTest {

    private final ResponseCloseMarker marker = new ResponseCloseMarker();
    private final EmbeddedChannel channel = new EmbeddedChannel(marker);

    private void arrive(String... pieces) {
        InboundText.arrive(channel, pieces);
    }

    private String passed() {
        return InboundText.passedOn(channel);
    }

    @Test
    void passes_responses_untouched_until_armed() {
        arrive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");

        assertThat(passed()).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    }

    @Test
    void marks_the_final_response_after_an_interim_one_even_when_its_head_arrives_in_pieces() {
        marker.arm();
        arrive("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nConte", "nt-Length: 2\r\n\r\nhi");

        assertThat(passed()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
        assertThat(channel.pipeline().get(ResponseCloseMarker.class)).isNull();
    }
}
