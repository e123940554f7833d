package org.vmrole.storage.blob;

import org.junit.jupiter.api.Test;
import org.vmrole.storage.StorageException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeaseTest {
    static final String A = "aaaaaaaa-0000-0000-0000-000000000000";
    static final String B = "bbbbbbbb-0000-0000-0000-000000000000";

    static String code(Runnable r) {
        try {
            r.run();
            return "none";
        } catch (StorageException e) {
            return e.status() + " " + e.code();
        }
    }

    @Test
    void a_finite_lease_expires_after_its_duration_and_can_then_be_taken_by_anyone() {
        Lease l = Lease.NONE.acquire(A, 15, 0);
        assertThat(l.at(14_999).state()).isEqualTo("leased");
        Lease expired = l.at(15_000);
        assertThat(expired.state()).isEqualTo("expired");
        assertThat(expired.acquire(B, 20, 15_000).id()).isEqualTo(B);
    }

    @Test
    void an_expired_lease_may_still_be_renewed_by_its_holder() {
        Lease expired = Lease.NONE.acquire(A, 15, 0).at(20_000);
        assertThat(expired.renew(A, 20_000).at(30_000).state()).isEqualTo("leased");
    }

    @Test
    void breaking_a_finite_lease_ends_at_the_earlier_of_the_period_and_the_lease_end() {
        Lease l = Lease.NONE.acquire(A, 60, 0);
        Lease breaking = l.breakLease(10, 0);
        assertThat(breaking.state()).isEqualTo("breaking");
        assertThat(breaking.remainingBreakSeconds(0)).isEqualTo(10);
        assertThat(breaking.at(10_000).state()).isEqualTo("broken");
        assertThat(Lease.NONE.acquire(A, 15, 0).breakLease(60, 5_000).remainingBreakSeconds(5_000)).isEqualTo(10);
    }

    @Test
    void breaking_an_infinite_lease_without_a_period_is_immediate() {
        assertThat(Lease.NONE.acquire(A, -1, 0).breakLease(null, 0).state()).isEqualTo("broken");
        assertThat(Lease.NONE.acquire(A, -1, 0).breakLease(30, 0).remainingBreakSeconds(0)).isEqualTo(30);
    }

    @Test
    void uses_azures_error_codes_for_each_refused_transition() {
        Lease leased = Lease.NONE.acquire(A, 15, 0);
        assertThat(code(() -> leased.acquire(B, 15, 0))).isEqualTo("409 LeaseAlreadyPresent");
        assertThat(code(() -> leased.renew(B, 0))).isEqualTo("409 LeaseIdMismatchWithLeaseOperation");
        assertThat(code(() -> leased.release(B))).isEqualTo("409 LeaseIdMismatchWithLeaseOperation");
        assertThat(code(() -> Lease.NONE.renew(A, 0))).isEqualTo("409 LeaseNotPresentWithLeaseOperation");
        assertThat(code(() -> Lease.NONE.breakLease(null, 0))).isEqualTo("409 LeaseNotPresentWithLeaseOperation");
        Lease breaking = leased.breakLease(10, 0);
        assertThat(code(() -> breaking.acquire(A, 15, 0))).isEqualTo("409 LeaseIsBreakingAndCannotBeAcquired");
        assertThat(code(() -> breaking.renew(A, 0))).isEqualTo("409 LeaseIsBreakingAndCannotBeRenewed");
        assertThat(code(() -> breaking.change(A, B))).isEqualTo("409 LeaseIsBreakingAndCannotBeChanged");
        assertThat(code(() -> breaking.at(10_000).renew(A, 10_000))).isEqualTo("409 LeaseIsBrokenAndCannotBeRenewed");
        assertThat(code(() -> Lease.NONE.acquire(A, 10, 0))).isEqualTo("400 InvalidHeaderValue");
    }

    @Test
    void guards_writes_on_a_leased_blob() {
        Lease leased = Lease.NONE.acquire(A, 15, 0);
        assertThat(code(() -> leased.checkWrite(null, "Blob"))).isEqualTo("412 LeaseIdMissing");
        assertThat(code(() -> leased.checkWrite(B, "Blob"))).isEqualTo("412 LeaseIdMismatchWithBlobOperation");
        assertThat(code(() -> Lease.NONE.checkWrite(A, "Blob"))).isEqualTo("412 LeaseNotPresentWithBlobOperation");
        leased.checkWrite(A, "Blob");
        assertThatThrownBy(() -> leased.checkWrite(null, "Container")).hasMessageContaining("container");
    }
}
