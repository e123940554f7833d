package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ValidateCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void a_valid_pair_exits_zero() {
        int code = run("validate", "--definition", "../examples/contoso-web-worker/ServiceDefinition.csdef",
                "--config", "../examples/contoso-web-worker/ServiceConfiguration.cscfg");
        assertThat(code).isEqualTo(0);
        assertThat(out.toString()).startsWith("valid: 0 errors, 0 warnings");
    }

    @Test
    void an_invalid_file_exits_one_and_prints_every_problem_with_its_place() {
        int code = run("validate", "--file", "../examples/invalid-yaml-shape/service.yaml");
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).contains("../examples/invalid-yaml-shape/service.yaml:17:5: error: role 'WorkerVM': unknown VM size 'Tiny'")
                .contains("invalid: 7 errors, 1 warning");
    }

    @Test
    void checks_images_against_the_names_given() {
        int code = run("validate", "--file", "../examples/contoso-web-worker-yaml/service.yaml", "--image", "contoso-web-v3.vhd");
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).contains("role 'WorkerVM' names image 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', which is not in the image repository")
                .doesNotContain("'WebVM' names image");
    }

    @Test
    void a_missing_file_is_bad_usage_with_a_clear_message() {
        int code = run("validate", "--file", "no/such/service.yaml");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: --file: file 'no/such/service.yaml' does not exist" + System.lineSeparator());
    }

    @Test
    void a_definition_without_a_configuration_is_bad_usage() {
        assertThat(run("validate", "--definition", "../examples/minimal/ServiceDefinition.csdef")).isEqualTo(2);
        assertThat(err.toString()).contains("give --definition F.csdef and --config F.cscfg");
    }
}
