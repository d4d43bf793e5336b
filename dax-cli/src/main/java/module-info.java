/** The {@code jdax} command. Personalities are found at run time; none is named here. */
module dev.jdax.cli {
    requires dev.jdax.api;
    requires dev.jdax.vfs;
    requires dev.jdax.pmem;
    requires info.picocli;
    requires org.slf4j;

    uses dev.jdax.api.fs.FileSystemType;

    opens dev.jdax.cli to info.picocli;
    opens dev.jdax.cli.fsx to info.picocli;
    opens dev.jdax.cli.corrupt to info.picocli;
    opens dev.jdax.cli.crash to info.picocli;
    opens dev.jdax.cli.media to info.picocli;
    opens dev.jdax.cli.race to info.picocli;
    opens dev.jdax.cli.stress to info.picocli;
}
