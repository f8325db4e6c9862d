package io.coldtier.evictor.policy;

import io.coldtier.evictor.PolicyConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(10)
class PoliciesTest {
    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            idle-age:cycles=3                          | idle-age    | idle-age:cycles=3
            '  idle-age : cycles = 7 '                 | idle-age    | idle-age:cycles=7
            budget:resident=40%                        | budget      | budget:resident=40%
            budget:resident=12.50%                     | budget      | budget:resident=12.5%
            budget:resident=0%                         | budget      | budget:resident=0%
            budget:resident=512MiB                     | budget      | budget:resident=512MiB
            budget:resident=2048MiB                    | budget      | budget:resident=2GiB
            budget:resident=4096B                      | budget      | budget:resident=4KiB
            budget:resident=1000B                      | budget      | budget:resident=1000B
            refault-slo:target=0.2%/min,min=2,max=20   | refault-slo | refault-slo:target=0.2%/min,min=2,max=20
            refault-slo:max=30,target=1%/min           | refault-slo | refault-slo:target=1%/min,min=1,max=30
            refault-slo:target=0.2%/min                | refault-slo | refault-slo:target=0.2%/min,min=1,max=64
            """)
    void create_goodSpec_buildsTheNamedPolicy_withItsCanonicalSpec(String spec, String name, String canonical) {
        EvictionPolicy policy = Policies.create(spec);
        assertThat(policy.name()).isEqualTo(name);
        assertThat(policy.spec()).isEqualTo(canonical);
        assertThat(Policies.create(policy.spec()).spec()).as("canonical specs parse back").isEqualTo(canonical);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            "   "                                        | policy spec is empty
            :cycles=3                                    | no policy name before ':'
            idle-age                                     | idle-age needs parameter cycles=<1..255>
            idle-age:cycles=0                            | parameter 'cycles' must be an integer in 1..255, got '0'
            idle-age:cycles=three                        | parameter 'cycles' must be an integer in 1..255, got 'three'
            idle-age:cycle=3                             | unknown parameter 'cycle' for idle-age; expected cycles=<1..255>
            idle-age:cycles=3,cycles=4                   | parameter 'cycles' is given twice
            idle-age:cycles                              | 'cycles' is not a parameter; expected <key>=<value>
            idle-age:cycles=3,                           | '' is not a parameter; expected <key>=<value>
            budget:resident=40                           | parameter 'resident' must be a percentage like 40% (0..100) or a size like 512MiB (units B, KiB, MiB, GiB, TiB), got '40'
            budget:resident=140%                         | parameter 'resident' must be a percentage like 40%
            budget:resident=512MB                        | got '512MB'
            budget:resident=99999999999TiB               | got '99999999999TiB'
            budget:target=40%                            | unknown parameter 'target' for budget
            refault-slo:target=0.2%                      | parameter 'target' must be a rate like 0.2%/min (above 0, at most 100%/min), got '0.2%'
            refault-slo:target=0%/min                    | parameter 'target' must be a rate like 0.2%/min
            refault-slo:min=2                            | refault-slo needs parameter target=<percent>%/min
            refault-slo:target=0.2%/min,min=0            | parameter 'min' must be an integer in 1..255, got '0'
            refault-slo:target=0.2%/min,min=5,max=3      | parameter 'min' (5) must not exceed 'max' (3)
            """)
    void create_badSpec_failsWithAMessageNamingTheProblem(String spec, String message) {
        assertThatThrownBy(() -> Policies.create(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void create_badParameter_quotesTheWholeSpec() {
        assertThatThrownBy(() -> Policies.create("idle-age:cycles=0"))
                .hasMessageStartingWith("bad policy spec 'idle-age:cycles=0': ");
    }

    @Test
    void create_unknownPolicy_listsTheKnownOnes() {
        assertThatThrownBy(() -> Policies.create("lru:pages=10"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown policy 'lru' in spec 'lru:pages=10'; known policies: "
                        + "budget:resident=<percent like 40%, or size like 512MiB>, "
                        + "idle-age:cycles=<1..255>, "
                        + "refault-slo:target=<percent>%/min[,min=<1..255>][,max=<1..255>]");
    }

    @Test
    void create_returnsAFreshInstanceEachTime_becausePoliciesKeepPerVmState() {
        assertThat(Policies.create("refault-slo:target=0.2%/min"))
                .isNotSameAs(Policies.create("refault-slo:target=0.2%/min"));
    }

    @Test
    void policyConfig_badOverride_namesTheVmAtConstruction() {
        assertThatThrownBy(() -> new PolicyConfig("idle-age:cycles=3", Map.of("vm-7", "budget:resident=lots")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("policy override for VM 'vm-7': bad policy spec 'budget:resident=lots'");
        assertThatThrownBy(() -> PolicyConfig.of("idle-age")).hasMessageContaining("needs parameter cycles");
    }
}
