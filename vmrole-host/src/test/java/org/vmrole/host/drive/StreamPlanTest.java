package org.vmrole.host.drive;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StreamPlanTest {
    private static final int MIB = 1 << 20;
    private static final int WINDOW = 4 * MIB;
    private static final long SLACK = 8L * MIB;
    private static final long DISK = 64L * MIB;

    private static StreamPlan plan(long streamEnd, long offset) {
        return StreamPlan.of(streamEnd, offset, MIB, DISK, WINDOW, 2, SLACK);
    }

    @Test
    void the_first_read_of_a_disk_starts_a_stream_but_is_not_served_from_windows() {
        StreamPlan p = plan(-1, 0);

        assertThat(p.stream()).isFalse();
        assertThat(p.streamEnd()).isEqualTo(MIB);
        assertThat(p.aheadTo()).isLessThanOrEqualTo(p.lastWindow());
    }

    @Test
    void a_read_that_starts_where_the_last_ended_continues_the_stream_and_fetches_two_windows_ahead() {
        StreamPlan p = plan(5L * MIB, 5L * MIB);

        assertThat(p.stream()).isTrue();
        assertThat(p.streamEnd()).isEqualTo(6L * MIB);
        assertThat(p.firstWindow()).isEqualTo(1);
        assertThat(p.lastWindow()).isEqualTo(1);
        assertThat(p.aheadTo()).isEqualTo(3);
    }

    @Test
    void a_read_arriving_out_of_order_within_the_slack_continues_the_stream_without_moving_its_end_back() {
        StreamPlan p = plan(12L * MIB, 7L * MIB);

        assertThat(p.stream()).isTrue();
        assertThat(p.streamEnd()).isEqualTo(12L * MIB);
    }

    @Test
    void a_read_far_from_the_stream_starts_a_new_one_and_fetches_nothing_ahead() {
        StreamPlan p = plan(12L * MIB, 40L * MIB);

        assertThat(p.stream()).isFalse();
        assertThat(p.streamEnd()).isEqualTo(41L * MIB);
        assertThat(p.aheadTo()).isLessThan(p.lastWindow() + 1);
    }

    @Test
    void fetching_ahead_stops_at_the_end_of_the_disk() {
        StreamPlan p = plan(62L * MIB, 62L * MIB);

        assertThat(p.stream()).isTrue();
        assertThat(p.lastWindow()).isEqualTo(15);
        assertThat(p.aheadTo()).isEqualTo(15);
    }

    @Test
    void a_read_spanning_two_windows_names_both() {
        StreamPlan p = StreamPlan.of(3L * MIB, 3L * MIB, 2 * MIB, DISK, WINDOW, 2, SLACK);

        assertThat(p.firstWindow()).isEqualTo(0);
        assertThat(p.lastWindow()).isEqualTo(1);
        assertThat(p.aheadTo()).isEqualTo(3);
    }

    @Test
    void a_window_is_left_behind_only_once_no_read_within_the_slack_can_fall_in_it() {
        assertThat(StreamPlan.behind(0, 12L * MIB, WINDOW, SLACK)).isTrue();
        assertThat(StreamPlan.behind(1, 12L * MIB, WINDOW, SLACK)).isFalse();
        assertThat(StreamPlan.behind(0, 11L * MIB, WINDOW, SLACK)).isFalse();
    }
}
