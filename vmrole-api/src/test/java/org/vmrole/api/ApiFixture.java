package org.vmrole.api;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.reconcile.HealingPolicy;
import org.vmrole.fabric.store.SqliteStore;
import org.vmrole.image.ImageLimits;
import org.vmrole.image.ImageRepository;
import org.vmrole.image.QemuImg;

/** A management API over a real store, fabric controller and image repository in a temporary directory, on a free port. */
final class ApiFixture implements AutoCloseable {
    final SqliteStore store;
    final FabricController fabric;
    final ImageRepository images;
    ManagementApi api;
    ApiClient client;
    final String admin;

    ApiFixture(Path dir) throws Exception {
        store = SqliteStore.open(dir.resolve("store.db"));
        fabric = new FabricController(store, Clock.systemUTC(), HealingPolicy.DEFAULT);
        ImageLimits limits = ImageLimits.defaults();
        images = new ImageRepository(dir.resolve("images"), limits, QemuImg.fromPath(limits), org.vmrole.api.services.FabricImageUsage.of(fabric), Clock.systemUTC());
        start();
        admin = api.firstAdministratorKey().orElseThrow();
    }

    /** Starts (or restarts) the API over the same store. */
    void start() {
        if (api != null) api.close();
        api = new ManagementApi(new ManagementApi.Parts(store, Clock.systemUTC(), fabric, images), null, List.of())
                .start("127.0.0.1", 0);
        client = new ApiClient(api.port());
    }

    /** A new subscription with a key of its own; returns the key. */
    String subscriptionWithKey(String id) throws Exception {
        if (client.call("POST", "/subscriptions", admin, "{\"id\":\"" + id + "\"}").status() != 201) throw new AssertionError("cannot create " + id);
        return client.call("POST", "/subscriptions/" + id + "/keys", admin, "{\"description\":\"test\"}").body().get("key").asText();
    }

    @Override
    public void close() {
        api.close();
        store.close();
    }
}
