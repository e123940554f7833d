package org.vmrole.api.beta;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.vmrole.api.ApiException;
import org.vmrole.api.audit.AuditEntry;
import org.vmrole.api.audit.AuditLog;
import org.vmrole.api.auth.Principal;
import org.vmrole.api.http.NameRule;
import org.vmrole.api.store.JsonRecords;
import org.vmrole.api.store.Optimistic;
import org.vmrole.api.store.JsonRecords.Versioned;
import org.vmrole.fabric.store.Store;

/** Beta programs and admission requests, kept in the store; the decisions themselves are {@link BetaGate}'s. */
public final class BetaPrograms {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{1,40}");

    private final Store store;
    private final AuditLog audit;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final JsonRecords<BetaProgram> programs;
    private final JsonRecords<AdmissionRequest> requests;

    public BetaPrograms(Store store, ObjectMapper json, AuditLog audit, Clock clock) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.programs = new JsonRecords<>(json, "/api/beta/programs/", BetaProgram.class);
        this.requests = new JsonRecords<>(json, "/api/beta/requests/", AdmissionRequest.class);
    }

    /** The VM Role program exists from the start. */
    public void ensureVmRoleProgram() {
        if (programs.get(store, BetaProgram.VM_ROLE).isEmpty()) {
            store.commit(List.of(programs.put(BetaProgram.VM_ROLE,
                    new BetaProgram(BetaProgram.VM_ROLE, "Run your own VM images as roles", clock.instant()), Store.ABSENT)));
        }
    }

    public BetaProgram define(Principal admin, String name, String description) {
        return Optimistic.retry(() -> {
            if (name == null || !NAME.matcher(name).matches()) {
                throw ApiException.badRequest("InvalidProgramName", "program name '" + name + "' must be 2-41 characters of a-z, 0-9 and '-', starting with a letter", "name");
            }
            if (programs.get(store, name).isPresent()) throw ApiException.conflict("ProgramExists", "beta program '" + name + "' already exists", name);
            NameRule.requireText(description, "description");
        BetaProgram p = new BetaProgram(name, description == null ? "" : description, clock.instant());
            store.commit(List.of(programs.put(name, p, Store.ABSENT), audit.record(new AuditEntry(clock.instant(), admin.actor(), null, "beta.define", name))));
            return p;
        });
    }

    public List<BetaProgram> programs() {
        return programs.list(store).stream().map(Versioned::value).toList();
    }

    public AdmissionRequest request(Principal who, String program, String reason) {
        return Optimistic.retry(() -> {
            if (who.administrator()) {
                throw ApiException.badRequest("SubscriptionKeyRequired", "admission is requested by a subscription; use that subscription's key", "Authorization");
            }
            if (programs.get(store, program).isEmpty()) throw ApiException.notFound("Program", program);
            NameRule.requireText(reason, "reason");
        BetaGate.checkCanRequest(all(), program, who.subscriptionId(), reason);
            byte[] id = new byte[6];
            random.nextBytes(id);
            AdmissionRequest r = new AdmissionRequest("req-" + HexFormat.of().formatHex(id), program, who.subscriptionId(), reason.strip(),
                    AdmissionState.Pending, clock.instant(), null, null, null);
            store.commit(List.of(requests.put(r.id(), r, Store.ABSENT),
                    audit.record(new AuditEntry(clock.instant(), who.actor(), who.subscriptionId(), "beta.request", program))));
            return r;
        });
    }

    /** Requests the caller may see: all for the administrator, its own for a subscription. */
    public List<AdmissionRequest> requests(Principal who) {
        return all().stream().filter(r -> who.administrator() || r.subscriptionId().equals(who.subscriptionId())).toList();
    }

    public AdmissionRequest decide(Principal admin, String requestId, boolean approve, String note) {
        return Optimistic.retry(() -> {
            Versioned<AdmissionRequest> v = requests.get(store, requestId).orElseThrow(() -> ApiException.notFound("Request", requestId));
            NameRule.requireText(note, "note");
        BetaGate.checkCanDecide(v.value());
            AdmissionRequest decided = v.value().decide(approve, admin.actor(), note, clock.instant());
            store.commit(List.of(requests.put(requestId, decided, v.revision()),
                    audit.record(new AuditEntry(clock.instant(), admin.actor(), decided.subscriptionId(),
                            approve ? "beta.approve" : "beta.deny", decided.program()))));
            return decided;
        });
    }

    /** The writes that remove the subscription's admission requests (when the subscription goes). */
    public List<org.vmrole.fabric.store.Write> forget(String subscriptionId) {
        return requests.byId(store).entrySet().stream().filter(e -> e.getValue().value().subscriptionId().equals(subscriptionId))
                .map(e -> requests.delete(e.getKey(), e.getValue().revision())).toList();
    }

    /** Throws the user-facing error when the subscription may not use the program yet. */
    public void requireAdmission(String program, String subscriptionId) {
        BetaGate.requireAdmission(all(), program, subscriptionId);
    }

    private List<AdmissionRequest> all() {
        return requests.list(store).stream().map(Versioned::value).toList();
    }
}
