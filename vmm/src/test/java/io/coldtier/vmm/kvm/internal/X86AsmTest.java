package io.coldtier.vmm.kvm.internal;

import io.coldtier.vmm.kvm.internal.X86Asm.Cond;
import io.coldtier.vmm.kvm.internal.X86Asm.Label;
import io.coldtier.vmm.kvm.internal.X86Asm.Reg;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.function.Consumer;

import static io.coldtier.vmm.kvm.internal.X86Asm.elem;
import static io.coldtier.vmm.kvm.internal.X86Asm.mem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The hand encoder is tested, not trusted: pinned encodings from the SDM tables for the tricky
 * cases (REX bits, SIB for r12, disp32 forms, rel32 both ways), and the whole guest program
 * reassembled from its own listing by GNU as, byte for byte.
 */
@Tag("unit")
@Timeout(60)
class X86AsmTest {

    static String hex(Consumer<X86Asm> emit) {
        X86Asm a = new X86Asm();
        emit.accept(a);
        return HexFormat.ofDelimiter(" ").formatHex(a.bytes());
    }

    @Test
    void registerForms_encodeRexAndModrm() {
        assertThat(hex(a -> a.mov(Reg.R15, Reg.RDI, ""))).isEqualTo("49 89 ff");
        assertThat(hex(a -> a.mov(Reg.RDX, Reg.RAX, ""))).isEqualTo("48 89 c2");
        assertThat(hex(a -> a.mov32(Reg.RAX, Reg.R11, ""))).isEqualTo("44 89 d8");
        assertThat(hex(a -> a.zero(Reg.RAX, ""))).as("no REX when not needed").isEqualTo("31 c0");
        assertThat(hex(a -> a.zero(Reg.R10, ""))).isEqualTo("45 31 d2");
        assertThat(hex(a -> a.imul(Reg.RAX, Reg.R13, ""))).isEqualTo("49 0f af c5");
        assertThat(hex(a -> a.cmp(Reg.RBX, Reg.R13, ""))).isEqualTo("4c 39 eb");
        assertThat(hex(a -> a.inc(Reg.RAX, ""))).isEqualTo("48 ff c0");
        assertThat(hex(a -> a.dec(Reg.R9, ""))).isEqualTo("49 ff c9");
    }

    @Test
    void shifts_useD1ForACountOfOne() {
        assertThat(hex(a -> a.shl(Reg.RDX, 12, ""))).isEqualTo("48 c1 e2 0c");
        assertThat(hex(a -> a.shr(Reg.RCX, 54, ""))).isEqualTo("48 c1 e9 36");
        assertThat(hex(a -> a.shl(Reg.RCX, 1, ""))).isEqualTo("48 d1 e1");
    }

    @Test
    void memoryForms_alwaysUseDisp32_andSibForR12AndIndex() {
        assertThat(hex(a -> a.load(Reg.R14, mem(Reg.R15, 0), ""))).isEqualTo("4d 8b b7 00 00 00 00");
        assertThat(hex(a -> a.load(Reg.RAX, mem(Reg.R12, 8), ""))).as("r12 base needs SIB 0x24")
                .isEqualTo("49 8b 84 24 08 00 00 00");
        assertThat(hex(a -> a.load(Reg.RSI, elem(Reg.R12, Reg.RAX), ""))).isEqualTo("49 8b b4 c4 00 00 00 00");
        assertThat(hex(a -> a.store(elem(Reg.RDX, Reg.R9), Reg.RCX, ""))).as("REX.X for an r9 index")
                .isEqualTo("4a 89 8c ca 00 00 00 00");
        assertThat(hex(a -> a.storeImm(mem(Reg.RDX, 8), 0, ""))).isEqualTo("48 c7 82 08 00 00 00 00 00 00 00");
        assertThat(hex(a -> a.inc(mem(Reg.R15, 0x88), ""))).isEqualTo("49 ff 87 88 00 00 00");
        assertThat(hex(a -> a.imul(Reg.RAX, mem(Reg.R15, 0x18), ""))).isEqualTo("49 0f af 87 18 00 00 00");
        assertThat(hex(a -> a.movImm64(Reg.R8, 0x636f6c6474696572L, "")))
                .isEqualTo("49 b8 72 65 69 74 64 6c 6f 63");
    }

    @Test
    void branches_useRel32_forwardAndBackward() {
        assertThat(hex(a -> {
            Label top = a.label("top");
            Label end = a.label("end");
            a.bind(top);
            a.jcc(Cond.NE, end, "");
            a.jmp(top, "");
            a.bind(end);
            a.outAl(0x11, "");
        })).isEqualTo("0f 85 05 00 00 00 e9 f5 ff ff ff e6 11");
    }

    @Test
    void unboundLabel_isRejected() {
        X86Asm a = new X86Asm();
        a.jmp(a.label("nowhere"), "");
        assertThatThrownBy(a::bytes).hasMessageContaining("nowhere");
    }

    @Test
    void rspIndex_isRejected() {
        assertThatThrownBy(() -> elem(Reg.RAX, Reg.RSP)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "hotCold={0}")
    @ValueSource(booleans = {false, true})
    void guestProgram_everyInstructionIsCommented(boolean hotCold) {
        assertThat(GuestCode.build(hotCold).lines())
                .filteredOn(l -> l.length() > 0)
                .allSatisfy(l -> assertThat(l.comment()).as(l.gas()).isNotBlank());
    }

    @ParameterizedTest(name = "hotCold={0}")
    @ValueSource(booleans = {false, true})
    void guestProgram_matchesGnuAsAssemblingItsOwnListing(boolean hotCold, @TempDir Path dir) throws Exception {
        assumeTrue(Toolchain.onPath("as") && Toolchain.onPath("objcopy"), "GNU as/objcopy not on PATH");
        X86Asm program = GuestCode.build(hotCold);
        Path src = dir.resolve("guest.s");
        Path obj = dir.resolve("guest.o");
        Path bin = dir.resolve("guest.bin");
        Files.writeString(src, program.gasSource());
        Toolchain.Run as = Toolchain.run("as", "-o", obj.toString(), src.toString());
        assertThat(as.exitCode()).as(as.output()).isZero();
        Toolchain.Run copy = Toolchain.run("objcopy", "-O", "binary", "-j", ".text", obj.toString(), bin.toString());
        assertThat(copy.exitCode()).as(copy.output()).isZero();

        HexFormat h = HexFormat.ofDelimiter(" ");
        assertThat(h.formatHex(program.bytes())).isEqualTo(h.formatHex(Files.readAllBytes(bin)));
    }
}
