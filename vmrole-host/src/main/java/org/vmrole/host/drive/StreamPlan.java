package org.vmrole.host.drive;

/**
 * What read-ahead makes of one large read, decided from where the stream of reads before it ended (no I/O, no state of
 * its own): whether the read continues the stream, where the stream ends after it, the windows that hold its bytes and
 * the windows to fetch ahead of it. QEMU keeps several reads in flight and they arrive out of order, so a read within
 * {@code slack} bytes of the stream's end (before or after it) continues the stream, and the end never moves back.
 *
 * @param stream         the read continues the stream: serve it from windows and fetch ahead
 * @param streamEnd      where the stream ends once this read is counted (the state for the next decision)
 * @param firstWindow    the first window holding the read's bytes
 * @param lastWindow     the last window holding the read's bytes
 * @param aheadTo        the last window to fetch ahead (windows {@code lastWindow + 1 .. aheadTo}); below
 *                       {@code lastWindow + 1} when there is nothing to fetch ahead
 */
record StreamPlan(boolean stream, long streamEnd, long firstWindow, long lastWindow, long aheadTo) {
    /**
     * @param streamEnd where the stream ended before this read, or -1 when no read came yet
     * @param size      the disk's bytes: no window is fetched ahead past its end
     * @param window    a window's bytes
     * @param ahead     how many windows to fetch past the read's last one
     */
    static StreamPlan of(long streamEnd, long offset, int length, long size, int window, int ahead, long slack) {
        boolean stream = streamEnd >= 0 && Math.abs(offset - streamEnd) <= slack;
        long end = offset + length;
        long nextEnd = stream ? Math.max(streamEnd, end) : end;
        long first = offset / window;
        long last = (end - 1) / window;
        long lastOfDisk = (size - 1) / window;
        long aheadTo = stream ? Math.min(last + ahead, lastOfDisk) : last;
        return new StreamPlan(stream, nextEnd, first, last, aheadTo);
    }

    /** Whether the stream has left the window behind: no read still on its way (within the slack) can fall in it. */
    static boolean behind(long index, long streamEnd, int window, long slack) {
        return (index + 1) * window <= streamEnd - slack;
    }
}
