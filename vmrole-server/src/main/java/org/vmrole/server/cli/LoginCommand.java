package org.vmrole.server.cli;

import java.io.IOException;
import picocli.CommandLine.Command;

/** Checks a URL and key against the API and saves them for later commands. */
@Command(name = "login", description = "Save the API URL and key for later commands (checked first).")
public final class LoginCommand extends ApiCommand {
    @Override
    protected int run(ApiClient client) {
        client.get("/subscriptions");
        try {
            var f = LoginFile.write(new LoginFile.Saved(client.base(), api.key != null ? api.key : System.getenv("VMROLE_KEY")));
            out().println("logged in to " + client.base() + "; saved to " + f);
            return 0;
        } catch (IOException e) {
            throw new CliFailure(1, "cannot save the login: " + e.getMessage());
        }
    }
}
