package org.vmrole.api.beta;

import java.time.Instant;

/** A feature gate a subscription must be admitted to; the VM Role itself is the program {@value #VM_ROLE}. */
public record BetaProgram(String name, String description, Instant created) {
    public static final String VM_ROLE = "vm-role";
}
