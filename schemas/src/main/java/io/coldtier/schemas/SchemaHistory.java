package io.coldtier.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Earlier versions of the record schemas, kept so that records written by older (or read by newer) producers still
 * resolve. They live as resources under {@value #DIR}, listed one file name per line in {@value #INDEX} (a jar cannot
 * be listed portably, and the index makes adding a version a data change, not a code change).
 *
 * <p>Each file is self-contained (named types it uses, such as enums, are defined inline) and has the same full name
 * as the current record it precedes.
 */
final class SchemaHistory {
    static final String DIR = "/io/coldtier/schemas/history/";
    static final String INDEX = DIR + "INDEX";

    private SchemaHistory() {
    }

    /** File names listed in the index, in order; blank lines and {@code #} comments skipped. */
    static List<String> fileNames() {
        List<String> names = new ArrayList<>();
        try (InputStream in = open(INDEX);
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                String name = line.strip();
                if (!name.isEmpty() && !name.startsWith("#")) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + INDEX, e);
        }
        return List.copyOf(names);
    }

    /** Every historical schema, parsed, in index order. */
    static List<Schema> load() {
        return fileNames().stream().map(SchemaHistory::parse).toList();
    }

    static Schema parse(String fileName) {
        try (InputStream in = open(DIR + fileName)) {
            // A fresh parser per file: versions share full names, which one parser would reject as redefinitions.
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DIR + fileName, e);
        } catch (SchemaParseException e) {
            throw new IllegalStateException("invalid schema " + DIR + fileName + ": " + e.getMessage(), e);
        }
    }

    private static InputStream open(String resource) {
        InputStream in = SchemaHistory.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("missing resource " + resource);
        }
        return in;
    }
}
