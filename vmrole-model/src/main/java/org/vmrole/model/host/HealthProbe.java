package org.vmrole.model.host;

/**
 * The load-balancer probe of a role's first input endpoint, as a host runs it against an instance whose image never
 * says {@code hello}: an HTTP GET of {@code httpPath} (2xx passes) or, when {@code httpPath} is null, a TCP connect
 * that the guest keeps open; every {@code intervalSeconds}, failing after {@code timeoutSeconds} without a pass.
 */
public record HealthProbe(int guestPort, String httpPath, int intervalSeconds, int timeoutSeconds) {
    public HealthProbe {
        if (guestPort < 1 || guestPort > 65535) throw new IllegalArgumentException("probe port " + guestPort + " is outside 1-65535");
        if (intervalSeconds < 1) intervalSeconds = 1;
        if (timeoutSeconds < intervalSeconds) timeoutSeconds = intervalSeconds;
    }

    public boolean http() {
        return httpPath != null;
    }

    /** "HTTP GET :80/healthz" or "TCP :22", as status and logs say it. */
    public String describe() {
        return (http() ? "HTTP GET :" + guestPort + httpPath : "TCP :" + guestPort);
    }
}
