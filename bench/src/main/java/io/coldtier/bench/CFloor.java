package io.coldtier.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds and runs {@code floor.c} (a classpath resource, so the benchmark jar is self-contained)
 * in a temporary directory and parses its {@code name value unit} lines.
 */
final class CFloor {
    private static final String SOURCE = "floor.c";
    private static final Pattern LINE = Pattern.compile("(?m)^(\\S+) ([0-9.]+) (ns|ms)$");

    /** The floor could not be built or run; the message says what to do. */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }
    }

    private CFloor() {}

    static Path compile(Path dir) throws IOException, InterruptedException, Failure {
        Path src = dir.resolve(SOURCE);
        try (InputStream in = CFloor.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new Failure(SOURCE + " is missing from the classpath (io/coldtier/bench/" + SOURCE + ")");
            }
            Files.copy(in, src);
        }
        try {
            exec(dir, List.of("gcc", "-O2", "-o", "floor", SOURCE));
        } catch (IOException e) {
            // ProcessBuilder reports a missing executable as an IOException from start().
            throw new Failure("cannot run gcc (" + e.getMessage() + "); install it, e.g. apt-get install gcc");
        }
        return dir.resolve("floor");
    }

    static Map<String, Figure> run(Path binary, boolean quick) throws IOException, InterruptedException, Failure {
        List<String> cmd = new ArrayList<>(List.of(binary.toString()));
        if (quick) {
            cmd.add("--quick");
        }
        return parse(exec(binary.getParent(), cmd));
    }

    static Map<String, Figure> parse(String output) {
        Map<String, Figure> figures = new LinkedHashMap<>();
        Matcher m = LINE.matcher(output);
        while (m.find()) {
            figures.put(m.group(1), Figure.of(Double.parseDouble(m.group(2)), Double.NaN, m.group(3)));
        }
        return figures;
    }

    /** Runs {@code cmd} in {@code dir}; returns stdout+stderr, or fails with them on a non-zero exit. */
    private static String exec(Path dir, List<String> cmd) throws IOException, InterruptedException, Failure {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int rc = p.waitFor();
        if (rc != 0) {
            throw new Failure(String.join(" ", cmd) + " exited with " + rc + ":\n" + out.strip());
        }
        return out;
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
