package org.vmrole.image;

/** A chunk sent at the wrong offset; {@link #received()} is where the client must continue. */
public final class UploadOffsetException extends ImageRepositoryException {
    private final long received;

    public UploadOffsetException(String upload, long offset, long received) {
        super("upload " + upload + ": chunk starts at byte " + offset + " but " + received + " bytes have arrived; send from offset " + received);
        this.received = received;
    }

    public long received() {
        return received;
    }
}
