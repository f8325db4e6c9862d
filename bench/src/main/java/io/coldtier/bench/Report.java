package io.coldtier.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The Markdown table NativeBench prints and writes, and the machine line every bench report starts with. */
public final class Report {
    private Report() {}

    static String markdown(List<String> names, Map<String, Figure> java, Map<String, Figure> floor,
                           String machine, String note) {
        StringBuilder md = new StringBuilder();
        md.append("## FFM (Java) vs C floor\n\n");
        md.append(machine).append("\n\n");
        md.append("| benchmark | FFM (Java) | C floor | ratio Java/C |\n");
        md.append("|---|---:|---:|---:|\n");
        for (String name : names) {
            Figure j = java.get(name);
            Figure c = floor.get(name);
            // Show the floor in the Java figure's unit so a row reads across.
            String cText = c == null ? "—" : (j == null ? c : c.in(j.unit())).format();
            String ratio = j == null || c == null ? "—" : String.format(Locale.ROOT, "%.2f×", j.nanos() / c.nanos());
            md.append("| ").append(name).append(" | ").append(j == null ? "—" : j.format())
                    .append(" | ").append(cText).append(" | ").append(ratio).append(" |\n");
        }
        md.append('\n').append(note).append('\n');
        return md.toString();
    }

    /** CPUs, CPU model, kernel, JDK and date: what a reader needs to compare two runs. */
    public static String machine() {
        String date = ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        return String.format(Locale.ROOT, "Machine: %d CPUs (%s), kernel %s, JDK %s %s (%s). Date: %s.",
                Runtime.getRuntime().availableProcessors(), cpuModel(),
                read("/proc/sys/kernel/osrelease").strip(),
                System.getProperty("java.vm.vendor"), Runtime.version(), System.getProperty("java.vm.name"), date);
    }

    private static String cpuModel() {
        return read("/proc/cpuinfo").lines()
                .filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip())
                .findFirst().orElse("unknown CPU");
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            return "unknown";
        }
    }
}
