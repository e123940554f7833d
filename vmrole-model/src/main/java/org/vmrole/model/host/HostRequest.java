package org.vmrole.model.host;

/**
 * Something the controller asks one host about one of its instances, answered over the host link: today the tail
 * of an instance's console log ({@code kind} "console", at most {@code maxBytes}).
 */
public record HostRequest(String id, String kind, String instanceKey, int maxBytes) {
    public static final String CONSOLE = "console";
    /** The most a host sends back for one request: the API asks for at most this much. */
    public static final int MAX_ANSWER_BYTES = 1 << 20;
}
