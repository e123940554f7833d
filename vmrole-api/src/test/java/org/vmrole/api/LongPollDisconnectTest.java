package org.vmrole.api;

import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A long poll whose client went away ends quietly: nothing is written to the finished request, nothing is logged as failed. */
class LongPollDisconnectTest {
    @TempDir Path dir;
    ApiFixture fx;
    String key;
    final ListAppender<ILoggingEvent> warnings = new ListAppender<>();

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
        key = Samples.readyTenant(fx, dir, "contoso");
        warnings.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(warnings);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(warnings);
        fx.close();
    }

    /** A client that asks for an operation with {@code ?wait=2} on a raw socket, parked once the API holds its wait. */
    private Socket parkedWait() throws Exception {
        String create = fx.client.call("POST", "/services/web/deployments/production", key, Samples.deployBody(Samples.CSCFG)).body().path("id").asText();
        Socket s = new Socket("127.0.0.1", fx.api.port());
        OutputStream out = s.getOutputStream();
        out.write(("GET /operations/" + create + "?wait=2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        await().atMost(Duration.ofSeconds(30)).until(() -> fx.api.operationWaits().waiting() == 1);
        return s;
    }

    @Test
    void an_operation_wait_whose_client_hung_up_ends_without_an_error() throws Exception {
        parkedWait().close();

        await().atMost(Duration.ofSeconds(30)).until(() -> fx.api.operationWaits().waiting() == 0);
        nothingFailsPastTheWaitsEnd();
    }

    @Test
    void an_operation_wait_parked_when_the_server_stops_ends_without_an_error() throws Exception {
        try (Socket s = parkedWait()) {
            fx.api.close();
            nothingFailsPastTheWaitsEnd();
        }
    }

    /** The wait's own end (2 s) is when a write to a finished request would fail: watch the log past it. */
    private void nothingFailsPastTheWaitsEnd() {
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30)).until(() -> warnings.list.stream().map(ILoggingEvent::getFormattedMessage)
                .noneMatch(m -> m.contains("Uncaught") || m.contains("threw") || m.contains("unexpected failure")));
    }
}
