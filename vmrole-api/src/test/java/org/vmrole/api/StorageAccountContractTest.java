package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.storage.StorageAccount;

class StorageAccountContractTest {
    @TempDir Path dir;
    ApiFixture fx;
    ApiClient client;
    String contoso;
    String fabrikam;

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
        client = fx.client;
        contoso = fx.subscriptionWithKey("contoso");
        fabrikam = fx.subscriptionWithKey("fabrikam");
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private ApiClient.Reply create(String key, String name) throws Exception {
        return client.call("POST", "/storage-accounts", key, "{\"name\":\"" + name + "\"}");
    }

    @Test
    void a_new_account_answers_two_keys_and_a_connection_string_and_lists_without_them() throws Exception {
        var r = create(contoso, "contosodata");
        assertThat(r.status()).isEqualTo(201);
        String primary = r.body().get("primaryKey").asText();
        String secondary = r.body().get("secondaryKey").asText();
        assertThat(primary).isNotEqualTo(secondary).hasSize(88);
        assertThat(r.body().get("connectionString").asText()).contains("AccountName=contosodata", "AccountKey=" + primary,
                "BlobEndpoint=http://127.0.0.1:10000/contosodata", "QueueEndpoint=", "TableEndpoint=");

        var list = client.call("GET", "/storage-accounts", contoso, null);
        assertThat(list.body().get("accounts")).hasSize(1);
        assertThat(list.body().toString()).contains("contosodata").doesNotContain(primary).doesNotContain(secondary);
        assertThat(client.call("GET", "/storage-accounts/contosodata/keys", contoso, null).body().get("secondaryKey").asText()).isEqualTo(secondary);
    }

    @Test
    void another_tenants_account_is_not_found_and_its_name_is_taken() throws Exception {
        create(fabrikam, "fabrikamlogs");
        for (String[] call : new String[][] {{"GET", "/storage-accounts/fabrikamlogs"}, {"GET", "/storage-accounts/fabrikamlogs/keys"},
                {"POST", "/storage-accounts/fabrikamlogs/regenerate-key"}, {"DELETE", "/storage-accounts/fabrikamlogs"}}) {
            assertThat(client.call(call[0], call[1], contoso, null).status()).as(call[0] + " " + call[1]).isEqualTo(404);
        }
        assertThat(client.call("GET", "/storage-accounts", contoso, null).body().get("accounts")).isEmpty();

        var taken = create(contoso, "fabrikamlogs");
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.errorCode()).isEqualTo("AccountNameTaken");
        assertThat(create(fabrikam, "fabrikamlogs").status()).as("even for its owner").isEqualTo(409);
        assertThat(create(contoso, "devstoreaccount1").status()).as("the development account's name").isEqualTo(409);
    }

    @Test
    void a_bad_name_is_refused_naming_azures_rule() throws Exception {
        for (String bad : List.of("ab", "Contoso", "contoso-data", "a234567890123456789012345", "con.toso")) {
            var r = create(contoso, bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("InvalidAccountName");
            assertThat(r.body().path("error").path("message").asText()).contains("3-24", "lowercase letters", "digits");
        }
        assertThat(client.call("GET", "/storage-accounts/Bad-Name", contoso, null).status()).isEqualTo(400);
    }

    @Test
    void a_subscription_holds_at_most_its_limit_of_accounts() throws Exception {
        var limits = client.call("PUT", "/subscriptions/contoso/limits", fx.admin,
                "{\"cores\":20,\"instances\":20,\"images\":10,\"storageBytes\":1000000,\"storageAccounts\":2}");
        assertThat(limits.status()).isEqualTo(200);
        assertThat(create(contoso, "one111").status()).isEqualTo(201);
        assertThat(create(contoso, "two222").status()).isEqualTo(201);
        var over = create(contoso, "three333");
        assertThat(over.status()).isEqualTo(409);
        assertThat(over.errorCode()).isEqualTo("QuotaExceeded");
        assertThat(over.body().path("error").path("message").asText()).contains("storage accounts 3 > 2");

        assertThat(client.call("DELETE", "/storage-accounts/one111", contoso, null).status()).isEqualTo(204);
        assertThat(create(contoso, "three333").status()).isEqualTo(201);
        var kept = client.call("PUT", "/subscriptions/contoso/limits", fx.admin, "{\"cores\":20,\"instances\":20,\"images\":10,\"storageBytes\":1000000}");
        assertThat(kept.body().path("limits").path("storageAccounts").asInt()).as("left out: kept").isEqualTo(2);
    }

    @Test
    void the_default_quota_holds_under_concurrent_creates() throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
            String name = "race" + i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    statuses.add(create(contoso, name).status());
                } catch (Exception e) {
                    statuses.add(-1);
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertThat(statuses.stream().filter(s -> s == 201)).hasSize(5);
        assertThat(statuses.stream().filter(s -> s == 409)).hasSize(3);
    }

    @Test
    void the_storage_service_hears_of_creates_regenerated_keys_and_deletes_and_keys_stay_out_of_the_audit() throws Exception {
        List<List<StorageAccount>> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        fx.api.storageAccounts().onChange(heard::add);
        String first = create(contoso, "contosodata").body().get("primaryKey").asText();
        assertThat(heard.getLast()).singleElement().satisfies(a -> assertThat(a.keys().getFirst()).isEqualTo(first));

        var regenerated = client.call("POST", "/storage-accounts/contosodata/regenerate-key", contoso, "{\"key\":\"primary\"}");
        assertThat(regenerated.status()).isEqualTo(200);
        String second = regenerated.body().get("primaryKey").asText();
        assertThat(second).isNotEqualTo(first);
        assertThat(heard.getLast().getFirst().keys()).contains(second).doesNotContain(first);
        assertThat(client.call("POST", "/storage-accounts/contosodata/regenerate-key", contoso, "{\"key\":\"tertiary\"}").status()).isEqualTo(400);

        assertThat(client.call("DELETE", "/storage-accounts/contosodata", contoso, null).status()).isEqualTo(204);
        assertThat(heard.getLast()).isEmpty();
        String audit = client.call("GET", "/audit", contoso, null).body().toString();
        assertThat(audit).contains("storage-account.create", "storage-account.regenerate-key", "storage-account.delete")
                .doesNotContain(first).doesNotContain(second);
    }

    @Test
    void a_subscription_with_a_storage_account_cannot_be_deleted() throws Exception {
        create(contoso, "contosodata");
        var r = client.call("DELETE", "/subscriptions/contoso", fx.admin, null);
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.body().toString()).contains("storage account contosodata");
    }
}
