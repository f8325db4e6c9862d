package io.coldtier.faultsource;

/**
 * How a tracking backend makes victims trap during an eviction and releases them after.
 * zap: UFFDIO_WRITEPROTECT on/off over the victim runs. rwp: the whole uffd is already in sync
 * mode (UFFDIO_SET_MODE before the scan), so both are no-ops here.
 */
public interface FreezeControl {
    /** Makes writes to pages {@code [first, first+count)} of {@code r} trap. */
    void freeze(GuestRegion r, long first, long count);

    /** Undoes {@link #freeze} for the run, waking any thread it trapped. */
    void thaw(GuestRegion r, long first, long count);

    /** The zap backend's freeze: uffd-wp markers on non-present pages, the wp bit on present ones. */
    static FreezeControl writeProtect(GuestMemory memory) {
        return new FreezeControl() {
            @Override
            public void freeze(GuestRegion r, long first, long count) {
                memory.uffd().writeProtect(r.pageAddress(first), count * r.pageSize(), true, false);
            }

            @Override
            public void thaw(GuestRegion r, long first, long count) {
                memory.uffd().writeProtect(r.pageAddress(first), count * r.pageSize(), false, false);
            }
        };
    }

    /** For backends whose freeze is global (rwp's SET_MODE). */
    FreezeControl NONE = new FreezeControl() {
        @Override
        public void freeze(GuestRegion r, long first, long count) {
        }

        @Override
        public void thaw(GuestRegion r, long first, long count) {
        }
    };
}
