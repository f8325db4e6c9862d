package io.coldtier.bus;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Small builders shared by the integration tests. */
final class Records {
    private Records() {
    }

    static NewTopic topic(String name, int partitions) {
        return new NewTopic(name, partitions, (short) 1);
    }

    static ProducerRecord<byte[], byte[]> rec(String topic, Integer partition, String key, String value) {
        return new ProducerRecord<>(topic, partition, key == null ? null : bytes(key), bytes(value));
    }

    /** {@code n} records {@code v0..v<n-1>} to one partition, keys {@code k0..}. */
    static List<ProducerRecord<byte[], byte[]>> numbered(String topic, Integer partition, int n) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(rec(topic, partition, "k" + i, "v" + i));
        }
        return out;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
