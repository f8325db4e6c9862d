package io.coldtier.linux.struct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hand-written struct layouts are tested, not trusted, twice over:
 *
 * <ul>
 *   <li>against the numbers pinned in {@code rwp-uapi.md} sections 1 and 2 (every struct, including
 *       the RWP ones and {@code pm_scan_arg}, which no installed header has yet);
 *   <li>against {@code sizeof}/{@code offsetof} from a tiny C probe that gcc compiles against this
 *       machine's headers, for every struct those headers declare. The probe also prints the ioctl
 *       request numbers, from the headers where they exist and otherwise encoded with {@code _IOC}
 *       from a local transcription of the struct.
 * </ul>
 */
@Tag("unit")
@Timeout(60)
class LayoutMatchesKernelHeaderTest {

    /** Java layouts by C struct name: the probe prints C names. */
    private static final Map<String, StructLayout> JAVA_LAYOUTS = Map.ofEntries(
            Map.entry("uffdio_api", UffdioApi.LAYOUT),
            Map.entry("uffdio_range", UffdioRange.LAYOUT),
            Map.entry("uffdio_register", UffdioRegister.LAYOUT),
            Map.entry("uffdio_copy", UffdioCopy.LAYOUT),
            Map.entry("uffdio_zeropage", UffdioZeropage.LAYOUT),
            Map.entry("uffdio_move", UffdioMove.LAYOUT),
            Map.entry("uffdio_writeprotect", UffdioWriteprotect.LAYOUT),
            Map.entry("uffdio_continue", UffdioContinue.LAYOUT),
            Map.entry("uffdio_poison", UffdioPoison.LAYOUT),
            Map.entry("uffdio_rwprotect", UffdioRwprotect.LAYOUT),
            Map.entry("uffdio_set_mode", UffdioSetMode.LAYOUT),
            Map.entry("uffd_msg", UffdMsg.LAYOUT),
            Map.entry("pm_scan_arg", PmScanArg.LAYOUT),
            Map.entry("page_region", PageRegion.LAYOUT),
            Map.entry("iovec", Iovec.LAYOUT),
            Map.entry("msghdr", Msghdr.LAYOUT),
            Map.entry("cmsghdr", Cmsghdr.LAYOUT),
            Map.entry("sockaddr_un", SockaddrUn.LAYOUT),
            Map.entry("ucred", Ucred.LAYOUT),
            Map.entry("pollfd", Pollfd.LAYOUT));

    /** rwp-uapi.md section 1 (RWP) and section 2 (stock); identical in RWP v1 to v10. */
    private static final Map<String, Long> PINNED_IOCTLS = Map.ofEntries(
            Map.entry("UFFDIO_API", 0xC018AA3FL),
            Map.entry("UFFDIO_REGISTER", 0xC020AA00L),
            Map.entry("UFFDIO_UNREGISTER", 0x8010AA01L),
            Map.entry("UFFDIO_WAKE", 0x8010AA02L),
            Map.entry("UFFDIO_COPY", 0xC028AA03L),
            Map.entry("UFFDIO_ZEROPAGE", 0xC020AA04L),
            Map.entry("UFFDIO_MOVE", 0xC028AA05L),
            Map.entry("UFFDIO_WRITEPROTECT", 0xC018AA06L),
            Map.entry("UFFDIO_CONTINUE", 0xC020AA07L),
            Map.entry("UFFDIO_POISON", 0xC020AA08L),
            Map.entry("UFFDIO_RWPROTECT", 0xC018AA09L),
            Map.entry("UFFDIO_SET_MODE", 0x4010AA0AL),
            Map.entry("USERFAULTFD_IOC_NEW", 0xAA00L),
            Map.entry("PAGEMAP_SCAN", 0xC0606610L));

    /** Printed by any header new enough to build coldtier at all, or computed by the probe itself. */
    private static final Set<String> ALWAYS_PRINTED_IOCTLS = Set.of(
            "UFFDIO_API", "UFFDIO_REGISTER", "UFFDIO_UNREGISTER", "UFFDIO_WAKE", "UFFDIO_COPY",
            "UFFDIO_ZEROPAGE", "UFFDIO_RWPROTECT", "UFFDIO_SET_MODE", "PAGEMAP_SCAN");

    @TempDir
    static Path probeDir;

    private static Map<String, Long> probeOutput;

    // ---- pinned values (rwp-uapi.md), no compiler needed ----

    static Stream<Arguments> pinnedLayouts() {
        return Stream.of(
                pinned("uffdioApi", UffdioApi.LAYOUT, UffdioApi.SIZE, 24,
                        f("api", UffdioApi.API_OFFSET, 0), f("features", UffdioApi.FEATURES_OFFSET, 8),
                        f("ioctls", UffdioApi.IOCTLS_OFFSET, 16)),
                pinned("uffdioRange", UffdioRange.LAYOUT, UffdioRange.SIZE, 16,
                        f("start", UffdioRange.START_OFFSET, 0), f("len", UffdioRange.LEN_OFFSET, 8)),
                pinned("uffdioRegister", UffdioRegister.LAYOUT, UffdioRegister.SIZE, 32,
                        f("start", UffdioRegister.START_OFFSET, 0), f("len", UffdioRegister.LEN_OFFSET, 8),
                        f("mode", UffdioRegister.MODE_OFFSET, 16), f("ioctls", UffdioRegister.IOCTLS_OFFSET, 24)),
                pinned("uffdioCopy", UffdioCopy.LAYOUT, UffdioCopy.SIZE, 40,
                        f("dst", UffdioCopy.DST_OFFSET, 0), f("src", UffdioCopy.SRC_OFFSET, 8),
                        f("len", UffdioCopy.LEN_OFFSET, 16), f("mode", UffdioCopy.MODE_OFFSET, 24),
                        f("copy", UffdioCopy.COPY_OFFSET, 32)),
                pinned("uffdioZeropage", UffdioZeropage.LAYOUT, UffdioZeropage.SIZE, 32,
                        f("start", UffdioZeropage.START_OFFSET, 0), f("len", UffdioZeropage.LEN_OFFSET, 8),
                        f("mode", UffdioZeropage.MODE_OFFSET, 16),
                        f("zeropage", UffdioZeropage.ZEROPAGE_OFFSET, 24)),
                pinned("uffdioMove", UffdioMove.LAYOUT, UffdioMove.SIZE, 40,
                        f("dst", UffdioMove.DST_OFFSET, 0), f("src", UffdioMove.SRC_OFFSET, 8),
                        f("len", UffdioMove.LEN_OFFSET, 16), f("mode", UffdioMove.MODE_OFFSET, 24),
                        f("move", UffdioMove.MOVE_OFFSET, 32)),
                pinned("uffdioWriteprotect", UffdioWriteprotect.LAYOUT, UffdioWriteprotect.SIZE, 24,
                        f("start", UffdioWriteprotect.START_OFFSET, 0),
                        f("len", UffdioWriteprotect.LEN_OFFSET, 8),
                        f("mode", UffdioWriteprotect.MODE_OFFSET, 16)),
                pinned("uffdioContinue", UffdioContinue.LAYOUT, UffdioContinue.SIZE, 32,
                        f("start", UffdioContinue.START_OFFSET, 0), f("len", UffdioContinue.LEN_OFFSET, 8),
                        f("mode", UffdioContinue.MODE_OFFSET, 16), f("mapped", UffdioContinue.MAPPED_OFFSET, 24)),
                pinned("uffdioPoison", UffdioPoison.LAYOUT, UffdioPoison.SIZE, 32,
                        f("start", UffdioPoison.START_OFFSET, 0), f("len", UffdioPoison.LEN_OFFSET, 8),
                        f("mode", UffdioPoison.MODE_OFFSET, 16), f("updated", UffdioPoison.UPDATED_OFFSET, 24)),
                pinned("uffdioRwprotect", UffdioRwprotect.LAYOUT, UffdioRwprotect.SIZE, 24,
                        f("start", UffdioRwprotect.START_OFFSET, 0), f("len", UffdioRwprotect.LEN_OFFSET, 8),
                        f("mode", UffdioRwprotect.MODE_OFFSET, 16)),
                pinned("uffdioSetMode", UffdioSetMode.LAYOUT, UffdioSetMode.SIZE, 16,
                        f("enable", UffdioSetMode.ENABLE_OFFSET, 0), f("disable", UffdioSetMode.DISABLE_OFFSET, 8)),
                pinned("uffdMsg", UffdMsg.LAYOUT, UffdMsg.SIZE, 32,
                        f("event", UffdMsg.EVENT_OFFSET, 0), f("reserved1", 1), f("reserved2", 2),
                        f("reserved3", 4), f("arg", 8),
                        f("arg.pagefault.flags", UffdMsg.PAGEFAULT_FLAGS_OFFSET, 8),
                        f("arg.pagefault.address", UffdMsg.PAGEFAULT_ADDRESS_OFFSET, 16),
                        f("arg.pagefault.feat.ptid", UffdMsg.PAGEFAULT_PTID_OFFSET, 24),
                        f("arg.fork.ufd", UffdMsg.FORK_UFD_OFFSET, 8),
                        f("arg.remap.from", UffdMsg.REMAP_FROM_OFFSET, 8),
                        f("arg.remap.to", UffdMsg.REMAP_TO_OFFSET, 16),
                        f("arg.remap.len", UffdMsg.REMAP_LEN_OFFSET, 24),
                        f("arg.remove.start", UffdMsg.REMOVE_START_OFFSET, 8),
                        f("arg.remove.end", UffdMsg.REMOVE_END_OFFSET, 16),
                        f("arg.reserved.reserved1", 8), f("arg.reserved.reserved2", 16),
                        f("arg.reserved.reserved3", 24)),
                pinned("pmScanArg", PmScanArg.LAYOUT, PmScanArg.SIZE, 96,
                        f("size", PmScanArg.SIZE_OFFSET, 0), f("flags", PmScanArg.FLAGS_OFFSET, 8),
                        f("start", PmScanArg.START_OFFSET, 16), f("end", PmScanArg.END_OFFSET, 24),
                        f("walk_end", PmScanArg.WALK_END_OFFSET, 32), f("vec", PmScanArg.VEC_OFFSET, 40),
                        f("vec_len", PmScanArg.VEC_LEN_OFFSET, 48), f("max_pages", PmScanArg.MAX_PAGES_OFFSET, 56),
                        f("category_inverted", PmScanArg.CATEGORY_INVERTED_OFFSET, 64),
                        f("category_mask", PmScanArg.CATEGORY_MASK_OFFSET, 72),
                        f("category_anyof_mask", PmScanArg.CATEGORY_ANYOF_MASK_OFFSET, 80),
                        f("return_mask", PmScanArg.RETURN_MASK_OFFSET, 88)),
                pinned("pageRegion", PageRegion.LAYOUT, PageRegion.SIZE, 24,
                        f("start", PageRegion.START_OFFSET, 0), f("end", PageRegion.END_OFFSET, 8),
                        f("categories", PageRegion.CATEGORIES_OFFSET, 16)),
                pinned("iovec", Iovec.LAYOUT, Iovec.SIZE, 16,
                        f("iov_base", Iovec.BASE_OFFSET, 0), f("iov_len", Iovec.LEN_OFFSET, 8)),
                pinned("msghdr", Msghdr.LAYOUT, Msghdr.SIZE, 56,
                        f("msg_name", Msghdr.NAME_OFFSET, 0), f("msg_namelen", Msghdr.NAMELEN_OFFSET, 8),
                        f("msg_iov", Msghdr.IOV_OFFSET, 16), f("msg_iovlen", Msghdr.IOVLEN_OFFSET, 24),
                        f("msg_control", Msghdr.CONTROL_OFFSET, 32),
                        f("msg_controllen", Msghdr.CONTROLLEN_OFFSET, 40),
                        f("msg_flags", Msghdr.FLAGS_OFFSET, 48)),
                pinned("cmsghdr", Cmsghdr.LAYOUT, Cmsghdr.SIZE, 16,
                        f("cmsg_len", Cmsghdr.LEN_OFFSET, 0), f("cmsg_level", Cmsghdr.LEVEL_OFFSET, 8),
                        f("cmsg_type", Cmsghdr.TYPE_OFFSET, 12)),
                pinned("sockaddrUn", SockaddrUn.LAYOUT, SockaddrUn.SIZE, 110,
                        f("sun_family", SockaddrUn.FAMILY_OFFSET, 0), f("sun_path", SockaddrUn.PATH_OFFSET, 2)),
                pinned("ucred", Ucred.LAYOUT, Ucred.SIZE, 12,
                        f("pid", Ucred.PID_OFFSET, 0), f("uid", Ucred.UID_OFFSET, 4), f("gid", Ucred.GID_OFFSET, 8)),
                pinned("pollfd", Pollfd.LAYOUT, Pollfd.SIZE, 8,
                        f("fd", Pollfd.FD_OFFSET, 0), f("events", Pollfd.EVENTS_OFFSET, 4),
                        f("revents", Pollfd.REVENTS_OFFSET, 6)));
    }

    @ParameterizedTest(name = "layout_{0}_matchesPinnedOffsets")
    @MethodSource("pinnedLayouts")
    void layout_matchesPinnedOffsets(String struct, StructLayout layout, long sizeConstant, long size,
            List<PinnedField> fields) {
        assertEquals(size, layout.byteSize(), struct + " LAYOUT size");
        assertEquals(size, sizeConstant, struct + ".SIZE");
        for (PinnedField field : fields) {
            assertEquals(field.offset(), offsetOf(layout, field.path()), struct + " LAYOUT offset of " + field.path());
            assertEquals(field.offset(), field.constant(), struct + " offset constant for " + field.path());
        }
        Set<String> pinnedPaths = new TreeSet<>(fields.stream().map(PinnedField::path).toList());
        assertTrue(pinnedPaths.containsAll(leafFields(layout)),
                struct + ": every named field is pinned; pinned " + pinnedPaths + ", LAYOUT has " + leafFields(layout));
    }

    @Test
    void ioctlRequest_encodedFromJavaStructSizes_matchesPinnedNumbers() {
        // _IOC(dir, type, nr, size) on x86-64: dir<<30 | size<<16 | type<<8 | nr; _IOW = 1, _IOR = 2.
        assertEquals(0xC018AA3FL, ioc(3, 0xAA, 0x3F, UffdioApi.SIZE));
        assertEquals(0xC020AA00L, ioc(3, 0xAA, 0x00, UffdioRegister.SIZE));
        assertEquals(0x8010AA01L, ioc(2, 0xAA, 0x01, UffdioRange.SIZE));
        assertEquals(0xC028AA03L, ioc(3, 0xAA, 0x03, UffdioCopy.SIZE));
        assertEquals(0xC020AA04L, ioc(3, 0xAA, 0x04, UffdioZeropage.SIZE));
        assertEquals(0xC028AA05L, ioc(3, 0xAA, 0x05, UffdioMove.SIZE));
        assertEquals(0xC018AA06L, ioc(3, 0xAA, 0x06, UffdioWriteprotect.SIZE));
        assertEquals(0xC020AA07L, ioc(3, 0xAA, 0x07, UffdioContinue.SIZE));
        assertEquals(0xC020AA08L, ioc(3, 0xAA, 0x08, UffdioPoison.SIZE));
        assertEquals(0xC018AA09L, ioc(3, 0xAA, 0x09, UffdioRwprotect.SIZE));
        assertEquals(0x4010AA0AL, ioc(1, 0xAA, 0x0A, UffdioSetMode.SIZE));
        assertEquals(0xC0606610L, ioc(3, 'f', 16, PmScanArg.SIZE));
    }

    // ---- the machine's headers, via gcc ----

    @Test
    void layout_everyStructInTheMachineHeaders_matchesGccSizesAndOffsets() throws Exception {
        Map<String, Long> probe = probe();
        List<String> mismatches = new ArrayList<>();
        Map<String, Set<String>> printedFields = new TreeMap<>();
        int compared = 0;
        for (Map.Entry<String, Long> line : probe.entrySet()) {
            String key = line.getKey();
            if (key.startsWith("ioctl.") || key.startsWith("macro.")) {
                continue;
            }
            int dot = key.indexOf('.');
            String struct = dot < 0 ? key : key.substring(0, dot);
            StructLayout layout = JAVA_LAYOUTS.get(struct);
            if (layout == null) {
                mismatches.add("probe printed " + key + " but there is no Java layout for struct " + struct);
                continue;
            }
            long javaValue;
            if (dot < 0) {
                javaValue = layout.byteSize();
                printedFields.computeIfAbsent(struct, s -> new TreeSet<>());
            } else {
                // The Java layouts flatten a nested uffdio_range into start/len.
                String field = key.substring(dot + 1).replaceFirst("^range\\.", "");
                printedFields.computeIfAbsent(struct, s -> new TreeSet<>()).add(field);
                try {
                    javaValue = offsetOf(layout, field);
                } catch (IllegalArgumentException e) {
                    mismatches.add(key + ": gcc says " + line.getValue() + ", Java LAYOUT has no such field");
                    continue;
                }
            }
            compared++;
            if (javaValue != line.getValue()) {
                mismatches.add(key + ": gcc says " + line.getValue() + ", Java LAYOUT says " + javaValue);
            }
        }
        for (Map.Entry<String, Set<String>> e : printedFields.entrySet()) {
            Set<String> javaFields = leafFields(JAVA_LAYOUTS.get(e.getKey()));
            if (!e.getValue().equals(javaFields)) {
                mismatches.add(e.getKey() + ": probe printed fields " + e.getValue()
                        + ", Java LAYOUT has " + javaFields);
            }
        }
        Set<String> pinnedOnly = new TreeSet<>(JAVA_LAYOUTS.keySet());
        pinnedOnly.removeAll(printedFields.keySet());
        System.out.println("gcc-checked structs: " + printedFields.keySet() + "; pinned-only (headers lack them): "
                + pinnedOnly);

        assertTrue(mismatches.isEmpty(),
                "layouts differ from the machine's headers:\n" + String.join("\n", mismatches));
        assertTrue(compared >= 40, "only " + compared + " sizes and offsets compared; the probe is not doing its job");
    }

    @Test
    void ioctlRequests_fromHeadersAndIocMacros_matchPinnedNumbers() throws Exception {
        Map<String, Long> ioctls = ioctlRequests(probe());
        assertTrue(ioctls.keySet().containsAll(ALWAYS_PRINTED_IOCTLS),
                "the probe must print at least " + ALWAYS_PRINTED_IOCTLS + ", printed " + ioctls.keySet());
        List<String> mismatches = new ArrayList<>();
        ioctls.forEach((name, value) -> {
            Long pinned = PINNED_IOCTLS.get(name);
            if (pinned == null || pinned.longValue() != value) {
                mismatches.add(name + ": gcc says 0x" + Long.toHexString(value) + ", rwp-uapi.md pins "
                        + (pinned == null ? "nothing" : "0x" + Long.toHexString(pinned)));
            }
        });
        assertTrue(mismatches.isEmpty(), "ioctl request numbers differ:\n" + String.join("\n", mismatches));
        assertTrue(ioctls.size() >= ALWAYS_PRINTED_IOCTLS.size(), "only " + ioctls.size() + " ioctls compared");
    }

    @Test
    void cmsgHelpers_matchGlibcMacros() throws Exception {
        Map<String, Long> probe = probe();
        assertEquals(probe.get("macro.CMSG_DATA"), Cmsghdr.DATA_OFFSET, "CMSG_DATA offset");
        int compared = 0;
        for (Map.Entry<String, Long> line : probe.entrySet()) {
            String key = line.getKey();
            if (!key.startsWith("macro.CMSG_") || !key.endsWith(")")) {
                continue;
            }
            String macro = key.substring("macro.".length(), key.indexOf('('));
            long n = Long.parseLong(key.substring(key.indexOf('(') + 1, key.length() - 1));
            long java = switch (macro) {
                case "CMSG_LEN" -> Cmsghdr.length(n);
                case "CMSG_SPACE" -> Cmsghdr.space(n);
                case "CMSG_ALIGN" -> Cmsghdr.align(n);
                default -> throw new AssertionError("unexpected probe line " + key);
            };
            assertEquals(line.getValue(), java, key);
            compared++;
        }
        assertTrue(compared >= 18, "only " + compared + " CMSG_* values compared");
    }

    // ---- helpers ----

    record PinnedField(String path, long constant, long offset) {
    }

    private static PinnedField f(String path, long constant, long offset) {
        return new PinnedField(path, constant, offset);
    }

    /** A field without its own offset constant (reserved fields, union members). */
    private static PinnedField f(String path, long offset) {
        return new PinnedField(path, offset, offset);
    }

    private static Arguments pinned(String struct, StructLayout layout, long sizeConstant, long size,
            PinnedField... fields) {
        return Arguments.of(struct, layout, sizeConstant, size, List.of(fields));
    }

    private static long ioc(long dir, long type, long nr, long size) {
        return dir << 30 | size << 16 | type << 8 | nr;
    }

    /** Offset of a dotted C member path such as {@code arg.pagefault.feat.ptid}. */
    private static long offsetOf(MemoryLayout layout, String dottedPath) {
        PathElement[] path = Arrays.stream(dottedPath.split("\\."))
                .map(PathElement::groupElement)
                .toArray(PathElement[]::new);
        return layout.byteOffset(path);
    }

    /** Dotted paths of every named member that is not itself a struct or union. */
    private static Set<String> leafFields(GroupLayout layout) {
        Set<String> leaves = new TreeSet<>();
        collectLeaves(layout, "", leaves);
        return leaves;
    }

    private static void collectLeaves(GroupLayout group, String prefix, Set<String> leaves) {
        for (MemoryLayout member : group.memberLayouts()) {
            if (member.name().isEmpty()) {
                continue; // padding
            }
            String path = prefix + member.name().get();
            if (member instanceof GroupLayout nested) {
                collectLeaves(nested, path + ".", leaves);
            } else {
                leaves.add(path);
            }
        }
    }

    private static Map<String, Long> ioctlRequests(Map<String, Long> probe) {
        Map<String, Long> ioctls = new TreeMap<>();
        probe.forEach((key, value) -> {
            if (key.startsWith("ioctl.")) {
                ioctls.put(key.substring("ioctl.".length()), value);
            }
        });
        return ioctls;
    }

    /** Compiles and runs the probe once per class; skips only when there is no gcc at all. */
    private static synchronized Map<String, Long> probe() throws IOException, InterruptedException {
        if (probeOutput != null) {
            return probeOutput;
        }
        assumeTrue(onPath("gcc"), "gcc is not on PATH: layouts are checked against the pinned values only");
        Path source = probeDir.resolve("layout_probe.c");
        Path binary = probeDir.resolve("layout_probe");
        Files.writeString(source, PROBE_SOURCE);
        Run compile = run("gcc", "-std=gnu11", "-Wall", "-o", binary.toString(), source.toString());
        if (compile.exitCode() != 0) {
            fail("gcc could not compile the layout probe (exit " + compile.exitCode() + "):\n" + compile.output());
        }
        Run probe = run(binary.toString());
        assertEquals(0, probe.exitCode(), "layout probe failed:\n" + probe.output());
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : probe.output().split("\n")) {
            String[] parts = line.trim().split(" ");
            if (parts.length != 2) {
                fail("unparseable probe line: '" + line + "'");
            }
            if (values.put(parts[0], Long.decode(parts[1])) != null) {
                fail("probe printed " + parts[0] + " twice");
            }
        }
        probeOutput = values;
        return values;
    }

    private record Run(int exitCode, String output) {
    }

    private static Run run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in 30 s");
        }
        return new Run(process.exitValue(), output);
    }

    private static boolean onPath(String executable) {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, executable)));
    }

    /**
     * Prints {@code name size}, {@code struct.member offset}, {@code ioctl.NAME 0x...} and
     * {@code macro.NAME value} lines. Every struct and request the headers may lack is guarded by
     * the request macro that comes with it; the RWP requests and PAGEMAP_SCAN fall back to
     * {@code _IOC} over local transcriptions of rwp-uapi.md, so their numbers are always checked.
     */
    private static final String PROBE_SOURCE = """
            #define _GNU_SOURCE
            #include <stddef.h>
            #include <stdio.h>
            #include <poll.h>
            #include <sys/socket.h>
            #include <sys/uio.h>
            #include <sys/un.h>
            #include <linux/types.h>
            #include <linux/ioctl.h>
            #include <linux/fs.h>
            #include <linux/userfaultfd.h>

            #define SIZE(t) printf("%s %zu\\n", #t, sizeof(struct t))
            #define FIELD(t, f) printf("%s.%s %zu\\n", #t, #f, offsetof(struct t, f))
            #define IOCTL(name, v) printf("ioctl.%s 0x%lx\\n", name, (unsigned long) (v))
            #define MACRO(name, v) printf("macro.%s %zu\\n", name, (size_t) (v))

            /* Transcriptions of rwp-uapi.md, used only to encode request numbers the headers lack. */
            struct local_uffdio_rwprotect { __u64 start, len, mode; };
            struct local_uffdio_set_mode { __u64 enable, disable; };
            struct local_pm_scan_arg { __u64 fields[12]; };

            int main(void) {
                SIZE(uffdio_api); FIELD(uffdio_api, api); FIELD(uffdio_api, features); FIELD(uffdio_api, ioctls);
                SIZE(uffdio_range); FIELD(uffdio_range, start); FIELD(uffdio_range, len);
                SIZE(uffdio_register); FIELD(uffdio_register, range.start); FIELD(uffdio_register, range.len);
                FIELD(uffdio_register, mode); FIELD(uffdio_register, ioctls);
                SIZE(uffdio_copy); FIELD(uffdio_copy, dst); FIELD(uffdio_copy, src); FIELD(uffdio_copy, len);
                FIELD(uffdio_copy, mode); FIELD(uffdio_copy, copy);
                SIZE(uffdio_zeropage); FIELD(uffdio_zeropage, range.start); FIELD(uffdio_zeropage, range.len);
                FIELD(uffdio_zeropage, mode); FIELD(uffdio_zeropage, zeropage);
            #ifdef UFFDIO_WRITEPROTECT
                SIZE(uffdio_writeprotect); FIELD(uffdio_writeprotect, range.start);
                FIELD(uffdio_writeprotect, range.len); FIELD(uffdio_writeprotect, mode);
                IOCTL("UFFDIO_WRITEPROTECT", UFFDIO_WRITEPROTECT);
            #endif
            #ifdef UFFDIO_CONTINUE
                SIZE(uffdio_continue); FIELD(uffdio_continue, range.start); FIELD(uffdio_continue, range.len);
                FIELD(uffdio_continue, mode); FIELD(uffdio_continue, mapped);
                IOCTL("UFFDIO_CONTINUE", UFFDIO_CONTINUE);
            #endif
            #ifdef UFFDIO_POISON
                SIZE(uffdio_poison); FIELD(uffdio_poison, range.start); FIELD(uffdio_poison, range.len);
                FIELD(uffdio_poison, mode); FIELD(uffdio_poison, updated);
                IOCTL("UFFDIO_POISON", UFFDIO_POISON);
            #endif
            #ifdef UFFDIO_MOVE
                SIZE(uffdio_move); FIELD(uffdio_move, dst); FIELD(uffdio_move, src); FIELD(uffdio_move, len);
                FIELD(uffdio_move, mode); FIELD(uffdio_move, move);
                IOCTL("UFFDIO_MOVE", UFFDIO_MOVE);
            #endif
            #ifdef UFFDIO_RWPROTECT
                SIZE(uffdio_rwprotect); FIELD(uffdio_rwprotect, range.start);
                FIELD(uffdio_rwprotect, range.len); FIELD(uffdio_rwprotect, mode);
                IOCTL("UFFDIO_RWPROTECT", UFFDIO_RWPROTECT);
            #else
                IOCTL("UFFDIO_RWPROTECT", _IOWR(0xAA, 0x09, struct local_uffdio_rwprotect));
            #endif
            #ifdef UFFDIO_SET_MODE
                SIZE(uffdio_set_mode); FIELD(uffdio_set_mode, enable); FIELD(uffdio_set_mode, disable);
                IOCTL("UFFDIO_SET_MODE", UFFDIO_SET_MODE);
            #else
                IOCTL("UFFDIO_SET_MODE", _IOW(0xAA, 0x0A, struct local_uffdio_set_mode));
            #endif
                SIZE(uffd_msg); FIELD(uffd_msg, event); FIELD(uffd_msg, reserved1); FIELD(uffd_msg, reserved2);
                FIELD(uffd_msg, reserved3); FIELD(uffd_msg, arg.pagefault.flags);
                FIELD(uffd_msg, arg.pagefault.address); FIELD(uffd_msg, arg.pagefault.feat.ptid);
                FIELD(uffd_msg, arg.fork.ufd); FIELD(uffd_msg, arg.remap.from); FIELD(uffd_msg, arg.remap.to);
                FIELD(uffd_msg, arg.remap.len); FIELD(uffd_msg, arg.remove.start); FIELD(uffd_msg, arg.remove.end);
                FIELD(uffd_msg, arg.reserved.reserved1); FIELD(uffd_msg, arg.reserved.reserved2);
                FIELD(uffd_msg, arg.reserved.reserved3);
                IOCTL("UFFDIO_API", UFFDIO_API); IOCTL("UFFDIO_REGISTER", UFFDIO_REGISTER);
                IOCTL("UFFDIO_UNREGISTER", UFFDIO_UNREGISTER); IOCTL("UFFDIO_WAKE", UFFDIO_WAKE);
                IOCTL("UFFDIO_COPY", UFFDIO_COPY); IOCTL("UFFDIO_ZEROPAGE", UFFDIO_ZEROPAGE);
            #ifdef USERFAULTFD_IOC_NEW
                IOCTL("USERFAULTFD_IOC_NEW", USERFAULTFD_IOC_NEW);
            #endif
            #ifdef PAGEMAP_SCAN
                SIZE(pm_scan_arg); FIELD(pm_scan_arg, size); FIELD(pm_scan_arg, flags); FIELD(pm_scan_arg, start);
                FIELD(pm_scan_arg, end); FIELD(pm_scan_arg, walk_end); FIELD(pm_scan_arg, vec);
                FIELD(pm_scan_arg, vec_len); FIELD(pm_scan_arg, max_pages); FIELD(pm_scan_arg, category_inverted);
                FIELD(pm_scan_arg, category_mask); FIELD(pm_scan_arg, category_anyof_mask);
                FIELD(pm_scan_arg, return_mask);
                SIZE(page_region); FIELD(page_region, start); FIELD(page_region, end); FIELD(page_region, categories);
                IOCTL("PAGEMAP_SCAN", PAGEMAP_SCAN);
            #else
                IOCTL("PAGEMAP_SCAN", _IOWR('f', 16, struct local_pm_scan_arg));
            #endif
                SIZE(iovec); FIELD(iovec, iov_base); FIELD(iovec, iov_len);
                SIZE(msghdr); FIELD(msghdr, msg_name); FIELD(msghdr, msg_namelen); FIELD(msghdr, msg_iov);
                FIELD(msghdr, msg_iovlen); FIELD(msghdr, msg_control); FIELD(msghdr, msg_controllen);
                FIELD(msghdr, msg_flags);
                SIZE(cmsghdr); FIELD(cmsghdr, cmsg_len); FIELD(cmsghdr, cmsg_level); FIELD(cmsghdr, cmsg_type);
                SIZE(sockaddr_un); FIELD(sockaddr_un, sun_family); FIELD(sockaddr_un, sun_path);
                SIZE(ucred); FIELD(ucred, pid); FIELD(ucred, uid); FIELD(ucred, gid);
                SIZE(pollfd); FIELD(pollfd, fd); FIELD(pollfd, events); FIELD(pollfd, revents);
                static const size_t lens[] = {0, 1, 4, 7, 8, 12, 16, 24, 100};
                for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
                    printf("macro.CMSG_LEN(%zu) %zu\\n", lens[i], (size_t) CMSG_LEN(lens[i]));
                    printf("macro.CMSG_SPACE(%zu) %zu\\n", lens[i], (size_t) CMSG_SPACE(lens[i]));
            #ifdef CMSG_ALIGN
                    printf("macro.CMSG_ALIGN(%zu) %zu\\n", lens[i], (size_t) CMSG_ALIGN(lens[i]));
            #endif
                }
                struct cmsghdr h;
                MACRO("CMSG_DATA", CMSG_DATA(&h) - (unsigned char *) &h);
                return 0;
            }
            """;
}
