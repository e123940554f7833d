package org.vmrole.storage.blob;

import java.util.ArrayList;
import java.util.List;

/** Sorted, merged, inclusive [start, end] byte ranges of a page blob that hold data. */
public final class PageRanges {
    private PageRanges() {}

    public static List<long[]> add(List<long[]> ranges, long start, long end) {
        List<long[]> out = new ArrayList<>();
        long s = start, e = end;
        for (long[] r : ranges) {
            if (r[1] + 1 < s || r[0] > e + 1) out.add(r);
            else {
                s = Math.min(s, r[0]);
                e = Math.max(e, r[1]);
            }
        }
        out.add(new long[]{s, e});
        out.sort((a, b) -> Long.compare(a[0], b[0]));
        return out;
    }

    public static List<long[]> remove(List<long[]> ranges, long start, long end) {
        List<long[]> out = new ArrayList<>();
        for (long[] r : ranges) {
            if (r[1] < start || r[0] > end) {
                out.add(r);
                continue;
            }
            if (r[0] < start) out.add(new long[]{r[0], start - 1});
            if (r[1] > end) out.add(new long[]{end + 1, r[1]});
        }
        return out;
    }

    /** The parts of {@code ranges} inside [start, end]. */
    public static List<long[]> within(List<long[]> ranges, long start, long end) {
        List<long[]> out = new ArrayList<>();
        for (long[] r : ranges) {
            long s = Math.max(r[0], start), e = Math.min(r[1], end);
            if (s <= e) out.add(new long[]{s, e});
        }
        return out;
    }
}
