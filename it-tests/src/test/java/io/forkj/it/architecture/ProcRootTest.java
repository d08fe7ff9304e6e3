package io.forkj.it.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One owner of the {@code /proc} root (docs/DESIGN.md, "The /proc root"): no string literal of the production
 * sources of posix-impl, signals and multiprocessing names {@code /proc}, but in {@code ProcFs}. Comments may.
 * A source scan, because a literal leaves no dependency for ArchUnit to see.
 */
class ProcRootTest {
    private static final List<String> MODULES = List.of("posix-impl", "signals", "multiprocessing");
    private static final String OWNER = "posix-impl/src/main/java/io/forkj/posix/internal/proc/ProcFs.java";

    @Test
    void onlyProcFsSpellsOutTheProcRoot() throws IOException {
        Path repository = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        List<String> offenders = new ArrayList<>();
        int scanned = 0;
        boolean ownerSeen = false;
        for (String module : MODULES) {
            Path sources = repository.resolve(module).resolve("src/main/java");
            assertThat(sources).as("production sources of %s", module).isDirectory();
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
                    scanned++;
                    String relative = repository.relativize(file).toString();
                    List<String> literals = stringLiterals(Files.readString(file));
                    if (relative.equals(OWNER)) {
                        ownerSeen = literals.stream().anyMatch(l -> l.equals("/proc"));
                        continue;
                    }
                    literals.stream().filter(l -> l.contains("/proc")).forEach(l -> offenders.add(relative + ": \"" + l + "\""));
                }
            }
        }
        assertThat(scanned).as("source files scanned").isGreaterThan(100);
        assertThat(ownerSeen).as("ProcFs holds the root literal (else this scan looks at the wrong tree)").isTrue();
        assertThat(offenders).as("string literals naming /proc outside ProcFs: build the path with ProcFs").isEmpty();
    }

    @Test
    void theScannerSeesLiteralsButNotComments() {
        String source = "/* \"/proc/a\" */ // \"/proc/b\"\nclass A { String s = \"x\\\"/proc/c\" + '\"' + \"\"\"\n  /proc/d\"\"\"; }";
        assertThat(stringLiterals(source)).containsExactly("x\\\"/proc/c", "\n  /proc/d");
    }

    /** The contents of every string literal and text block of a Java source, escapes left as written. */
    static List<String> stringLiterals(String source) {
        List<String> literals = new ArrayList<>();
        int n = source.length();
        int i = 0;
        while (i < n) {
            char c = source.charAt(i);
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                int start = source.indexOf('\n', i + 3) + 1;
                int end = start;
                while (!source.startsWith("\"\"\"", end) || source.charAt(end - 1) == '\\') {
                    end++;
                }
                literals.add(source.substring(start - 1, end));
                i = end + 3;
            } else if (c == '"' || c == '\'') {
                int end = i + 1;
                while (source.charAt(end) != c) {
                    end += source.charAt(end) == '\\' ? 2 : 1;
                }
                if (c == '"') {
                    literals.add(source.substring(i + 1, end));
                }
                i = end + 1;
            } else {
                i++;
            }
        }
        return literals;
    }
}
