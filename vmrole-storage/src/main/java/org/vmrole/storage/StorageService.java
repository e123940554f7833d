package org.vmrole.storage;

import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.vmrole.storage.auth.Authenticator;
import org.vmrole.storage.auth.StoredPolicies;
import org.vmrole.storage.blob.BlobApi;
import org.vmrole.storage.blob.BlobStore;
import org.vmrole.storage.http.RequestsInProgress;
import org.vmrole.storage.http.Service;
import org.vmrole.storage.http.ServiceApi;
import org.vmrole.storage.http.StorageHandler;
import org.vmrole.storage.queue.QueueApi;
import org.vmrole.storage.queue.QueueStore;
import org.vmrole.storage.store.ContentFiles;
import org.vmrole.storage.store.Database;
import org.vmrole.storage.table.TableApi;
import org.vmrole.storage.table.TableStore;

import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Starts the Blob, Queue and Table services on one data directory; {@link #start} is the embedding API. */
public final class StorageService implements AutoCloseable {
    private final Server server;
    private final Database blobDb;
    private final Database queueDb;
    private final Database tableDb;
    private final ScheduledExecutorService janitor;
    private final int blobPort;
    private final int queuePort;
    private final int tablePort;
    private final AccountDirectory accounts;

    private StorageService(Server server, Database blobDb, Database queueDb, Database tableDb, ScheduledExecutorService janitor,
                           int blobPort, int queuePort, int tablePort, AccountDirectory accounts) {
        this.accounts = accounts;
        this.server = server;
        this.blobDb = blobDb;
        this.queueDb = queueDb;
        this.tableDb = tableDb;
        this.janitor = janitor;
        this.blobPort = blobPort;
        this.queuePort = queuePort;
        this.tablePort = tablePort;
    }

    /** Opens the data directory, collects orphaned content, and listens on the configured ports. */
    public static StorageService start(StorageConfig config) {
        Path data = config.dataDir().toAbsolutePath();
        Clock clock = Clock.systemUTC();
        // each group commit's leader waits briefly for writes its service is still handling, so they share one commit
        RequestsInProgress inProgress = new RequestsInProgress();
        Database blobDb = new Database(data.resolve("blob.db"), BlobStore.SCHEMA, inProgress.of(Service.BLOB));
        Database queueDb = new Database(data.resolve("queue.db"), QueueStore.SCHEMA, inProgress.of(Service.QUEUE));
        Database tableDb = new Database(data.resolve("table.db"), TableStore.SCHEMA, inProgress.of(Service.TABLE));
        ContentFiles content = new ContentFiles(data.resolve("content"));
        BlobStore blobs = new BlobStore(blobDb, content, clock);
        blobs.collectGarbage();

        AccountDirectory accounts = new AccountDirectory(config.accounts());
        Map<Service, ServiceApi> apis = new EnumMap<>(Service.class);
        apis.put(Service.BLOB, new BlobApi(blobs, clock));
        QueueStore queueStore = new QueueStore(queueDb, clock);
        apis.put(Service.QUEUE, new QueueApi(queueStore));
        TableStore tableStore = new TableStore(tableDb, clock);
        apis.put(Service.TABLE, new TableApi(tableStore));
        StoredPolicies policies = (service, account, resource) -> switch (service) {
            case BLOB -> blobs.containerAcl(account, resource);
            case QUEUE -> queueStore.aclIfExists(account, resource);
            case TABLE -> tableStore.acl(account, resource);
        };
        StorageHandler handler = new StorageHandler(apis, new Authenticator(accounts, clock, policies), accounts, inProgress);

        QueuedThreadPool pool = new QueuedThreadPool(256, 8);
        pool.setName("storage");
        Server server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setUriCompliance(UriCompliance.UNSAFE);
        http.setRequestHeaderSize(64 * 1024);
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        // no cache of whole header fields per connection: the SDKs' headers (dates, request ids, signatures) change on
        // every request, so the cache's lookups only cost (a measured share of a small call's CPU)
        http.setHeaderCacheSize(0);
        ServerConnector[] connectors = new ServerConnector[3];
        int[] ports = {config.blobPort(), config.queuePort(), config.tablePort()};
        for (int i = 0; i < 3; i++) {
            connectors[i] = new ServerConnector(server, new HttpConnectionFactory(http));
            connectors[i].setHost(config.host());
            connectors[i].setPort(ports[i]);
            connectors[i].setIdleTimeout(120_000);
            server.addConnector(connectors[i]);
        }
        server.setHandler(handler);
        try {
            server.start();
        } catch (Exception e) {
            blobDb.close();
            queueDb.close();
            tableDb.close();
            try {
                server.stop();
            } catch (Exception ignored) {
                // already failing to start; report the first cause
            }
            throw new IllegalStateException("storage service cannot listen on " + config.host() + " ports "
                    + ports[0] + "/" + ports[1] + "/" + ports[2] + ": " + e.getMessage(), e);
        }
        int blobPort = connectors[0].getLocalPort();
        int queuePort = connectors[1].getLocalPort();
        int tablePort = connectors[2].getLocalPort();
        handler.bind(blobPort, Service.BLOB);
        handler.bind(queuePort, Service.QUEUE);
        handler.bind(tablePort, Service.TABLE);
        ScheduledExecutorService janitor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "storage-janitor");
            t.setDaemon(true);
            return t;
        });
        janitor.scheduleWithFixedDelay(blobs::collectGarbage, 10, 10, TimeUnit.MINUTES);
        // dequeues skip expired messages; this removes them (a full scan once a minute, not one per dequeue)
        janitor.scheduleWithFixedDelay(queueStore::purgeExpired, 1, 1, TimeUnit.MINUTES);
        accounts.onRemoved(name -> {
            blobDb.deleteAccount(name, List.of("containers", "blobs", "blocks", "service_properties"));
            queueDb.deleteAccount(name, List.of("queues", "messages", "service_properties"));
            tableDb.deleteAccount(name, List.of("tables", "entities", "service_properties"));
            apis.values().forEach(api -> api.properties().forget(name));
            // the account's content files are no longer referenced: the janitor removes them now rather than in 10 minutes
            janitor.execute(blobs::collectGarbage);
        });
        return new StorageService(server, blobDb, queueDb, tableDb, janitor, blobPort, queuePort, tablePort, accounts);
    }

    public int blobPort() { return blobPort; }

    public int queuePort() { return queuePort; }

    public int tablePort() { return tablePort; }

    /** The accounts served now; the platform replaces the managed ones while the service runs. */
    public AccountDirectory accounts() { return accounts; }

    /** A connection string the Azure SDKs accept for the given account on this server. */
    public String connectionString(StorageAccount account) {
        return endpoints("127.0.0.1").connectionString(account.name(), account.keys().getFirst());
    }

    /** This server's three endpoints as clients on {@code host} reach them. */
    public StorageEndpoints endpoints(String host) {
        return new StorageEndpoints("http://" + host + ":" + blobPort, "http://" + host + ":" + queuePort, "http://" + host + ":" + tablePort);
    }

    @Override
    public void close() {
        janitor.shutdownNow();
        try {
            server.stop();
        } catch (Exception ignored) {
            // stopping: the databases below are what must close cleanly
        }
        blobDb.close();
        queueDb.close();
        tableDb.close();
    }
}
