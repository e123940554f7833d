package org.vmrole.model.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every service under {@code examples/}: each folder holds a csdef/cscfg pair or a service.yaml, and
 * expected.txt with the exact problems validation prints (empty for a clean service).
 * Run with {@code -Dvmrole.examples.update=true} to rewrite expected.txt after a deliberate change in wording.
 */
class GoldenExamplesTest {
    static final Path EXAMPLES = Path.of("..", "examples");

    @TestFactory
    Stream<DynamicTest> every_example_prints_exactly_its_expected_problems() throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        assertThat(dirs).hasSizeGreaterThan(10);
        return dirs.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
    }

    private static void check(Path dir) throws IOException {
        ValidationReport report = validate(dir);
        List<String> actual = report.problems().stream().map(Problem::toString).toList();
        Path expectedFile = dir.resolve("expected.txt");
        if (Boolean.getBoolean("vmrole.examples.update")) {
            Files.write(expectedFile, actual);
        }
        assertThat(expectedFile).as("every example has an expected.txt").exists();
        List<String> expected = Files.readAllLines(expectedFile).stream().filter(l -> !l.isBlank()).toList();
        assertThat(actual).as("problems of " + dir).containsExactlyElementsOf(expected);
        boolean expectValid = expected.stream().noneMatch(l -> l.contains(": error: "));
        assertThat(report.valid()).isEqualTo(expectValid);
        assertThat(report.model().isPresent()).isEqualTo(expectValid);
    }

    static ValidationReport validate(Path dir) throws IOException {
        return new ServiceValidator(ValidationRules.offline()).validate(read(dir));
    }

    static ServiceReading read(Path dir) throws IOException {
        Path yaml = dir.resolve("service.yaml");
        if (Files.exists(yaml)) {
            try (InputStream in = Files.newInputStream(yaml)) {
                return ServiceModelReader.readYaml("service.yaml", in);
            }
        }
        try (InputStream def = Files.newInputStream(dir.resolve("ServiceDefinition.csdef"));
             InputStream cfg = Files.newInputStream(dir.resolve("ServiceConfiguration.cscfg"))) {
            return ServiceModelReader.readAzure("ServiceDefinition.csdef", def, "ServiceConfiguration.cscfg", cfg);
        }
    }

    @Test
    void the_yaml_form_reads_to_the_same_model_as_the_csdef_cscfg_pair() throws IOException {
        ServiceModel fromXml = validate(EXAMPLES.resolve("contoso-web-worker")).model().orElseThrow();
        ServiceModel fromYaml = validate(EXAMPLES.resolve("contoso-web-worker-yaml")).model().orElseThrow();
        assertThat(fromYaml).isEqualTo(fromXml);
        assertThat(fromXml.roles()).extracting(RoleModel::name).containsExactly("WebVM", "WorkerVM");
    }

    @Test
    void drives_read_the_same_from_yaml_and_from_the_configuration() throws IOException {
        ServiceModel fromXml = validate(EXAMPLES.resolve("drives")).model().orElseThrow();
        assertThat(validate(EXAMPLES.resolve("drives-yaml")).model().orElseThrow()).isEqualTo(fromXml);
        assertThat(fromXml.roles()).extracting(r -> r.drives().getFirst()).containsExactly(
                new DriveBinding("data", "contosofiles", "shared", "write"), new DriveBinding("data", "contosofiles", "shared", "snapshot"));
    }
}
