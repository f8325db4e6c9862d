package io.coldtier.cli;

import io.coldtier.linux.UffdFeature;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code coldtier probe} on the real kernel. Assumes a stock kernel >= 6.7 where this process can
 * create a full userfaultfd (root, vm.unprivileged_userfaultfd=1 or /dev/userfaultfd access).
 */
@Tag("kernel")
@Timeout(60)
class ProbeCommandIT {
    /** Every UFFD_FEATURE_* bit up to MOVE (bit 16): what stock 6.8+ kernels offer. */
    private static final long STOCK_FEATURES = 0x1ffffL;

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static JsonNode backend(JsonNode probe, String backend, String memory) {
        return probe.get("backends").valueStream()
                .filter(b -> b.get("backend").asString().equals(backend) && b.get("memory").asString().equals(memory))
                .findFirst().orElseThrow(() -> new AssertionError("no " + backend + "/" + memory + " in " + probe));
    }

    @Test
    void probeJson_onThisKernel_reportsStockFeaturesAndBackends() {
        Run r = run("probe", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode probe = JsonMapper.builder().build().readTree(r.out());

        long features = probe.get("features").asLong();
        assertEquals(STOCK_FEATURES, features & STOCK_FEATURES, "features " + probe.get("featuresHex"));

        boolean kernelHasRwp = (features & UffdFeature.RWP) != 0;
        JsonNode rwpAnon = backend(probe, "RWP", "ANON");
        if (!kernelHasRwp) {
            assertFalse(rwpAnon.get("available").asBoolean(), rwpAnon.toString());
        }
        JsonNode zapShmem = backend(probe, "ZAP", "SHMEM");
        assertTrue(zapShmem.get("available").asBoolean(), zapShmem.toString());
    }

    @Test
    void probeText_onThisKernel_printsBackendMatrixAndExitsZero() {
        Run r = run("probe");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("tracking backends"), r.out());
        assertTrue(r.out().contains("  zap  shmem/memfd  yes"), r.out());
    }
}
