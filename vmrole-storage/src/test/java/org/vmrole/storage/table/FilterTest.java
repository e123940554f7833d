package org.vmrole.storage.table;

import org.junit.jupiter.api.Test;
import org.vmrole.storage.StorageException;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FilterTest {
    static Entity entity(String pk, String rk) {
        Map<String, Prop> p = new LinkedHashMap<>();
        p.put("Name", new Prop(Prop.STRING, "O'Brien"));
        p.put("Age", new Prop(Prop.INT32, 40));
        p.put("Big", new Prop(Prop.INT64, 5_000_000_000L));
        p.put("Ratio", new Prop(Prop.DOUBLE, 0.5));
        p.put("Ok", new Prop(Prop.BOOLEAN, true));
        return new Entity(pk, rk, 0, "e", p);
    }

    static boolean matches(String filter) {
        return Filter.compile(filter).predicate().test(entity("p1", "r1"));
    }

    @Test
    void evaluates_comparisons_and_boolean_logic() {
        assertThat(matches("Name eq 'O''Brien'")).isTrue();
        assertThat(matches("Age gt 30 and Age le 40")).isTrue();
        assertThat(matches("Age lt 30 or Ok eq true")).isTrue();
        assertThat(matches("not (Age eq 40)")).isFalse();
        assertThat(matches("Big ge 5000000000L and Ratio lt 1.0")).isTrue();
        assertThat(matches("Ok")).isTrue();
        assertThat(matches("30 lt Age")).isTrue();
        assertThat(matches("Missing ne 'x'")).isFalse();
        assertThat(matches("Age eq '40'")).isFalse();
    }

    @Test
    void turns_key_conditions_of_the_top_level_conjunction_into_an_index_range() {
        Filter.KeyRange k = Filter.compile("PartitionKey eq 'p1' and RowKey ge 'a' and RowKey lt 'm' and Age gt 3").keys();
        assertThat(k.pkLow()).isEqualTo("p1");
        assertThat(k.pkHigh()).isEqualTo("p1");
        assertThat(k.rkLow()).isEqualTo("a");
        assertThat(k.rkLowIncl()).isTrue();
        assertThat(k.rkHigh()).isEqualTo("m");
        assertThat(k.rkHighIncl()).isFalse();
        assertThat(Filter.compile("PartitionKey eq 'a' or PartitionKey eq 'b'").keys()).isEqualTo(Filter.KeyRange.ALL);
    }

    @Test
    void refuses_malformed_filters_with_invalid_input() {
        for (String bad : new String[]{"Age eq", "(Age eq 1", "Age eq 1 and", "Name eq 'unterminated", "Age between 1", "eq eq eq"}) {
            assertThatThrownBy(() -> Filter.compile(bad)).as(bad).isInstanceOf(StorageException.class).hasMessageContaining("$filter");
        }
    }
}
