package org.vmrole.api.drives;

import java.time.Instant;

/** A drive as the API answers it: {@code url} is its page blob (no credentials), {@code sizeBytes} the disk a guest sees. */
public record DriveView(String name, String account, String url, long sizeBytes, Instant created) {}
