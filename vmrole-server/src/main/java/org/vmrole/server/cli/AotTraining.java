package org.vmrole.server.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The workload the launcher records the JDK's AOT cache with (hidden; see scripts/lib.sh): a few short commands
 * against a canned API on a loopback port of its own, so the cache holds what a real command loads and links:
 * picocli, the HTTP connection's request and response path, Jackson reading a deployment, the table printer.
 */
@Command(name = "aot-training", hidden = true, description = "record the AOT cache's workload (used by the launcher)")
public final class AotTraining implements Callable<Integer> {
    private static final String KEY = "vmr_training";
    /** The shape {@code GET /services/S/deployments/production} answers today (DeploymentView), so training reads every field. */
    private static final String DEPLOYMENT = """
            {"id":"d-0","service":"training","slot":"production","upgradeDomainCount":5,"deleting":false,"version":1,"upgrade":null,
             "roles":[{"name":"WebVM","size":"ExtraSmall","instanceCount":2,"imageDigest":"sha256:00"}],
             "sla":{"ok":false,"reason":"WebVM has 1 of 2 instances ready"},
             "loadBalancer":[{"role":"WebVM","endpoint":"Http","protocol":"http","address":"127.0.0.1:80","inRotation":["WebVM_IN_0@1"]}],
             "instances":[{"instance":"WebVM_IN_0","state":"ReadyRole","host":"host-0","faultDomain":0,"updateDomain":0,"incarnation":1,
               "lastCause":"created","waitingReason":null,"message":null,
               "endpoints":[{"name":"Http","protocol":"http","guestPort":80,"hostPort":40000,"reachedAt":"127.0.0.1:40000"}],
               "privateAddress":"10.0.0.4","agent":"vmrole-busybox/1","healthFrom":"agent"},
              {"instance":"WebVM_IN_1","state":"StartingVM","host":"host-1","faultDomain":1,"updateDomain":1,"incarnation":1,
               "lastCause":"created","waitingReason":null,"message":"booting","endpoints":[],"privateAddress":null,"agent":null,"healthFrom":"agent"}]}""";


    @Override
    public Integer call() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            boolean known = exchange.getRequestURI().getPath().equals("/services/training/deployments/production");
            byte[] body = (known ? DEPLOYMENT : "{\"error\":{\"code\":\"NotFound\",\"message\":\"no such thing\",\"target\":null}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(known ? 200 : 404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        int wrong = 0;
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            // each command with the exit code it must end with: a status that no longer reads the canned answer is a failed training
            for (var run : List.of(Map.entry(List.of("status", "training"), 0), Map.entry(List.of("status", "training", "-o", "json"), 0),
                    Map.entry(List.of("status", "missing"), 1))) {
                List<String> args = run.getKey();
                CommandLine cl = org.vmrole.server.Main.commandLine(args.toArray(String[]::new));
                cl.setOut(new PrintWriter(Writer.nullWriter()));
                cl.setErr(new PrintWriter(Writer.nullWriter()));
                String[] full = java.util.stream.Stream.concat(args.stream(), java.util.stream.Stream.of("--url", url, "--key", KEY)).toArray(String[]::new);
                if (cl.execute(full) != run.getValue()) wrong++;
            }
        } finally {
            server.stop(0);
        }
        return wrong == 0 ? 0 : 1;
    }
}
