package org.vmrole.image.contents;

import java.util.List;

/**
 * What a disk image holds, read without booting it: the OS ({@code PRETTY_NAME} of /etc/os-release), the kernels
 * found, the vmrole agent ({@code vmrole-agent/<version>}; empty when the image has none; null when no Linux root
 * could be read, so nobody knows) and what may break when it boots on another machine.
 */
public record ImageContents(String os, List<String> kernels, String agent, List<String> warnings) {
    public ImageContents {
        kernels = List.copyOf(kernels == null ? List.of() : kernels);
        warnings = List.copyOf(warnings == null ? List.of() : warnings);
    }

    /** A disk without a readable Linux root: nothing is known about an agent. */
    public static ImageContents unreadable(String why) {
        return new ImageContents(null, List.of(), null, List.of(why));
    }

    public boolean linux() {
        return os != null;
    }

    /** True only when the root was read and holds no agent. */
    public boolean knownWithoutAgent() {
        return agent != null && agent.isEmpty();
    }
}
