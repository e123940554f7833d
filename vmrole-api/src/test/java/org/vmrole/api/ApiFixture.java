package org.vmrole.api;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.reconcile.HealingPolicy;
import org.vmrole.fabric.store.SqliteStore;
import java.net.URI;
import org.vmrole.image.ImageBlobs;
import org.vmrole.image.ImageLimits;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.storage.StorageAccount;
import org.vmrole.storage.StorageConfig;
import org.vmrole.storage.StorageService;
import org.vmrole.image.ImageRepository;
import org.vmrole.image.QemuImg;

/** A management API over a real store, fabric controller and image repository in a temporary directory, on a free port. */
final class ApiFixture implements AutoCloseable {
    private static final StorageAccount IMAGE_ACCOUNT = new StorageAccount(ImageBlobs.PLATFORM_ACCOUNT,
            List.of(java.util.Base64.getEncoder().encodeToString("the test key of the image account".getBytes())));
    /** The Blob service that holds the images, as the embedded platform runs one. */
    final StorageService imageStorage;
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
        imageStorage = StorageService.start(new StorageConfig(dir.resolve("storage"), "127.0.0.1", 0, 0, 0, List.of(IMAGE_ACCOUNT)));
        images = new ImageRepository(dir.resolve("images"), limits, QemuImg.fromPath(limits), org.vmrole.api.services.FabricImageUsage.of(fabric), Clock.systemUTC(),
                ImageBlobs.connect(URI.create("http://127.0.0.1:" + imageStorage.blobPort() + "/" + IMAGE_ACCOUNT.name()),
                        new BlobCredential.SharedKey(IMAGE_ACCOUNT.name(), IMAGE_ACCOUNT.keys().getFirst())));
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
        imageStorage.close();
    }
}
