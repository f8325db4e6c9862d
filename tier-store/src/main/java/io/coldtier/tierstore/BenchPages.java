package io.coldtier.tierstore;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Page contents for the benchmark mains: 4 KiB whose first 1 KiB is random and the rest a text pattern
 * (about 3.6:1 with LZ4, like the pages measured in stack-notes Q4), LZ4-compressed the way the agent
 * sends them. Not used by the store itself.
 */
final class BenchPages {
    static final int PAGE = 4096;
    private static final LZ4Compressor LZ4 = LZ4Factory.fastestInstance().fastCompressor();

    private BenchPages() {
    }

    static byte[] rawPage(long seed) {
        byte[] raw = new byte[PAGE];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < 1024; i++) {
            raw[i] = (byte) rnd.nextInt(256);
        }
        byte[] text = ("coldtier page " + seed + " ").getBytes(StandardCharsets.US_ASCII);
        for (int i = 1024; i < PAGE; i++) {
            raw[i] = text[i % text.length];
        }
        return raw;
    }

    static StoredPage lz4Page(String vmId, int region, long page, long version) {
        byte[] raw = rawPage(page * 31 + version);
        CRC32C crc = new CRC32C();
        crc.update(raw);
        return StoredPage.lz4(vmId, region, page, version, (int) crc.getValue(), PAGE, LZ4.compress(raw));
    }

    static long sizeOf(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
