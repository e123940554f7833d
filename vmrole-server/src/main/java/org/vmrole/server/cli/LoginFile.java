package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/** Where {@code vmrole login} keeps the API URL and key: {@code ~/.config/vmrole/login.json}, readable by its owner only. */
public final class LoginFile {
    private LoginFile() {}

    /** The saved URL and key. */
    public record Saved(String url, String key) {
        @Override
        public String toString() { return "Saved[url=" + url + "]"; }
    }

    public static Path location() {
        String dir = System.getProperty("vmrole.config.dir");
        if (dir != null) return Path.of(dir, "login.json");
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("vmrole").resolve("login.json");
    }

    public static Optional<Saved> read() {
        Path f = location();
        if (!Files.exists(f)) return Optional.empty();
        try {
            // read on every command: parsed without databind (see JsonTree)
            JsonNode saved = JsonTree.read(Files.readString(f));
            if (!saved.isObject()) throw new IOException("not a JSON object");
            return Optional.of(new Saved(text(saved, "url"), text(saved, "key")));
        } catch (IOException e) {
            throw new CliFailure(2, "cannot read " + f + " (" + e.getMessage() + "); run './vmrole login' again");
        }
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    public static Path write(Saved saved) throws IOException {
        Path f = location();
        Files.createDirectories(f.getParent());
        Path tmp = Files.createTempFile(f.getParent(), "login", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("url", saved.url()).put("key", saved.key());
        Files.writeString(tmp, JsonTree.write(json, false));
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return f;
    }
}
