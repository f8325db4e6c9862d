package io.coldtier.report;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Headless Chromium for the render check. Locally a missing browser skips the test with the reason; with
 * {@code COLDTIER_REQUIRE_CHROMIUM=1} (CI installs Debian's {@code chromium} and sets it) it fails instead, so a
 * green CI run proves the report was rendered. Shared with other modules' render checks through this module's test-jar.
 */
public final class Chromium {
    static final String REQUIRE_ENV = "COLDTIER_REQUIRE_CHROMIUM";
    /** Overrides the search, e.g. for a Chrome for Testing build. */
    static final String BINARY_ENV = "CHROMIUM";
    static final long TIMEOUT_S = 120; // two cores shared with other builds: a cold start can take ~10 s

    private final Path binary;
    private final Path work;

    private Chromium(Path binary, Path work) {
        this.binary = binary;
        this.work = work;
    }

    /** The browser, or a skipped (locally) / failed (CI) test. {@code work} holds profiles and logs. */
    public static Chromium require(Path work) {
        Path found = find();
        if (found == null) {
            String reason = "headless Chromium not found (apt-get install -y chromium, or set " + BINARY_ENV + ")";
            String req = System.getenv(REQUIRE_ENV);
            if ("1".equals(req) || "true".equalsIgnoreCase(req)) {
                throw new AssertionError(reason + " but " + REQUIRE_ENV + " is set");
            }
            Assumptions.assumeTrue(false, reason);
        }
        return new Chromium(found, work);
    }

    public static Path find() {
        String env = System.getenv(BINARY_ENV);
        if (env != null && !env.isBlank()) {
            return Files.isExecutable(Path.of(env)) ? Path.of(env) : null;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** The DOM after Chromium parsed and laid out the page, serialised as HTML. */
    public String dumpDom(Path html) throws IOException, InterruptedException {
        Path out = work.resolve("dom.html");
        run(List.of("--dump-dom", html.toUri().toString()), out);
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** A PNG screenshot of the page's first {@code width × height} pixels. */
    public Path screenshot(Path html, Path png, int width, int height) throws IOException, InterruptedException {
        run(List.of("--window-size=" + width + "," + height, "--screenshot=" + png.toAbsolutePath(),
                html.toUri().toString()), work.resolve("screenshot.out"));
        return png;
    }

    private void run(List<String> args, Path stdout) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "profile");
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run", "--user-data-dir=" + profile));
        cmd.addAll(args);
        Path log = work.resolve("chromium-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(log.toFile()).start();
        try {
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("chromium did not finish in " + TIMEOUT_S + " s: " + cmd + ", log " + log);
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("chromium exited " + p.exitValue() + ": " + cmd + "\n" + Files.readString(log));
            }
        } finally {
            deleteTree(profile); // a profile is ~10 MB of caches nobody needs afterwards
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
