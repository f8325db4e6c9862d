package io.coldtier.bench.peers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Owns {@code /dev/zram0} as swap for the length of a benchmark: refuses it if it is in use (listed in
 * /proc/swaps or with a non-zero disksize), picks lz4 if the kernel lists it else lzo-rle, sets disksize,
 * runs {@code mkswap} and {@code swapon}. {@link #close()} runs {@code swapoff} and resets the device;
 * it is idempotent and safe to call from a shutdown hook.
 */
final class ZramSwap implements AutoCloseable {
    private final Path sys;
    private final String dev;
    private final String algorithm;
    private boolean configured;
    private boolean swapOn;
    private boolean closed;

    private ZramSwap(Path sys, String dev, String algorithm) {
        this.sys = sys;
        this.dev = dev;
        this.algorithm = algorithm;
    }

    /** Chooses lz4 if listed in comp_algorithm, else lzo-rle, else the current (bracketed) one. */
    static String chooseAlgorithm(String compAlgorithm) {
        List<String> names = List.of(compAlgorithm.replace("[", "").replace("]", "").strip().split("\\s+"));
        if (names.contains("lz4")) {
            return "lz4";
        }
        if (names.contains("lzo-rle")) {
            return "lzo-rle";
        }
        int b = compAlgorithm.indexOf('[');
        return b >= 0 ? compAlgorithm.substring(b + 1, compAlgorithm.indexOf(']')) : names.getFirst();
    }

    static ZramSwap open(long diskBytes) {
        Path sys = Path.of("/sys/block/zram0");
        String dev = "/dev/zram0";
        if (!Files.isDirectory(sys) || !Files.exists(Path.of(dev))) {
            throw new IllegalStateException("no zram0 (modprobe zram)");
        }
        if (Sys.read(Path.of("/proc/swaps")).contains(dev)) {
            throw new IllegalStateException(dev + " is already swap (listed in /proc/swaps); not touching it");
        }
        if (Long.parseLong(Sys.read(sys.resolve("disksize")).strip()) != 0) {
            throw new IllegalStateException(dev + " is initialised (disksize != 0), maybe in use; not touching it");
        }
        ZramSwap z = new ZramSwap(sys, dev, chooseAlgorithm(Sys.read(sys.resolve("comp_algorithm"))));
        try {
            z.configured = true; // from here on close() must reset
            Sys.write(sys.resolve("comp_algorithm"), z.algorithm);
            Sys.write(sys.resolve("disksize"), Long.toString(diskBytes));
            Sys.run(List.of("mkswap", dev));
            Sys.run(List.of("swapon", "-p", "100", dev));
            z.swapOn = true;
            return z;
        } catch (RuntimeException e) {
            z.close();
            throw e;
        }
    }

    String algorithm() {
        return algorithm;
    }

    ZramMmStat mmStat() {
        return ZramMmStat.parse(Sys.read(sys.resolve("mm_stat")));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        if (swapOn || Sys.read(Path.of("/proc/swaps")).contains(dev)) {
            try {
                Sys.run(List.of("swapoff", dev));
            } catch (RuntimeException e) {
                first = e;
            }
        }
        if (configured) {
            try {
                Sys.write(sys.resolve("reset"), "1");
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
