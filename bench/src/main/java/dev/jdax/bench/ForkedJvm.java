package dev.jdax.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A measurement in a JVM of its own, with this one's class path and {@link ForkArgs}: its output
 * is echoed (progress on long runs) and the lines starting with a prefix are kept for the report.
 * One target per JVM, as JMH forks one per trial: a JVM that ran every target would measure call
 * sites that no program has.
 */
final class ForkedJvm {
    private ForkedJvm() {
    }

    /**
     * Runs {@code mainClass} with {@code args} in a JVM with a heap of {@code heap}; {@return its
     * lines that start with {@code prefix}}. A JVM that exits with an error says so on the console
     * and gives what it printed before.
     */
    static List<String> run(Class<?> mainClass, String heap, List<String> args, String prefix) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ForkArgs.withHeap(heap));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> kept = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                System.out.println(line);
                if (line.startsWith(prefix)) {
                    kept.add(line);
                }
            }
        }
        if (p.waitFor() != 0) {
            System.out.println("# " + mainClass.getSimpleName() + " " + String.join(" ", args) + ": exited with " + p.exitValue());
        }
        return kept;
    }
}
