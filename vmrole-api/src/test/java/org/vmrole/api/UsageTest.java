package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.vmrole.api.tenancy.SubscriptionLimits;
import org.vmrole.api.tenancy.Usage;

class UsageTest {
    @Test
    void names_every_limit_a_change_would_pass() {
        var limits = new SubscriptionLimits(4, 4, 1, 1000);
        var after = new Usage(2, 3, 0, 0).plus(new Usage(4, 4, 2, 0));
        assertThatThrownBy(() -> after.requireWithin(limits, "contoso"))
                .hasMessageContaining("cores 6 > 4").hasMessageContaining("instances 7 > 4").hasMessageContaining("images 2 > 1")
                .hasMessageNotContaining("storage");
    }

    @Test
    void usage_within_limits_passes() {
        new Usage(4, 4, 1, 1000).requireWithin(new SubscriptionLimits(4, 4, 1, 1000), "contoso");
    }
}
