package io.coldtier.bus;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * Where the cluster is and how long a client may wait for it; everything else the bus sets itself.
 *
 * <p>Timeouts, so that a broker outage surfaces as an error within a bounded time:
 * <ul>
 *   <li>{@code deliveryTimeout} (default 15 s) is the producer's {@code delivery.timeout.ms}: a
 *       {@code send} whose record is not acknowledged by then fails. It is also the producer's
 *       {@code max.block.ms} (waiting for metadata of a topic it has not seen yet) and the
 *       consumer's {@code default.api.timeout.ms} (commitSync, position, endOffsets). So a send
 *       during an outage fails after about {@code deliveryTimeout}, at worst about twice that.</li>
 *   <li>{@code requestTimeout} (default 5 s) is {@code request.timeout.ms} of both clients. Kafka
 *       requires {@code delivery.timeout.ms >= linger.ms + request.timeout.ms}; the compact
 *       constructor checks it instead of letting the producer constructor fail later.</li>
 * </ul>
 *
 * @param bootstrapServers {@code host:port[,host:port...]}
 * @param clientIdPrefix   prefix of every {@code client.id}, so broker logs and metrics show who is who
 */
public record KafkaSettings(String bootstrapServers, String clientIdPrefix, Duration deliveryTimeout,
                            Duration requestTimeout) {
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** Small: events are batched by the callers already; this only coalesces bursts. */
    public static final int LINGER_MS = 5;
    public static final int MAX_POLL_RECORDS = 500;

    public KafkaSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(clientIdPrefix, "clientIdPrefix");
        Objects.requireNonNull(deliveryTimeout, "deliveryTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers is empty");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
        }
        if (deliveryTimeout.toMillis() < LINGER_MS + requestTimeout.toMillis()) {
            throw new IllegalArgumentException("deliveryTimeout (" + deliveryTimeout + ") must be at least linger.ms ("
                    + LINGER_MS + " ms) + requestTimeout (" + requestTimeout + "), as Kafka requires");
        }
    }

    public static KafkaSettings of(String bootstrapServers) {
        return of(bootstrapServers, "coldtier");
    }

    public static KafkaSettings of(String bootstrapServers, String clientIdPrefix) {
        return new KafkaSettings(bootstrapServers, clientIdPrefix, DEFAULT_DELIVERY_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
    }

    public KafkaSettings withTimeouts(Duration delivery, Duration request) {
        return new KafkaSettings(bootstrapServers, clientIdPrefix, delivery, request);
    }

    public String clientId(String name) {
        return clientIdPrefix + "-" + name;
    }

    /** acks=all, idempotent, byte[] key and value, bounded timeouts (see the class comment). */
    public Properties producerProps(String clientId) {
        Properties p = common(clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(LINGER_MS));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(deliveryTimeout.toMillis()));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(deliveryTimeout.toMillis()));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /**
     * Manual commits only (the bus commits what was acked), earliest reset, byte[] key and value,
     * {@value #MAX_POLL_RECORDS} records per poll. A null {@code groupId} gives a group-less
     * consumer (assign mode, nothing committed).
     */
    public Properties consumerProps(String groupId, String clientId) {
        Properties p = common(clientId);
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(MAX_POLL_RECORDS));
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(deliveryTimeout.toMillis()));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    /** Properties for an {@code Admin} client. */
    public Properties adminProps(String clientId) {
        Properties p = common(clientId);
        p.put("default.api.timeout.ms", String.valueOf(deliveryTimeout.toMillis()));
        return p;
    }

    private Properties common(String clientId) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("client.id", clientId(clientId));
        p.put("request.timeout.ms", String.valueOf(requestTimeout.toMillis()));
        return p;
    }
}
