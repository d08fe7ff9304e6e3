package io.forkj.it.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module graph of docs/DESIGN.md, checked on the compiled main classes of every module: the arrows point one
 * way, and an {@code internal} package is used only by the forkj modules built on it. forkj keeps these rules here
 * (The benchmarks module is not on this module's class path; it uses the public API too.) forkj keeps these rules
 * here rather than in {@code module-info.java} qualified exports: every consumer forkj has runs on the class path
 * (SPAWN and standby children, the runnable jar, Maven's test JVMs), where a module descriptor enforces nothing.
 */
class ModuleBoundariesTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.forkj");
        // A rule over nothing passes: make sure every module's classes are really here.
        for (String pkg : new String[] {"io.forkj", "io.forkj.posix", "io.forkj.signals", "io.forkj.multiprocessing",
                "io.forkj.examples"}) {
            assertThat(classes.stream().anyMatch(c -> c.getPackageName().equals(pkg))).as("classes of %s imported", pkg).isTrue();
        }
    }

    @Test
    void theModuleArrowsPointOneWay() {
        layeredArchitecture().consideringOnlyDependenciesInAnyPackage("io.forkj..")
                .layer("native-api").definedBy(DescribedPredicate.describe("package io.forkj",
                        (JavaClass c) -> c.getPackageName().equals("io.forkj")))
                .layer("posix-impl").definedBy("io.forkj.posix..")
                .layer("signals").definedBy("io.forkj.signals..")
                .layer("multiprocessing").definedBy("io.forkj.multiprocessing..")
                .layer("examples").definedBy("io.forkj.examples..")
                .whereLayer("examples").mayNotBeAccessedByAnyLayer()
                .whereLayer("multiprocessing").mayOnlyBeAccessedByLayers("examples")
                .whereLayer("signals").mayOnlyBeAccessedByLayers("multiprocessing", "examples")
                .whereLayer("posix-impl").mayOnlyBeAccessedByLayers("signals", "multiprocessing", "examples")
                .check(classes);
    }

    @Test
    void posixInternalsServeOnlyTheModulesBuiltOnThem() {
        noClasses().that().resideOutsideOfPackages("io.forkj.posix..", "io.forkj.signals..", "io.forkj.multiprocessing..")
                .should().dependOnClassesThat().resideInAPackage("io.forkj.posix.internal..")
                .because("io.forkj.posix.internal is not API: the demos, the command line and the benchmarks use the public API")
                .check(classes);
    }

    @Test
    void signalsInternalsServeOnlyTheModulesBuiltOnThem() {
        noClasses().that().resideOutsideOfPackages("io.forkj.signals..", "io.forkj.multiprocessing..")
                .should().dependOnClassesThat().resideInAPackage("io.forkj.signals.internal..")
                .check(classes);
    }

    @Test
    void multiprocessingInternalsStayInTheirModule() {
        noClasses().that().resideOutsideOfPackage("io.forkj.multiprocessing..")
                .should().dependOnClassesThat().resideInAPackage("io.forkj.multiprocessing.internal..")
                .check(classes);
    }

    @Test
    void publicApiMethodsNeitherTakeNorReturnInternalTypes() {
        methods().that().arePublic().and().areDeclaredInClassesThat().arePublic()
                .and().areDeclaredInClassesThat().resideOutsideOfPackage("..internal..")
                .should().notHaveRawReturnType(resideInAPackage("..internal.."))
                .andShould().notHaveRawParameterTypes(DescribedPredicate.describe("an internal type",
                        (java.util.List<JavaClass> params) -> params.stream().anyMatch(p -> p.getPackageName().contains(".internal"))))
                .check(classes);
    }
}
