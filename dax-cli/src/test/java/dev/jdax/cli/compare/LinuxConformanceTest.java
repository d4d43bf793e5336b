package dev.jdax.cli.compare;

import dev.jdax.api.fs.FileSystemTypes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every scenario of the catalogue through {@code jdax io} on one personality, beside Linux 6.1's own
 * output: every cell is equal to Linux or a difference declared (with its reason) in
 * declared-differences.txt. What {@code jdax compare --strict} checks, per personality.
 */
class LinuxConformanceTest {

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "ext4:dioread_nolock", "xfs"})
    void everyCellEqualsLinuxOrIsADeclaredDifference(String label) throws Exception {
        PersonalityConfig config = PersonalityConfig.parseList(label).get(0);
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(config.type())),
                config.type() + " is not on the class path");
        Catalog catalog = Catalog.load();
        Comparison c = Comparison.run(catalog, catalog.scenarios(), List.of(config), 2, p -> { });
        List<String> undeclared = new ArrayList<>();
        java.util.Set<DeclaredDifferences.Declaration> used = new java.util.HashSet<>();
        java.util.Set<String> notRun = new java.util.HashSet<>();
        int declared = 0;
        for (Comparison.Table t : c.tables()) {
            if (t.errors().values().stream().anyMatch(e -> e.startsWith("mke2fs: not installed"))) {
                // A "# mke2fs:" scenario on a machine without e2fsprogs: skipped, as the ext4 tests that need it are.
                System.out.printf("%s: %s not run (no mke2fs)%n", label, t.scenario().name());
                notRun.add(t.scenario().name());
                continue;
            }
            for (var err : t.errors().entrySet()) {
                // Linux could not run it either (ext2 knows no dax=never): nothing to differ from.
                if (catalog.linuxOutput(config.linuxConfig(), t.scenario().name()).isPresent()) {
                    undeclared.add(t.scenario().name() + ": could not run: " + err.getValue());
                }
            }
            for (Comparison.Row r : t.rows()) {
                Comparison.Cell cell = r.cells().get(config.label());
                if (cell.status() == Comparison.Status.DIFFERS) {
                    undeclared.add(t.scenario().name() + " " + r.key() + " `" + r.command() + "`: jdax " + cell.jdax()
                            + " / Linux " + cell.linux());
                } else if (cell.status() == Comparison.Status.DECLARED) {
                    declared++;
                    catalog.declared().all().stream().filter(d -> d.matches(t.scenario().name(), config.label(), r.key()))
                            .findFirst().ifPresent(used::add);
                }
            }
        }
        Comparison.Agreement a = c.agreement().get(0);
        System.out.printf("%s: %d of %d cells equal to Linux, %d declared differences%n", label, a.equal(), a.compared(), declared);
        assertTrue(undeclared.isEmpty(), undeclared.size() + " undeclared differences from Linux 6.1:\n" + String.join("\n", undeclared));
        // A declaration of this configuration that no differing cell needs is stale: jdax agrees there now.
        List<String> stale = catalog.declared().all().stream()
                .filter(d -> d.config().equals(config.label()) && !used.contains(d) && !notRun.contains(d.scenario())
                        && catalog.scenarios().stream().anyMatch(s -> s.name().equals(d.scenario()) || d.scenario().equals("*")))
                .map(d -> d.scenario() + " " + d.config() + " " + d.row()).toList();
        assertTrue(stale.isEmpty(), "declared differences where jdax now agrees with Linux (remove them):\n" + String.join("\n", stale));
    }
}
