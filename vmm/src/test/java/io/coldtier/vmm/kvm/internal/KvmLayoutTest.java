package io.coldtier.vmm.kvm.internal;

import io.coldtier.vmm.kvm.internal.struct.KvmCpuid2;
import io.coldtier.vmm.kvm.internal.struct.KvmRegs;
import io.coldtier.vmm.kvm.internal.struct.KvmRun;
import io.coldtier.vmm.kvm.internal.struct.KvmSregs;
import io.coldtier.vmm.kvm.internal.struct.KvmStatsHeader;
import io.coldtier.vmm.kvm.internal.struct.KvmUserspaceMemoryRegion;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The hand-written KVM structs and ABI numbers are tested, not trusted: against pinned values
 * (struct sizes and request numbers from linux/kvm.h, x86-64), and against a C probe that gcc
 * compiles with this machine's headers, printing sizeof/offsetof, every ioctl request, exit
 * reason and capability this module uses.
 */
@Tag("unit")
@Timeout(60)
class KvmLayoutTest {

    /** What the Java side claims, by the C expression the probe prints it under. */
    static Map<String, Long> javaValues() {
        Map<String, Long> m = new LinkedHashMap<>();
        struct(m, "kvm_userspace_memory_region", KvmUserspaceMemoryRegion.LAYOUT,
                "slot", "flags", "guest_phys_addr", "memory_size", "userspace_addr");
        struct(m, "kvm_regs", KvmRegs.LAYOUT, java.util.Arrays.stream(KvmRegs.Reg.values())
                .map(KvmRegs.Reg::cName).toArray(String[]::new));
        struct(m, "kvm_sregs", KvmSregs.LAYOUT, "cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt", "gdt", "idt",
                "cr0", "cr2", "cr3", "cr4", "cr8", "efer", "apic_base", "interrupt_bitmap");
        struct(m, "kvm_segment", KvmSregs.SEGMENT, "base", "limit", "selector", "type", "present", "dpl", "db",
                "s", "l", "g", "avl", "unusable", "padding");
        struct(m, "kvm_dtable", KvmSregs.DTABLE, "base", "limit", "padding");
        struct(m, "kvm_cpuid2", KvmCpuid2.HEADER, "nent", "padding");
        struct(m, "kvm_cpuid_entry2", KvmCpuid2.ENTRY, "function", "index", "flags", "eax", "ebx", "ecx", "edx",
                "padding");
        struct(m, "kvm_stats_header", KvmStatsHeader.LAYOUT, "flags", "name_size", "num_desc", "id_offset",
                "desc_offset", "data_offset");
        struct(m, "kvm_stats_desc", KvmStatsHeader.DESC, "flags", "exponent", "size", "offset", "bucket_size");
        m.put("offsetof(struct kvm_run, immediate_exit)", KvmRun.IMMEDIATE_EXIT_OFFSET);
        m.put("offsetof(struct kvm_run, exit_reason)", KvmRun.EXIT_REASON_OFFSET);
        m.put("offsetof(struct kvm_run, io.direction)", KvmRun.IO_DIRECTION_OFFSET);
        m.put("offsetof(struct kvm_run, io.size)", KvmRun.IO_SIZE_OFFSET);
        m.put("offsetof(struct kvm_run, io.port)", KvmRun.IO_PORT_OFFSET);
        m.put("offsetof(struct kvm_run, io.count)", KvmRun.IO_COUNT_OFFSET);
        m.put("offsetof(struct kvm_run, fail_entry.hardware_entry_failure_reason)", KvmRun.FAIL_ENTRY_REASON_OFFSET);
        m.put("offsetof(struct kvm_run, internal.suberror)", KvmRun.INTERNAL_SUBERROR_OFFSET);
        m.put("offsetof(struct kvm_run, internal.ndata)", KvmRun.INTERNAL_NDATA_OFFSET);
        m.put("offsetof(struct kvm_run, internal.data)", KvmRun.INTERNAL_DATA_OFFSET);
        m.put("offsetof(struct kvm_run, hw.hardware_exit_reason)", KvmRun.HW_EXIT_REASON_OFFSET);
        abi(m);
        return m;
    }

    static void abi(Map<String, Long> m) {
        m.put("KVM_GET_API_VERSION", KvmApi.GET_API_VERSION);
        m.put("KVM_CREATE_VM", KvmApi.CREATE_VM);
        m.put("KVM_CHECK_EXTENSION", KvmApi.CHECK_EXTENSION);
        m.put("KVM_GET_VCPU_MMAP_SIZE", KvmApi.GET_VCPU_MMAP_SIZE);
        m.put("KVM_GET_SUPPORTED_CPUID", KvmApi.GET_SUPPORTED_CPUID);
        m.put("KVM_CREATE_VCPU", KvmApi.CREATE_VCPU);
        m.put("KVM_SET_USER_MEMORY_REGION", KvmApi.SET_USER_MEMORY_REGION);
        m.put("KVM_SET_TSS_ADDR", KvmApi.SET_TSS_ADDR);
        m.put("KVM_RUN", KvmApi.RUN);
        m.put("KVM_GET_REGS", KvmApi.GET_REGS);
        m.put("KVM_SET_REGS", KvmApi.SET_REGS);
        m.put("KVM_GET_SREGS", KvmApi.GET_SREGS);
        m.put("KVM_SET_SREGS", KvmApi.SET_SREGS);
        m.put("KVM_SET_CPUID2", KvmApi.SET_CPUID2);
        m.put("KVM_GET_STATS_FD", KvmApi.GET_STATS_FD);
        m.put("KVM_API_VERSION", (long) KvmApi.API_VERSION);
        m.put("KVM_CAP_USER_MEMORY", (long) KvmApi.CAP_USER_MEMORY);
        m.put("KVM_CAP_SET_TSS_ADDR", (long) KvmApi.CAP_SET_TSS_ADDR);
        m.put("KVM_CAP_EXT_CPUID", (long) KvmApi.CAP_EXT_CPUID);
        m.put("KVM_CAP_NR_VCPUS", (long) KvmApi.CAP_NR_VCPUS);
        m.put("KVM_CAP_MAX_VCPUS", (long) KvmApi.CAP_MAX_VCPUS);
        m.put("KVM_CAP_BINARY_STATS_FD", (long) KvmApi.CAP_BINARY_STATS_FD);
        m.put("KVM_EXIT_UNKNOWN", (long) KvmApi.EXIT_UNKNOWN);
        m.put("KVM_EXIT_IO", (long) KvmApi.EXIT_IO);
        m.put("KVM_EXIT_HLT", (long) KvmApi.EXIT_HLT);
        m.put("KVM_EXIT_MMIO", (long) KvmApi.EXIT_MMIO);
        m.put("KVM_EXIT_SHUTDOWN", (long) KvmApi.EXIT_SHUTDOWN);
        m.put("KVM_EXIT_FAIL_ENTRY", (long) KvmApi.EXIT_FAIL_ENTRY);
        m.put("KVM_EXIT_INTR", (long) KvmApi.EXIT_INTR);
        m.put("KVM_EXIT_INTERNAL_ERROR", (long) KvmApi.EXIT_INTERNAL_ERROR);
        m.put("KVM_EXIT_SYSTEM_EVENT", (long) KvmApi.EXIT_SYSTEM_EVENT);
        m.put("KVM_EXIT_IO_OUT", (long) KvmApi.EXIT_IO_OUT);
    }

    static void struct(Map<String, Long> m, String c, StructLayout layout, String... fields) {
        m.put("sizeof(struct " + c + ")", layout.byteSize());
        for (String f : fields) {
            m.put("offsetof(struct " + c + ", " + f + ")", layout.byteOffset(PathElement.groupElement(f)));
        }
    }

    @Test
    void sizesAndRequests_matchPinnedHeaderValues() {
        Map<String, Long> j = javaValues();
        assertThat(j).containsEntry("sizeof(struct kvm_userspace_memory_region)", 32L)
                .containsEntry("sizeof(struct kvm_regs)", 144L)
                .containsEntry("sizeof(struct kvm_sregs)", 312L)
                .containsEntry("sizeof(struct kvm_segment)", 24L)
                .containsEntry("sizeof(struct kvm_cpuid_entry2)", 40L)
                .containsEntry("sizeof(struct kvm_stats_desc)", 16L)
                .containsEntry("offsetof(struct kvm_run, io.port)", 34L)
                .containsEntry("KVM_SET_USER_MEMORY_REGION", 0x4020AE46L)
                .containsEntry("KVM_GET_SREGS", 0x8138AE83L)
                .containsEntry("KVM_SET_REGS", 0x4090AE82L)
                .containsEntry("KVM_GET_SUPPORTED_CPUID", 0xC008AE05L)
                .containsEntry("KVM_SET_CPUID2", 0x4008AE90L)
                .containsEntry("KVM_RUN", 0xAE80L)
                .containsEntry("KVM_GET_STATS_FD", 0xAECEL);
    }

    @Test
    void everyValue_matchesGccWithTheMachinesHeaders(@TempDir Path dir) throws Exception {
        assumeTrue(Toolchain.onPath("gcc") && Files.exists(Path.of("/usr/include/linux/kvm.h")),
                "gcc or linux/kvm.h missing: only the pinned values are checked");
        Map<String, Long> java = javaValues();
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <linux/kvm.h>\n"
                + "int main(void) {\n");
        java.keySet().forEach(k -> c.append("  printf(\"%llu\\n\", (unsigned long long)(").append(k).append("));\n"));
        c.append("  return 0;\n}\n");
        Path src = dir.resolve("kvm_probe.c");
        Path bin = dir.resolve("kvm_probe");
        Files.writeString(src, c);
        Toolchain.Run cc = Toolchain.run("gcc", "-std=gnu11", "-o", bin.toString(), src.toString());
        assertThat(cc.exitCode()).as(cc.output()).isZero();
        Toolchain.Run run = Toolchain.run(bin.toString());
        assertThat(run.exitCode()).as(run.output()).isZero();

        String[] lines = run.output().strip().split("\n");
        List<String> keys = new ArrayList<>(java.keySet());
        assertThat(lines).hasSize(keys.size());
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            long gcc = Long.parseUnsignedLong(lines[i].strip());
            if (gcc != java.get(keys.get(i))) {
                mismatches.add(keys.get(i) + ": gcc " + gcc + ", Java " + java.get(keys.get(i)));
            }
        }
        assertThat(mismatches).as("%d values compared", keys.size()).isEmpty();
    }
}
