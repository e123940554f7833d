package org.vmrole.api.drives;

import java.time.Instant;

/** A drive as the store keeps it: a fixed VHD of {@code sizeBytes} (plus its footer) in page blob {@code container/blob} of {@code account}. */
public record DriveRecord(String name, String subscriptionId, String account, String container, String blob, long sizeBytes, Instant created) {}
