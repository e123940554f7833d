package org.vmrole.fabric.controller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.fabric.store.StoredRecord;

/** Where each kind of record lives in the store, and its JSON form. */
final class StateCodec {
    static final String DEPLOYMENTS = "deployments/";
    static final String INSTANCES = "instances/";
    static final String HOSTS = "hosts/";
    static final String OPERATIONS = "operations/";
    static final String TOKENS = "join-tokens/";
    static final String REPORTS = "host-reports/";

    // shared: a mapper builds its serialisers on first use, which costs far more than the writes themselves
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    static String key(Deployment d) {
        return DEPLOYMENTS + d.id();
    }

    static String key(RoleInstance ri) {
        return INSTANCES + ri.key();
    }

    static String instanceKey(String instanceKey) {
        return INSTANCES + instanceKey;
    }

    static String key(Host h) {
        return HOSTS + h.name();
    }

    static String key(Operation op) {
        return OPERATIONS + op.id();
    }

    static String deploymentKey(String id) {
        return DEPLOYMENTS + id;
    }

    static String tokenKey(String hostName) {
        return TOKENS + hostName;
    }

    static String reportKey(String hostName) {
        return REPORTS + hostName;
    }

    /** The record type kept under {@code key}, or null for keys that are not the controller's (the API's, secrets). */
    static Class<?> typeOf(String key) {
        if (key.startsWith(DEPLOYMENTS)) return Deployment.class;
        if (key.startsWith(INSTANCES)) return RoleInstance.class;
        if (key.startsWith(HOSTS)) return Host.class;
        if (key.startsWith(OPERATIONS)) return Operation.class;
        if (key.startsWith(TOKENS)) return JoinToken.class;
        if (key.startsWith(REPORTS)) return HostReport.class;
        return null;
    }

    String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    <T> T read(StoredRecord record, Class<T> type) {
        try {
            return JSON.readValue(record.value(), type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("store record '" + record.key() + "' is not a readable " + type.getSimpleName()
                    + " (" + e.getOriginalMessage() + "); restore the store from a backup or delete the record", e);
        }
    }
}
