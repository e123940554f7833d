package org.vmrole.storage.auth;

import org.vmrole.storage.StorageException;

/** The {@code sip} field of a SAS: one IPv4 address or an inclusive range "a-b". */
record IpRange(long from, long to) {

    static IpRange parse(String sip) {
        String[] parts = sip.split("-", 2);
        long a = toLong(parts[0]);
        long b = parts.length == 2 ? toLong(parts[1]) : a;
        return new IpRange(Math.min(a, b), Math.max(a, b));
    }

    boolean contains(String address) {
        long ip;
        try {
            ip = toLong(address);
        } catch (StorageException e) {
            return false;
        }
        return ip >= from && ip <= to;
    }

    private static long toLong(String s) {
        String[] o = s.trim().split("\\.");
        if (o.length != 4) throw StorageException.authFailed("Invalid signed IP " + s);
        long v = 0;
        for (String part : o) {
            int n;
            try {
                n = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                throw StorageException.authFailed("Invalid signed IP " + s);
            }
            if (n < 0 || n > 255) throw StorageException.authFailed("Invalid signed IP " + s);
            v = (v << 8) | n;
        }
        return v;
    }
}
