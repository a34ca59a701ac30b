package sinkscope.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system for {@code file:} paths (the local profile's {@code spark.hadoop.fs.file.impl}),
 * without checksum files and without a process per permission change.
 *
 * <p>{@link RawLocalFileSystem} (no {@code .crc} files beside every file, unlike Hadoop's default
 * {@code LocalFileSystem}) sets the permission of every directory and file it creates; without Hadoop's native
 * library it does so by running {@code chmod}, about a dozen processes per Parquet table written. Here the same
 * permission is set with {@link Files#setPosixFilePermissions}; permissions with a sticky bit, and file systems
 * without POSIX permissions, still go to Hadoop's own implementation.
 */
public final class NioLocalFileSystem extends RawLocalFileSystem {
    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
        if (permission.getStickyBit()) {
            super.setPermission(p, permission);
            return;
        }
        try {
            Files.setPosixFilePermissions(pathToFile(p).toPath(), PosixFilePermissions.fromString(permission.toString()));
        } catch (UnsupportedOperationException e) {
            super.setPermission(p, permission);
        }
    }
}
