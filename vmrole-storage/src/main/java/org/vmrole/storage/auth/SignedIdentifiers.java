package org.vmrole.storage.auth;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.XmlBody;
import org.vmrole.storage.http.XmlElement;
import org.vmrole.storage.http.XmlWriter;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A container's, queue's or table's stored access policies (Set/Get ACL bodies), kept as canonical XML. */
public record SignedIdentifiers(List<Identifier> identifiers) {
    private static final int MAX_BYTES = 64 * 1024;
    private static final int MAX_IDENTIFIERS = 5;
    private static final int MAX_ID_LENGTH = 64;

    /** One signed identifier; start, expiry and permission may each be absent. */
    public record Identifier(String id, StoredPolicies.Policy policy) {}

    public static final SignedIdentifiers NONE = new SignedIdentifiers(List.of());

    /** Parses a Set ACL body (an empty body clears every policy). */
    public static SignedIdentifiers read(InputStream body) {
        return from(XmlBody.read(body, MAX_BYTES, "SignedIdentifiers"));
    }

    /** Parses what {@link #toXml()} stored (null means none). */
    public static SignedIdentifiers parse(String stored) {
        if (stored == null || stored.isBlank()) return NONE;
        return from(XmlBody.parse(stored.getBytes(StandardCharsets.UTF_8), "SignedIdentifiers"));
    }

    private static SignedIdentifiers from(XmlElement root) {
        if (root == null) return NONE;
        List<XmlElement> entries = root.children("SignedIdentifier");
        if (entries.size() > MAX_IDENTIFIERS) {
            throw StorageException.badRequest("InvalidXmlDocument", "At most " + MAX_IDENTIFIERS + " signed identifiers are allowed; this document has " + entries.size() + ".");
        }
        List<Identifier> out = new ArrayList<>();
        for (XmlElement e : entries) {
            String id = e.childText("Id");
            if (id == null || id.length() > MAX_ID_LENGTH) {
                throw StorageException.badRequest("InvalidXmlDocument", "Each SignedIdentifier needs an <Id> of 1-" + MAX_ID_LENGTH + " characters.");
            }
            XmlElement p = e.child("AccessPolicy");
            StoredPolicies.Policy policy = p == null ? new StoredPolicies.Policy(null, null, null)
                    : new StoredPolicies.Policy(p.childText("Permission"), p.childText("Start"), p.childText("Expiry"));
            out.add(new Identifier(id, policy));
        }
        return new SignedIdentifiers(List.copyOf(out));
    }

    public Optional<StoredPolicies.Policy> find(String id) {
        return identifiers.stream().filter(i -> i.id().equals(id)).map(Identifier::policy).findFirst();
    }

    /** The stored form (null when there are none). */
    public String stored() {
        return identifiers.isEmpty() ? null : toXml();
    }

    /** The Get ACL body. */
    public String toXml() {
        XmlWriter w = XmlWriter.document().start("SignedIdentifiers");
        for (Identifier i : identifiers) {
            w.start("SignedIdentifier").element("Id", i.id()).start("AccessPolicy")
                    .optional("Start", i.policy().start()).optional("Expiry", i.policy().expiry())
                    .optional("Permission", i.policy().permissions()).end().end();
        }
        return w.finish();
    }
}
