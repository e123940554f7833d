package org.vmrole.storage.http;

/** The three storage services, each on its own port. */
public enum Service { BLOB, QUEUE, TABLE }
