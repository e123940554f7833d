package org.vmrole.server;

import org.vmrole.storage.StorageAccount;
import org.vmrole.storage.StorageConfig;
import org.vmrole.storage.StorageService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code vmrole storage}: runs the Azure-compatible Blob/Queue/Table service alone until interrupted. */
@Command(name = "storage", mixinStandardHelpOptions = true,
        description = "Run the storage service (Blob :10000, Queue :10001, Table :10002) on a data directory.")
public final class StorageCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Directory holding metadata and blob content.")
    Path data;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--blob-port", defaultValue = "10000", description = "Blob service port (default: ${DEFAULT-VALUE}).")
    int blobPort;

    @Option(names = "--queue-port", defaultValue = "10001", description = "Queue service port (default: ${DEFAULT-VALUE}).")
    int queuePort;

    @Option(names = "--table-port", defaultValue = "10002", description = "Table service port (default: ${DEFAULT-VALUE}).")
    int tablePort;

    @Option(names = "--account", paramLabel = "NAME:BASE64KEY",
            description = "A storage account to serve (repeatable). devstoreaccount1 with its published key is always served.")
    List<String> accounts = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        List<StorageAccount> all = new ArrayList<>();
        all.add(StorageAccount.DEVELOPMENT);
        for (String a : accounts) {
            int colon = a.indexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("--account '" + a + "' must be NAME:BASE64KEY, e.g. myaccount:" + StorageAccount.DEVELOPMENT.keys().getFirst());
            all.add(new StorageAccount(a.substring(0, colon), List.of(a.substring(colon + 1))));
        }
        StorageService service = StorageService.start(new StorageConfig(data, host, blobPort, queuePort, tablePort, all));
        StopSignal stop = StopSignal.onStop("vmrole-storage-shutdown", service::close);
        System.out.printf("storage: blob http://%s:%d  queue http://%s:%d  table http://%s:%d  data %s%n",
                host, service.blobPort(), host, service.queuePort(), host, service.tablePort(), data.toAbsolutePath());
        System.out.println("storage: accounts " + all.stream().map(StorageAccount::name).toList() + " (UseDevelopmentStorage=true works); Ctrl-C stops");
        stop.await();
        return Main.OK;
    }
}
