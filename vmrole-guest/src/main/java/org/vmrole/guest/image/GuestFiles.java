package org.vmrole.guest.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The files of the guest/ resources (agent, init scripts, sample app) as listed in guest/index, grouped by the tree they go into. */
public final class GuestFiles {

    /** One entry of a tree: a file with content, an empty directory, or a symbolic link. */
    public record Entry(Kind kind, String tree, String path, int mode, byte[] content, String linkTarget) {}

    public enum Kind { FILE, DIRECTORY, SYMLINK }

    private static final String ROOT = "/guest/";

    private final List<Entry> entries;

    private GuestFiles(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** Loads guest/index and every resource it names from the class path. */
    public static GuestFiles load() {
        return parse(new String(resource("index"), StandardCharsets.UTF_8), GuestFiles::resource);
    }

    /** Reads an index; {@code contents} supplies the bytes of each named resource. */
    static GuestFiles parse(String index, java.util.function.Function<String, byte[]> contents) {
        List<Entry> entries = new ArrayList<>();
        int lineNo = 0;
        for (String raw : index.split("\n")) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length != 3) {
                throw new IllegalArgumentException("guest/index:" + lineNo + ": expected 3 fields, got '" + line + "'");
            }
            switch (f[0]) {
                case "file" -> {
                    String[] treePath = split(f[2], lineNo);
                    entries.add(new Entry(Kind.FILE, treePath[0], treePath[1], mode(f[1], lineNo), contents.apply(f[2]), null));
                }
                case "dir" -> {
                    String[] treePath = split(f[2], lineNo);
                    entries.add(new Entry(Kind.DIRECTORY, treePath[0], treePath[1], mode(f[1], lineNo), new byte[0], null));
                }
                case "link" -> {
                    String[] treePath = split(f[1], lineNo);
                    entries.add(new Entry(Kind.SYMLINK, treePath[0], treePath[1], 0777, new byte[0], f[2]));
                }
                default -> throw new IllegalArgumentException("guest/index:" + lineNo + ": unknown kind '" + f[0]
                        + "' (file, dir or link)");
            }
        }
        return new GuestFiles(entries);
    }

    public List<Entry> tree(String tree) {
        return entries.stream().filter(e -> e.tree().equals(tree)).toList();
    }

    public List<Entry> all() {
        return entries;
    }

    public Entry file(String tree, String path) {
        return tree(tree).stream().filter(e -> e.path().equals(path)).findFirst()
                .orElseThrow(() -> new IllegalStateException("guest/index lists no " + tree + path));
    }

    static byte[] resource(String name) {
        try (InputStream in = GuestFiles.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + ROOT + name + " is missing from the vmrole-guest jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String[] split(String treePath, int lineNo) {
        int slash = treePath.indexOf('/');
        if (slash < 1 || slash == treePath.length() - 1) {
            throw new IllegalArgumentException("guest/index:" + lineNo + ": '" + treePath + "' must be TREE/PATH");
        }
        return new String[] {treePath.substring(0, slash), treePath.substring(slash)};
    }

    private static int mode(String octal, int lineNo) {
        try {
            return Integer.parseInt(octal, 8);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("guest/index:" + lineNo + ": mode '" + octal + "' is not octal");
        }
    }
}
