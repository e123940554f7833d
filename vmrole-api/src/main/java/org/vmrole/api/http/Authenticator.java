package org.vmrole.api.http;

import java.util.Optional;
import org.vmrole.api.auth.Principal;

/** Turns a presented bearer secret into a caller, or nothing when the key is unknown or revoked. */
@FunctionalInterface
public interface Authenticator {
    Optional<Principal> authenticate(String secret);
}
