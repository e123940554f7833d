package org.vmrole.fabric.controller;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.fabric.store.Write;

/** Records to write and keys to delete, committed together; a later change to the same key replaces an earlier one. */
final class ChangeSet {
    /** Store key to the record to put there, or {@code null} to delete it. */
    final Map<String, Object> changes = new LinkedHashMap<>();
    /** A caller's own writes (outside the fabric's records) that must succeed or fail with these changes. */
    final List<Write> alongside = new ArrayList<>();

    ChangeSet alongside(List<Write> writes) {
        alongside.addAll(writes);
        return this;
    }

    ChangeSet put(Deployment d) {
        changes.put(StateCodec.key(d), d);
        return this;
    }

    ChangeSet put(RoleInstance ri) {
        changes.put(StateCodec.key(ri), ri);
        return this;
    }

    ChangeSet put(Host h) {
        changes.put(StateCodec.key(h), h);
        return this;
    }

    ChangeSet put(Operation op) {
        changes.put(StateCodec.key(op), op);
        return this;
    }

    ChangeSet put(JoinToken t) {
        changes.put(StateCodec.tokenKey(t.hostName()), t);
        return this;
    }

    ChangeSet put(HostReport r) {
        changes.put(StateCodec.reportKey(r.host()), r);
        return this;
    }

    ChangeSet delete(String storeKey) {
        changes.put(storeKey, null);
        return this;
    }

    boolean isEmpty() {
        return changes.isEmpty();
    }
}
