package io.coldtier.schemas;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(30)
class BitmapsTest {

    @Test
    void toBytesThenFromBytes_givesTheSamePages() {
        RoaringBitmap pages = Fixtures.accessedPages();

        assertThat(Bitmaps.fromBytes(Bitmaps.toBytes(pages))).isEqualTo(pages);
        assertThat(Bitmaps.fromBytes(Bitmaps.toBytes(new RoaringBitmap()))).isEqualTo(new RoaringBitmap());
    }

    @Test
    void toBytes_isThePortableFormat_readableByRoaringItself() throws Exception {
        RoaringBitmap pages = Fixtures.accessedPages();
        ByteBuffer bytes = Bitmaps.toBytes(pages);
        byte[] raw = new byte[bytes.remaining()];
        bytes.duplicate().get(raw);

        RoaringBitmap viaStream = new RoaringBitmap();
        viaStream.deserialize(new java.io.DataInputStream(new java.io.ByteArrayInputStream(raw)));

        assertThat(viaStream).isEqualTo(pages);
    }

    @Test
    void toBytes_compressesAContiguousRun_withoutModifyingTheArgument() {
        RoaringBitmap run = new RoaringBitmap();
        run.add(0L, 1L << 20); // a million contiguous cold pages
        boolean hadRuns = run.hasRunCompression();

        ByteBuffer bytes = Bitmaps.toBytes(run);

        assertThat(bytes.remaining()).isLessThan(256);
        assertThat(run.hasRunCompression()).isEqualTo(hadRuns);
    }

    @Test
    void fromBytes_leavesTheBufferPositionAlone() {
        ByteBuffer bytes = Bitmaps.toBytes(Fixtures.accessedPages());
        int before = bytes.position();

        Bitmaps.fromBytes(bytes);

        assertThat(bytes.position()).isEqualTo(before);
    }

    @Test
    void fromBytes_garbage_throwsIllegalArgument() {
        assertThatThrownBy(() -> Bitmaps.fromBytes(ByteBuffer.wrap(new byte[] {1, 2, 3})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not a portable RoaringBitmap");
    }

    @Test
    void fromBytes_truncated_throwsIllegalArgument() {
        ByteBuffer full = Bitmaps.toBytes(Fixtures.accessedPages());
        ByteBuffer cut = full.duplicate().limit(full.limit() - 5);

        assertThatThrownBy(() -> Bitmaps.fromBytes(cut)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fromBytes_trailingBytes_throwsSayingHowMany() {
        ByteBuffer valid = Bitmaps.toBytes(Fixtures.accessedPages());
        ByteBuffer padded = ByteBuffer.allocate(valid.remaining() + 4).put(valid.duplicate()).rewind();

        assertThatThrownBy(() -> Bitmaps.fromBytes(padded))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 trailing bytes");
    }
}
