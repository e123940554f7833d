package org.vmrole.server.cli;

import picocli.CommandLine.Option;

/** Where the API is and which key to use: flags, then VMROLE_URL/VMROLE_KEY, then the login file. */
public final class ApiOptions {
    @Option(names = "--url", description = "API URL (default: $VMROLE_URL, the login file, or http://127.0.0.1:8080)")
    String url;

    @Option(names = "--key", description = "API key (default: $VMROLE_KEY or the login file)")
    String key;

    @Option(names = {"-o", "--output"}, description = "table (default) or json", defaultValue = "table")
    String output;

    public ApiClient client() {
        var saved = LoginFile.read();
        String u = first(url, System.getenv("VMROLE_URL"), saved.map(LoginFile.Saved::url).orElse(null), "http://127.0.0.1:8080");
        String k = first(key, System.getenv("VMROLE_KEY"), saved.map(LoginFile.Saved::key).orElse(null), null);
        if (k == null) throw new CliFailure(2, "no API key: pass --key, set VMROLE_KEY, or run './vmrole login --url URL --key KEY'");
        if (!k.matches("[\\x21-\\x7e]+")) {
            throw new CliFailure(2, "the API key (--key, VMROLE_KEY or the login file) holds spaces, line breaks or other characters keys never have;"
                    + " give the key alone, e.g. VMROLE_KEY=vmr_...");
        }
        return new ApiClient(u, k);
    }

    public boolean json() {
        if (!output.equals("json") && !output.equals("table")) throw new CliFailure(2, "--output must be 'table' or 'json', got '" + output + "'");
        return output.equals("json");
    }

    private static String first(String... values) {
        for (String v : values) if (v != null && !v.isBlank()) return v;
        return null;
    }
}
