package io.coldtier.bus;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(10)
class KafkaSettingsTest {
    private final KafkaSettings settings = KafkaSettings.of("localhost:9092", "ct");

    @Test
    void producerProps_areDurableIdempotentAndBounded() {
        Properties p = settings.producerProps("evictor");
        assertThat(p).containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true")
                .containsEntry("client.id", "ct-evictor")
                .containsEntry("delivery.timeout.ms", "15000")
                .containsEntry("max.block.ms", "15000")
                .containsEntry("request.timeout.ms", "5000")
                .containsEntry("linger.ms", "5")
                .containsEntry("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    }

    @Test
    void consumerProps_commitManuallyFromEarliest() {
        Properties p = settings.consumerProps("g1", "scanner");
        assertThat(p).containsEntry("group.id", "g1")
                .containsEntry("enable.auto.commit", "false")
                .containsEntry("auto.offset.reset", "earliest")
                .containsEntry("max.poll.records", "500")
                .containsEntry("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    }

    @Test
    void consumerProps_withoutGroup_haveNoGroupId() {
        assertThat(settings.consumerProps(null, "replay")).doesNotContainKey("group.id");
    }

    @Test
    void withTimeouts_changesBothClients() {
        KafkaSettings s = settings.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(2));
        assertThat(s.producerProps("p")).containsEntry("delivery.timeout.ms", "5000")
                .containsEntry("request.timeout.ms", "2000");
        assertThat(s.consumerProps("g", "c")).containsEntry("default.api.timeout.ms", "5000");
    }

    @Test
    void deliveryTimeoutShorterThanLingerPlusRequestTimeout_isRejectedUpFront() {
        assertThatThrownBy(() -> settings.withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("linger.ms");
    }

    @Test
    void blankBootstrapServers_isRejected() {
        assertThatThrownBy(() -> KafkaSettings.of(" ")).isInstanceOf(IllegalArgumentException.class);
    }
}
