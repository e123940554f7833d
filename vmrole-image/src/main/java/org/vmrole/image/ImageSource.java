package org.vmrole.image;

import java.io.IOException;
import java.io.InputStream;

/** Where a host gets an image's bytes by digest: the repository itself, or the controller over HTTP. */
@FunctionalInterface
public interface ImageSource {
    InputStream open(String digest) throws IOException;
}
