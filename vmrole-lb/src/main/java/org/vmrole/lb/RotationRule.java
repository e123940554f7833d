package org.vmrole.lb;

/** Decides whether a backend takes new connections. Pure: no state, no clock. */
final class RotationRule {

    private RotationRule() {
    }

    /**
     * In rotation when the probe passes, it is not being drained, and the controller holds it ready. A busy
     * backend stays in only when it is its pool's sole backend (Azure keeps a single instance in rotation
     * while Busy so the service is not cut off); a failing or unavailable one never does.
     */
    static boolean inRotation(Availability availability, ProbeHealth probe, boolean draining, int poolSize) {
        if (draining || probe != ProbeHealth.HEALTHY) {
            return false;
        }
        return switch (availability) {
            case READY -> true;
            case BUSY -> poolSize == 1;
            case UNAVAILABLE -> false;
        };
    }
}
