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
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * Every subcommand by its name, in the order the usage lists them. The names are written out (a test holds them to
     * each class's {@code @Command} name) because reading the annotations of the classes before the one asked for
     * parsed a dozen annotations and made as many proxies on every start.
     */
    static final Map<String, Class<?>> SUBCOMMANDS = ordered(
            Map.entry("help", CommandLine.HelpCommand.class),
            Map.entry("demo", DemoCommand.class),
            Map.entry("server", ServerCommand.class),
            Map.entry("storage", StorageCommand.class),
            Map.entry("sample-image", SampleImageCommand.class),
            Map.entry("guest-agent", GuestAgentCommand.class),
            Map.entry("host", HostAgentCommand.class),
            Map.entry("validate", ValidateCommand.class),
            Map.entry("login", LoginCommand.class),
            Map.entry("subscription", SubscriptionCommand.class),
            Map.entry("key", KeyCommand.class),
            Map.entry("storage-account", StorageAccountCommand.class),
            Map.entry("drive", DriveCommand.class),
            Map.entry("beta", BetaCommand.class),
            Map.entry("image", ImageCommand.class),
            Map.entry("service", ServiceCommand.class),
            Map.entry("controller", ControllerCommand.class),
            Map.entry("deploy", DeploymentCommands.Deploy.class),
            Map.entry("status", DeploymentCommands.Status.class),
            Map.entry("scale", DeploymentCommands.Scale.class),
            Map.entry("reboot", DeploymentCommands.Reboot.class),
            Map.entry("reimage", DeploymentCommands.Reimage.class),
            Map.entry("logs", DeploymentCommands.Logs.class),
            Map.entry("delete", DeploymentCommands.Delete.class),
            Map.entry("swap", DeploymentCommands.Swap.class),
            Map.entry("upgrade", UpgradeCommands.Upgrade.class),
            Map.entry("walk", UpgradeCommands.Walk.class),
            Map.entry("operation", DeploymentCommands.Operation.class),
            Map.entry("aot-training", AotTraining.class));

    /** Exit codes the CLI promises: 0 ok, 1 a failed operation, 2 bad usage. */
    public static final int OK = 0, FAILED = 1, USAGE = 2;

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /** The whole command line: every subcommand. */
    static CommandLine commandLine() {
        return withSubcommands(SUBCOMMANDS.values());
    }

    /**
     * The command line for these arguments. Picocli reflects over every subcommand it is given, which took most of a
     * short command's start; when the first argument names a subcommand, only that one is built (same behaviour, help
     * and errors included). Anything else (no argument, help, a typo) gets them all, so usage lists every one.
     */
    public static CommandLine commandLine(String[] args) {
        Class<?> named = args.length == 0 || args[0].equals("help") ? null : SUBCOMMANDS.get(args[0]);
        if (named != null) return withSubcommands(List.of(named));
        return commandLine();
    }

    @SafeVarargs
    private static Map<String, Class<?>> ordered(Map.Entry<String, Class<?>>... entries) {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        for (var e : entries) m.put(e.getKey(), e.getValue());
        return Collections.unmodifiableMap(m);
    }

    private static CommandLine withSubcommands(Collection<Class<?>> subcommands) {
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
