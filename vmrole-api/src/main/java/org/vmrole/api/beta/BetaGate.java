package org.vmrole.api.beta;

import java.util.Collection;
import java.util.Optional;
import org.vmrole.api.ApiException;

/** Decides who may request, be granted, and use a beta program. Pure: callers pass the current requests. */
public final class BetaGate {
    private BetaGate() {}

    /** The subscription's latest request for the program, if any. */
    public static Optional<AdmissionRequest> latest(Collection<AdmissionRequest> requests, String program, String subscriptionId) {
        return requests.stream()
                .filter(r -> r.program().equals(program) && r.subscriptionId().equals(subscriptionId))
                .max(java.util.Comparator.comparing(AdmissionRequest::requested).thenComparing(AdmissionRequest::id));
    }

    /** Refuses a second open request, or a request from a member; a denied subscription may ask again. */
    public static void checkCanRequest(Collection<AdmissionRequest> requests, String program, String subscriptionId, String reason) {
        if (reason == null || reason.isBlank()) {
            throw ApiException.badRequest("MissingReason", "say why the subscription wants to join '" + program
                    + "': give a non-empty 'reason' (CLI: --reason \"...\")", "reason");
        }
        latest(requests, program, subscriptionId).ifPresent(r -> {
            switch (r.state()) {
                case Pending -> throw ApiException.conflict("AdmissionRequestPending",
                        "request " + r.id() + " to join '" + program + "' is already waiting for an administrator", r.id());
                case Approved -> throw ApiException.conflict("AlreadyAdmitted",
                        "subscription '" + subscriptionId + "' is already admitted to '" + program + "'", program);
                case Denied -> { }
            }
        });
    }

    public static void checkCanDecide(AdmissionRequest request) {
        if (request.state() != AdmissionState.Pending) {
            throw ApiException.conflict("AdmissionAlreadyDecided",
                    "request " + request.id() + " was already " + request.state().name().toLowerCase(java.util.Locale.ROOT), request.id());
        }
    }

    /** Throws the error a user sees when deploying a VM role before admission, with how to ask. */
    public static void requireAdmission(Collection<AdmissionRequest> requests, String program, String subscriptionId) {
        Optional<AdmissionRequest> r = latest(requests, program, subscriptionId);
        if (r.isPresent() && r.get().state() == AdmissionState.Approved) return;
        String how = switch (r.map(AdmissionRequest::state).orElse(AdmissionState.Denied)) {
            case Pending -> "request " + r.get().id() + " is waiting for an administrator's approval";
            case Denied -> "request admission with: ./vmrole beta request " + program + " --reason \"...\""
                    + (r.isPresent() ? " (the last request was denied" + (r.get().note() == null ? "" : ": " + r.get().note()) + ")" : "");
            case Approved -> throw new IllegalStateException("unreachable");
        };
        throw ApiException.forbidden("BetaProgramAdmissionRequired",
                "subscription '" + subscriptionId + "' is not admitted to the '" + program + "' beta program; " + how, program);
    }
}
