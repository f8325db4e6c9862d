package io.coldtier.schemas;

import io.coldtier.schemas.avro.AgeBucket;
import io.coldtier.schemas.avro.Compression;
import io.coldtier.schemas.avro.DropReason;
import io.coldtier.schemas.avro.FaultKind;
import io.coldtier.schemas.avro.RegionInfo;
import io.coldtier.schemas.avro.VmState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Codec works in a JVM started without -Dorg.apache.avro.SERIALIZABLE_PACKAGES (Avro's class allow-list). */
@Tag("unit")
@Timeout(30)
class CodecTrustTest {

    @Test
    void generatedClasses_areTrusted_nestedTypesAndEnumsIncluded_andNothingElse() {
        for (Class<?> c : List.of(AgeBucket.class, RegionInfo.class, Compression.class, DropReason.class,
                FaultKind.class, VmState.class)) {
            assertThat(Codec.GENERATED_CLASSES.isTrusted(c)).as(c.getName()).isTrue();
        }
        for (Class<? extends org.apache.avro.specific.SpecificRecord> c : Codec.recordTypes()) {
            assertThat(Codec.GENERATED_CLASSES.isTrusted(c)).as(c.getName()).isTrue();
        }
        assertThat(Codec.GENERATED_CLASSES.isTrusted(File.class)).isFalse();
        assertThat(Codec.GENERATED_CLASSES.isTrusted(Codec.class)).isFalse();
    }

    @Test
    void decode_inAJvmWithoutTheAllowListProperty_stillDecodesEveryRecordType()
            throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                RoundTripWithoutAllowList.class.getName())
                .redirectErrorStream(true)
                .start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(child.waitFor()).as(output).isZero();
        assertThat(output).contains("decoded " + Fixtures.everyRecordType().size() + " records");
    }

    /** Runs in the child JVM: no system properties, only the class path. */
    static final class RoundTripWithoutAllowList {
        public static void main(String[] args) {
            if (System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") != null) {
                throw new IllegalStateException("the child JVM must run without the allow-list property");
            }
            int n = 0;
            for (var record : Fixtures.everyRecordType()) {
                Decoded d = Codec.decode(Codec.encode(record));
                if (!(d instanceof Decoded.Ok(var back)) || !back.equals(record)) {
                    System.out.println("FAILED " + record.getClass().getSimpleName() + ": " + d);
                    System.exit(1);
                }
                n++;
            }
            System.out.println("decoded " + n + " records");
        }
    }
}
