package io.coldtier.schemas;

import io.coldtier.schemas.avro.DeadLetter;
import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.PageDropped;
import io.coldtier.schemas.avro.PageOut;
import io.coldtier.schemas.avro.PageStored;
import io.coldtier.schemas.avro.ScanResult;
import io.coldtier.schemas.avro.VmRegistration;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Encodes and decodes every topic's records as self-describing bytes: Avro single-object encoding, i.e. the marker
 * {@code C3 01}, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer's schema (its Parsing Canonical Form,
 * so docs and properties do not change it), then the Avro binary body.
 *
 * <p>The fingerprint names the writer schema; the reader schema is the current generated class with the same full
 * name. Every current schema and every historical one ({@link SchemaHistory}) is in one {@link SchemaStore.Cache},
 * so a record written with an older or newer version of a schema we know resolves by Avro's schema-resolution rules.
 * A fingerprint that is not in the store cannot be decoded: register the writer's version in {@code history/}.
 *
 * <p>{@link #decode(byte[])} never throws on bad input; it returns {@link Decoded.Failed} with a specific reason.
 * All methods are thread-safe (Avro's message encoders and decoders keep their buffers per thread).
 */
public final class Codec {
    /** Avro single-object encoding marker, {@code C3 01}. */
    private static final byte MAGIC_0 = (byte) 0xC3;
    private static final byte MAGIC_1 = 0x01;
    private static final int HEADER_LENGTH = 10;

    /**
     * Every known writer schema. Declared before TYPES: the decoders keep a reference to it and look writer schemas
     * up lazily, on the first record with a fingerprint they have not seen.
     */
    private static final SchemaStore.Cache STORE = new SchemaStore.Cache();

    private static final List<RecordType<?>> TYPES = List.of(
            new RecordType<>(VmRegistration.class, VmRegistration.getClassSchema(),
                    VmRegistration.getEncoder(), VmRegistration.createDecoder(STORE)),
            new RecordType<>(ScanResult.class, ScanResult.getClassSchema(),
                    ScanResult.getEncoder(), ScanResult.createDecoder(STORE)),
            new RecordType<>(FaultEvent.class, FaultEvent.getClassSchema(),
                    FaultEvent.getEncoder(), FaultEvent.createDecoder(STORE)),
            new RecordType<>(EvictCommand.class, EvictCommand.getClassSchema(),
                    EvictCommand.getEncoder(), EvictCommand.createDecoder(STORE)),
            new RecordType<>(PageOut.class, PageOut.getClassSchema(),
                    PageOut.getEncoder(), PageOut.createDecoder(STORE)),
            new RecordType<>(PageStored.class, PageStored.getClassSchema(),
                    PageStored.getEncoder(), PageStored.createDecoder(STORE)),
            new RecordType<>(PageDropped.class, PageDropped.getClassSchema(),
                    PageDropped.getEncoder(), PageDropped.createDecoder(STORE)),
            new RecordType<>(DeadLetter.class, DeadLetter.getClassSchema(),
                    DeadLetter.getEncoder(), DeadLetter.createDecoder(STORE)));

    private static final Map<Class<?>, RecordType<?>> BY_CLASS = new HashMap<>();
    /** Fingerprint of every known writer schema → the type that reads it. */
    private static final Map<Long, RecordType<?>> BY_FINGERPRINT = new HashMap<>();
    private static final List<Schema> KNOWN = new ArrayList<>();

    /** Exactly the generated classes (records, nested records, enums) of the topic record types. */
    static final ClassSecurityValidator.ClassSecurityPredicate GENERATED_CLASSES;

    static {
        GENERATED_CLASSES = trustGeneratedClasses();
        Map<String, RecordType<?>> byName = new LinkedHashMap<>();
        for (RecordType<?> t : TYPES) {
            BY_CLASS.put(t.type(), t);
            byName.put(t.schema().getFullName(), t);
            register(t.schema(), t, "current " + t.schema().getFullName());
        }
        for (String file : SchemaHistory.fileNames()) {
            Schema old = SchemaHistory.parse(file);
            RecordType<?> t = byName.get(old.getFullName());
            if (t == null) {
                throw new IllegalStateException("history/" + file + " is " + old.getFullName()
                        + ", which is not a current record type " + byName.keySet());
            }
            register(old, t, "history/" + file);
        }
    }

    private Codec() {
    }

    /**
     * Avro 1.12 refuses to instantiate any class it has not been told to trust (CVE-2024-47561 hardening); without
     * {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.coldtier.schemas.avro} every decode of a generated class
     * fails with "Forbidden ... not trusted", which would look like bad input and dead-letter every record. So the
     * codec adds its own generated classes, by exact name and nothing else, to the global validator (composites
     * trust a class if any member does, so whatever was trusted before still is).
     */
    private static ClassSecurityValidator.ClassSecurityPredicate trustGeneratedClasses() {
        Set<String> names = new TreeSet<>();
        for (RecordType<?> t : TYPES) {
            collectNamedTypes(t.schema(), names);
        }
        ClassSecurityValidator.Builder trusted = ClassSecurityValidator.builder();
        names.forEach(trusted::add);
        ClassSecurityValidator.ClassSecurityPredicate predicate = trusted.build();
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), predicate));
        return predicate;
    }

    private static void collectNamedTypes(Schema schema, Set<String> names) {
        switch (schema.getType()) {
            case RECORD -> {
                if (names.add(schema.getFullName())) {
                    schema.getFields().forEach(f -> collectNamedTypes(f.schema(), names));
                }
            }
            case ENUM, FIXED -> names.add(schema.getFullName());
            case ARRAY -> collectNamedTypes(schema.getElementType(), names);
            case MAP -> collectNamedTypes(schema.getValueType(), names);
            case UNION -> schema.getTypes().forEach(u -> collectNamedTypes(u, names));
            default -> {
                // primitives: nothing to trust
            }
        }
    }

    private static void register(Schema schema, RecordType<?> reader, String origin) {
        long fp = fingerprint(schema);
        if (BY_FINGERPRINT.containsKey(fp)) {
            // Same canonical form twice (e.g. a history file that only differs in docs): it adds nothing and
            // would make the count of known schemas a lie.
            throw new IllegalStateException(origin + " has the same fingerprint " + hex(fp)
                    + " as an already known schema; delete it");
        }
        BY_FINGERPRINT.put(fp, reader);
        STORE.addSchema(schema);
        KNOWN.add(schema);
    }

    /**
     * Encodes a record of one of the topic record types in its current schema.
     *
     * @throws SchemaException if the type is not a topic record type or the record violates its schema (a null in a
     *                         non-nullable field)
     */
    public static byte[] encode(SpecificRecord record) {
        if (record == null) {
            throw new SchemaException("cannot encode null (a tombstone has no value: send null, not an encoding)");
        }
        RecordType<?> t = BY_CLASS.get(record.getClass());
        if (t == null) {
            throw new SchemaException("cannot encode " + record.getClass().getName()
                    + ": not one of the topic record types " + recordTypes().stream().map(Class::getSimpleName).toList());
        }
        return t.encode(record);
    }

    /** Decodes a value; never throws on bad input. */
    public static Decoded decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return new Decoded.Failed("empty value");
        }
        if (bytes[0] != MAGIC_0 || bytes.length < 2 || bytes[1] != MAGIC_1) {
            return new Decoded.Failed("not Avro single-object encoding (bad magic 0x" + hexPrefix(bytes, 2)
                    + ", expected 0xC301)");
        }
        if (bytes.length < HEADER_LENGTH) {
            return new Decoded.Failed("truncated Avro single-object header: " + bytes.length
                    + " bytes, need " + HEADER_LENGTH + " (marker and 8-byte fingerprint)");
        }
        long fp = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        RecordType<?> t = BY_FINGERPRINT.get(fp);
        if (t == null) {
            return new Decoded.Failed("unknown schema fingerprint " + hex(fp)
                    + " (not one of " + KNOWN.size() + " known schemas)");
        }
        return t.decode(bytes);
    }

    /**
     * Decodes a value that must be of the given type.
     *
     * @throws SchemaException with the same reason {@link #decode(byte[])} would give, or naming both types if the
     *                         value is a different record
     */
    public static <T extends SpecificRecord> T decode(byte[] bytes, Class<T> type) {
        return switch (decode(bytes)) {
            case Decoded.Failed(String reason) -> throw new SchemaException(reason);
            case Decoded.Ok(SpecificRecord r) when type.isInstance(r) -> type.cast(r);
            case Decoded.Ok(SpecificRecord r) -> throw new SchemaException(
                    "expected " + type.getSimpleName() + " but got " + r.getClass().getSimpleName());
        };
    }

    /** The record types this codec encodes, one per topic value type. */
    public static List<Class<? extends SpecificRecord>> recordTypes() {
        return TYPES.stream().<Class<? extends SpecificRecord>>map(RecordType::type).toList();
    }

    /** Every schema a decoded value may have been written with: current ones first, then history. */
    public static List<Schema> knownSchemas() {
        return List.copyOf(KNOWN);
    }

    /** The known writer schema with this fingerprint. */
    public static Optional<Schema> schemaFor(long fingerprint) {
        return Optional.ofNullable(STORE.findByFingerprint(fingerprint));
    }

    /** A read-only view of the schema store, for decoders outside this class (e.g. generic readers in tools). */
    public static SchemaStore schemaStore() {
        return STORE::findByFingerprint;
    }

    /** CRC-64-AVRO of the schema's Parsing Canonical Form: what single-object encoding writes in the header. */
    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    private static String hex(long fingerprint) {
        return String.format("0x%016X", fingerprint);
    }

    private static String hexPrefix(byte[] bytes, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(n, bytes.length); i++) {
            s.append(String.format("%02X", bytes[i]));
        }
        return s.toString();
    }

    /**
     * The root cause's message (Avro wraps the useful one in "Decoding datum failed"), or its class name when it has
     * none; an EOFException has none and means the bytes ended inside the record.
     */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (message != null && !message.isBlank()) {
            return message;
        }
        return root instanceof EOFException
                ? "truncated: the bytes end inside the record (EOFException)"
                : root.getClass().getSimpleName();
    }

    /**
     * One topic record type.
     *
     * @param decoder the generated {@code createDecoder(store)}, i.e. {@code BinaryMessageDecoder(MODEL$, SCHEMA$,
     *                store)}: the class's own model, with its logical-type conversions (timestamp-micros → Instant),
     *                and the current schema as reader schema
     */
    private record RecordType<T extends SpecificRecord>(Class<T> type, Schema schema,
                                                         BinaryMessageEncoder<T> encoder,
                                                         BinaryMessageDecoder<T> decoder) {
        byte[] encode(SpecificRecord record) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(128);
            try {
                encoder.encode(type.cast(record), out);
            } catch (IOException | RuntimeException e) {
                throw new SchemaException("cannot encode " + type.getSimpleName() + ": " + describe(e), e);
            }
            return out.toByteArray();
        }

        Decoded decode(byte[] bytes) {
            // A direct (unbuffered) decoder reads from the stream only what the record needs, so what is left
            // afterwards is trailing garbage: a record followed by junk is not a valid value.
            ByteArrayInputStream in = new ByteArrayInputStream(bytes);
            T record;
            try {
                record = decoder.decode(in, null);
            } catch (IOException | RuntimeException e) {
                // RuntimeException: Avro reports corrupt input as AvroRuntimeException, AvroTypeException,
                // SystemLimitException, NegativeArraySizeException, ArrayIndexOutOfBoundsException...
                return new Decoded.Failed("malformed Avro for " + type.getSimpleName() + ": " + describe(e));
            }
            if (in.available() > 0) {
                return new Decoded.Failed("malformed Avro for " + type.getSimpleName() + ": "
                        + in.available() + " trailing bytes after the record");
            }
            return new Decoded.Ok(record);
        }
    }
}
