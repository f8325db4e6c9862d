package io.coldtier.cli;

import io.coldtier.linux.BackendDecision;
import io.coldtier.linux.KernelCapabilities;
import io.coldtier.linux.KernelCapabilities.Creation;
import io.coldtier.linux.KernelCapabilities.HugePages;
import io.coldtier.linux.KernelCapabilities.Kvm;
import io.coldtier.linux.KernelCapabilities.Privilege;
import io.coldtier.linux.UffdFeature;
import io.coldtier.linux.UffdIoctl;
import io.coldtier.linux.UffdOpenMode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe's renderings for a stock 6.18 kernel (features 0x1ffff: no RWP), built by hand. */
@Tag("unit")
@Timeout(30)
class ProbeReportTest {
    private static final long STOCK_FEATURES = 0x1ffffL;
    /** UFFDIO_REGISTER, UFFDIO_UNREGISTER and UFFDIO_API, as UFFDIO_API reports them. */
    private static final long API_IOCTLS = 0x8000000000000003L;

    private static KernelCapabilities stockKernel() {
        String detail = "features=0x1ffff";
        return new KernelCapabilities("6.18.44-test", STOCK_FEATURES, UffdFeature.names(STOCK_FEATURES),
                API_IOCTLS, UffdIoctl.names(API_IOCTLS),
                List.of(new Creation(UffdOpenMode.SYSCALL, true, detail),
                        new Creation(UffdOpenMode.SYSCALL_USER_MODE_ONLY, true, detail),
                        new Creation(UffdOpenMode.DEV_USERFAULTFD, true, detail)),
                new Privilege(true, 0, true), true, false, new HugePages(2048, 0, 0),
                new Kvm(true, true, 12, "KVM API version 12"),
                BackendDecision.decide(STOCK_FEATURES, null, true, false));
    }

    /**
     * The row for {@code backend}/{@code memory} with its wrapped continuation lines joined and
     * whitespace collapsed, so assertions don't depend on where the reason wraps.
     */
    private static String backendRow(String text, String backend, String memory) {
        List<String> lines = text.lines().toList();
        String head = "  " + backend + " ";
        for (int i = 0; i < lines.size(); i++) {
            String[] cols = lines.get(i).trim().split(" +");
            if (lines.get(i).startsWith(head) && cols.length > 1 && cols[1].equals(memory)) {
                List<String> row = new ArrayList<>(List.of(lines.get(i)));
                for (int j = i + 1; j < lines.size() && lines.get(j).startsWith("       "); j++) {
                    row.add(lines.get(j));
                }
                return String.join(" ", row).trim().replaceAll(" +", " ");
            }
        }
        throw new AssertionError("no row for " + backend + " " + memory + " in:\n" + text);
    }

    @Test
    void text_showsFeatureWordInHex() {
        assertTrue(ProbeReport.text(stockKernel()).contains("0x1ffff"));
    }

    @Test
    void text_listsEveryOfferedFeatureName() {
        String text = ProbeReport.text(stockKernel());
        for (String name : UffdFeature.names(STOCK_FEATURES)) {
            assertTrue(text.contains(name), name + " missing from:\n" + text);
        }
    }

    @Test
    void text_rwpRows_sayNoAndNameBothMissingBits() {
        String text = ProbeReport.text(stockKernel());
        for (String memory : List.of("anon", "shmem/memfd", "hugetlbfs")) {
            String row = backendRow(text, "rwp", memory);
            assertTrue(row.startsWith("rwp " + memory + " no "), row);
            assertTrue(row.contains("UFFD_FEATURE_RWP (bit 17)"), row);
            assertTrue(row.contains("UFFD_FEATURE_RWP_ASYNC (bit 18)"), row);
        }
    }

    @Test
    void text_zapRows_yesForShmemAndHugetlbfs_noForAnon() {
        String text = ProbeReport.text(stockKernel());
        assertTrue(backendRow(text, "zap", "shmem/memfd").startsWith("zap shmem/memfd yes "), text);
        assertTrue(backendRow(text, "zap", "hugetlbfs").startsWith("zap hugetlbfs yes "), text);
        assertTrue(backendRow(text, "zap", "anon").startsWith("zap anon no "), text);
    }

    @Test
    void text_preferredLine_choosesZapWhereRwpIsMissing() {
        assertTrue(ProbeReport.text(stockKernel())
                .contains("preferred      anon: none   shmem/memfd: zap   hugetlbfs: zap"));
    }

    @Test
    void text_keepsEveryLineWithinTheWrapWidth() {
        for (String line : ProbeReport.text(stockKernel()).lines().toList()) {
            assertTrue(line.length() <= ProbeReport.WIDTH, line.length() + ": " + line);
        }
    }

    @Test
    void json_parsesBack_withDecodedFeatureNames() {
        JsonNode json = JsonMapper.builder().build().readTree(ProbeReport.json(stockKernel()));
        assertEquals(131071, json.get("features").asLong());
        assertEquals(17, json.get("featureNames").size());
        assertEquals("0x1ffff", json.get("featuresHex").asString());
    }

    @Test
    void json_containsDerivedFields_missingRwpAndPreferred() {
        JsonNode json = JsonMapper.builder().build().readTree(ProbeReport.json(stockKernel()));
        assertEquals(List.of("UFFD_FEATURE_RWP", "UFFD_FEATURE_RWP_ASYNC"),
                json.get("missingRwpFeatures").valueStream().map(JsonNode::asString).toList());
        assertEquals("0x8000000000000003", json.get("apiIoctlsHex").asString());
        assertTrue(json.get("preferred").get("ANON").isNull());
        assertEquals("ZAP", json.get("preferred").get("SHMEM").asString());
        assertEquals(6, json.get("backends").size());
    }
}
