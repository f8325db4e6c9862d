package io.coldtier.workload;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(10)
class GroundTruthTest {

    @Test
    void cut_returnsPagesMarkedInTheEpoch_thenStartsEmpty() {
        GroundTruth truth = new GroundTruth(200);
        truth.mark(0);
        truth.mark(63);
        truth.mark(64);
        truth.mark(199);
        truth.mark(64);

        GroundTruth.Epoch first = truth.cutEpoch();
        GroundTruth.Epoch second = truth.cutEpoch();

        assertThat(first.pages().toArray()).containsExactly(0, 63, 64, 199);
        assertThat(first.touches()).isEqualTo(5);
        assertThat(first.number()).isZero();
        assertThat(second.pages().isEmpty()).isTrue();
        assertThat(second.touches()).isZero();
        assertThat(truth.currentEpoch()).isEqualTo(2);
    }

    @Test
    void concurrentMarks_areAllCounted() throws InterruptedException {
        GroundTruth truth = new GroundTruth(4096);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int me = t;
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int p = me; p < 4096; p += 4) {
                    truth.mark(p);
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }

        assertThat(truth.cut().getCardinality()).isEqualTo(4096);
    }
}
