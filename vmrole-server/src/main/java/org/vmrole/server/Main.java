package org.vmrole.server;

import org.vmrole.server.cli.AotTraining;
import org.vmrole.server.cli.BetaCommand;
import org.vmrole.server.cli.ControllerCommand;
import org.vmrole.server.cli.DeploymentCommands;
import org.vmrole.server.cli.ImageCommand;
import org.vmrole.server.cli.ServiceCommand;
import org.vmrole.server.cli.KeyCommand;
import org.vmrole.server.cli.StorageAccountCommand;
import org.vmrole.server.cli.DriveCommand;
import org.vmrole.server.cli.LoginCommand;
import org.vmrole.server.cli.SubscriptionCommand;
import org.vmrole.server.cli.UpgradeCommands;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code vmrole} command line: every subcommand of the platform hangs off this one. */
@Command(name = "vmrole",
        mixinStandardHelpOptions = true,
        version = "vmrole 0.1.0",
        description = "Run VM images as stateless, self-healing, load-balanced roles.")
public final class Main implements Runnable {

    /** Every subcommand, in the order the usage lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(
                CommandLine.HelpCommand.class,
                DemoCommand.class,
                ServerCommand.class,
                StorageCommand.class,
                SampleImageCommand.class,
                GuestAgentCommand.class,
                HostAgentCommand.class,
                ValidateCommand.class,
                LoginCommand.class,
                SubscriptionCommand.class,
                KeyCommand.class,
                StorageAccountCommand.class,
                DriveCommand.class,
                BetaCommand.class,
                ImageCommand.class,
                ServiceCommand.class,
                ControllerCommand.class,
                DeploymentCommands.Deploy.class,
                DeploymentCommands.Status.class,
                DeploymentCommands.Scale.class,
                DeploymentCommands.Reboot.class,
                DeploymentCommands.Reimage.class,
                DeploymentCommands.Logs.class,
                DeploymentCommands.Delete.class,
                DeploymentCommands.Swap.class,
                UpgradeCommands.Upgrade.class,
                UpgradeCommands.Walk.class,
                DeploymentCommands.Operation.class,
                AotTraining.class);

    /** Exit codes the CLI promises: 0 ok, 1 a failed operation, 2 bad usage. */
    public static final int OK = 0, FAILED = 1, USAGE = 2;

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /** The whole command line: every subcommand. */
    static CommandLine commandLine() {
        return withSubcommands(SUBCOMMANDS);
    }

    /**
     * The command line for these arguments. Picocli reflects over every subcommand it is given, which took most of a
     * short command's start; when the first argument names a subcommand, only that one is built (same behaviour, help
     * and errors included). Anything else (no argument, help, a typo) gets them all, so usage lists every one.
     */
    public static CommandLine commandLine(String[] args) {
        if (args.length > 0) {
            for (Class<?> c : SUBCOMMANDS) {
                Command command = c.getAnnotation(Command.class);
                if (c != CommandLine.HelpCommand.class && command != null && command.name().equals(args[0])) return withSubcommands(List.of(c));
            }
        }
        return commandLine();
    }

    private static CommandLine withSubcommands(List<Class<?>> subcommands) {
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> c : subcommands) cl.addSubcommand(c);
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? USAGE : FAILED);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return e instanceof IllegalArgumentException ? USAGE : FAILED;
        });
        return cl;
    }

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
