package io.forkj.it.mp;

import io.forkj.it.Kernel;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks that a test leaves no more fds open in the test JVM than it found. Counted, not compared as a set: a
 * standby JVM started in the background to replace the one a test used holds as many fds as its predecessor, under
 * other numbers, and the standby machinery may close one of its own meanwhile; a connection left open would make the
 * count grow. (A class that uses STANDBY starts one standby child before its first test, so that the pool's own fds
 * exist when this first counts.)
 */
final class NoFdLeft implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoFdLeft.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("before", fds().size());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        int before = context.getStore(NS).get("before", Integer.class);
        assertThat(Kernel.await(Duration.ofSeconds(20), () -> fds().size() <= before))
                .as("%d fds after the test (%s), at most as many as before (%d)", fds().size(), fds(), before).isTrue();
    }

    private static Set<String> fds() {
        return new HashSet<>(Kernel.ownFds());
    }
}
