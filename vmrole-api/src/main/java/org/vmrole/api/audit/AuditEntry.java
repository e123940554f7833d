package org.vmrole.api.audit;

import java.time.Instant;

/** Who changed what, and when. {@code subscriptionId} scopes the entry so each tenant reads only its own. */
public record AuditEntry(Instant at, String actor, String subscriptionId, String action, String target) {
}
