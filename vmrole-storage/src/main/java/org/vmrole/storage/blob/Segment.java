package org.vmrole.storage.blob;

/** One committed block of a block or append blob: its block id and the content file holding its bytes. */
public record Segment(String id, String content, long size) {}
