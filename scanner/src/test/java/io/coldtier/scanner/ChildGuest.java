package io.coldtier.scanner;

import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.HandOver;
import io.coldtier.faultsource.RegionSpec;
import io.coldtier.faultsource.Registration;
import io.coldtier.linux.UnixSocket;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A guest owned by another process (guest-child.c, compiled with gcc on first use): it hands its
 * uffd and memfd over a Unix socket, and touches pages when told. The test side gets a
 * {@link GuestMemory} attached through the hand-over path.
 */
final class ChildGuest implements AutoCloseable {
    final Process process;
    final GuestMemory memory;
    final long pages;
    private final UnixSocket listener;
    private final UnixSocket conn;

    private ChildGuest(Process process, GuestMemory memory, long pages, UnixSocket listener, UnixSocket conn) {
        this.process = process;
        this.memory = memory;
        this.pages = pages;
        this.listener = listener;
        this.conn = conn;
    }

    static Path compile(Path dir) throws IOException, InterruptedException {
        Path src = dir.resolve("guest-child.c");
        Path bin = dir.resolve("guest-child");
        try (InputStream in = ChildGuest.class.getResourceAsStream("guest-child.c")) {
            Files.write(src, in.readAllBytes());
        }
        Process gcc = new ProcessBuilder("gcc", "-O1", "-Wall", "-o", bin.toString(), src.toString())
                .redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            throw new IllegalStateException("gcc failed: " + out);
        }
        return bin;
    }

    static ChildGuest start(Path dir, long pages) throws Exception {
        Path bin = compile(dir);
        Path sock = dir.resolve("child.sock");
        UnixSocket listener = UnixSocket.listen(sock, 1);
        Process p = new ProcessBuilder(bin.toString(), sock.toString(), Long.toString(pages))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        UnixSocket conn = listener.accept();
        UnixSocket.Received r = conn.receive(4096, 4);
        String json = new String(r.data(), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"base\":(\\d+),\"size\":(\\d+),\"pid\":(\\d+)").matcher(json);
        if (!m.find() || r.fds().size() != 2) {
            throw new IllegalStateException("bad hand-over from child: " + json + " with " + r.fds().size() + " fds");
        }
        long base = Long.parseLong(m.group(1));
        long size = Long.parseLong(m.group(2));
        int pid = Integer.parseInt(m.group(3));
        HandOver h = new HandOver(r.fds().get(0), List.of(r.fds().get(1)),
                List.of(new RegionSpec(0, size, base, 0, 0, 4096)), pid, true);
        GuestMemory mem = GuestMemory.attach(h, Registration.ZAP);
        return new ChildGuest(p, mem, pages, listener, conn);
    }

    /** Sends one command and returns the child's reply line (null if it died). */
    String command(String cmd) {
        conn.send((cmd + "\n").getBytes(StandardCharsets.UTF_8));
        StringBuilder sb = new StringBuilder();
        while (true) {
            UnixSocket.Received r = conn.receive(256, 0);
            if (r.data().length == 0) {
                return null;
            }
            sb.append(new String(r.data(), StandardCharsets.UTF_8));
            if (sb.indexOf("\n") >= 0) {
                return sb.toString().trim();
            }
        }
    }

    /** The checksum the child computes for page {@code i} of its initial pattern. */
    static long expectedSum(long page) {
        long sum = 0;
        for (int j = 0; j < 4096; j++) {
            sum = sum * 31 + ((page * 7 + j) & 0xff);
        }
        return sum;
    }

    @Override
    public void close() throws Exception {
        try {
            if (process.isAlive()) {
                command("q");
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            process.destroyForcibly();
            conn.close();
            listener.close();
        }
    }
}
