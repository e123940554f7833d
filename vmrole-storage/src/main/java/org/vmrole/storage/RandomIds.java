package org.vmrole.storage;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Version-4 UUIDs for ids that only have to be unique (request ids, queue message ids and pop receipts): they guard
 * nothing a caller's key does not already grant, so they come from {@link ThreadLocalRandom}, not from the
 * {@code SecureRandom} behind {@link UUID#randomUUID()}, whose shared lock and system calls are a measured share
 * of a queue message's cost.
 */
public final class RandomIds {
    private RandomIds() {}

    public static String uuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }
}
