package org.vmrole.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.vmrole.model.service.ImageCatalog;
import org.vmrole.model.service.Problem;
import org.vmrole.model.service.ServiceModelReader;
import org.vmrole.model.service.ServiceReading;
import org.vmrole.model.service.ServiceValidator;
import org.vmrole.model.service.ValidationReport;
import org.vmrole.model.service.ValidationRules;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmrole validate}: checks a service description offline and prints every error and warning. */
@Command(name = "validate",
        description = {"Check a service offline: a .csdef/.cscfg pair or one YAML file.",
                "Prints every error and warning as file:line:column. Exit 0 valid, 1 invalid, 2 bad usage."})
public final class ValidateCommand implements Callable<Integer> {
    @Option(names = "--definition", paramLabel = "F.csdef", description = "the service definition")
    Path definition;

    @Option(names = "--config", paramLabel = "F.cscfg", description = "the service configuration")
    Path configuration;

    @Option(names = "--file", paramLabel = "F.yaml", description = "the single-file YAML form (instead of --definition and --config)")
    Path yaml;

    @Option(names = "--max-instances", paramLabel = "N", defaultValue = "" + ValidationRules.DEFAULT_MAX_INSTANCES_PER_ROLE,
            description = "the most instances a role may ask for (default: ${DEFAULT-VALUE})")
    int maxInstances;

    @Option(names = "--image", paramLabel = "NAME", description = {"an image that exists (name or sha256:<hex>); repeat for each.",
            "When given, a role naming any other image is an error; without it only the form of image names is checked."})
    List<String> knownImages;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String usage = usageProblem();
        if (usage != null) {
            err.println("error: " + usage);
            return Main.USAGE;
        }
        ServiceReading reading;
        if (yaml != null) {
            try (InputStream in = Files.newInputStream(yaml)) {
                reading = ServiceModelReader.readYaml(yaml.toString(), in);
            }
        } else {
            try (InputStream def = Files.newInputStream(definition); InputStream cfg = Files.newInputStream(configuration)) {
                reading = ServiceModelReader.readAzure(definition.toString(), def, configuration.toString(), cfg);
            }
        }
        ValidationReport report = new ServiceValidator(new ValidationRules(maxInstances, knownImages == null ? ImageCatalog.offline() : ImageCatalog.of(Set.copyOf(knownImages)))).validate(reading);
        for (Problem p : report.problems()) out.println(p);
        int errors = report.errors().size();
        int warnings = report.warnings().size();
        out.println((report.valid() ? "valid" : "invalid") + ": " + plural(errors, "error") + ", " + plural(warnings, "warning")
                + (knownImages == null ? " (image names checked for form only; the repository is not consulted offline)" : ""));
        out.flush();
        return report.valid() ? Main.OK : Main.FAILED;
    }

    private String usageProblem() {
        if (maxInstances < 1) return "--max-instances must be at least 1, got " + maxInstances;
        if (yaml != null && (definition != null || configuration != null)) {
            return "give either --file F.yaml or --definition F.csdef --config F.cscfg, not both";
        }
        if (yaml != null) return missing(yaml, "--file");
        if (definition == null || configuration == null) {
            return "give --definition F.csdef and --config F.cscfg (both), or --file F.yaml";
        }
        String d = missing(definition, "--definition");
        return d != null ? d : missing(configuration, "--config");
    }

    private static String missing(Path p, String option) {
        if (!Files.exists(p)) return option + ": file '" + p + "' does not exist";
        if (!Files.isRegularFile(p)) return option + ": '" + p + "' is not a regular file";
        if (!Files.isReadable(p)) return option + ": file '" + p + "' cannot be read (check its permissions)";
        return null;
    }

    private static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }
}
