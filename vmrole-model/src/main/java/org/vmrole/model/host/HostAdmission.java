package org.vmrole.model.host;

/**
 * The controller's answer to a join: the host's name and fault domain as registered, and the certificate (PEM) it
 * issued for the join's public key, signed by the controller's authority (null when the join sent no key).
 */
public record HostAdmission(String host, int faultDomain, String certificate) {
}
