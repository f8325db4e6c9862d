package io.coldtier.schemas;

import org.apache.avro.specific.SpecificRecord;

/**
 * Outcome of {@link Codec#decode(byte[])}: bad input on a topic is an expected result (it goes to the dead-letter
 * topic), not an exception.
 */
public sealed interface Decoded {
    /** The value decoded into the current generated class of its schema's full name. */
    record Ok(SpecificRecord record) implements Decoded {
        public Ok {
            if (record == null) {
                throw new IllegalArgumentException("record must not be null");
            }
        }
    }

    /** The value could not be decoded; {@code reason} says why, specifically enough to act on. */
    record Failed(String reason) implements Decoded {
        public Failed {
            if (reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("reason must not be blank");
            }
        }
    }
}
