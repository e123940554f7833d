package org.vmrole.host.nbd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One client of an {@link NbdServer}: the option haggling, then requests. Reads and writes run
 * concurrently; a FLUSH is answered only after every write, trim and zeroing received before it has
 * been answered, which (since the device acknowledges a write only once it is durable) makes the
 * flush a true barrier.
 *
 * <p>The connection's own (platform) thread reads the requests and answers at once a read whose bytes the device holds
 * in memory ({@link BlockDevice#readIfReady}): a sequential stream served from read-ahead windows then costs no hand-off
 * to another thread per request. Other requests run on virtual threads. Replies are written to the channel with one
 * gathering write each, from the device's buffer itself (a direct one is sent without a copy in the JDK).
 */
final class NbdConnection {
    private static final Logger LOG = LoggerFactory.getLogger(NbdConnection.class);
    private static final int MAX_OPTION = 64 * 1024;
    private static final int MAX_IN_FLIGHT = 64;

    private final NbdServer server;
    private final SocketChannel socket;
    private final String peer;
    private final DataInputStream in;
    /** The handshake's output; transmission replies go to the channel directly ({@link #reply}). */
    private final DataOutputStream out;
    private final Map<Long, CompletableFuture<Boolean>> pendingWrites = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    /**
     * One reply at a time on the socket. A lock, not {@code synchronized}: a virtual thread waiting for a monitor spins
     * before it parks, and with 8 replies of 1 MiB queued behind a socket write that spinning was a seventh of the CPU
     * a sequential read took (JFR, BENCHMARKS.md drives); a thread waiting for this lock parks.
     */
    private final ReentrantLock replying = new ReentrantLock();
    /** A simple reply's header, reused: guarded by {@link #replying}. */
    private final ByteBuffer replyHeader = ByteBuffer.allocateDirect(16);
    private volatile String exportName;

    NbdConnection(NbdServer server, SocketChannel socket, String peer) {
        this.server = server;
        this.socket = socket;
        this.peer = peer;
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(socket), 256 * 1024));
        this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(socket), 4096));
    }

    String exportName() {
        return exportName;
    }

    void run() {
        try {
            BlockDevice device = handshake();
            if (device != null) transmit(device);
        } catch (EOFException e) {
            LOG.debug("NBD client {} went away", peer);
        } catch (IOException e) {
            if (socket.isOpen()) LOG.info("NBD client {} dropped: {}", peer, e.getMessage());
        } finally {
            close();
        }
    }

    void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /** Answers the options until the client picks an export (returned) or leaves (null). */
    private BlockDevice handshake() throws IOException {
        out.writeLong(Nbd.INIT_PASSWD);
        out.writeLong(Nbd.OPTS_MAGIC);
        out.writeShort(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
        out.flush();
        int clientFlags = in.readInt();
        if ((clientFlags & Nbd.FLAG_C_FIXED_NEWSTYLE) == 0) {
            LOG.info("NBD client {} does not speak fixed newstyle; closing", peer);
            return null;
        }
        boolean noZeroes = (clientFlags & Nbd.FLAG_C_NO_ZEROES) != 0;
        while (true) {
            if (in.readLong() != Nbd.OPTS_MAGIC) return null;
            int option = in.readInt();
            int length = in.readInt();
            if (length < 0 || length > MAX_OPTION) return null;
            byte[] data = in.readNBytes(length);
            if (data.length != length) throw new EOFException();
            switch (option) {
                case Nbd.OPT_EXPORT_NAME -> {
                    String name = new String(data, StandardCharsets.UTF_8);
                    BlockDevice d = server.lookup(name).orElse(null);
                    if (d == null) return null; // the protocol's only answer to an unknown name here is to hang up
                    exportName = name;
                    out.writeLong(d.size());
                    out.writeShort(transmissionFlags(d));
                    if (!noZeroes) out.write(new byte[124]);
                    out.flush();
                    return d;
                }
                case Nbd.OPT_ABORT -> {
                    optionReply(option, Nbd.REP_ACK, new byte[0]);
                    return null;
                }
                case Nbd.OPT_LIST -> {
                    for (String name : server.exportNames()) {
                        byte[] n = name.getBytes(StandardCharsets.UTF_8);
                        optionReply(option, Nbd.REP_SERVER, ByteBuffer.allocate(4 + n.length).putInt(n.length).put(n).array());
                    }
                    optionReply(option, Nbd.REP_ACK, new byte[0]);
                }
                case Nbd.OPT_INFO, Nbd.OPT_GO -> {
                    BlockDevice d = info(option, data);
                    if (d != null && option == Nbd.OPT_GO) return d;
                }
                default -> optionReply(option, Nbd.REP_ERR_UNSUP, utf8("option " + option + " is not supported by the vmrole NBD server"));
            }
        }
    }

    private BlockDevice info(int option, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        if (b.remaining() < 4) return invalid(option, "NBD_OPT_INFO/GO without a name length");
        int nameLength = b.getInt();
        if (nameLength < 0 || b.remaining() < nameLength + 2) return invalid(option, "NBD_OPT_INFO/GO name length " + nameLength + " exceeds the option");
        byte[] n = new byte[nameLength];
        b.get(n);
        int requests = b.getShort() & 0xffff;
        if (b.remaining() != requests * 2) return invalid(option, "NBD_OPT_INFO/GO lists " + requests + " requests but carries " + b.remaining() + " bytes");
        String name = new String(n, StandardCharsets.UTF_8);
        BlockDevice d = server.lookup(name).orElse(null);
        if (d == null) {
            optionReply(option, Nbd.REP_ERR_UNKNOWN, utf8("no export named '" + name + "' on this host"));
            return null;
        }
        optionReply(option, Nbd.REP_INFO, ByteBuffer.allocate(12).putShort((short) Nbd.INFO_EXPORT).putLong(d.size())
                .putShort((short) transmissionFlags(d)).array());
        // 512 is the page size: QEMU then aligns every request itself and the device needs no read-modify-write
        optionReply(option, Nbd.REP_INFO, ByteBuffer.allocate(14).putShort((short) Nbd.INFO_BLOCK_SIZE)
                .putInt(512).putInt(4096).putInt(Nbd.MAX_PAYLOAD).array());
        optionReply(option, Nbd.REP_ACK, new byte[0]);
        if (option == Nbd.OPT_GO) exportName = name;
        return d;
    }

    private BlockDevice invalid(int option, String message) throws IOException {
        optionReply(option, Nbd.REP_ERR_INVALID, utf8(message));
        return null;
    }

    private static int transmissionFlags(BlockDevice d) {
        int flags = Nbd.TFLAG_HAS_FLAGS | Nbd.TFLAG_SEND_FLUSH | Nbd.TFLAG_SEND_FUA;
        if (d.readOnly()) flags |= Nbd.TFLAG_READ_ONLY;
        else flags |= Nbd.TFLAG_SEND_TRIM | Nbd.TFLAG_SEND_WRITE_ZEROES;
        return flags;
    }

    private void optionReply(int option, int type, byte[] data) throws IOException {
        out.writeLong(Nbd.REPLY_MAGIC_OPT);
        out.writeInt(option);
        out.writeInt(type);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void transmit(BlockDevice device) throws IOException {
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            while (true) {
                if (in.readInt() != Nbd.REQUEST_MAGIC) {
                    LOG.info("NBD client {} sent a request without the magic; closing", peer);
                    return;
                }
                in.readShort(); // command flags: FUA needs nothing extra, every write is durable when answered
                int type = in.readShort() & 0xffff;
                long handle = in.readLong();
                long offset = in.readLong();
                int length = in.readInt();
                if (type == Nbd.CMD_DISC) {
                    workers.close(); // answer what is in flight before hanging up
                    return;
                }
                if (length < 0 || Integer.toUnsignedLong(length) > Nbd.MAX_PAYLOAD) {
                    LOG.info("NBD client {} asked for {} bytes, above the advertised maximum; closing", peer, Integer.toUnsignedLong(length));
                    return;
                }
                if (type == Nbd.CMD_READ && readNow(device, handle, offset, length)) continue;
                byte[] payload = null;
                if (type == Nbd.CMD_WRITE) {
                    // read in place: readNBytes would gather 16 KiB chunks and copy them again into an array of its own
                    payload = new byte[length];
                    in.readFully(payload);
                }
                inFlight.acquireUninterruptibly();
                dispatch(workers, device, type, handle, offset, length, payload);
            }
        }
    }

    private void dispatch(ExecutorService workers, BlockDevice device, int type, long handle, long offset, int length, byte[] payload) {
        switch (type) {
            case Nbd.CMD_READ -> workers.execute(() -> read(device, handle, offset, length));
            case Nbd.CMD_WRITE, Nbd.CMD_WRITE_ZEROES, Nbd.CMD_TRIM -> {
                long seq = sequence.incrementAndGet();
                CompletableFuture<Boolean> done = new CompletableFuture<>();
                pendingWrites.put(seq, done);
                workers.execute(() -> {
                    int err = answer(handle, () -> {
                        int e = checkRange(device, offset, length, true);
                        if (e != 0) return new Result(e);
                        switch (type) {
                            case Nbd.CMD_WRITE -> device.write(offset, payload);
                            case Nbd.CMD_WRITE_ZEROES -> device.writeZeroes(offset, length);
                            default -> device.trim(offset, length);
                        }
                        return new Result(0);
                    });
                    pendingWrites.remove(seq);
                    done.complete(err == 0);
                });
            }
            case Nbd.CMD_FLUSH -> {
                List<CompletableFuture<Boolean>> before = new ArrayList<>(pendingWrites.values());
                workers.execute(() -> answer(handle, () -> {
                    boolean allOk = true;
                    for (CompletableFuture<Boolean> w : before) allOk &= w.join();
                    return new Result(allOk ? 0 : Nbd.EIO);
                }));
            }
            default -> workers.execute(() -> answer(handle, () -> new Result(Nbd.EINVAL)));
        }
    }

    private static int checkRange(BlockDevice device, long offset, int length, boolean write) {
        if (write && device.readOnly()) return Nbd.EPERM;
        if (offset < 0 || offset + length > device.size()) return write ? Nbd.ENOSPC : Nbd.EINVAL;
        return 0;
    }

    private record Result(int error) {}

    private interface Work {
        Result run() throws Exception;
    }

    /** Runs one request and sends its reply; answers the error sent. */
    private int answer(long handle, Work work) {
        Result r;
        try {
            r = work.run();
        } catch (Exception e) {
            LOG.warn("NBD request on '{}' failed: {}", exportName, e.getMessage());
            r = new Result(e instanceof IllegalArgumentException ? Nbd.EINVAL : Nbd.EIO);
        } finally {
            inFlight.release();
        }
        reply(handle, r.error(), null);
        return r.error();
    }

    /** Answers a READ on this thread if the device holds its bytes in memory; false when it must be read on a worker. */
    private boolean readNow(BlockDevice device, long handle, long offset, int length) {
        if (checkRange(device, offset, length, false) != 0) return false;
        try {
            return device.readIfReady(offset, length, bytes -> reply(handle, 0, bytes));
        } catch (Exception e) {
            return false; // the worker's read reports it
        }
    }

    /** A READ: its reply is sent from wherever the device hands the bytes over (a read-ahead window: no copy). */
    private void read(BlockDevice device, long handle, long offset, int length) {
        try {
            int err = checkRange(device, offset, length, false);
            if (err != 0) {
                reply(handle, err, null);
                return;
            }
            device.read(offset, length, bytes -> reply(handle, 0, bytes));
        } catch (Exception e) {
            LOG.warn("NBD read on '{}' failed: {}", exportName, e.getMessage());
            reply(handle, e instanceof IllegalArgumentException ? Nbd.EINVAL : Nbd.EIO, null);
        } finally {
            inFlight.release();
        }
    }

    /** Sends a simple reply: the header and, for a successful read, {@code data}'s remaining bytes (left as they were). */
    private void reply(long handle, int error, ByteBuffer data) {
        ByteBuffer body = error == 0 && data != null ? data.duplicate() : ByteBuffer.allocate(0);
        replying.lock();
        try {
            replyHeader.clear().putInt(Nbd.SIMPLE_REPLY_MAGIC).putInt(error).putLong(handle).flip();
            ByteBuffer[] parts = {replyHeader, body};
            while (body.hasRemaining() || replyHeader.hasRemaining()) socket.write(parts);
        } catch (IOException e) {
            close();
        } finally {
            replying.unlock();
        }
    }
}
