package io.coldtier.trace;

import io.coldtier.schemas.Codec;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.ScanResult;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;

/**
 * The portable trace file: an Avro object container file whose schema is the union
 * {@code [ScanResult, FaultEvent]} (both record schemas embedded in the header, so any Avro reader can
 * open it without coldtier), compressed per block with zstandard (default) or deflate, records in
 * {@link TraceRecord#ORDER}. Header metadata {@code coldtier.trace.*} says where and how it was made.
 *
 * <p>A record read back gets the position {@code (file name, 0, index in file)}; its original Kafka
 * position is not kept (an import assigns new offsets anyway).
 */
public final class TraceFile {
    /** The file schema: one record is a scan or a fault. */
    public static final Schema SCHEMA = Schema.createUnion(ScanResult.getClassSchema(), FaultEvent.getClassSchema());
    public static final String META_PREFIX = "coldtier.trace.";

    static {
        Codec.schemaStore();   // registers the generated classes with Avro's class allow-list
    }

    private TraceFile() {
    }

    /** Block compression of a trace file. */
    public enum Compression {
        ZSTD, DEFLATE, NONE;

        CodecFactory factory() {
            return switch (this) {
                case ZSTD -> CodecFactory.zstandardCodec(3);
                case DEFLATE -> CodecFactory.deflateCodec(6);
                case NONE -> CodecFactory.nullCodec();
            };
        }

        public static Compression parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "zstd", "zstandard" -> ZSTD;
                case "deflate" -> DEFLATE;
                case "none", "null" -> NONE;
                default -> throw new IllegalArgumentException("unknown compression '" + s + "': zstd, deflate or none");
            };
        }
    }

    /** Writes records in the order given (callers give {@link TraceRecord#ORDER}). */
    public static final class Writer implements AutoCloseable, Consumer<TraceRecord> {
        private final DataFileWriter<Object> out;
        private final Path path;
        private long scans;
        private long faults;

        private Writer(Path path, Compression compression, Map<String, String> meta) throws IOException {
            this.path = path;
            this.out = new DataFileWriter<>(new SpecificDatumWriter<>(SCHEMA));
            out.setCodec(compression.factory());
            meta.forEach((k, v) -> out.setMeta(META_PREFIX + k, v));
            out.create(SCHEMA, path.toFile());
        }

        @Override
        public void accept(TraceRecord r) {
            try {
                switch (r) {
                    case TraceRecord.Scan s -> {
                        out.append(s.value());
                        scans++;
                    }
                    case TraceRecord.Fault f -> {
                        out.append(f.value());
                        faults++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write trace " + path, e);
            }
        }

        public long scans() {
            return scans;
        }

        public long faults() {
            return faults;
        }

        @Override
        public void close() {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close trace " + path, e);
            }
        }
    }

    public static Writer writer(Path path, Compression compression, Map<String, String> meta) {
        try {
            return new Writer(path, compression, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create trace " + path, e);
        }
    }

    /** Writes all {@code records} (sorted into trace order first). */
    public static void write(Path path, List<TraceRecord> records, Compression compression, Map<String, String> meta) {
        List<TraceRecord> sorted = new ArrayList<>(records);
        sorted.sort(TraceRecord.ORDER);
        try (Writer w = writer(path, compression, meta)) {
            sorted.forEach(w);
        }
    }

    /** Streams a trace file's records; iterate once, then close. */
    public static final class Reader implements AutoCloseable, Iterable<TraceRecord> {
        private final DataFileReader<Object> in;
        private final Path path;
        private final String source;

        private Reader(Path path) throws IOException {
            this.path = path;
            this.source = path.getFileName().toString();
            this.in = new DataFileReader<>(path.toFile(), new SpecificDatumReader<>(SCHEMA));
        }

        /** The {@code coldtier.trace.*} header entries, without the prefix. */
        public Map<String, String> meta() {
            Map<String, String> m = new LinkedHashMap<>();
            for (String k : in.getMetaKeys()) {
                if (k.startsWith(META_PREFIX)) {
                    m.put(k.substring(META_PREFIX.length()), new String(in.getMeta(k), StandardCharsets.UTF_8));
                }
            }
            return m;
        }

        /** The compression codec named in the header ({@code avro.codec}). */
        public String codec() {
            String c = in.getMetaString("avro.codec");
            return c == null ? "null" : c;
        }

        @Override
        public Iterator<TraceRecord> iterator() {
            return new Iterator<>() {
                private long index;

                @Override
                public boolean hasNext() {
                    return in.hasNext();
                }

                @Override
                public TraceRecord next() {
                    if (!in.hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return TraceRecord.of(in.next(), new TraceRecord.Position(source, 0, index++));
                }
            };
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close trace " + path, e);
            }
        }
    }

    public static Reader reader(Path path) {
        try {
            return new Reader(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open trace " + path + ": " + e.getMessage(), e);
        }
    }

    /** Reads a whole trace file into memory. */
    public static List<TraceRecord> readAll(Path path) {
        List<TraceRecord> out = new ArrayList<>();
        try (Reader r = reader(path)) {
            r.forEach(out::add);
        }
        return out;
    }
}
