package io.coldtier.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every historical version and the current one can read each other, so producers and consumers upgrade in any order. */
@Tag("unit")
@Timeout(30)
class SchemaCompatibilityTest {
    /** Surefire runs with the module directory as working directory. */
    static final Path HISTORY_DIR = Path.of("src/main/resources/io/coldtier/schemas/history");

    static List<String> historyFiles() {
        return SchemaHistory.fileNames();
    }

    static Schema current(Schema old) {
        return Codec.recordTypes().stream()
                .map(SchemaCompatibilityTest::schemaOf)
                .filter(s -> s.getFullName().equals(old.getFullName()))
                .findFirst().orElseThrow(() -> new AssertionError("no current type for " + old.getFullName()));
    }

    static Schema schemaOf(Class<? extends SpecificRecord> type) {
        try {
            return (Schema) type.getMethod("getClassSchema").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("historyFiles")
    void currentReader_readsHistoricalWriter(String file) {
        Schema old = SchemaHistory.parse(file);

        var result = SchemaCompatibility.checkReaderWriterCompatibility(current(old), old);

        assertThat(result.getType()).as(result.getDescription()).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("historyFiles")
    void historicalReader_readsCurrentWriter(String file) {
        Schema old = SchemaHistory.parse(file);

        var result = SchemaCompatibility.checkReaderWriterCompatibility(old, current(old));

        assertThat(result.getType()).as(result.getDescription()).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @Test
    void historyIndex_listsExactlyTheFilesInTheHistoryDirectory() throws IOException {
        List<String> onDisk;
        try (Stream<Path> files = Files.list(HISTORY_DIR)) {
            onDisk = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".avsc")).sorted().toList();
        }

        assertThat(historyFiles()).isNotEmpty().containsExactlyInAnyOrderElementsOf(onDisk);
    }

    @Test
    void knownSchemas_haveDistinctFingerprints() {
        assertThat(Codec.knownSchemas().stream().map(Codec::fingerprint).distinct())
                .hasSize(Codec.knownSchemas().size());
    }
}
