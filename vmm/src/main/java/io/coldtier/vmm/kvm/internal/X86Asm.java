package io.coldtier.vmm.kvm.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A tiny x86-64 encoder for the guest program: exactly the instructions {@link GuestCode} needs,
 * each encoded by hand from the Intel SDM opcode tables, with a listing line per instruction (the
 * GNU {@code as} Intel-syntax spelling plus the caller's comment).
 *
 * <p>Encoding choices are fixed so the output is byte-for-byte what GNU as produces for the
 * listing: memory operands always use a 32-bit displacement ({@code {disp32}}, ModRM mod=10),
 * branches always use rel32, register-to-register ALU forms use the "r/m, reg" opcodes (01, 29,
 * 31, 39, 89), and a shift by one uses D1. X86AsmTest assembles the listing with GNU as and
 * compares.
 *
 * <p>REX prefix: {@code 0100WRXB}; W selects 64-bit operands, R/X/B extend ModRM.reg, SIB.index
 * and ModRM.rm/SIB.base to r8–r15.
 */
public final class X86Asm {
    /** General-purpose registers by hardware number (rax = 0 … r15 = 15). */
    public enum Reg {
        RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15;

        int code() {
            return ordinal();
        }

        String q() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The 32-bit name: eax … edi, r8d … r15d. */
        String d() {
            return ordinal() < 8 ? "e" + q().substring(1) : q() + "d";
        }
    }

    /** Condition codes for {@code Jcc rel32} ({@code 0F 80+cc}). */
    public enum Cond {
        B(0x2, "jb"), AE(0x3, "jae"), E(0x4, "je"), NE(0x5, "jne"), BE(0x6, "jbe"), A(0x7, "ja");

        final int cc;
        final String mnemonic;

        Cond(int cc, String mnemonic) {
            this.cc = cc;
            this.mnemonic = mnemonic;
        }
    }

    /** A memory operand {@code [base + index*8 + disp]}; {@code index} may be null. */
    public record Mem(Reg base, Reg index, int disp) {
        public Mem {
            if (index == Reg.RSP) {
                throw new IllegalArgumentException("rsp cannot be an index register");
            }
        }

        String gas() {
            String idx = index == null ? "" : "+" + index.q() + "*8";
            String d = disp < 0 ? "-0x" + Integer.toHexString(-disp) : "+0x" + Integer.toHexString(disp);
            return "qword ptr [" + base.q() + idx + d + "]";
        }
    }

    /** A branch target; bound once with {@link #bind}. */
    public static final class Label {
        private final String name;
        private int position = -1;

        private Label(String name) {
            this.name = name;
        }
    }

    /** One listing line: an instruction (or a label when {@code length} is 0). */
    public record Line(int offset, int length, String gas, String comment) {}

    private record Fixup(int at, Label target) {}

    private static final int REX = 0x40, REX_W = 0x08, REX_R = 0x04, REX_X = 0x02, REX_B = 0x01;

    private byte[] code = new byte[256];
    private int size;
    private final List<Line> lines = new ArrayList<>();
    private final List<Fixup> fixups = new ArrayList<>();
    private final List<Label> labels = new ArrayList<>();

    public static Mem mem(Reg base, int disp) {
        return new Mem(base, null, disp);
    }

    /** {@code [base + index*8]}: element {@code index} of a {@code u64} array at {@code base}. */
    public static Mem elem(Reg base, Reg index) {
        return new Mem(base, index, 0);
    }

    public Label label(String name) {
        Label l = new Label(name);
        labels.add(l);
        return l;
    }

    public void bind(Label l) {
        if (l.position >= 0) {
            throw new IllegalStateException("label " + l.name + " bound twice");
        }
        l.position = size;
        lines.add(new Line(size, 0, l.name + ":", ""));
    }

    // ---- data movement ----

    /** {@code mov dst, src} (64-bit): REX.W 89 /r, src in ModRM.reg. */
    public void mov(Reg dst, Reg src, String comment) {
        int at = size;
        rr(true, 0x89, src.code(), dst.code());
        line(at, "mov " + dst.q() + ", " + src.q(), comment);
    }

    /** {@code mov dst, [m]}: REX.W 8B /r. */
    public void load(Reg dst, Mem m, String comment) {
        int at = size;
        rm(0x8B, dst.code(), m);
        line(at, "{disp32} mov " + dst.q() + ", " + m.gas(), comment);
    }

    /** {@code mov [m], src}: REX.W 89 /r. */
    public void store(Mem m, Reg src, String comment) {
        int at = size;
        rm(0x89, src.code(), m);
        line(at, "{disp32} mov " + m.gas() + ", " + src.q(), comment);
    }

    /** {@code mov qword [m], imm32} (sign-extended): REX.W C7 /0 id. */
    public void storeImm(Mem m, int imm, String comment) {
        int at = size;
        rm(0xC7, 0, m);
        emit32(imm);
        line(at, "{disp32} mov " + m.gas() + ", " + hex(imm), comment);
    }

    /** {@code movabs dst, imm64}: REX.W B8+rd io. */
    public void movImm64(Reg dst, long imm, String comment) {
        int at = size;
        emit(REX | REX_W | (dst.code() >> 3));
        emit(0xB8 + (dst.code() & 7));
        emit64(imm);
        line(at, "movabs " + dst.q() + ", 0x" + Long.toHexString(imm), comment);
    }

    /** {@code mov dst32, src32}: 89 /r, zero-extends into the upper half of dst. */
    public void mov32(Reg dst, Reg src, String comment) {
        int at = size;
        rr(false, 0x89, src.code(), dst.code());
        line(at, "mov " + dst.d() + ", " + src.d(), comment);
    }

    /** {@code xor r32, r32}: 31 /r, the idiomatic way to zero a whole 64-bit register. */
    public void zero(Reg r, String comment) {
        int at = size;
        rr(false, 0x31, r.code(), r.code());
        line(at, "xor " + r.d() + ", " + r.d(), comment);
    }

    // ---- arithmetic ----

    /** {@code add dst, src}: REX.W 01 /r. */
    public void add(Reg dst, Reg src, String comment) {
        alu(0x01, "add", dst, src, comment);
    }

    /** {@code xor dst, src}: REX.W 31 /r. */
    public void xor(Reg dst, Reg src, String comment) {
        alu(0x31, "xor", dst, src, comment);
    }

    /** {@code cmp a, b} (flags of a - b): REX.W 39 /r with b in ModRM.reg. */
    public void cmp(Reg a, Reg b, String comment) {
        alu(0x39, "cmp", a, b, comment);
    }

    /** {@code add dst, [m]}: REX.W 03 /r. */
    public void add(Reg dst, Mem m, String comment) {
        int at = size;
        rm(0x03, dst.code(), m);
        line(at, "{disp32} add " + dst.q() + ", " + m.gas(), comment);
    }

    /** {@code cmp r, [m]} (flags of r - [m]): REX.W 3B /r. */
    public void cmp(Reg r, Mem m, String comment) {
        int at = size;
        rm(0x3B, r.code(), m);
        line(at, "{disp32} cmp " + r.q() + ", " + m.gas(), comment);
    }

    /** {@code imul dst, src} (low 64 bits of the product): REX.W 0F AF /r, dst in ModRM.reg. */
    public void imul(Reg dst, Reg src, String comment) {
        int at = size;
        emit(REX | REX_W | rexR(dst.code()) | rexB(src.code()));
        emit(0x0F);
        emit(0xAF);
        emit(0xC0 | (dst.code() & 7) << 3 | (src.code() & 7));
        line(at, "imul " + dst.q() + ", " + src.q(), comment);
    }

    /** {@code imul dst, [m]}: REX.W 0F AF /r. */
    public void imul(Reg dst, Mem m, String comment) {
        int at = size;
        emit(REX | REX_W | rexR(dst.code()) | rexX(m) | rexB(m.base().code()));
        emit(0x0F);
        emit(0xAF);
        modrmMem(dst.code(), m);
        line(at, "{disp32} imul " + dst.q() + ", " + m.gas(), comment);
    }

    /** {@code shl r, imm8}: REX.W C1 /4 ib (D1 /4 for a count of one). */
    public void shl(Reg r, int count, String comment) {
        shift(4, "shl", r, count, comment);
    }

    /** {@code shr r, imm8}: REX.W C1 /5 ib (D1 /5 for a count of one). */
    public void shr(Reg r, int count, String comment) {
        shift(5, "shr", r, count, comment);
    }

    /** {@code inc r}: REX.W FF /0. */
    public void inc(Reg r, String comment) {
        int at = size;
        rr(true, 0xFF, 0, r.code());
        line(at, "inc " + r.q(), comment);
    }

    /** {@code dec r}: REX.W FF /1. */
    public void dec(Reg r, String comment) {
        int at = size;
        rr(true, 0xFF, 1, r.code());
        line(at, "dec " + r.q(), comment);
    }

    /** {@code inc qword [m]}: REX.W FF /0. */
    public void inc(Mem m, String comment) {
        int at = size;
        rm(0xFF, 0, m);
        line(at, "{disp32} inc " + m.gas(), comment);
    }

    // ---- I/O and control flow ----

    /** {@code out imm8, al}: E6 ib. At CPL3 this needs RFLAGS.IOPL=3, else #GP. */
    public void outAl(int port, String comment) {
        if (port < 0 || port > 0xFF) {
            throw new IllegalArgumentException("port must fit an imm8: " + port);
        }
        int at = size;
        emit(0xE6);
        emit(port);
        line(at, "out " + hex(port) + ", al", comment);
    }

    /** {@code jmp rel32}: E9 cd. */
    public void jmp(Label target, String comment) {
        int at = size;
        emit(0xE9);
        rel32(target);
        line(at, "{disp32} jmp " + target.name, comment);
    }

    /** {@code jcc rel32}: 0F 80+cc cd. */
    public void jcc(Cond c, Label target, String comment) {
        int at = size;
        emit(0x0F);
        emit(0x80 | c.cc);
        rel32(target);
        line(at, "{disp32} " + c.mnemonic + " " + target.name, comment);
    }

    // ---- results ----

    /** The machine code with every branch resolved. */
    public byte[] bytes() {
        byte[] out = Arrays.copyOf(code, size);
        for (Fixup f : fixups) {
            if (f.target().position < 0) {
                throw new IllegalStateException("label " + f.target().name + " never bound");
            }
            int rel = f.target().position - (f.at() + 4);
            for (int i = 0; i < 4; i++) {
                out[f.at() + i] = (byte) (rel >>> (8 * i));
            }
        }
        return out;
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The program as GNU as input (Intel syntax), one instruction per line, no comments. */
    public String gasSource() {
        StringBuilder sb = new StringBuilder(".intel_syntax noprefix\n.code64\n");
        for (Line l : lines) {
            sb.append(l.gas()).append('\n');
        }
        return sb.toString();
    }

    /** A human listing: address, bytes, instruction, comment; addresses start at {@code origin}. */
    public String listing(long origin) {
        byte[] b = bytes();
        StringBuilder sb = new StringBuilder();
        HexFormat hex = HexFormat.ofDelimiter(" ");
        for (Line l : lines) {
            if (l.length() == 0) {
                sb.append(l.gas()).append('\n');
                continue;
            }
            String bytes = hex.formatHex(b, l.offset(), l.offset() + l.length());
            sb.append(String.format("  %6x:  %-32s %-44s ; %s%n", origin + l.offset(), bytes, l.gas(), l.comment()));
        }
        return sb.toString();
    }

    /** The instruction that starts at or spans byte {@code offset}, for fault reports. */
    public Optional<Line> lineAt(int offset) {
        return lines.stream()
                .filter(l -> l.length() > 0 && offset >= l.offset() && offset < l.offset() + l.length())
                .findFirst();
    }

    // ---- encoding helpers ----

    private void alu(int opcode, String mnemonic, Reg dst, Reg src, String comment) {
        int at = size;
        rr(true, opcode, src.code(), dst.code());
        line(at, mnemonic + " " + dst.q() + ", " + src.q(), comment);
    }

    private void shift(int ext, String mnemonic, Reg r, int count, String comment) {
        if (count < 1 || count > 63) {
            throw new IllegalArgumentException("shift count out of range: " + count);
        }
        int at = size;
        rr(true, count == 1 ? 0xD1 : 0xC1, ext, r.code());
        if (count != 1) {
            emit(count);
        }
        line(at, mnemonic + " " + r.q() + ", " + hex(count), comment);
    }

    /** [REX] opcode ModRM(mod=11, reg, rm); the REX byte only when needed (or for 64-bit). */
    private void rr(boolean w, int opcode, int reg, int rm) {
        int rex = (w ? REX_W : 0) | rexR(reg) | rexB(rm);
        if (rex != 0) {
            emit(REX | rex);
        }
        emit(opcode);
        emit(0xC0 | (reg & 7) << 3 | (rm & 7));
    }

    /** REX.W opcode ModRM(mod=10, reg, [m]) [SIB] disp32. */
    private void rm(int opcode, int reg, Mem m) {
        emit(REX | REX_W | rexR(reg) | rexX(m) | rexB(m.base().code()));
        emit(opcode);
        modrmMem(reg, m);
    }

    /**
     * ModRM for {@code [base (+ index*8) + disp32]}: mod=10. rm=100 means "a SIB byte follows",
     * which is required when there is an index, and also when the base is rsp or r12 (their low
     * three bits are 100). SIB = scale(11 = ×8) index base; index 100 = none.
     */
    private void modrmMem(int reg, Mem m) {
        int base = m.base().code() & 7;
        if (m.index() != null) {
            emit(0x80 | (reg & 7) << 3 | 0b100);
            emit(0b11 << 6 | (m.index().code() & 7) << 3 | base);
        } else if (base == 0b100) {
            emit(0x80 | (reg & 7) << 3 | 0b100);
            emit(0x24);
        } else {
            emit(0x80 | (reg & 7) << 3 | base);
        }
        emit32(m.disp());
    }

    private static int rexR(int reg) {
        return (reg >> 3) != 0 ? REX_R : 0;
    }

    private static int rexB(int rm) {
        return (rm >> 3) != 0 ? REX_B : 0;
    }

    private static int rexX(Mem m) {
        return m.index() != null && (m.index().code() >> 3) != 0 ? REX_X : 0;
    }

    private void rel32(Label target) {
        fixups.add(new Fixup(size, target));
        emit32(0);
    }

    private void emit(int b) {
        if (size == code.length) {
            code = Arrays.copyOf(code, size * 2);
        }
        code[size++] = (byte) b;
    }

    private void emit32(int v) {
        for (int i = 0; i < 4; i++) {
            emit(v >>> (8 * i));
        }
    }

    private void emit64(long v) {
        for (int i = 0; i < 8; i++) {
            emit((int) (v >>> (8 * i)));
        }
    }

    private void line(int at, String gas, String comment) {
        lines.add(new Line(at, size - at, gas, comment));
    }

    private static String hex(int v) {
        return v < 0 ? "-0x" + Integer.toHexString(-v) : "0x" + Integer.toHexString(v);
    }
}
