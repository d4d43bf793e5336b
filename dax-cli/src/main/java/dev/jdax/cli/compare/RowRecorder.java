package dev.jdax.cli.compare;

import dev.jdax.cli.xfsio.XfsIoOutput;

import java.util.ArrayList;
import java.util.List;

/** Collects what an xfs_io process prints, one command at a time (stdout and stderr in order). */
final class RowRecorder implements XfsIoOutput {
    private List<String> lines = new ArrayList<>();

    void begin() {
        lines = new ArrayList<>();
    }

    List<String> lines() {
        return lines;
    }

    @Override
    public void out(String line) {
        lines.add(line);
    }

    @Override
    public void err(String line) {
        lines.add(line);
    }
}
