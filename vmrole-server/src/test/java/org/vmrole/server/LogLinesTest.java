package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The server's log configuration writes each message on one line, whatever text it quotes. */
class LogLinesTest {
    @Test
    void a_message_quoting_a_line_break_stays_on_one_line() throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(LogLinesTest.class.getResource("/logback.xml"));
            context.getLogger("org.vmrole.api.http.ApiServer").info("host {} revoked", "\r\nX-Injected: 1");
        } finally {
            context.stop();
            System.setErr(err);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertThat(out.lines().toList()).hasSize(1);
        assertThat(out).contains("host \\r\\nX-Injected: 1 revoked");
    }
}
