package org.vmrole.host.drive;

import org.vmrole.model.blob.PageBlobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class DriveLeaseTest extends WithBlobService {
    static ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterAll
    static void stopTimer() {
        timer.shutdownNow();
    }

    @Test
    void a_second_writer_is_refused_with_the_holders_name() {
        PageBlobClient blob = storage.newDrive(1 << 20);
        try (DriveLease first = DriveLease.acquire(blob, "host-a/WebVM_IN_0", timer)) {
            assertThatThrownBy(() -> DriveLease.acquire(blob, "host-b/WebVM_IN_1", timer))
                    .isInstanceOfSatisfying(DriveInUseException.class, e -> assertThat(e.holder()).isEqualTo("host-a/WebVM_IN_0"))
                    .hasMessageContaining("attached for writing by host-a/WebVM_IN_0")
                    .hasMessageContaining("mode=\"snapshot\"");
        }
    }

    @Test
    void releasing_lets_the_next_writer_in_and_forgets_the_holder() {
        PageBlobClient blob = storage.newDrive(1 << 20);
        DriveLease.acquire(blob, "host-a/WebVM_IN_0", timer).close();

        try (DriveLease second = DriveLease.acquire(blob, "host-b/WebVM_IN_0", timer)) {
            assertThat(blob.properties().metadata()).containsEntry(DriveLease.HOLDER_METADATA, "host-b/WebVM_IN_0");
            blob.writePages(0, new byte[512], 0, 512, second.id());
        }
        assertThat(blob.properties().leased()).isFalse();
        assertThat(blob.properties().metadata()).doesNotContainKey(DriveLease.HOLDER_METADATA);
    }

    @Test
    void a_broken_lease_frees_the_drive_for_another_writer() {
        PageBlobClient blob = storage.newDrive(1 << 20);
        DriveLease.acquire(blob, "dead-host/WebVM_IN_0", timer);
        blob.breakLease(0);

        try (DriveLease next = DriveLease.acquire(blob, "host-b/WebVM_IN_0", timer)) {
            assertThat(next.holder()).isEqualTo("host-b/WebVM_IN_0");
        }
    }

    @Test
    void the_lease_is_renewed_while_the_drive_stays_attached() {
        PageBlobClient blob = storage.newDrive(1 << 20);
        try (DriveLease lease = DriveLease.acquire(blob, "host-a/WebVM_IN_0", timer, 15, 3)) {
            // well past the 15 s the lease was taken for: only renewals keep it
            await().pollDelay(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
                assertThat(blob.properties().leased()).isTrue();
                blob.writePages(0, new byte[512], 0, 512, lease.id());
            });
            assertThat(lease.lost()).isFalse();
        }
    }

    @Test
    void a_broken_lease_is_noticed_at_the_next_renewal() {
        PageBlobClient blob = storage.newDrive(1 << 20);
        DriveLease lease = DriveLease.acquire(blob, "host-a/WebVM_IN_0", timer, 15, 1);
        blob.breakLease(0);

        await().atMost(Duration.ofSeconds(20)).until(lease::lost);
        lease.close();
    }
}
