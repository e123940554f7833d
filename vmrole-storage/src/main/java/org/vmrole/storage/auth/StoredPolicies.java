package org.vmrole.storage.auth;

import org.vmrole.storage.http.Service;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
        Matcher m = Pattern.compile("<SignedIdentifier>(.*?)</SignedIdentifier>", Pattern.DOTALL).matcher(xml);
        while (m.find()) {
            String entry = m.group(1);
            if (id.equals(tag(entry, "Id"))) return Optional.of(new Policy(tag(entry, "Permission"), tag(entry, "Start"), tag(entry, "Expiry")));
        }
        return Optional.empty();
    }

    private static String tag(String xml, String name) {
        Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(xml);
        return m.find() && !m.group(1).isBlank() ? m.group(1).trim() : null;
    }
}
