package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

/** What a tenant needs before it can deploy (an admitted subscription, an uploaded image) and a small service to deploy. */
final class Samples {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CSDEF = """
            <?xml version="1.0" encoding="utf-8"?>
            <ServiceDefinition name="web" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceDefinition">
              <VirtualMachineRole name="WebVM" vmsize="ExtraSmall">
                <Endpoints><InputEndpoint name="Http" protocol="http" port="80"/></Endpoints>
              </VirtualMachineRole>
            </ServiceDefinition>
            """;
    static final String CSCFG = """
            <?xml version="1.0" encoding="utf-8"?>
            <ServiceConfiguration serviceName="web" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration">
              <Role name="WebVM"><OsImage href="web-v1"/><Instances count="2"/></Role>
            </ServiceConfiguration>
            """;

    private Samples() {}

    static byte[] smallQcow2(Path dir) throws Exception {
        Path img = Files.createTempFile(dir, "small", ".qcow2");
        Files.delete(img);
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "16M").inheritIO().start();
        assertThat(p.waitFor()).isZero();
        return Files.readAllBytes(img);
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static String deployBody(String cscfg) throws Exception {
        return JSON.writeValueAsString(Map.of("definition", CSDEF, "configuration", cscfg));
    }

    /** Uploads the bytes in one chunk and commits them as the named image; returns the image's digest. */
    static String image(ApiClient http, String key, String name, byte[] bytes) throws Exception {
        String id = http.call("POST", "/images/uploads", key, "{\"name\":\"" + name + "\"}").body().get("uploadId").asText();
        assertThat(http.send("PUT", "/images/uploads/" + id + "?offset=0", key, HttpRequest.BodyPublishers.ofByteArray(bytes)).status()).isEqualTo(200);
        var committed = http.call("POST", "/images/uploads/" + id + "/commit", key, "{\"sha256\":\"" + sha256(bytes) + "\"}");
        assertThat(committed.status()).isEqualTo(201);
        return committed.body().get("digest").asText();
    }

    static void admitToVmRole(ApiClient http, String admin, String key) throws Exception {
        String req = http.call("POST", "/beta/programs/vm-role/requests", key, "{\"reason\":\"tests\"}").body().get("id").asText();
        assertThat(http.call("POST", "/beta/requests/" + req + "/approve", admin, null).status()).isEqualTo(200);
    }

    /** A subscription admitted to the VM Role with image web-v1 and service web: ready to deploy. Returns its key. */
    static String readyTenant(ApiFixture fx, Path dir, String id) throws Exception {
        String key = fx.subscriptionWithKey(id);
        admitToVmRole(fx.client, fx.admin, key);
        image(fx.client, key, "web-v1", smallQcow2(dir));
        assertThat(fx.client.call("POST", "/services", key, "{\"name\":\"web\"}").status()).isEqualTo(201);
        return key;
    }
}
