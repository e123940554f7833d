package org.vmrole.server;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.Map;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.ImageUploader;

/** The tenant most VM tests start from: subscription "contoso", admitted to the VM Role beta, the sample image uploaded as "sample-v1". */
final class SampleTenant {
    private SampleTenant() {
    }

    static ApiClient create(ApiClient admin) throws Exception {
        ApiClient tenant = admitted(admin);
        new ImageUploader(tenant, new PrintWriter(Writer.nullWriter())).upload(SampleImage.ensure(), "sample-v1", null);
        return tenant;
    }

    /** The subscription admitted to the VM Role beta, without an image. */
    static ApiClient admitted(ApiClient admin) {
        admin.post("/subscriptions", Map.of("id", "contoso"));
        ApiClient tenant = new ApiClient(admin.base(), admin.post("/subscriptions/contoso/keys", Map.of()).get("key").asText());
        admin.post("/beta/requests/" + tenant.post("/beta/programs/vm-role/requests", Map.of("reason", "test")).get("id").asText() + "/approve", Map.of());
        return tenant;
    }
}
