package io.coldtier.cli;

import io.coldtier.linux.KernelCapabilities;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code coldtier probe [--json]}: what this kernel and process can do for coldtier. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {
            "Show what this kernel and process can do for coldtier.",
            "Probes userfaultfd (features, ioctls, how a descriptor can be created), privilege,"
                    + " PAGEMAP_SCAN, huge pages and /dev/kvm, and says which tracking backend (rwp or zap)"
                    + " works for which memory type here, with the reason for every 'no'.",
        })
public final class ProbeCommand implements Callable<Integer> {
    // Injected so output goes to CommandLine.getOut(): tests capture it with setOut, no System.out swap.
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one pretty-printed JSON object instead of the text report.")
    boolean json;

    @Override
    public Integer call() {
        KernelCapabilities caps = KernelCapabilities.probe();
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? ProbeReport.json(caps) : ProbeReport.text(caps));
        out.flush();
        return 0;
    }
}
