package dev.jdax.cli;

import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.cli.xfsio.XfsIoOutput;
import dev.jdax.cli.xfsio.XfsIoProcess;

/**
 * xfs_io's commands run on a file system a test has mounted (its root opened read-only), with what
 * they printed, stdout and stderr in order, and the exit code: for tests that run commands beside
 * other threads of the same mount, which {@code jdax io} (a mount of its own) cannot.
 */
record XfsIoRun(String output, int exitCode) {
    static XfsIoRun on(FileSystem fs, String... commands) throws Exception {
        StringBuilder sb = new StringBuilder();
        XfsIoOutput out = new XfsIoOutput() {
            @Override
            public void out(String line) {
                sb.append(line).append('\n');
            }

            @Override
            public void err(String line) {
                sb.append(line).append('\n');
            }
        };
        try (XfsIoProcess p = new XfsIoProcess(fs, out)) {
            p.open("/", OpenFlags.O_RDONLY);
            for (String c : commands) {
                p.execute(c);
            }
            return new XfsIoRun(sb.toString(), p.exitCode());
        }
    }
}
