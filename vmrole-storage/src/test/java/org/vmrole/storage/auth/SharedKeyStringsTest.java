package org.vmrole.storage.auth;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SharedKeyStringsTest {

    @Test
    void canonical_header_values_collapse_whitespace_runs_and_trim_the_ends() {
        assertThat(SharedKeyStrings.collapseWhitespace("plain")).isEqualTo("plain");
        assertThat(SharedKeyStrings.collapseWhitespace("one space")).isEqualTo("one space");
        assertThat(SharedKeyStrings.collapseWhitespace("  a \t b\n\nc  ")).isEqualTo("a b c");
        assertThat(SharedKeyStrings.collapseWhitespace("a\tb")).isEqualTo("a b");
        assertThat(SharedKeyStrings.collapseWhitespace("   ")).isEmpty();
    }
}
