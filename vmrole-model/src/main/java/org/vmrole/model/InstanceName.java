package org.vmrole.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A role instance's name, {@code <Role>_IN_<n>}, as Azure forms it. */
public record InstanceName(String role, int index) implements Comparable<InstanceName> {
    private static final Pattern FORM = Pattern.compile("(.+)_IN_(\\d{1,9})");

    public InstanceName {
        if (role == null || role.isBlank()) throw new IllegalArgumentException("role name is empty");
        if (index < 0) throw new IllegalArgumentException("instance index " + index + " is negative");
    }

    /** Reads {@code WebVM_IN_3}; the error says the expected form. */
    public static InstanceName parse(String text) {
        Matcher m = text == null ? null : FORM.matcher(text);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("instance name '" + text + "' is not of the form <Role>_IN_<n>, e.g. WebVM_IN_0");
        }
        return new InstanceName(m.group(1), Integer.parseInt(m.group(2)));
    }

    /** The update domain Azure gives this instance: its index modulo the deployment's UD count. */
    public int updateDomain(int upgradeDomainCount) {
        return index % upgradeDomainCount;
    }

    @Override
    public int compareTo(InstanceName o) {
        int c = role.compareTo(o.role);
        return c != 0 ? c : Integer.compare(index, o.index);
    }

    @Override
    public String toString() { return role + "_IN_" + index; }
}
