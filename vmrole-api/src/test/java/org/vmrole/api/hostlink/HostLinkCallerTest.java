package org.vmrole.api.hostlink;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.vmrole.api.ApiException;

class HostLinkCallerTest {
    @Test
    void plain_http_from_another_machine_is_refused_and_told_to_use_tls() {
        ApiException no = new HostLinkCaller(false, null, false).refusal("host-a", false).orElseThrow();

        assertThat(no.status()).isEqualTo(403);
        assertThat(no.toError().code()).isEqualTo("HostLinkNeedsTls");
        assertThat(new HostLinkCaller(false, null, false).refusal("host-a", true)).as("not even a join").isPresent();
    }

    @Test
    void plain_http_over_loopback_never_left_the_machine_and_is_judged_by_the_token_alone() {
        assertThat(new HostLinkCaller(false, null, true).refusal("host-a", false)).isEmpty();
    }

    @Test
    void over_tls_a_join_needs_no_certificate_but_every_other_call_needs_the_hosts_own() {
        assertThat(new HostLinkCaller(true, null, false).refusal("host-a", true)).isEmpty();
        assertThat(new HostLinkCaller(true, null, false).refusal("host-a", false).orElseThrow().status()).isEqualTo(401);
        assertThat(new HostLinkCaller(true, "host-b", false).refusal("host-a", false).orElseThrow().status()).isEqualTo(403);
        assertThat(new HostLinkCaller(true, "host-a", false).refusal("host-a", false)).isEmpty();
    }
}
