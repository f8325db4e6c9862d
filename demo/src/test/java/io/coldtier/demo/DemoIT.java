package io.coldtier.demo;

import io.coldtier.linux.KernelTests;
import io.coldtier.report.RunRecording;
import io.coldtier.vmm.kvm.KvmGuest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code coldtier demo} end to end, in this JVM, shortened: embedded broker, tier-store, evictor and agent host here,
 * the VMM as a child JVM with a 192 MiB KVM guest (threads where KVM is unusable) that runs 4 s untracked before the
 * hand-over and again after the run (the baseline), and 25 s tracked. The run must end cleanly with zero lost writes,
 * having evicted and refaulted pages, and leave the report and the summary behind.
 */
@Tag("e2e")
@Tag("kafka")
@Tag("kernel")
@Timeout(150)
class DemoIT {
    @Test
    void shortDemo_runsToTheEnd_evictsAndRefaults_withZeroLostWrites_andWritesTheReport(@TempDir Path dir)
            throws Exception {
        KernelTests.assumeUserfaultfd();
        String guest = KvmGuest.available().usable() ? "kvm" : "threads";
        // A hot set of 5 % with 1/1024 of the operations going anywhere: cold pages are touched now and then, so
        // some evicted pages come back (refaults) within 20 s, and the phase change brings back a whole hot set.
        DemoConfig config = DemoConfig.defaults().withGuest(guest).withGuestSize(192L << 20).withHotSet(0.05,
                        1023 / 1024.0).withDuration(Duration.ofSeconds(25)).withBaseline(Duration.ofSeconds(4))
                .withPolicy("idle-age:cycles=2").withOutput(dir.resolve("report")).withPlainView(true);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Demo.Result result;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            result = Demo.run(config, new Tee(out, System.out));
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        RunRecording.Outcome o = result.recording().outcome();

        assertThat(result.exitCode()).as("exit code; outcome %s", o).isZero();
        assertThat(o.lostWrites()).as("lost writes").isZero();
        assertThat(o.verifyFailures()).as("pages failing the final verification").isZero();
        assertThat(o.cleanStop()).isTrue();
        assertThat(o.evictions()).as("pages evicted").isPositive();
        assertThat(o.refaults()).as("refaults served").isPositive();
        assertThat(o.evictedFraction()).isPositive();
        assertThat(result.recording().baseline().opsPerSecond()).as("baseline ops/s").isPositive();
        assertThat(o.guestOpsPerSecond()).as("tracked ops/s").isPositive();
        // A cycle waits while a large eviction waits for its Kafka acks (the engine's lock): on a loaded host the
        // eviction of what the init has not touched yet can hold one cycle for ~10 s, so fewer than 25 cycles.
        assertThat(result.recording().cycles()).as("cycles sampled").hasSizeGreaterThanOrEqualTo(5);
        assertThat(result.recording().heatmap().accessed().length).isEqualTo(result.recording().heatmap().cycles().length);
        assertThat(result.recording().decisions()).as("policy decisions with evidence").isNotEmpty()
                .allSatisfy(d -> assertThat(d.evidence()).contains("page ages"));
        assertThat(result.recording().refaultLatency().total()).isPositive();
        assertThat(printed).as("plain live view: one line per cycle").contains("cycle=3 ").contains("lost_writes=0")
                .contains("demo finished:");
        assertThat(result.files().html()).exists().isNotEmptyFile();
        assertThat(result.files().summaryJson()).exists();
        assertThat(Files.readString(result.files().summaryJson())).contains("\"lost_writes\"");
        assertThat(dir.resolve("report").resolve("vmm.log")).exists();
    }

    /** Prints to the captured stream and to the test's output. */
    private static final class Tee extends PrintStream {
        private final PrintStream second;

        Tee(PrintStream first, PrintStream second) {
            super(first, true, StandardCharsets.UTF_8);
            this.second = second;
        }

        @Override
        public void write(byte[] buf, int off, int len) {
            super.write(buf, off, len);
            second.write(buf, off, len);
        }

        @Override
        public void flush() {
            super.flush();
            second.flush();
        }
    }
}
