package org.vmrole.storage.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.storage.StorageException;

class TagFilterTest {
    private static final Map<String, String> TAGS = Map.of("team", "alpha", "size", "200");

    @Test
    void comparisons_are_of_strings_and_all_must_hold() {
        assertThat(TagFilter.where("\"team\" = 'alpha' AND \"size\" >= '100'").matches("c", TAGS)).isTrue();
        assertThat(TagFilter.where("team='alpha' AND size < '100'").matches("c", TAGS)).isFalse();
        assertThat(TagFilter.where("\"size\" > '1000'").matches("c", TAGS)).isTrue();
    }

    @Test
    void a_tag_the_blob_lacks_never_matches() {
        assertThat(TagFilter.where("\"owner\" >= ''").matches("c", TAGS)).isFalse();
    }

    @Test
    void the_container_is_compared_by_name() {
        assertThat(TagFilter.where("@container = 'logs' AND team = 'alpha'").matches("logs", TAGS)).isTrue();
        assertThat(TagFilter.where("@container = 'logs'").matches("other", TAGS)).isFalse();
    }

    @Test
    void a_condition_may_use_or_not_equal_and_parentheses_but_a_search_may_not() {
        assertThat(TagFilter.condition("(team <> 'alpha' OR size = '200') AND team = 'alpha'").matches("c", TAGS)).isTrue();
        assertThatThrownBy(() -> TagFilter.where("team = 'a' OR team = 'b'")).isInstanceOf(StorageException.class).hasMessageContaining("OR");
        assertThatThrownBy(() -> TagFilter.where("team <> 'a'")).hasMessageContaining("<>");
    }

    @Test
    void the_found_blob_reports_only_the_tags_the_search_named() {
        assertThat(TagFilter.where("team = 'alpha'").named(TAGS)).containsExactly(Map.entry("team", "alpha"));
    }

    @Test
    void malformed_expressions_are_refused_with_the_position() {
        assertThatThrownBy(() -> TagFilter.where("team = alpha")).hasMessageContaining("position 7");
        assertThatThrownBy(() -> TagFilter.where("team = 'alpha")).hasMessageContaining("closing quote");
        assertThatThrownBy(() -> TagFilter.where("team 'alpha'")).hasMessageContaining("comparison");
        assertThatThrownBy(() -> TagFilter.where("@container > 'x'")).hasMessageContaining("only be compared with =");
        assertThatThrownBy(() -> TagFilter.where("team = 'a' extra")).hasMessageContaining("unexpected text");
        assertThatThrownBy(() -> TagFilter.where(" ")).hasMessageContaining("empty");
    }

    @Test
    void a_rehydration_that_is_due_has_finished_at_its_due_time() {
        BlobProperties archived = BlobProperties.DEFAULT.withTier("Archive", 1L).rehydrating(Rehydration.start("Cool", "High", 1_000));
        assertThat(archived.at(1_000 + Rehydration.HIGH.toMillis() - 1).archiveStatus()).isEqualTo("rehydrate-pending-to-cool");
        BlobProperties done = archived.at(1_000 + Rehydration.HIGH.toMillis());
        assertThat(done.accessTier()).isEqualTo("Cool");
        assertThat(done.archiveStatus()).isNull();
        assertThat(done.tierChanged()).isEqualTo(1_000 + Rehydration.HIGH.toMillis());
    }
}
