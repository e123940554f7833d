package org.vmrole.lb;

/** The protocol of an input endpoint: raw TCP bytes, or HTTP/1.1 that may carry X-Forwarded-For. */
public enum Protocol {
    TCP,
    HTTP
}
