package org.vmrole.server.cli;

import java.io.PrintWriter;
import java.util.Locale;

/** A one-line progress bar on the terminal: done/total, rate, time left; redrawn at most a few times a second. */
public final class ProgressBar {
    private final PrintWriter out;
    private final String label;
    private final long total;
    private final long startNanos = System.nanoTime();
    private final long startBytes;
    private long lastDraw;

    public ProgressBar(PrintWriter out, String label, long total, long alreadyDone) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.startBytes = alreadyDone;
    }

    public void update(long done, boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        double seconds = Math.max(1e-3, (now - startNanos) / 1e9);
        double rate = (done - startBytes) / seconds;
        int width = 30;
        int filled = (int) (width * done / total);
        String eta = rate > 0 ? duration((total - done) / rate) : "?";
        out.print(String.format(Locale.ROOT, "\r%s [%s%s] %s / %s  %s/s  %s left   ", label, "#".repeat(filled), " ".repeat(width - filled),
                bytes(done), bytes(total), bytes((long) rate), eta));
        out.flush();
    }

    public void finish(long done) {
        update(done, true);
        out.println();
        out.flush();
    }

    static String bytes(long n) {
        if (n < 1024) return n + " B";
        double v = n;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? s / 3600 + "h" + (s % 3600) / 60 + "m" : s >= 60 ? s / 60 + "m" + s % 60 + "s" : s + "s";
    }
}
