package dev.jdax.cli;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code jdax cat}: a file's bytes, to standard output. */
@Command(name = "cat", mixinStandardHelpOptions = true,
        header = "Write a file inside an image to standard output.", description = "Writes a file inside an image to standard output.")
final class CatCommand implements Callable<Integer> {
    @Parameters(paramLabel = "IMAGE:/path")
    String target;

    @Override
    public Integer call() throws FsException {
        ImageRef ref = ImageRef.parse(target);
        try (ImageSession session = ImageSession.mount(ref.image(), "ro");
             OpenFile f = ref.open(session.fs(), OpenFlags.O_RDONLY, target)) {
            FileCopy.toStream(f, System.out, target);
        }
        return 0;
    }
}
