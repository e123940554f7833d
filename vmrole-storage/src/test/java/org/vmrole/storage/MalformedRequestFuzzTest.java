package org.vmrole.storage;

import com.azure.core.util.BinaryData;
import com.azure.storage.common.sas.AccountSasPermission;
import com.azure.storage.common.sas.AccountSasResourceType;
import com.azure.storage.common.sas.AccountSasService;
import com.azure.storage.common.sas.AccountSasSignatureValues;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Seeded random malformed requests, fully authorized by an account SAS: the service must answer each with a 4xx or success, never a 5xx. */
class MalformedRequestFuzzTest {
    private static final long SEED = 20261125L;
    static RunningStorage storage;
    static String sas;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        storage = new RunningStorage();
        var blobs = storage.blobs();
        blobs.createBlobContainer("fuzz").getBlobClient("b").upload(BinaryData.fromString("content"));
        storage.queues().createQueue("fuzz").sendMessage("m");
        storage.tables().createTable("fuzz");
        sas = blobs.generateAccountSas(new AccountSasSignatureValues(OffsetDateTime.now().plusHours(1), AccountSasPermission.parse("rwdlacup"),
                AccountSasService.parse("bqt"), AccountSasResourceType.parse("sco")));
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    private static final String[] METHODS = {"GET", "PUT", "POST", "DELETE", "HEAD", "MERGE", "PATCH"};
    private static final String[] PATHS = {"", "/fuzz", "/fuzz/b", "/fuzz/b/c", "/fuzz/messages", "/fuzz/messages/xyz", "/Tables",
            "/Tables('fuzz')", "/fuzz()", "/fuzz(PartitionKey='a',RowKey='b')", "/fuzz(PartitionKey='a')", "/$batch", "/%00", "/..%2F..",
            "/fuzz/%FF%FE", "/fuzz/" + "x".repeat(1100), "/UPPER", "/fuzz/b?x"};
    private static final String[] QUERIES = {"", "comp=list", "restype=container", "restype=container&comp=list", "comp=block&blockid=AAAA",
            "comp=blocklist", "comp=page", "comp=pagelist", "comp=appendblock", "comp=lease", "comp=metadata", "comp=acl", "comp=snapshot",
            "comp=properties", "restype=service&comp=properties", "comp=blocklist&blocklisttype=bogus", "maxresults=0", "maxresults=abc",
            "numofmessages=0", "visibilitytimeout=-1", "messagettl=0", "popreceipt=x", "$top=5000", "$filter=%27", "$filter=a%20eq",
            "$select=", "NextPartitionKey=%25%25", "snapshot=bogus", "prevsnapshot=bogus", "marker=%00%01", "comp=tier", "comp=unknown"};
    private static final String[][] HEADERS = {{"x-ms-blob-type", "BlockBlob"}, {"x-ms-blob-type", "PageBlob"}, {"x-ms-blob-type", "AppendBlob"},
            {"x-ms-blob-type", "Nope"}, {"x-ms-blob-content-length", "-512"}, {"x-ms-blob-content-length", "99999999999999999999"},
            {"x-ms-range", "bytes=0-511"}, {"x-ms-range", "bytes=-5"}, {"Range", "bytes=5-1"}, {"x-ms-page-write", "update"},
            {"x-ms-page-write", "clear"}, {"x-ms-lease-action", "acquire"}, {"x-ms-lease-action", "break"}, {"x-ms-lease-duration", "x"},
            {"x-ms-lease-id", "not-a-guid"}, {"x-ms-proposed-lease-id", "zzz"}, {"If-Match", "*"}, {"If-None-Match", "*"},
            {"If-Modified-Since", "garbage"}, {"x-ms-copy-source", "http://elsewhere/acct/c/b"}, {"x-ms-copy-source", "::"},
            {"x-ms-meta-bad-name", "v"}, {"x-ms-blob-public-access", "everyone"}, {"Content-MD5", "nothex"},
            {"x-ms-content-crc64", "AAAAAAAAAAA="}, {"x-ms-delete-snapshots", "maybe"}, {"x-ms-sequence-number-action", "jump"},
            {"x-ms-blob-sequence-number", "-3"}, {"x-ms-blob-condition-appendpos", "abc"}, {"Content-Type", "multipart/mixed; boundary=x"},
            {"X-HTTP-Method", "MERGE"}, {"Accept", "application/json;odata=fullmetadata"}, {"x-ms-version", "2099-01-01"},
            {"x-ms-if-sequence-number-le", "q"}, {"x-ms-lease-break-period", "99"}};
    private static final String[] BODIES = {"", "{", "{\"PartitionKey\":1}", "{\"PartitionKey\":\"a\",\"RowKey\":\"b\",\"X@odata.type\":\"Edm.Int64\",\"X\":\"n\"}",
            "<BlockList><Latest>AAAA</Latest></BlockList>", "<QueueMessage><MessageText>hi</MessageText></QueueMessage>", "<not xml",
            "--x\r\nContent-Type: multipart/mixed; boundary=y\r\n\r\n--y\r\n\r\nPOST http://h/devstoreaccount1/fuzz HTTP/1.1\r\n\r\n{}\r\n--y--\r\n--x--",
            "\u0000\u0001binary", "{\"TableName\":\"ok\"}", "{\"TableName\":5}", "<SignedIdentifiers><SignedIdentifier></SignedIdentifiers>"};

    /**
     * A keep-alive connection the server closed after an error (it does so when a request body was
     * left unread) fails the next request before it is sent; one retry on a fresh connection tells
     * that apart from a server that does not answer.
     */
    private static HttpResponse<String> sendRetryingStaleConnection(HttpRequest request) throws Exception {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException stale) {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void never_answers_a_malformed_request_with_a_server_error() throws Exception {
        Random rnd = new Random(SEED);
        String[] endpoints = {storage.blobEndpoint(), storage.queueEndpoint(), storage.tableEndpoint()};
        List<String> serverErrors = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            String method = METHODS[rnd.nextInt(METHODS.length)];
            String query = QUERIES[rnd.nextInt(QUERIES.length)];
            String url = endpoints[rnd.nextInt(3)] + PATHS[rnd.nextInt(PATHS.length)] + "?" + (query.isEmpty() ? "" : query + "&") + sas;
            String body = method.equals("GET") || method.equals("HEAD") || method.equals("DELETE") ? "" : BODIES[rnd.nextInt(BODIES.length)];
            HttpRequest.Builder b;
            try {
                b = HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.ofString(body));
            } catch (IllegalArgumentException e) {
                continue;
            }
            for (int h = rnd.nextInt(4); h > 0; h--) {
                String[] header = HEADERS[rnd.nextInt(HEADERS.length)];
                b.setHeader(header[0], header[1]);
            }
            HttpRequest request = b.build();
            try {
                HttpResponse<String> r = sendRetryingStaleConnection(request);
                if (r.statusCode() >= 500) serverErrors.add(method + " " + url + " " + request.headers().map() + " -> " + r.statusCode() + " " + r.body());
            } catch (java.io.IOException e) {
                serverErrors.add(method + " " + url + " " + request.headers().map() + " -> no response: " + e.getMessage());
            }
        }
        assertThat(serverErrors).as("seed " + SEED).isEmpty();
    }
}
