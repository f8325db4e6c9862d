package io.coldtier.cli;

import io.coldtier.linux.BackendDecision;
import io.coldtier.linux.BackendSupport;
import io.coldtier.linux.KernelCapabilities;
import io.coldtier.linux.MemoryType;
import io.coldtier.linux.TrackingBackend;
import io.coldtier.linux.UffdFeature;
import io.coldtier.linux.UffdOpenMode;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Renders a {@link KernelCapabilities} as aligned plain text or as JSON. Pure (no probing, no I/O)
 * so both renderings are tested against hand-built capabilities, without the kernel.
 */
final class ProbeReport {
    /** Lines are wrapped to this many columns; wide enough for one backend decision per row mostly. */
    static final int WIDTH = 100;
    private static final String LABEL = "%-15s";
    private static final String INDENT = " ".repeat(15);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ProbeReport() {}

    /** The human report: one section per probed fact, then the backend matrix and the choice. */
    static String text(KernelCapabilities c) {
        List<String> out = new ArrayList<>();
        out.add("coldtier probe — kernel " + c.kernelRelease());
        userfaultfd(c, out);
        KernelCapabilities.Privilege p = c.privilege();
        out.add(label("privilege") + "root: " + yesNo(p.root()) + "   vm.unprivileged_userfaultfd: "
                + (p.unprivilegedUserfaultfd() < 0 ? "unknown" : p.unprivilegedUserfaultfd())
                + "   /dev/userfaultfd accessible: " + yesNo(p.devUserfaultfdAccessible()));
        out.add(label("pagemap scan") + "PAGEMAP_SCAN: " + yesNo(c.pagemapScan())
                + "   PAGE_IS_ACCESSED: " + yesNo(c.pageIsAccessed()));
        out.add(label("huge pages") + hugePages(c.hugePages()));
        out.add(label("kvm") + kvm(c.kvm()));
        out.add("tracking backends");
        for (BackendSupport s : c.backends()) {
            String head = "  " + pad(s.backend().id(), 5) + pad(s.memory().label(), 13)
                    + pad(yesNo(s.available()), 5);
            out.addAll(wrap(head, s.reason(), " ".repeat(head.length())));
        }
        List<String> preferred = new ArrayList<>();
        for (MemoryType m : MemoryType.values()) {
            preferred.add(m.label() + ": " + c.preferred(m).map(TrackingBackend::id).orElse("none"));
        }
        out.add(label("preferred") + String.join("   ", preferred));
        return String.join("\n", out) + "\n";
    }

    private static void userfaultfd(KernelCapabilities c, List<String> out) {
        out.add("userfaultfd");
        List<String> modes = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (KernelCapabilities.Creation k : c.creation()) {
            modes.add(modeLabel(k.mode()) + ": " + yesNo(k.works()));
            if (!k.works()) {
                failures.add(modeLabel(k.mode()) + ": " + k.detail());
            }
        }
        out.add(label("  creation") + String.join("   ", modes));
        for (String f : failures) {
            out.addAll(wrap(INDENT, f, INDENT + "  "));
        }
        out.add(label("  features") + hex(c.features()));
        out.addAll(wrap(INDENT, String.join(" ", c.featureNames()), INDENT));
        long missing = BackendDecision.RWP_BITS & ~c.features();
        out.add(label("  missing") + (missing == 0 ? "none (RWP series present)" : describeEach(missing)));
        out.addAll(wrap(label("  api ioctls"), hex(c.apiIoctls()) + ": " + String.join(" ", c.apiIoctlNames()),
                INDENT));
    }

    /** The probe as JSON: the record itself plus the derived facts a script would otherwise recompute. */
    static String json(KernelCapabilities c) {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(jsonTree(c)) + "\n";
    }

    static ObjectNode jsonTree(KernelCapabilities c) {
        ObjectNode record = JSON.valueToTree(c);
        // Rebuilt rather than appended to so each derived field sits next to the field it explains.
        ObjectNode out = JSON.createObjectNode();
        for (Map.Entry<String, JsonNode> e : record.properties()) {
            out.set(e.getKey(), e.getValue());
            if (e.getKey().equals("features")) {
                out.put("featuresHex", hex(c.features()));
            } else if (e.getKey().equals("apiIoctls")) {
                // The mask has bit 63 (UFFDIO_API) set, so the long above is negative; hex is the readable form.
                out.put("apiIoctlsHex", hex(c.apiIoctls()));
            } else if (e.getKey().equals("featureNames")) {
                ArrayNode missing = out.putArray("missingRwpFeatures");
                UffdFeature.names(BackendDecision.RWP_BITS & ~c.features()).forEach(missing::add);
            }
        }
        // Keyed and valued like backends[].memory / backends[].backend so scripts can join them; null = none.
        ObjectNode preferred = out.putObject("preferred");
        for (MemoryType m : MemoryType.values()) {
            c.preferred(m).ifPresentOrElse(b -> preferred.put(m.name(), b.name()), () -> preferred.putNull(m.name()));
        }
        return out;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** {@code "UFFD_FEATURE_RWP (bit 17), UFFD_FEATURE_RWP_ASYNC (bit 18)"}: a list, not a sentence. */
    private static String describeEach(long bits) {
        List<String> parts = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((bits & (1L << bit)) != 0) {
                parts.add(UffdFeature.name(bit) + " (bit " + bit + ")");
            }
        }
        return String.join(", ", parts);
    }

    private static String modeLabel(UffdOpenMode m) {
        return switch (m) {
            case SYSCALL -> "syscall";
            case SYSCALL_USER_MODE_ONLY -> "syscall (user-mode only)";
            case DEV_USERFAULTFD -> "/dev/userfaultfd";
        };
    }

    private static String hugePages(KernelCapabilities.HugePages h) {
        String s = h.pageSizeKb() + " kB pages, " + h.total() + " in the pool, " + h.free() + " free";
        // BackendDecision judges the kernel, not the pool; say here why hugetlbfs may still fail to map.
        return h.free() == 0 ? s + " (hugetlbfs memory needs vm.nr_hugepages > 0)" : s;
    }

    private static String kvm(KernelCapabilities.Kvm k) {
        if (!k.present()) {
            return "/dev/kvm: no (" + k.detail() + ")";
        }
        return "/dev/kvm: " + (k.accessible() ? "yes" : "not accessible") + " (" + k.detail() + ")";
    }

    /**
     * Word-wraps {@code text} to {@link #WIDTH}: the first line starts with {@code first}, the rest
     * with {@code rest}. A word longer than a line is kept whole rather than split.
     */
    static List<String> wrap(String first, String text, String rest) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder(first);
        boolean empty = true;
        for (String word : text.split(" +")) {
            if (!empty && line.length() + 1 + word.length() > WIDTH) {
                lines.add(line.toString());
                line = new StringBuilder(rest);
                empty = true;
            }
            line.append(empty ? "" : " ").append(word);
            empty = false;
        }
        lines.add(line.toString().stripTrailing());
        return lines;
    }

    private static String label(String s) {
        return String.format(LABEL, s);
    }

    private static String pad(String s, int width) {
        return String.format("%-" + width + "s", s);
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }
}
