package io.forkj.it.signals;

import io.forkj.signals.Subreaper;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Makes the test JVM a child subreaper for one test class, so orphans of its descendants are adopted by it
 * deterministically, and puts the previous setting back afterwards.
 */
public final class AsSubreaper implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(AsSubreaper.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("was", Subreaper.isEnabled());
        Subreaper.enable();
        assertThat(Subreaper.isEnabled()).isTrue();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!context.getStore(NS).get("was", Boolean.class)) {
            Subreaper.disable();
            assertThat(Subreaper.isEnabled()).isFalse();
        }
    }
}
