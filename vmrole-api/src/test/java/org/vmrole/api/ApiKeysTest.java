package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.vmrole.api.auth.ApiKeys;

class ApiKeysTest {
    @Test
    void an_issued_key_matches_its_stored_hash_and_nothing_else() {
        var key = ApiKeys.issue(new SecureRandom());
        assertThat(key.secret()).startsWith("vmr_");
        assertThat(ApiKeys.idOf(key.secret())).isEqualTo(key.id());
        assertThat(ApiKeys.matches(key.secret(), key.hash())).isTrue();
        var other = ApiKeys.issue(new SecureRandom());
        assertThat(ApiKeys.matches(other.secret(), key.hash())).isFalse();
    }

    @Test
    void the_stored_form_does_not_contain_the_secret_and_printing_the_key_hides_it() {
        var key = ApiKeys.issue(new SecureRandom());
        assertThat(key.hash()).doesNotContain(key.secret().substring(4));
        assertThat(key.toString()).doesNotContain(key.secret());
    }

    @Test
    void rejects_text_that_is_not_a_key() {
        assertThat(ApiKeys.wellFormed("Bearer x")).isFalse();
        assertThat(ApiKeys.wellFormed("vmr_short")).isFalse();
        assertThatThrownBy(() -> ApiKeys.idOf("abc")).hasMessageContaining("must start with 'vmr_'");
    }
}
