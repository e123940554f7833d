package org.vmrole.storage.http;

import org.vmrole.storage.auth.Access;

import java.time.Instant;

/** The calls every service answers the same way at its root: Get/Set Service Properties and Get Service Stats. */
final class ServiceEndpoints {
    private ServiceEndpoints() {}

    /** Answers the call and returns true when it is one of these. */
    static boolean handle(StorageRequest r, Access access, ServiceApi api, StorageResponse resp) {
        if (!r.resourcePath().isEmpty() || !r.hasParam("restype", "service")) return false;
        String comp = r.param("comp");
        String method = r.method();
        if ("properties".equals(comp) && method.equals("PUT")) {
            access.require('s', 'w', null, null);
            api.properties().set(r.account(), r.body());
            resp.empty(202);
            return true;
        }
        if ("properties".equals(comp) && method.equals("GET")) {
            access.require('s', 'r', null, null);
            resp.status(200).body("application/xml", api.properties().get(r.account()));
            return true;
        }
        if ("stats".equals(comp) && method.equals("GET")) {
            access.require('s', 'r', null, null);
            // one node, no geo-replica: the "secondary" is always as fresh as this one
            String body = XmlWriter.document().start("StorageServiceStats").start("GeoReplication")
                    .element("Status", "live").element("LastSyncTime", StorageResponse.RFC1123.format(Instant.now())).end().end().finish();
            resp.status(200).body("application/xml", body);
            return true;
        }
        return false;
    }
}
