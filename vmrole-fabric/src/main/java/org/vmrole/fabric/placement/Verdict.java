package org.vmrole.fabric.placement;

/** A hard constraint's answer: pass, or fail with the reason. */
public record Verdict(boolean passed, String reason) {
    public static final Verdict PASS = new Verdict(true, null);

    public static Verdict fail(String reason) {
        return new Verdict(false, reason);
    }
}
