package org.vmrole.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;

/** An asynchronous QMP event, such as {@code SHUTDOWN} or {@code GUEST_PANICKED}. */
public record QmpEvent(String name, JsonNode data) {
}
