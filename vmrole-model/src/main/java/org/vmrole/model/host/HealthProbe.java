package org.vmrole.model.host;

/**
 * The load-balancer probe of a role's first input endpoint, as a host runs it against an instance whose image never
 * says {@code hello}: an HTTP GET of {@code httpPath} (2xx passes) or, when {@code httpPath} is null, a TCP connect
 * that the guest keeps open; every {@code intervalSeconds}, failing after {@code timeoutSeconds} without a pass.
 * {@code fromBoot}: the image is known to have no agent (upload inspection), so the probe judges from the first second;
 * otherwise only when no agent has said hello within the host's boot timeout.
 */
public record HealthProbe(int guestPort, String httpPath, int intervalSeconds, int timeoutSeconds, boolean fromBoot) {
    public HealthProbe {
        if (guestPort < 1 || guestPort > 65535) throw new IllegalArgumentException("probe port " + guestPort + " is outside 1-65535");
        if (intervalSeconds < 1) intervalSeconds = 1;
        if (timeoutSeconds < intervalSeconds) timeoutSeconds = intervalSeconds;
    }

    public HealthProbe withFromBoot(boolean value) {
        return new HealthProbe(guestPort, httpPath, intervalSeconds, timeoutSeconds, value);
    }

    public boolean http() {
        return httpPath != null;
    }

    /** "HTTP GET :80/healthz" or "TCP :22", as status and logs say it. */
    public String describe() {
        return (http() ? "HTTP GET :" + guestPort + httpPath : "TCP :" + guestPort);
    }
}
