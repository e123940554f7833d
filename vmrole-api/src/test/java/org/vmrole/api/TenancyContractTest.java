package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TenancyContractTest {
    @TempDir Path dir;
    ApiFixture fx;
    ApiClient client;
    String admin;

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
        client = fx.client;
        admin = fx.admin;
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private String subscriptionWithKey(String id) throws Exception {
        return fx.subscriptionWithKey(id);
    }

    @Test
    void the_administrator_key_is_printed_once_and_survives_a_restart() throws Exception {
        fx.start();
        client = fx.client;
        assertThat(fx.api.firstAdministratorKey()).isEmpty();
        assertThat(client.call("GET", "/subscriptions", admin, null).status()).isEqualTo(200);
    }

    @Test
    void a_subscription_sees_only_itself_and_another_tenants_resources_are_not_found() throws Exception {
        String contoso = subscriptionWithKey("contoso");
        subscriptionWithKey("fabrikam");
        var list = client.call("GET", "/subscriptions", contoso, null);
        assertThat(list.body().get("subscriptions")).hasSize(1);
        assertThat(client.call("GET", "/subscriptions/fabrikam", contoso, null).status()).isEqualTo(404);
        assertThat(client.call("GET", "/subscriptions/fabrikam/keys", contoso, null).status()).isEqualTo(404);
        assertThat(client.call("POST", "/subscriptions/fabrikam/keys", contoso, "{}").status()).isEqualTo(404);
        assertThat(client.call("GET", "/subscriptions/contoso", contoso, null).status()).isEqualTo(200);
    }

    @Test
    void keys_are_listed_without_secrets_and_a_revoked_key_stops_working() throws Exception {
        String contoso = subscriptionWithKey("contoso");
        var keys = client.call("GET", "/subscriptions/contoso/keys", contoso, null).body().get("keys");
        assertThat(keys.toString()).doesNotContain(contoso).doesNotContain("hash");
        String keyId = keys.get(0).get("id").asText();
        assertThat(client.call("DELETE", "/subscriptions/contoso/keys/" + keyId, admin, null).status()).isEqualTo(204);
        assertThat(client.call("GET", "/subscriptions", contoso, null).status()).isEqualTo(401);
        assertThat(fx.store.list("/").toString()).doesNotContain(contoso);
    }

    @Test
    void only_the_administrator_creates_and_deletes_subscriptions() throws Exception {
        String contoso = subscriptionWithKey("contoso");
        var r = client.call("POST", "/subscriptions", contoso, "{\"id\":\"sneaky\"}");
        assertThat(r.status()).isEqualTo(403);
        assertThat(client.call("DELETE", "/subscriptions/contoso", contoso, null).status()).isEqualTo(403);
        assertThat(client.call("DELETE", "/subscriptions/contoso", admin, null).status()).isEqualTo(204);
        assertThat(client.call("GET", "/subscriptions", contoso, null).status()).isEqualTo(401);
    }

    @Test
    void bad_subscription_input_names_the_field_and_the_fix() throws Exception {
        var r = client.call("POST", "/subscriptions", admin, "{\"id\":\"Bad Name!\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().path("error").path("target").asText()).isEqualTo("id");
        assertThat(r.body().path("error").path("message").asText()).contains("a-z");
        var typo = client.call("POST", "/subscriptions", admin, "{\"idd\":\"x\"}");
        assertThat(typo.status()).isEqualTo(400);
        assertThat(typo.body().path("error").path("message").asText()).contains("idd");
        subscriptionWithKey("contoso");
        assertThat(client.call("POST", "/subscriptions", admin, "{\"id\":\"contoso\"}").errorCode()).isEqualTo("SubscriptionExists");
    }

    @Test
    void a_subscription_requests_the_vm_role_beta_and_the_administrator_approves_it() throws Exception {
        String contoso = subscriptionWithKey("contoso");
        var programs = client.call("GET", "/beta/programs", contoso, null);
        assertThat(programs.body().get("programs").toString()).contains("vm-role");
        assertThat(client.call("POST", "/beta/programs/vm-role/requests", contoso, "{}").errorCode()).isEqualTo("MissingReason");
        var req = client.call("POST", "/beta/programs/vm-role/requests", contoso, "{\"reason\":\"run our web tier\"}");
        assertThat(req.status()).isEqualTo(201);
        assertThat(req.body().get("state").asText()).isEqualTo("Pending");
        String id = req.body().get("id").asText();
        assertThat(client.call("POST", "/beta/requests/" + id + "/approve", contoso, null).status()).isEqualTo(403);
        var pending = client.call("GET", "/beta/requests?state=Pending", admin, null);
        assertThat(pending.body().get("requests")).hasSize(1);
        var approved = client.call("POST", "/beta/requests/" + id + "/approve", admin, "{\"note\":\"welcome\"}");
        assertThat(approved.body().get("state").asText()).isEqualTo("Approved");
        assertThat(client.call("POST", "/beta/requests/" + id + "/deny", admin, null).errorCode()).isEqualTo("AdmissionAlreadyDecided");
        fx.api.beta().requireAdmission("vm-role", "contoso");
        var audit = client.call("GET", "/audit", contoso, null).body().get("entries").toString();
        assertThat(audit).contains("beta.approve").contains("beta.request").contains("key.create");
    }
}
