package org.vmrole.server;

import org.vmrole.server.cli.BetaCommand;
import org.vmrole.server.cli.DeploymentCommands;
import org.vmrole.server.cli.ImageCommand;
import org.vmrole.server.cli.ServiceCommand;
import org.vmrole.server.cli.KeyCommand;
import org.vmrole.server.cli.LoginCommand;
import org.vmrole.server.cli.SubscriptionCommand;
import org.vmrole.server.cli.UpgradeCommands;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code vmrole} command line: every subcommand of the platform hangs off this one. */
@Command(name = "vmrole",
        mixinStandardHelpOptions = true,
        version = "vmrole 0.1.0",
        description = "Run VM images as stateless, self-healing, load-balanced roles.",
        subcommands = {CommandLine.HelpCommand.class,
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
                BetaCommand.class,
                ImageCommand.class,
                ServiceCommand.class,
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
                DeploymentCommands.Operation.class})
public final class Main implements Runnable {

    /** Exit codes the CLI promises: 0 ok, 1 a failed operation, 2 bad usage. */
    public static final int OK = 0, FAILED = 1, USAGE = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? USAGE : FAILED);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return e instanceof IllegalArgumentException ? USAGE : FAILED;
        });
        return cl;
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
