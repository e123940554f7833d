package org.vmrole.api.beta;

import java.time.Instant;

/** A subscription's request to join a beta program, and the administrator's answer. */
public record AdmissionRequest(String id, String program, String subscriptionId, String reason, AdmissionState state,
                               Instant requested, Instant decided, String decidedBy, String note) {

    public AdmissionRequest decide(boolean approve, String by, String note, Instant now) {
        return new AdmissionRequest(id, program, subscriptionId, reason, approve ? AdmissionState.Approved : AdmissionState.Denied,
                requested, now, by, note);
    }
}
