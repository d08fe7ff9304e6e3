package io.forkj.it;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Makes the test JVM a child subreaper ({@code prctl(PR_SET_CHILD_SUBREAPER)}, through forkj's own
 * {@link io.forkj.signals.Subreaper}) for one test class, so orphans and daemons it creates are adopted by the test
 * JVM (deterministically, not by init) and can be reaped; puts the previous setting back afterwards.
 */
public final class Subreaper implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Subreaper.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("was", io.forkj.signals.Subreaper.isEnabled());
        io.forkj.signals.Subreaper.enable();
        assertThat(io.forkj.signals.Subreaper.isEnabled()).as("a subreaper now").isTrue();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!context.getStore(NS).get("was", Boolean.class)) {
            io.forkj.signals.Subreaper.disable();
            assertThat(io.forkj.signals.Subreaper.isEnabled()).as("no longer a subreaper").isFalse();
        }
    }
}
