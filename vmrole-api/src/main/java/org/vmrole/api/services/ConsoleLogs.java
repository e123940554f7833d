package org.vmrole.api.services;

import java.util.Optional;

/** Reads the tail of an instance's serial console log from the host that runs it, where this process can. */
@FunctionalInterface
public interface ConsoleLogs {
    Optional<String> tail(String host, String instanceKey, int maxBytes);
}
