package io.coldtier.vmm.kvm.internal;

import io.coldtier.vmm.kvm.internal.X86Asm.Cond;
import io.coldtier.vmm.kvm.internal.X86Asm.Label;
import io.coldtier.vmm.kvm.internal.X86Asm.Reg;

import static io.coldtier.vmm.kvm.internal.X86Asm.Reg.RAX;
import static io.coldtier.vmm.kvm.internal.X86Asm.Reg.RBP;
import static io.coldtier.vmm.kvm.internal.X86Asm.Reg.RBX;
import static io.coldtier.vmm.kvm.internal.X86Asm.Reg.RCX;
import static io.coldtier.vmm.kvm.internal.X86Asm.Reg.RDI;
import static io.coldtier.vmm.kvm.internal.X86Asm.Reg.RDX;
import static io.coldtier.vmm.kvm.internal.X86Asm.Reg.RSI;
import static io.coldtier.vmm.kvm.internal.X86Asm.elem;
import static io.coldtier.vmm.kvm.internal.X86Asm.mem;

/**
 * The guest program: 64-bit user-mode (CPL3) code that walks this vCPU's slice of data pages and
 * verifies every page before it writes it. Generated once per pattern with {@link X86Asm}; the
 * same code page serves every vCPU (each gets its control block address in rdi).
 *
 * <p>Per data page the guest keeps three words: {@code [0] = gpa ^ TAG_MAGIC},
 * {@code [8] = [4088] = write count}, and the write count again in its shadow array (a separate
 * guest region). A touch checks all three against the expected values, then increments the count
 * in all three places. A page that comes back from an eviction with the wrong bytes (zeros, a
 * stale copy, another page, a half copy) fails the check; the guest counts the error, records the
 * page, repairs the tag and carries on from the shadow count, so one corruption counts once.
 *
 * <p>Register plan (all state lives in registers; memory is touched only for pages and reports):
 * <pre>
 * r15 control block     r14 slice base GPA     r13 slice pages n     r12 shadow base
 * r11 xorshift64 state  r10 ops done           r9  ops to next report r8  TAG_MAGIC
 * rbx sequential cursor rdi hot-set base       rbp ops to next phase  rax rcx rdx rsi scratch
 * </pre>
 */
public final class GuestCode {
    private static final Reg CTRL = Reg.R15, BASE = Reg.R14, PAGES = Reg.R13, SHADOW = Reg.R12,
            RNG = Reg.R11, OPS = Reg.R10, TO_REPORT = Reg.R9, MAGIC = Reg.R8;

    /** Where the code page sits in guest-physical (and guest-virtual) memory. */
    public static final long CODE_GPA = 0x1000;
    public static final int MAX_BYTES = 4096;

    private final X86Asm a = new X86Asm();
    private final Label initLoop = a.label("init_loop");
    private final Label main = a.label("main");
    private final Label touch = a.label("touch");
    private final Label good = a.label("good");
    private final Label bad = a.label("bad");
    private final Label noPhase = a.label("no_phase");
    private final Label keepHot = a.label("keep_hot");
    private final Label cold = a.label("cold");

    private GuestCode() {}

    /** The program for the sequential sweep ({@code hotCold == false}) or the hot-cold pattern. */
    public static X86Asm build(boolean hotCold) {
        GuestCode g = new GuestCode();
        g.prologue();
        g.initSlice();
        g.enterRun();
        if (hotCold) {
            g.pickHotCold();
        } else {
            g.pickSequential();
        }
        g.touchAndVerify();
        if (hotCold) {
            g.phaseChange();
        }
        g.countAndReport();
        g.badPage();
        if (g.a.bytes().length > MAX_BYTES) {
            throw new IllegalStateException("guest program outgrew its page: " + g.a.bytes().length + " bytes");
        }
        return g.a;
    }

    private void prologue() {
        a.mov(CTRL, RDI, "r15 = control block (the host puts its GPA in rdi)");
        a.load(BASE, mem(CTRL, CtrlBlock.SLICE_BASE), "r14 = GPA of the first page of this slice");
        a.load(PAGES, mem(CTRL, CtrlBlock.SLICE_PAGES), "r13 = pages in the slice");
        a.load(SHADOW, mem(CTRL, CtrlBlock.SHADOW_BASE), "r12 = shadow counters of the slice");
        a.load(RNG, mem(CTRL, CtrlBlock.SEED), "r11 = xorshift64 state");
        a.movImm64(MAGIC, CtrlBlock.TAG_MAGIC, "r8 = tag magic");
        a.zero(RAX, "page index i = 0");
    }

    /** Stamps every page of the slice with its tag and count 0, and zeroes the shadow counters. */
    private void initSlice() {
        a.bind(initLoop);
        pageAddress("rdx = GPA of page i");
        a.mov(RCX, RDX, "rcx = gpa");
        a.xor(RCX, MAGIC, "rcx = tag = gpa ^ magic");
        a.store(mem(RDX, CtrlBlock.PAGE_TAG), RCX, "page.tag = tag");
        a.storeImm(mem(RDX, CtrlBlock.PAGE_COUNTER), 0, "page.count = 0");
        a.storeImm(mem(RDX, CtrlBlock.PAGE_TAIL), 0, "page.tail = 0");
        a.storeImm(elem(SHADOW, RAX), 0, "shadow[i] = 0");
        a.inc(RAX, "i++");
        a.cmp(RAX, PAGES, "i < n ?");
        a.jcc(Cond.B, initLoop, "next page");
        a.storeImm(mem(CTRL, CtrlBlock.STATE), CtrlBlock.STATE_INITIALIZED, "state = initialised");
        a.outAl(CtrlBlock.PORT_INIT_DONE, "exit to the host: slice initialised");
    }

    private void enterRun() {
        a.zero(OPS, "ops = 0");
        a.load(TO_REPORT, mem(CTRL, CtrlBlock.REPORT_EVERY), "r9 = ops until the next report");
        a.load(RBP, mem(CTRL, CtrlBlock.PHASE_OPS), "rbp = ops until the next phase change");
        a.zero(RBX, "sequential cursor = 0");
        a.zero(RDI, "hot set starts at page 0");
        a.store(mem(CTRL, CtrlBlock.HOT_BASE), RDI, "publish hot base");
        a.storeImm(mem(CTRL, CtrlBlock.STATE), CtrlBlock.STATE_RUNNING, "state = running");
        a.bind(main);
    }

    /** rax = cursor; cursor = (cursor + 1) mod n. */
    private void pickSequential() {
        a.mov(RAX, RBX, "rax = page index to touch");
        a.inc(RBX, "cursor++");
        a.cmp(RBX, PAGES, "cursor < n ?");
        a.jcc(Cond.B, touch, "yes: touch rax");
        a.zero(RBX, "no: wrap to page 0");
        a.jmp(touch, "touch rax");
    }

    /**
     * One xorshift64 step (Marsaglia's 13/7/17 triple), then: 10 high bits decide hot or cold
     * against HOT_THRESHOLD, 32 low bits scaled by a multiply-high pick the page uniformly in
     * the hot set ([hot base, hot base + hot pages)) or in the whole slice ([0, n)).
     */
    private void pickHotCold() {
        a.mov(RCX, RNG, "x = state");
        a.shl(RCX, 13, "x << 13");
        a.xor(RNG, RCX, "state ^= state << 13");
        a.mov(RCX, RNG, "x = state");
        a.shr(RCX, 7, "x >> 7");
        a.xor(RNG, RCX, "state ^= state >> 7");
        a.mov(RCX, RNG, "x = state");
        a.shl(RCX, 17, "x << 17");
        a.xor(RNG, RCX, "state ^= state << 17");
        a.mov(RCX, RNG, "x = state");
        a.shr(RCX, 54, "rcx = top 10 bits (0..1023)");
        a.mov32(RAX, RNG, "rax = low 32 bits (zero-extended)");
        a.cmp(RCX, mem(CTRL, CtrlBlock.HOT_THRESHOLD), "hot access?");
        a.jcc(Cond.AE, cold, "no: pick from the whole slice");
        a.imul(RAX, mem(CTRL, CtrlBlock.HOT_PAGES), "rax = r32 * hotPages");
        a.shr(RAX, 32, "rax = uniform in [0, hotPages)");
        a.add(RAX, RDI, "+ hot base");
        a.jmp(touch, "touch rax");
        a.bind(cold);
        a.imul(RAX, PAGES, "rax = r32 * n");
        a.shr(RAX, 32, "rax = uniform in [0, n)");
    }

    /** Verify page rax against its tag and the shadow count, then bump the count everywhere. */
    private void touchAndVerify() {
        a.bind(touch);
        pageAddress("rdx = GPA of page rax");
        a.load(RSI, elem(SHADOW, RAX), "rsi = expected count (shadow[rax])");
        a.mov(RCX, RDX, "rcx = gpa");
        a.xor(RCX, MAGIC, "rcx = expected tag");
        a.cmp(RCX, mem(RDX, CtrlBlock.PAGE_TAG), "tag intact?");
        a.jcc(Cond.NE, bad, "no: corrupt page");
        a.cmp(RSI, mem(RDX, CtrlBlock.PAGE_COUNTER), "count == shadow?");
        a.jcc(Cond.NE, bad, "no: stale or foreign page");
        a.cmp(RSI, mem(RDX, CtrlBlock.PAGE_TAIL), "tail == shadow?");
        a.jcc(Cond.NE, bad, "no: torn page");
        a.bind(good);
        a.inc(RSI, "count + 1");
        a.store(mem(RDX, CtrlBlock.PAGE_COUNTER), RSI, "page.count = count");
        a.store(mem(RDX, CtrlBlock.PAGE_TAIL), RSI, "page.tail = count");
        a.store(elem(SHADOW, RAX), RSI, "shadow[rax] = count");
        a.inc(OPS, "ops++");
    }

    /** Every PHASE_OPS operations: phase++, and the hot set moves by HOT_STRIDE (wrapping to 0). */
    private void phaseChange() {
        a.dec(RBP, "ops until phase change - 1");
        a.jcc(Cond.NE, noPhase, "not yet");
        a.load(RBP, mem(CTRL, CtrlBlock.PHASE_OPS), "reload phase length");
        a.inc(mem(CTRL, CtrlBlock.PHASE), "phase++");
        a.add(RDI, mem(CTRL, CtrlBlock.HOT_STRIDE), "hot base += stride");
        a.mov(RAX, RDI, "rax = hot base");
        a.add(RAX, mem(CTRL, CtrlBlock.HOT_PAGES), "rax = hot base + hot pages");
        a.cmp(RAX, PAGES, "still inside the slice?");
        a.jcc(Cond.BE, keepHot, "yes");
        a.zero(RDI, "no: wrap the hot set to page 0");
        a.bind(keepHot);
        a.store(mem(CTRL, CtrlBlock.HOT_BASE), RDI, "publish hot base");
        a.bind(noPhase);
    }

    /** Every REPORT_EVERY operations: publish ops and exit to the host with OUT. */
    private void countAndReport() {
        a.dec(TO_REPORT, "ops until report - 1");
        a.jcc(Cond.NE, main, "not yet: next op");
        a.store(mem(CTRL, CtrlBlock.OPS), OPS, "publish ops");
        a.outAl(CtrlBlock.PORT_REPORT, "exit to the host: report (it may pause or stop us here)");
        a.load(TO_REPORT, mem(CTRL, CtrlBlock.REPORT_EVERY), "reload report interval");
        a.jmp(main, "next op");
    }

    /** Count, record, repair the tag, continue as if the page had been right (one error per corruption). */
    private void badPage() {
        a.bind(bad);
        a.inc(mem(CTRL, CtrlBlock.ERRORS), "errors++");
        a.store(mem(CTRL, CtrlBlock.LAST_BAD_GPA), RDX, "record the page");
        a.store(mem(CTRL, CtrlBlock.LAST_BAD_EXPECTED), RSI, "record the expected count");
        a.load(RCX, mem(RDX, CtrlBlock.PAGE_COUNTER), "rcx = count found on the page");
        a.store(mem(CTRL, CtrlBlock.LAST_BAD_FOUND), RCX, "record the count found");
        a.mov(RCX, RDX, "rcx = gpa");
        a.xor(RCX, MAGIC, "rcx = expected tag");
        a.store(mem(RDX, CtrlBlock.PAGE_TAG), RCX, "repair the tag");
        a.jmp(good, "write count+1 as usual");
    }

    /** rdx = slice base + rax * 4096. */
    private void pageAddress(String comment) {
        a.mov(RDX, RAX, "rdx = page index");
        a.shl(RDX, 12, "* 4096");
        a.add(RDX, BASE, comment);
    }
}
