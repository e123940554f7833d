package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
    @Test
    void a_named_subcommand_builds_only_that_subcommand() {
        assertThat(Main.commandLine(new String[] {"status", "hello"}).getSubcommands().keySet()).containsExactly("status");
    }

    @Test
    void every_subcommand_is_listed_under_the_name_its_command_annotation_gives() {
        Main.SUBCOMMANDS.forEach((name, c) -> assertThat(c.getAnnotation(CommandLine.Command.class).name()).as(c.getName()).isEqualTo(name));
    }

    @Test
    void no_argument_help_or_a_typo_builds_every_subcommand() {
        int all = Main.SUBCOMMANDS.size();
        assertThat(Main.commandLine(new String[0]).getSubcommands()).hasSize(all);
        assertThat(Main.commandLine(new String[] {"help", "status"}).getSubcommands()).hasSize(all);
        assertThat(Main.commandLine(new String[] {"statsu"}).getSubcommands()).hasSize(all);
    }

    /** What {@code vmrole} without arguments prints. */
    private static String usage() {
        CommandLine cl = Main.commandLine(new String[0]);
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.execute();
        return out.toString();
    }

    @Test
    void usage_without_arguments_still_lists_every_subcommand() {
        assertThat(usage()).contains("status").contains("deploy").contains("server").contains("upgrade");
    }

    @Test
    void the_aot_training_workload_runs_status_against_its_canned_api_as_a_real_command_would() throws Exception {
        assertThat(new org.vmrole.server.cli.AotTraining().call()).isZero();
    }

    @Test
    void the_aot_training_command_is_hidden_from_usage() {
        assertThat(usage()).doesNotContain("aot-training");
    }
}
