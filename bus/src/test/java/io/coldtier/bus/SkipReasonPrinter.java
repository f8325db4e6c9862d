package io.coldtier.bus;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints why a test or test class was skipped. Surefire/Failsafe only count skips on the console
 * and keep the reason in {@code target/*-reports/TEST-*.xml}; with this listener (registered in
 * {@code META-INF/services}) e.g. "disabledWithoutDocker is true and Docker is not available"
 * shows up in the build output.
 */
public final class SkipReasonPrinter implements TestExecutionListener {
    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        System.out.println("SKIPPED " + test.getDisplayName() + ": " + reason);
    }
}
