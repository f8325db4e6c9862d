package io.coldtier.handover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mappings of a process as {@code /proc/<pid>/smaps} lists them: address range, permissions, file offset,
 * device and inode of the backing file, and the kernel page size. Parsing is separate from reading, so the rules
 * that use it are tested on text.
 */
final class ProcMaps {
    /**
     * One VMA.
     *
     * @param shared     the 4th permission character is 's' (MAP_SHARED)
     * @param pageSize   KernelPageSize in bytes (0 if the line was missing)
     * @param flags      the two-letter VmFlags ("sh", "um" = uffd MISSING, "uw" = uffd WP, "ui" = uffd MINOR)
     */
    record Vma(long start, long end, boolean readable, boolean writable, boolean shared, long offset, long major,
               long minor, long inode, String path, long pageSize, Set<String> flags) {
        Vma {
            flags = Set.copyOf(flags);
        }

        boolean contains(long address) {
            return address >= start && address < end;
        }

        Vma with(long newPageSize, Set<String> newFlags) {
            return new Vma(start, end, readable, writable, shared, offset, major, minor, inode, path, newPageSize,
                    newFlags);
        }
    }

    private static final Pattern HEADER = Pattern.compile(
            "^([0-9a-f]+)-([0-9a-f]+) ([r-])([w-])([x-])([sp]) ([0-9a-f]+) ([0-9a-f]+):([0-9a-f]+) (\\d+)\\s*(.*)$");
    private static final Pattern PAGE_SIZE = Pattern.compile("^KernelPageSize:\\s+(\\d+) kB$");
    private static final Pattern VM_FLAGS = Pattern.compile("^VmFlags:(.*)$");

    private ProcMaps() {}

    static List<Vma> read(int pid) throws IOException {
        return parse(Files.readString(Path.of("/proc/" + pid + "/smaps")));
    }

    static List<Vma> parse(String smaps) {
        List<Vma> out = new ArrayList<>();
        Vma pending = null;
        for (String line : smaps.split("\n")) {
            Matcher h = HEADER.matcher(line);
            if (h.matches()) {
                if (pending != null) {
                    out.add(pending);
                }
                pending = new Vma(Long.parseUnsignedLong(h.group(1), 16), Long.parseUnsignedLong(h.group(2), 16),
                        h.group(3).equals("r"), h.group(4).equals("w"), h.group(6).equals("s"),
                        Long.parseUnsignedLong(h.group(7), 16), Long.parseLong(h.group(8), 16),
                        Long.parseLong(h.group(9), 16), Long.parseLong(h.group(10)), h.group(11).trim(), 0, Set.of());
                continue;
            }
            if (pending == null) {
                continue;
            }
            Matcher p = PAGE_SIZE.matcher(line);
            if (p.matches()) {
                pending = pending.with(Long.parseLong(p.group(1)) * 1024, pending.flags());
                continue;
            }
            Matcher f = VM_FLAGS.matcher(line);
            if (f.matches()) {
                Set<String> flags = new HashSet<>(List.of(f.group(1).trim().split("\\s+")));
                pending = pending.with(pending.pageSize(), flags);
            }
        }
        if (pending != null) {
            out.add(pending);
        }
        return out;
    }
}
