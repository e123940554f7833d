package org.vmrole.api.drives;

/** A snapshot taken of a drive: {@code snapshot} is its time stamp, {@code url} the snapshot's blob URL. */
public record DriveSnapshot(String name, String account, String snapshot, String url) {}
