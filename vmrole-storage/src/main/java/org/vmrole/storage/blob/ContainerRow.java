package org.vmrole.storage.blob;

import java.util.Map;

/** A container as stored. */
public record ContainerRow(String name, String etag, long modified, Map<String, String> metadata, String publicAccess,
                           String acl, Lease lease) {}
