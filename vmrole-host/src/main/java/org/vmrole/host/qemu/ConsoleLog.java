package org.vmrole.host.qemu;

import java.io.IOException;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Copies a VM's serial console from QEMU's socket into a log file of capped size: when the file is full
 * it becomes {@code console.log.1} and a new one begins, so a chatty guest never fills the disk.
 */
final class ConsoleLog implements AutoCloseable {
    private final SocketChannel channel;
    private final Path file;
    private final long cap;

    private ConsoleLog(SocketChannel channel, Path file, long cap) {
        this.channel = channel;
        this.file = file;
        this.cap = cap;
    }

    static ConsoleLog attach(Path socket, Path file, long cap) throws IOException {
        ConsoleLog log = new ConsoleLog(SocketChannel.open(UnixDomainSocketAddress.of(socket)), file, cap);
        Thread.ofVirtual().name("console " + file.getParent().getFileName()).start(log::copy);
        return log;
    }

    private void copy() {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        try {
            OutputStream out = open();
            long size = Files.size(file);
            try {
                int n;
                while ((n = channel.read(buf.clear())) >= 0) {
                    if (size + n > cap) {
                        out.close();
                        Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
                        out = open();
                        size = 0;
                    }
                    out.write(buf.array(), 0, n);
                    out.flush();
                    size += n;
                }
            } finally {
                out.close();
            }
        } catch (IOException e) {
            // The VM ended or the driver let go; the log so far stays on disk.
        }
    }

    private OutputStream open() throws IOException {
        return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
