package io.forkj.it;

import io.forkj.posix.internal.Native;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Makes the test JVM a child subreaper ({@code prctl(PR_SET_CHILD_SUBREAPER)}) for one test class, so orphans
 * and daemons it creates are adopted by the test JVM (deterministically, not by init) and can be reaped; clears
 * the flag afterwards.
 */
public final class Subreaper implements BeforeAllCallback, AfterAllCallback {
    private static final int PR_SET_CHILD_SUBREAPER = 36;

    @Override
    public void beforeAll(ExtensionContext context) {
        assertThat(Native.libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)).as("prctl(PR_SET_CHILD_SUBREAPER, 1)").isZero();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertThat(Native.libc().prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)).as("prctl(PR_SET_CHILD_SUBREAPER, 0)").isZero();
    }
}
