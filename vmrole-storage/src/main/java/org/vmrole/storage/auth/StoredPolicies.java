package org.vmrole.storage.auth;

import org.vmrole.storage.http.Service;

import java.util.Optional;

/** Looks up a stored access policy (a container's or queue's signed identifier) that a SAS names with {@code si}. */
@FunctionalInterface
public interface StoredPolicies {

    /** A stored access policy: any field may be empty, in which case the SAS itself must carry it. */
    record Policy(String permissions, String start, String expiry) {}

    /** The ACL XML (SignedIdentifiers) of the container or queue, or empty when it has none or does not exist. */
    Optional<String> acl(Service service, String account, String resource);

    /** Finds identifier {@code id} in the resource's SignedIdentifiers document. */
    default Optional<Policy> find(Service service, String account, String resource, String id) {
        return acl(service, account, resource).flatMap(xml -> parse(xml, id));
    }

    static Optional<Policy> parse(String xml, String id) {
        return SignedIdentifiers.parse(xml).find(id);
    }
}
