package org.vmrole.bench.lb;

/** Request latencies in 100 ns buckets up to 10 ms (slower ones share the last bucket); one per client thread. */
final class LatencyHistogram {

    private static final long BUCKET_NANOS = 100;
    private static final int BUCKETS = 100_000;

    private final long[] counts = new long[BUCKETS + 1];
    private long total;

    void record(long nanos) {
        int bucket = (int) Math.min(BUCKETS, nanos / BUCKET_NANOS);
        counts[bucket]++;
        total++;
    }

    void add(LatencyHistogram other) {
        for (int i = 0; i <= BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
    }

    long count() {
        return total;
    }

    /** The latency in microseconds below which {@code fraction} of requests fell (bucket midpoint). */
    double percentileMicros(double fraction) {
        long rank = (long) Math.ceil(fraction * total);
        long seen = 0;
        for (int i = 0; i <= BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank && seen > 0) {
                return (i * BUCKET_NANOS + BUCKET_NANOS / 2.0) / 1000.0;
            }
        }
        return Double.NaN;
    }
}
