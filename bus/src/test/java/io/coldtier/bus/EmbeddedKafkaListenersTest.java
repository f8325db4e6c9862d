package io.coldtier.bus;

import io.coldtier.bus.EmbeddedKafka.Listeners;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fixed-address settings of {@link EmbeddedKafka#start(java.nio.file.Path, Listeners)}; no broker is started. */
@Tag("unit")
class EmbeddedKafkaListenersTest {
    @Test
    void listeners_acceptBindAllAndAnAdvertisedName() {
        Listeners l = new Listeners("0.0.0.0", 9092, 9093, "broker", 9092);
        assertThat(l.advertisedHost()).isEqualTo("broker");
        assertThat(l.port()).isEqualTo(9092);
    }

    @Test
    void listeners_rejectSamePortForClientsAndController() {
        assertThatThrownBy(() -> new Listeners("0.0.0.0", 9092, 9092, "broker", 9092))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both 9092");
    }

    @Test
    void listeners_rejectPortsOutOfRangeAndBlankHosts() {
        assertThatThrownBy(() -> new Listeners("0.0.0.0", 0, 9093, "broker", 9092))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        assertThatThrownBy(() -> new Listeners("0.0.0.0", 9092, 9093, " ", 9092))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ephemeralLoopback_advertisesLocalhostOnTheListenedPort() {
        Listeners l = Listeners.ephemeralLoopback();
        assertThat(l.advertisedHost()).isEqualTo("localhost");
        assertThat(l.advertisedPort()).isEqualTo(l.port());
        assertThat(l.controllerPort()).isNotEqualTo(l.port());
    }
}
