package org.vmrole.server;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vmrole server}: runs the embedded platform until interrupted. */
@Command(name = "server", mixinStandardHelpOptions = true, description = "Run the platform: management API, load balancer and storage on "
        + "127.0.0.1 or --listen ADDR (and its controller and hosts).")
public final class ServerCommand implements Callable<Integer> {
    @Option(names = "--data", description = "data directory (default: ${DEFAULT-VALUE})", defaultValue = "${sys:user.home}/.vmrole/data")
    Path data;

    @Option(names = "--port", description = "API port (default: ${DEFAULT-VALUE})", defaultValue = "8080")
    int port;

    @Option(names = "--listen", description = "IPv4 address the API, the load balancer's listeners and the storage service bind; "
            + "give this machine's address so hosts and clients on other machines reach them (default: ${DEFAULT-VALUE})", defaultValue = "127.0.0.1")
    String listen;

    @Option(names = "--host-link-port", description = "port on the --listen address where hosts on other machines speak TLS to the controller "
            + "(they ask the API port for it; default: any free port, give one to open it in a firewall)", defaultValue = "0")
    int hostLinkPort;

    @Option(names = "--hosts", description = "hosts to run in this process, each in its own fault domain (default: ${DEFAULT-VALUE})", defaultValue = "2")
    int hosts;

    @Option(names = "--no-storage", description = "do not run the storage service (Blob/Queue/Table on 127.0.0.1:10000-10002)")
    boolean noStorage;

    @Option(names = "--image-storage", description = {"the storage account that holds the images, as its path-style Blob URL",
            "http://HOST:PORT/ACCOUNT; every controller replica names the same one (default: the platform's own account",
            "'vmroleimages' in this server's storage service)"})
    String imageStorage;

    @Option(names = "--image-storage-key", description = "that account's key (base64), or VMROLE_IMAGE_STORAGE_KEY", defaultValue = "${env:VMROLE_IMAGE_STORAGE_KEY}")
    String imageStorageKey;

    @Option(names = "--lb-forwarding", description = "how the load balancer forwards connections: kernel (nftables DNAT for clients on "
            + "this machine, as fast as a direct connection; needs root and nft), proxy (through this process only), or auto (kernel "
            + "where it can run, else proxy). Endpoints adding X-Forwarded-For always go through the proxy (default: ${DEFAULT-VALUE})",
            defaultValue = "auto")
    String lbForwarding;

    @Option(names = "--store", description = {"where the controller keeps its state: sqlite (one file in --data; one machine) or",
            "etcd://HOST:PORT[,HOST:PORT...] (an etcd cluster: run several servers on it; one leads the reconciler, all serve the API)",
            "(default: ${DEFAULT-VALUE})"}, defaultValue = "sqlite")
    String store;

    @Option(names = "--admin-key", description = {"administrator key to use instead of a generated one (or VMROLE_ADMIN_KEY):",
            "'vmr_' followed by at least 32 of A-Z a-z 0-9 _ -, e.g. vmr_$(head -c 32 /dev/urandom | base64 | tr -dc A-Za-z0-9)"},
            defaultValue = "${env:VMROLE_ADMIN_KEY}")
    String adminKey;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be 0-65535, got " + port);
        if (hostLinkPort < 0 || hostLinkPort > 65535) throw new IllegalArgumentException("--host-link-port must be 0-65535, got " + hostLinkPort);
        if (hosts < 0 || hosts > 64) throw new IllegalArgumentException("--hosts must be 0-64, got " + hosts);
        EmbeddedPlatform.LbForwarding forwarding = switch (lbForwarding) {
            case "auto" -> EmbeddedPlatform.LbForwarding.AUTO;
            case "kernel" -> EmbeddedPlatform.LbForwarding.KERNEL;
            case "proxy" -> EmbeddedPlatform.LbForwarding.PROXY;
            default -> throw new IllegalArgumentException("--lb-forwarding must be auto, kernel or proxy, got '" + lbForwarding + "'");
        };
        StoreLocation location = StoreLocation.parse(store);
        ImageBlobAccount images = imageStorage == null ? null : ImageBlobAccount.external(imageStorage, imageStorageKey);
        if (location instanceof StoreLocation.Etcd && images == null) {
            // allowed (one replica on etcd works), but replicas that keep images apart cannot serve each other's
            System.err.println("warning: with --store etcd:// and no --image-storage, this replica keeps images in its own storage service, "
                    + "which the other replicas cannot read: give every replica the same --image-storage URL and --image-storage-key");
        }
        EmbeddedPlatform platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(data, LocalAddress.require("--listen", listen).getHostAddress(), port, adminKey, hosts, !noStorage)
                .withForwarding(forwarding).withHostLinkPort(hostLinkPort).withStore(location).withImageStorage(images));
        StopSignal stop = StopSignal.onStop("vmrole-shutdown", platform::close);
        System.out.println("vmrole API listening on " + platform.apiUrl() + " (data in " + data + ", controller state in "
                + (location instanceof StoreLocation.Etcd e ? e.address() : "SQLite") + "); host link (TLS) on port "
                + platform.api().hostLinkPort() + ", certificate SHA-256 " + platform.api().authority().fingerprint());
        platform.storage().ifPresent(st -> System.out.printf("storage: blob http://%s:%d  queue http://%s:%d  table http://%s:%d"
                + " (account devstoreaccount1; UseDevelopmentStorage=true)%n", listen, st.blobPort(), listen, st.queuePort(), listen, st.tablePort()));
        platform.firstAdministratorKey().ifPresent(k -> {
            System.out.println("administrator key (shown once, keep it safe):");
            System.out.println("  " + k);
            System.out.println("next: ./vmrole login --url " + platform.apiUrl() + " --key <that key>");
        });
        System.out.flush();
        stop.await();
        return 0;
    }
}
