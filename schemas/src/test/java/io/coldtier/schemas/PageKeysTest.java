package io.coldtier.schemas;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(30)
class PageKeysTest {

    @Test
    void key_joinsVmRegionAndPageWithSlashes() {
        assertThat(PageKeys.key("vm-1", 0, 1234)).isEqualTo("vm-1/0/1234");
    }

    @Test
    void parse_ofKey_givesBackTheSamePage() {
        PageRef ref = PageKeys.parse(PageKeys.key("vm-7.eu_west", 3, Long.MAX_VALUE));

        assertThat(ref).isEqualTo(new PageRef("vm-7.eu_west", 3, Long.MAX_VALUE));
        assertThat(ref.key()).isEqualTo("vm-7.eu_west/3/" + Long.MAX_VALUE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "vm-1", "vm-1/0", "/0/1", "vm-1//1", "vm-1/0/", "vm-1/x/1", "vm-1/0/1.5",
            "vm/1/0/1", "vm-1/-1/1", "vm-1/0/-1", "vm-1/+0/1", "vm-1/0/01", "vm-1/0/99999999999999999999",
            "vm-1/2147483648/1", "vm-1/0/1 "})
    void parse_badKey_throwsNamingTheKey(String key) {
        assertThatThrownBy(() -> PageKeys.parse(key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bad page key '" + key + "'");
    }

    @Test
    void parse_null_throwsIllegalArgument() {
        assertThatThrownBy(() -> PageKeys.parse(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad page key null");
    }

    @Test
    void parse_nonCanonicalNumber_saysWhatTheCanonicalKeyIs() {
        assertThatThrownBy(() -> PageKeys.parse("vm-1/0/007"))
                .hasMessage("bad page key 'vm-1/0/007': not canonical (expected 'vm-1/0/7')");
    }

    @Test
    void key_vmIdWithSlashOrNegativeParts_isRejected() {
        assertThatThrownBy(() -> PageKeys.key("a/b", 0, 1)).hasMessageContaining("must not contain '/'");
        assertThatThrownBy(() -> PageKeys.key("", 0, 1)).hasMessageContaining("vmId must not be empty");
        assertThatThrownBy(() -> PageKeys.key("vm-1", -1, 1)).hasMessageContaining("region must be >= 0");
        assertThatThrownBy(() -> PageKeys.key("vm-1", 0, -1)).hasMessageContaining("page must be >= 0");
    }
}
