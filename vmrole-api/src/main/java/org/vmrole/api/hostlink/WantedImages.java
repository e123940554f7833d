package org.vmrole.api.hostlink;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.image.ImageRepository;
import org.vmrole.model.host.WantedImage;

/**
 * The images hosts should warm ({@link ImagesToWarm}), as last read from the image catalog and the deployments. Every
 * heartbeat reads it, so it is kept in memory: read again at once when this replica stores or deletes an image, and at
 * most {@code every} apart otherwise (another replica's upload, a new deployment). Reads happen on a thread of their
 * own; a heartbeat never waits on the catalog.
 */
public final class WantedImages implements Supplier<List<WantedImage>> {
    private static final Logger log = LoggerFactory.getLogger(WantedImages.class);
    public static final Duration EVERY = Duration.ofSeconds(30);

    private final ImageRepository images;
    private final FabricController fabric;
    private final ImagesToWarm policy;
    private final Clock clock;
    private final long everyNanos;
    private final AtomicBoolean reading = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private volatile List<WantedImage> current = List.of();
    private volatile long readAtNanos = Long.MIN_VALUE / 2;

    public WantedImages(ImageRepository images, FabricController fabric, ImagesToWarm policy, Clock clock, Duration every) {
        this.images = images;
        this.fabric = fabric;
        this.policy = policy;
        this.clock = clock;
        this.everyNanos = every.toNanos();
        images.onChange(this::readSoon);
    }

    /** The list as last read; starts a new read when it is older than the period. */
    @Override
    public List<WantedImage> get() {
        if (System.nanoTime() - readAtNanos > everyNanos) readSoon();
        return current;
    }

    /** Reads the catalog again on a thread of its own; a change during a read gets one more read. */
    public void readSoon() {
        again.set(true);
        if (!reading.compareAndSet(false, true)) return;
        Thread.ofVirtual().name("wanted-images").start(() -> {
            try {
                while (again.getAndSet(false)) read();
            } finally {
                reading.set(false);
                if (again.get()) readSoon();
            }
        });
    }

    private void read() {
        readAtNanos = System.nanoTime();
        try {
            Set<String> deployed = new HashSet<>();
            for (Deployment d : fabric.listDeployments()) for (RoleSpec r : d.roles()) deployed.add(r.imageDigest());
            List<WantedImage> next = policy.of(images.all(), deployed, clock.instant());
            if (!next.equals(current)) log.info("hosts are asked to warm {} image(s): {}", next.size(), next.stream().map(WantedImage::digest).toList());
            current = next;
        } catch (IOException | RuntimeException e) {
            // the previous list stands; the next period reads again
            log.warn("cannot read which images hosts should warm: {}", e.getMessage());
        }
    }
}
