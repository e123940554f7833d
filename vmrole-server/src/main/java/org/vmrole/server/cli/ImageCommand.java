package org.vmrole.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vmrole image upload|list|show|delete|prepare}. */
@Command(name = "image", description = "Upload and manage VM images (VHD, VHDX, qcow2 or raw).",
        subcommands = {ImageCommand.Upload.class, ImageCommand.List.class, ImageCommand.Show.class, ImageCommand.Delete.class,
                ImagePrepareCommand.class})
public final class ImageCommand {
    @Command(name = "upload", description = "Upload an image: hashed, sent in chunks with a progress bar, resumed after an interruption.")
    static final class Upload extends ApiCommand {
        @Parameters(paramLabel = "FILE") Path file;
        @Option(names = "--name", required = true, description = "image name, e.g. contoso-web-v1") String name;
        @Option(names = "--subscription", description = "subscription to upload for (administrator only)") String subscription;

        @Override
        protected int run(ApiClient client) {
            JsonNode image = new ImageUploader(client, err()).upload(file, name, subscription);
            return show(image, () -> {
                out().println("image " + text(image, "name") + " stored as " + text(image, "digest")
                        + " (" + text(image, "originalFormat") + " in, " + ProgressBar.bytes(image.path("virtualSize").asLong()) + " virtual)");
                JsonNode c = image.path("contents");
                out().println("  os: " + os(c) + "   agent: " + agent(c));
                c.path("warnings").forEach(w -> out().println("  warning: " + w.asText()));
            });
        }
    }

    @Command(name = "list", description = "List images.")
    static final class List extends ApiCommand {
        @Option(names = "--subscription") String subscription;

        @Override
        protected int run(ApiClient client) {
            var r = client.get("/images" + (subscription == null ? "" : "?subscription=" + subscription));
            return show(r, () -> {
                Table t = new Table("NAME", "OS", "AGENT", "FORMAT", "VIRTUAL", "STORED", "DIGEST", "CREATED");
                r.path("images").forEach(i -> t.row(text(i, "name"), os(i.path("contents")), agent(i.path("contents")), text(i, "originalFormat"),
                        ProgressBar.bytes(i.path("virtualSize").asLong()), ProgressBar.bytes(i.path("actualSize").asLong()),
                        text(i, "digest").substring(0, 19) + "…", text(i, "created")));
                t.print(out());
            });
        }
    }

    @Command(name = "show", description = "Show one image.")
    static final class Show extends ApiCommand {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--subscription") String subscription;

        @Override
        protected int run(ApiClient client) {
            var i = client.get("/images/" + name + (subscription == null ? "" : "?subscription=" + subscription));
            return show(i, () -> i.fields().forEachRemaining(e -> out().println(e.getKey() + ": "
                    + (e.getValue().isContainerNode() ? JsonTree.write(e.getValue(), false) : e.getValue().asText()))));
        }
    }

    /** The OS upload inspection found, or why none. */
    static String os(JsonNode contents) {
        if (contents.isMissingNode() || contents.isNull()) return "-";
        return contents.hasNonNull("os") ? contents.get("os").asText() : "not inspected (no Linux root)";
    }

    static String agent(JsonNode contents) {
        if (contents.isMissingNode() || contents.isNull() || !contents.hasNonNull("agent")) return "unknown";
        return contents.get("agent").asText().isEmpty() ? "none" : contents.get("agent").asText();
    }

    @Command(name = "delete", description = "Delete an image no deployment uses.")
    static final class Delete extends ApiCommand {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--subscription") String subscription;

        @Override
        protected int run(ApiClient client) {
            var r = client.delete("/images/" + name + (subscription == null ? "" : "?subscription=" + subscription));
            return show(r, () -> out().println("deleted image " + name));
        }
    }
}
