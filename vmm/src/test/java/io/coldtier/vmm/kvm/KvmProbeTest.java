package io.coldtier.vmm.kvm;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The probe explains itself when KVM cannot be used; no device is opened successfully here. */
@Tag("unit")
@Timeout(30)
class KvmProbeTest {

    @Test
    void missingDevice_isUnusable_andSaysWhichNodeIsMissing() {
        KvmProbe p = KvmProbe.probe(Path.of("/nonexistent/kvm"));
        assertThat(p.usable()).isFalse();
        assertThat(p.reason()).contains("no /nonexistent/kvm").contains("module not loaded");
        assertThat(p.apiVersion()).isEqualTo(-1);
        assertThat(p.describe()).startsWith("KVM unusable: ");
    }

    @Test
    void aFileThatIsNotKvm_isUnusable_withTheFailingCall(@TempDir Path dir) throws Exception {
        Path notKvm = Files.writeString(dir.resolve("kvm"), "");
        KvmProbe p = KvmProbe.probe(notKvm);
        assertThat(p.usable()).isFalse();
        assertThat(p.reason()).contains("KVM_GET_API_VERSION").contains("ENOTTY");
    }
}
