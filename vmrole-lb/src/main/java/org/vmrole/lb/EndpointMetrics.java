package org.vmrole.lb;

/**
 * A listener's counters at one moment.
 *
 * @param connectionsAccepted    client connections accepted since the listener opened
 * @param connectionsOpen        client connections open now
 * @param bytesToBackends        bytes forwarded from clients to backends (with any inserted headers)
 * @param bytesToClients         bytes forwarded from backends to clients
 * @param backendErrors          backend connections that failed or timed out at connect, or (HTTP) closed before
 *                               answering a byte
 * @param retried                connections that were moved to another backend after such an error
 * @param noBackend              connections closed because no backend in rotation could take them
 * @param badRequests            HTTP connections closed for a malformed request head
 */
public record EndpointMetrics(String endpoint, long connectionsAccepted, long connectionsOpen, long bytesToBackends,
                              long bytesToClients, long backendErrors, long retried, long noBackend,
                              long badRequests) {
}
