package org.vmrole.api.hostlink;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vmrole.image.ImageRecord;
import org.vmrole.model.host.WantedImage;

/**
 * Which images hosts should hold before any instance needs them: every image a deployment runs (an instance may be
 * healed, scaled or moved onto any host), then the images uploaded within {@code recentFor}, newest first and at most
 * {@code recentMax} of them (an upload is usually followed by its deployment). A pure decision; hosts keep to their
 * own cache limits.
 */
public record ImagesToWarm(Duration recentFor, int recentMax) {
    /** A day's uploads, at most four: what a tenant uploads is deployed within the hour, or not soon. */
    public static final ImagesToWarm DEFAULT = new ImagesToWarm(Duration.ofDays(1), 4);

    /**
     * @param images   every stored image of every subscription
     * @param deployed the digests the deployments' roles run
     * @return one entry per digest (subscriptions may share one), those in use first
     */
    public List<WantedImage> of(List<ImageRecord> images, Set<String> deployed, Instant now) {
        Map<String, WantedImage> out = new LinkedHashMap<>();
        List<ImageRecord> newestFirst = images.stream().sorted(Comparator.comparing(ImageRecord::created).reversed()).toList();
        for (ImageRecord r : newestFirst) {
            if (deployed.contains(r.digest())) out.putIfAbsent(r.digest(), new WantedImage(r.digest(), r.actualSize()));
        }
        Instant since = now.minus(recentFor);
        int recent = 0;
        for (ImageRecord r : newestFirst) {
            if (recent == recentMax || !r.created().isAfter(since)) break;
            if (out.putIfAbsent(r.digest(), new WantedImage(r.digest(), r.actualSize())) == null) recent++;
        }
        return List.copyOf(out.values());
    }
}
