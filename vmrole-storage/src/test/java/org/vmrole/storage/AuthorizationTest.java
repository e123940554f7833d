package org.vmrole.storage;

import com.azure.core.util.BinaryData;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableClientBuilder;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.sas.TableSasPermission;
import com.azure.data.tables.sas.TableSasSignatureValues;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobClientBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.sas.BlobSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.sas.AccountSasPermission;
import com.azure.storage.common.sas.AccountSasResourceType;
import com.azure.storage.common.sas.AccountSasService;
import com.azure.storage.common.sas.AccountSasSignatureValues;
import com.azure.storage.common.sas.SasIpRange;
import com.azure.storage.common.sas.SasProtocol;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.models.QueueStorageException;
import com.azure.storage.queue.sas.QueueSasPermission;
import com.azure.storage.queue.sas.QueueServiceSasSignatureValues;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuthorizationTest {
    static RunningStorage storage;
    static BlobServiceClient blobs;
    static BlobContainerClient container;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        storage = new RunningStorage();
        blobs = storage.blobs();
        container = blobs.createBlobContainer("secured");
        container.getBlobClient("doc.txt").upload(BinaryData.fromString("secret"));
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    static OffsetDateTime inAnHour() { return OffsetDateTime.now().plusHours(1); }

    static BlobClient viaSas(String blob, String sas) {
        return new BlobClientBuilder().endpoint(storage.blobEndpoint() + "/secured/" + blob).sasToken(sas).buildClient();
    }

    static String blobCode(Runnable r) {
        try {
            r.run();
            return "none";
        } catch (BlobStorageException e) {
            return e.getStatusCode() + " " + e.getErrorCode();
        }
    }

    @Test
    void refuses_a_request_signed_with_the_wrong_key_and_changes_nothing() {
        String wrongKey = java.util.Base64.getEncoder().encodeToString(new byte[64]);
        BlobServiceClient evil = new BlobServiceClientBuilder().endpoint(storage.blobEndpoint())
                .credential(new StorageSharedKeyCredential(storage.account.name(), wrongKey)).buildClient();
        assertThat(blobCode(() -> evil.getBlobContainerClient("secured").getBlobClient("doc.txt").upload(BinaryData.fromString("evil"), true)))
                .isEqualTo("403 AuthenticationFailed");
        assertThat(container.getBlobClient("doc.txt").downloadContent().toString()).isEqualTo("secret");
        QueueClient q = new QueueClientBuilder().endpoint(storage.queueEndpoint()).queueName("nope")
                .credential(new StorageSharedKeyCredential(storage.account.name(), wrongKey)).buildClient();
        assertThatThrownBy(q::create).isInstanceOf(QueueStorageException.class).hasMessageContaining("AuthenticationFailed");
        TableClient t = new TableClientBuilder().endpoint(storage.tableEndpoint()).tableName("nope")
                .credential(new com.azure.core.credential.AzureNamedKeyCredential(storage.account.name(), wrongKey)).buildClient();
        assertThatThrownBy(t::createTable).hasMessageContaining("AuthenticationFailed");
        assertThat(storage.tables().listTables().stream().count()).isZero();
    }

    @Test
    void a_read_only_service_sas_reads_but_cannot_write() {
        String sas = container.getBlobClient("doc.txt").generateSas(new BlobServiceSasSignatureValues(inAnHour(), new BlobSasPermission().setReadPermission(true)));
        assertThat(viaSas("doc.txt", sas).downloadContent().toString()).isEqualTo("secret");
        assertThat(blobCode(() -> viaSas("doc.txt", sas).upload(BinaryData.fromString("x"), true))).isEqualTo("403 AuthorizationPermissionMismatch");
        assertThat(blobCode(() -> viaSas("other.txt", sas).downloadContent())).startsWith("403");
        String containerSas = container.generateSas(new BlobServiceSasSignatureValues(inAnHour(), new BlobSasPermission().setWritePermission(true).setCreatePermission(true)));
        viaSas("new.txt", containerSas).upload(BinaryData.fromString("made with sas"));
        assertThat(container.getBlobClient("new.txt").downloadContent().toString()).isEqualTo("made with sas");
    }

    @Test
    void refuses_expired_not_yet_valid_wrong_ip_and_https_only_tokens() {
        BlobSasPermission read = new BlobSasPermission().setReadPermission(true);
        String expired = container.getBlobClient("doc.txt").generateSas(new BlobServiceSasSignatureValues(OffsetDateTime.now().minusMinutes(5), read));
        assertThat(blobCode(() -> viaSas("doc.txt", expired).downloadContent())).isEqualTo("403 AuthenticationFailed");
        String future = container.getBlobClient("doc.txt").generateSas(new BlobServiceSasSignatureValues(inAnHour(), read).setStartTime(OffsetDateTime.now().plusMinutes(30)));
        assertThat(blobCode(() -> viaSas("doc.txt", future).downloadContent())).isEqualTo("403 AuthenticationFailed");
        String otherIp = container.getBlobClient("doc.txt").generateSas(new BlobServiceSasSignatureValues(inAnHour(), read).setSasIpRange(SasIpRange.parse("10.0.0.1-10.0.0.9")));
        assertThat(blobCode(() -> viaSas("doc.txt", otherIp).downloadContent())).isEqualTo("403 AuthorizationSourceIPMismatch");
        String localIp = container.getBlobClient("doc.txt").generateSas(new BlobServiceSasSignatureValues(inAnHour(), read).setSasIpRange(SasIpRange.parse("127.0.0.1")));
        assertThat(viaSas("doc.txt", localIp).downloadContent().toString()).isEqualTo("secret");
        String httpsOnly = container.getBlobClient("doc.txt").generateSas(new BlobServiceSasSignatureValues(inAnHour(), read).setProtocol(SasProtocol.HTTPS_ONLY));
        assertThat(blobCode(() -> viaSas("doc.txt", httpsOnly).downloadContent())).isEqualTo("403 AuthorizationProtocolMismatch");
        String tampered = container.getBlobClient("doc.txt").generateSas(new BlobServiceSasSignatureValues(inAnHour(), read)).replace("sp=r", "sp=rw");
        assertThat(blobCode(() -> viaSas("doc.txt", tampered).upload(BinaryData.fromString("x"), true))).isEqualTo("403 AuthenticationFailed");
    }

    @Test
    void an_account_sas_is_limited_to_its_services_resource_types_and_permissions() {
        String sas = blobs.generateAccountSas(new AccountSasSignatureValues(inAnHour(), AccountSasPermission.parse("rl"),
                AccountSasService.parse("b"), AccountSasResourceType.parse("sco")));
        BlobServiceClient viaSas = new BlobServiceClientBuilder().endpoint(storage.blobEndpoint()).sasToken(sas).buildClient();
        assertThat(viaSas.listBlobContainers().stream().map(c -> c.getName()).toList()).contains("secured");
        assertThat(viaSas.getBlobContainerClient("secured").getBlobClient("doc.txt").downloadContent().toString()).isEqualTo("secret");
        assertThat(blobCode(() -> viaSas.createBlobContainer("sneaky"))).isEqualTo("403 AuthorizationPermissionMismatch");
        String objectsOnly = blobs.generateAccountSas(new AccountSasSignatureValues(inAnHour(), AccountSasPermission.parse("rl"),
                AccountSasService.parse("b"), AccountSasResourceType.parse("o")));
        BlobServiceClient limited = new BlobServiceClientBuilder().endpoint(storage.blobEndpoint()).sasToken(objectsOnly).buildClient();
        assertThat(blobCode(() -> limited.listBlobContainers().stream().count())).isEqualTo("403 AuthorizationResourceTypeMismatch");
        QueueClient q = new QueueClientBuilder().endpoint(storage.queueEndpoint()).queueName("sas-queue").sasToken(sas).buildClient();
        assertThatThrownBy(q::create).hasMessageContaining("AuthorizationServiceMismatch");
    }

    @Test
    void queue_and_table_service_sas_grant_only_their_permissions() {
        QueueClient owner = storage.queues().createQueue("work");
        String addOnly = owner.generateSas(new QueueServiceSasSignatureValues(inAnHour(), QueueSasPermission.parse("a")));
        QueueClient producer = new QueueClientBuilder().endpoint(storage.queueEndpoint()).queueName("work").sasToken(addOnly).buildClient();
        producer.sendMessage("hello");
        assertThatThrownBy(producer::receiveMessage).hasMessageContaining("AuthorizationPermissionMismatch");
        assertThat(owner.receiveMessage().getBody().toString()).isEqualTo("hello");

        TableClient table = storage.tables().createTable("SasTable");
        String readOnly = table.generateSas(new TableSasSignatureValues(inAnHour(), TableSasPermission.parse("r")));
        String addTable = table.generateSas(new TableSasSignatureValues(inAnHour(), TableSasPermission.parse("ar")));
        TableClient reader = new TableClientBuilder().endpoint(storage.tableEndpoint()).tableName("SasTable").sasToken(readOnly).buildClient();
        TableClient writer = new TableClientBuilder().endpoint(storage.tableEndpoint()).tableName("SasTable").sasToken(addTable).buildClient();
        writer.createEntity(new TableEntity("p", "r"));
        assertThat(reader.listEntities().stream().count()).isEqualTo(1);
        assertThatThrownBy(() -> reader.createEntity(new TableEntity("p", "r2"))).hasMessageContaining("AuthorizationPermissionMismatch");
    }

    @Test
    void a_sas_naming_a_stored_access_policy_takes_its_rights_from_it_and_dies_with_it() {
        BlobContainerClient c = blobs.createBlobContainer("policied");
        c.getBlobClient("f.txt").upload(BinaryData.fromString("by policy"));
        var readers = new com.azure.storage.blob.models.BlobSignedIdentifier().setId("readers").setAccessPolicy(
                new com.azure.storage.blob.models.BlobAccessPolicy().setPermissions("r").setExpiresOn(inAnHour()));
        c.setAccessPolicy(null, List.of(readers));
        String sas = c.generateSas(new BlobServiceSasSignatureValues("readers"));
        BlobClient viaPolicy = new BlobClientBuilder().endpoint(storage.blobEndpoint() + "/policied/f.txt").sasToken(sas).buildClient();
        assertThat(viaPolicy.downloadContent().toString()).isEqualTo("by policy");
        assertThat(blobCode(() -> viaPolicy.upload(BinaryData.fromString("x"), true))).isEqualTo("403 AuthorizationPermissionMismatch");
        c.setAccessPolicy(null, List.of());
        assertThat(blobCode(viaPolicy::downloadContent)).isEqualTo("403 AuthenticationFailed");
    }

    @Test
    void a_table_sas_may_name_the_tables_stored_access_policy() {
        TableClient owner = storage.tables().createTable("Policied");
        owner.createEntity(new TableEntity("p", "1"));
        owner.setAccessPolicies(List.of(new com.azure.data.tables.models.TableSignedIdentifier("readers").setAccessPolicy(
                new com.azure.data.tables.models.TableAccessPolicy().setPermissions("r").setExpiresOn(inAnHour()))));
        assertThat(owner.getAccessPolicies().getIdentifiers()).extracting(i -> i.getId()).containsExactly("readers");
        String sas = owner.generateSas(new TableSasSignatureValues("readers"));
        TableClient reader = new TableClientBuilder().endpoint(storage.tableEndpoint()).tableName("Policied").sasToken(sas).buildClient();
        assertThat(reader.listEntities().stream().count()).isEqualTo(1);
        assertThatThrownBy(() -> reader.createEntity(new TableEntity("p", "2"))).hasMessageContaining("AuthorizationPermissionMismatch");
    }

    @Test
    void a_table_sas_with_a_key_range_reaches_only_entities_inside_it() {
        TableClient owner = storage.tables().createTable("Ranged");
        owner.createEntity(new TableEntity("a", "1"));
        owner.createEntity(new TableEntity("b", "1"));
        String sas = owner.generateSas(new TableSasSignatureValues(inAnHour(), TableSasPermission.parse("raud"))
                .setStartPartitionKey("a").setStartRowKey("0").setEndPartitionKey("a").setEndRowKey("9"));
        TableClient limited = new TableClientBuilder().endpoint(storage.tableEndpoint()).tableName("Ranged").sasToken(sas).buildClient();
        limited.createEntity(new TableEntity("a", "2"));
        assertThatThrownBy(() -> limited.createEntity(new TableEntity("b", "2"))).hasMessageContaining("AuthorizationFailure");
        assertThatThrownBy(() -> limited.getEntity("b", "1")).hasMessageContaining("AuthorizationFailure");
        assertThat(limited.listEntities().stream().map(e -> e.getPartitionKey() + e.getRowKey()).toList()).containsExactly("a1", "a2");
    }

    static HttpResponse<String> raw(String method, String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rejects_future_api_versions_as_azure_does_and_accepts_current_ones() throws Exception {
        HttpResponse<String> r = raw("GET", storage.blobEndpoint() + "?comp=list", "x-ms-version", "2099-01-01");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("x-ms-error-code")).contains("InvalidHeaderValue");
        assertThat(r.body()).contains("<Code>InvalidHeaderValue</Code>");
        assertThat(raw("GET", storage.blobEndpoint() + "?comp=list", "x-ms-version", "2026-06-06").statusCode()).isEqualTo(403);
        HttpResponse<String> table = raw("GET", storage.tableEndpoint() + "/Tables", "x-ms-version", "banana");
        assertThat(table.statusCode()).isEqualTo(400);
        assertThat(table.body()).contains("\"code\":\"InvalidHeaderValue\"");
    }

    @Test
    void answers_malformed_requests_with_4xx_and_never_writes_outside_the_data_directory() throws Exception {
        String sas = blobs.generateAccountSas(new AccountSasSignatureValues(inAnHour(), AccountSasPermission.parse("rwdlacup"),
                AccountSasService.parse("bqt"), AccountSasResourceType.parse("sco")));
        String b = storage.blobEndpoint();
        String q = storage.queueEndpoint();
        String t = storage.tableEndpoint();
        Path outside = storage.dataDir.getParent().resolve("escaped.txt");
        List<String[]> requests = List.of(
                new String[]{"PUT", b + "/..%2F..%2Fescaped?restype=container&" + sas},
                new String[]{"GET", b + "/secured/doc.txt?" + sas, "Range", "bytes=zz-1"},
                new String[]{"GET", b + "/secured/doc.txt?" + sas, "x-ms-range", "bytes=9-2"},
                new String[]{"PUT", b + "/secured/doc.txt?comp=nonsense&" + sas},
                new String[]{"PUT", b + "/secured/x?comp=block&blockid=%21%21not-base64%21&" + sas},
                new String[]{"PUT", b + "/secured/x?comp=blocklist&" + sas},
                new String[]{"PUT", b + "/secured/x?" + sas, "x-ms-blob-type", "WeirdBlob"},
                new String[]{"PUT", b + "/secured/x?comp=lease&" + sas, "x-ms-lease-action", "steal"},
                new String[]{"PUT", b + "/secured/doc.txt?comp=lease&" + sas, "x-ms-lease-action", "acquire", "x-ms-lease-duration", "abc"},
                new String[]{"GET", b + "/secured?restype=container&comp=list&maxresults=-4&" + sas},
                new String[]{"GET", b + "/secured?restype=container&comp=list&marker=%21%21&" + sas},
                new String[]{"PUT", b + "/secured/p?" + sas, "x-ms-blob-type", "PageBlob", "x-ms-blob-content-length", "513"},
                new String[]{"GET", b + "/secured/doc.txt?" + sas, "If-Modified-Since", "yesterday"},
                new String[]{"PATCH", b + "/secured/doc.txt?" + sas},
                new String[]{"GET", b + "/secured/doc.txt", "Authorization", "SharedKey nonsense"},
                new String[]{"GET", b + "/secured/doc.txt", "Authorization", "Bearer x"},
                new String[]{"GET", b + "/otheraccount/c/b"},
                new String[]{"POST", q + "/Bad_Queue/messages?" + sas},
                new String[]{"GET", q + "/nosuchqueue/messages?numofmessages=99&" + sas},
                new String[]{"DELETE", q + "/nosuchqueue/messages/abc?" + sas},
                new String[]{"GET", t + "/Tables?$top=0&" + sas},
                new String[]{"GET", t + "/nosuchtable()?$filter=(((&" + sas},
                new String[]{"GET", t + "/nosuchtable(PartitionKey='a',RowKey='b')?" + sas},
                new String[]{"POST", t + "/$batch?" + sas, "Content-Type", "text/plain"},
                new String[]{"DELETE", t + "/Tables('..%2F..%2Fetc')?" + sas});
        for (String[] req : requests) {
            String[] headers = java.util.Arrays.copyOfRange(req, 2, req.length);
            HttpResponse<String> r = raw(req[0], req[1], headers);
            assertThat(r.statusCode()).as(req[0] + " " + req[1] + " -> " + r.body()).isBetween(400, 499);
        }
        HttpResponse<String> dotted = raw("PUT", b + "/secured/..%2F..%2Fescaped.txt?" + sas, "x-ms-blob-type", "BlockBlob");
        assertThat(dotted.statusCode()).as("a dotted name is just a name").isEqualTo(201);
        assertThat(container.getBlobClient("../../escaped.txt").exists()).isTrue();
        assertThat(Files.exists(outside)).isFalse();
        assertThat(container.getBlobClient("doc.txt").downloadContent().toString()).isEqualTo("secret");
    }
}
