package org.vmrole.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class JsonTreeTest {
    private static final ObjectMapper DATABIND = new ObjectMapper();
    private static final String DOCUMENT = """
            {"id":"d-0","count":2,"big":12345678901,"huge":123456789012345678901234567890,"ratio":0.25,"ok":true,"no":false,
             "nothing":null,"text":"\\u00e9 \\"quoted\\" <img>","list":[1,"two",{"three":[]},[]],"empty":{}}""";

    @Test
    void reads_a_document_into_the_same_tree_databind_reads() throws IOException {
        assertThat(JsonTree.read(DOCUMENT)).isEqualTo(DATABIND.readTree(DOCUMENT));
    }

    @Test
    void writes_a_tree_as_databind_does_compact_and_pretty() throws IOException {
        JsonNode tree = DATABIND.readTree(DOCUMENT);
        assertThat(JsonTree.write(tree, false)).isEqualTo(DATABIND.writeValueAsString(tree));
        assertThat(JsonTree.write(tree, true)).isEqualTo(DATABIND.writerWithDefaultPrettyPrinter().writeValueAsString(tree));
    }

    @Test
    void refuses_text_after_the_document_and_a_document_cut_short() {
        assertThatThrownBy(() -> JsonTree.read("{\"a\":1} {\"b\":2}")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> JsonTree.read("{\"a\":[1,")).isInstanceOf(IOException.class);
    }

    @Test
    void an_empty_answer_is_a_missing_node() throws IOException {
        assertThat(JsonTree.read("").isMissingNode()).isTrue();
    }
}
