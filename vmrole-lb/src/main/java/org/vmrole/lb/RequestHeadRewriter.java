package org.vmrole.lb;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Follows the HTTP/1.1 requests on a client connection and rewrites their heads: adds
 * {@code X-Forwarded-For: <client address>} when the endpoint asks for it, and once the connection's backend
 * is draining, turns the next request into {@code Connection: close} so the backend answers it and closes, and
 * the client, told so in the response, opens its next connection to a backend in rotation: a keep-alive
 * connection leaves a draining backend without a failed request.
 *
 * <p>Only the request framing is parsed (head end, Content-Length, chunked encoding); bodies stream through
 * as the buffers that arrived, and a head that needs no change is forwarded as a slice, uncopied. Our
 * X-Forwarded-For goes last in the head, so a client-sent one keeps its place before ours in the combined
 * list. Heads that could smuggle a request (both Content-Length and Transfer-Encoding, conflicting lengths,
 * folded lines) close the connection. After a CONNECT or an {@code Upgrade} request the rest of the
 * connection passes untouched.
 */
final class RequestHeadRewriter extends ChannelInboundHandlerAdapter {

    static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final long MAX_CHUNK_SIZE = 1L << 40;
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UPGRADE = "upgrade".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION = "connection".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = "keep-alive".getBytes(StandardCharsets.US_ASCII);
    private static final String[] IDEMPOTENT = {"GET ", "HEAD ", "OPTIONS ", "TRACE ", "PUT ", "DELETE "};
    private static final byte[] CONNECTION_CLOSE = "Connection: close\r\n".getBytes(StandardCharsets.US_ASCII);

    private enum State { HEAD, FIXED_BODY, CHUNK_SIZE, CHUNK_EXTENSION, CHUNK_SIZE_LF, CHUNK_DATA, CHUNK_DATA_CR,
        CHUNK_DATA_LF, TRAILER, TRAILER_LF, TUNNEL }

    private final byte[] forwardedFor;
    private final BooleanSupplier draining;
    private final Runnable closeAsked;
    private final Runnable notIdempotent;
    private final EndpointCounters counters;
    private ByteBuf forwardedForAndEnd;
    private ByteBuf pendingHead;

    private State state = State.HEAD;
    private long remaining;
    private long chunkSize;
    private boolean chunkSizeHasDigit;
    private int trailerLineLength;
    private boolean tunnelAfterBody;
    private boolean askedToClose;

    /**
     * @param clientAddress the address to put in X-Forwarded-For, or null to add none
     * @param draining      whether the backend of this connection is draining now
     * @param closeAsked    told when a request asking the backend to close has been forwarded
     * @param notIdempotent told before a request that must not be sent twice is forwarded (or a tunnel opens)
     */
    RequestHeadRewriter(String clientAddress, BooleanSupplier draining, Runnable closeAsked, Runnable notIdempotent,
                        EndpointCounters counters) {
        this.forwardedFor = clientAddress == null ? new byte[0]
                : ("X-Forwarded-For: " + clientAddress + "\r\n").getBytes(StandardCharsets.US_ASCII);
        this.draining = draining;
        this.closeAsked = closeAsked;
        this.notIdempotent = notIdempotent;
        this.counters = counters;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (forwardedFor.length > 0) {
            forwardedForAndEnd = ctx.alloc().directBuffer(forwardedFor.length + 2).writeBytes(forwardedFor)
                    .writeByte(CR).writeByte(LF);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (forwardedForAndEnd != null) {
            forwardedForAndEnd.release();
        }
        if (pendingHead != null) {
            pendingHead.release();
            pendingHead = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf arrived)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = arrived;
        if (pendingHead != null) {
            pendingHead.writeBytes(arrived);
            arrived.release();
            in = pendingHead;
            pendingHead = null;
        }
        try {
            process(ctx, in);
        } catch (MalformedRequest e) {
            counters.badRequests.increment();
            ctx.close();
        } finally {
            in.release();
        }
    }

    private void process(ChannelHandlerContext ctx, ByteBuf in) {
        while (in.isReadable()) {
            switch (state) {
                case TUNNEL -> forward(ctx, in, in.readableBytes());
                case HEAD -> {
                    if (!readHead(ctx, in)) {
                        return;
                    }
                }
                case FIXED_BODY -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    forward(ctx, in, n);
                    remaining -= n;
                    if (remaining == 0) {
                        endOfMessage();
                    }
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    forward(ctx, in, n);
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_DATA_CR;
                    }
                }
                default -> forward(ctx, in, scanChunkFraming(in));
            }
        }
    }

    private static void forward(ChannelHandlerContext ctx, ByteBuf in, int length) {
        if (length > 0) {
            ctx.fireChannelRead(in.readRetainedSlice(length));
        }
    }

    /** Forwards one complete head with our header added; false when the head has not all arrived yet. */
    private boolean readHead(ChannelHandlerContext ctx, ByteBuf in) {
        // A recipient ignores empty lines before a request line (RFC 9112 2.2).
        while (in.isReadable() && (in.getByte(in.readerIndex()) == CR || in.getByte(in.readerIndex()) == LF)) {
            in.skipBytes(1);
        }
        if (!in.isReadable()) {
            return false;
        }
        int start = in.readerIndex();
        int end = findHeadEnd(in, start, in.writerIndex());
        if (end < 0) {
            if (in.readableBytes() > MAX_HEAD_BYTES) {
                throw new MalformedRequest();
            }
            pendingHead = ctx.alloc().buffer(Math.max(256, in.readableBytes() * 2));
            pendingHead.writeBytes(in);
            return false;
        }
        if (end - start > MAX_HEAD_BYTES) {
            throw new MalformedRequest();
        }
        boolean tunnel = inspectHead(in, start, end);
        if (tunnel || !idempotent(in, start)) {
            notIdempotent.run();
        }
        if (!tunnel && !askedToClose && draining.getAsBoolean()) {
            askedToClose = true;
            ctx.fireChannelRead(closingHead(ctx, in, start, end));
            closeAsked.run();
        } else if (forwardedForAndEnd != null) {
            ctx.fireChannelRead(in.retainedSlice(start, end + 2 - start));
            ctx.fireChannelRead(forwardedForAndEnd.retainedDuplicate());
        } else {
            ctx.fireChannelRead(in.retainedSlice(start, end + 4 - start));
        }
        in.readerIndex(end + 4);
        return true;
    }

    /** A copy of the head without its Connection and Keep-Alive lines, asking the backend to close after it. */
    private ByteBuf closingHead(ChannelHandlerContext ctx, ByteBuf in, int start, int end) {
        ByteBuf head = ctx.alloc().buffer(end + 4 - start + CONNECTION_CLOSE.length + forwardedFor.length);
        int line = start;
        while (line < end + 2) {
            int next = in.indexOf(line, end + 2, LF) + 1;
            int colon = in.indexOf(line, next, (byte) ':');
            boolean drop = line > start && colon > line
                    && (isName(in, line, colon - line, CONNECTION) || isName(in, line, colon - line, KEEP_ALIVE));
            if (!drop) {
                head.writeBytes(in, line, next - line);
            }
            line = next;
        }
        return head.writeBytes(CONNECTION_CLOSE).writeBytes(forwardedFor).writeByte(CR).writeByte(LF);
    }

    /** Index of the CR that starts the blank line ending an HTTP head (request or response) in [from, to), or -1. */
    static int findHeadEnd(ByteBuf in, int from, int to) {
        int i = from;
        while (i < to) {
            int lf = in.indexOf(i, to, LF);
            if (lf < 0) {
                return -1;
            }
            if (lf - 3 >= from && in.getByte(lf - 1) == CR && in.getByte(lf - 2) == LF && in.getByte(lf - 3) == CR) {
                return lf - 3;
            }
            i = lf + 1;
        }
        return -1;
    }

    /**
     * Reads the framing of the request whose head is [start, end) and sets the state for its body; true when
     * the connection becomes a tunnel (CONNECT or Upgrade), whose head must go as sent.
     */
    private boolean inspectHead(ByteBuf in, int start, int end) {
        int requestLineEnd = in.indexOf(start, end + 2, LF);
        boolean connect = startsWith(in, start, "CONNECT ");
        long contentLength = -1;
        boolean transferEncoding = false;
        boolean chunked = false;
        boolean upgrade = false;
        int line = requestLineEnd + 1;
        while (line < end) {
            int lf = in.indexOf(line, end + 2, LF);
            int lineEnd = lf - 1;
            if (in.getByte(lineEnd) != CR) {
                throw new MalformedRequest();
            }
            byte first = in.getByte(line);
            if (first == ' ' || first == '\t') {
                throw new MalformedRequest();
            }
            int colon = in.indexOf(line, lineEnd, (byte) ':');
            if (colon <= line) {
                throw new MalformedRequest();
            }
            int nameLength = colon - line;
            if (isName(in, line, nameLength, CONTENT_LENGTH)) {
                long value = parseLength(valueOf(in, colon + 1, lineEnd));
                if (contentLength >= 0 && contentLength != value) {
                    throw new MalformedRequest();
                }
                contentLength = value;
            } else if (isName(in, line, nameLength, TRANSFER_ENCODING)) {
                transferEncoding = true;
                String[] codings = valueOf(in, colon + 1, lineEnd).split(",");
                chunked = codings[codings.length - 1].trim().equalsIgnoreCase("chunked");
            } else if (isName(in, line, nameLength, UPGRADE)) {
                upgrade = true;
            }
            line = lf + 1;
        }
        if (transferEncoding && (contentLength >= 0 || !chunked)) {
            throw new MalformedRequest();
        }
        tunnelAfterBody = upgrade;
        if (connect) {
            state = State.TUNNEL;
        } else if (chunked) {
            startChunk();
        } else if (contentLength > 0) {
            remaining = contentLength;
            state = State.FIXED_BODY;
        } else {
            endOfMessage();
        }
        return connect || upgrade;
    }

    private void endOfMessage() {
        state = tunnelAfterBody ? State.TUNNEL : State.HEAD;
    }

    private void startChunk() {
        state = State.CHUNK_SIZE;
        chunkSize = 0;
        chunkSizeHasDigit = false;
    }

    /** Walks chunk-size lines, chunk delimiters and trailers; returns how many bytes it walked. */
    private int scanChunkFraming(ByteBuf in) {
        int i = in.readerIndex();
        int to = in.writerIndex();
        while (i < to) {
            byte b = in.getByte(i++);
            switch (state) {
                case CHUNK_SIZE -> {
                    int digit = Character.digit(b, 16);
                    if (digit >= 0) {
                        chunkSize = chunkSize * 16 + digit;
                        chunkSizeHasDigit = true;
                        if (chunkSize > MAX_CHUNK_SIZE) {
                            throw new MalformedRequest();
                        }
                    } else if (b == ';' || b == ' ' || b == '\t') {
                        state = State.CHUNK_EXTENSION;
                    } else if (b == CR) {
                        state = State.CHUNK_SIZE_LF;
                    } else {
                        throw new MalformedRequest();
                    }
                }
                case CHUNK_EXTENSION -> {
                    if (b == CR) {
                        state = State.CHUNK_SIZE_LF;
                    } else if (b == LF) {
                        throw new MalformedRequest();
                    }
                }
                case CHUNK_SIZE_LF -> {
                    if (b != LF || !chunkSizeHasDigit) {
                        throw new MalformedRequest();
                    }
                    if (chunkSize == 0) {
                        state = State.TRAILER;
                        trailerLineLength = 0;
                    } else {
                        state = State.CHUNK_DATA;
                        remaining = chunkSize;
                        return i - in.readerIndex();
                    }
                }
                case CHUNK_DATA_CR -> {
                    if (b != CR) {
                        throw new MalformedRequest();
                    }
                    state = State.CHUNK_DATA_LF;
                }
                case CHUNK_DATA_LF -> {
                    if (b != LF) {
                        throw new MalformedRequest();
                    }
                    startChunk();
                }
                case TRAILER -> {
                    if (b == CR) {
                        state = State.TRAILER_LF;
                    } else {
                        trailerLineLength++;
                    }
                }
                case TRAILER_LF -> {
                    if (b != LF) {
                        throw new MalformedRequest();
                    }
                    if (trailerLineLength == 0) {
                        endOfMessage();
                        return i - in.readerIndex();
                    }
                    state = State.TRAILER;
                    trailerLineLength = 0;
                }
                default -> throw new IllegalStateException("not a chunk framing state: " + state);
            }
        }
        return i - in.readerIndex();
    }

    /** GET, HEAD, OPTIONS, TRACE, PUT and DELETE may be sent again after a failure (RFC 9110 9.2.2). */
    private static boolean idempotent(ByteBuf in, int start) {
        for (String method : IDEMPOTENT) {
            if (startsWith(in, start, method)) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWith(ByteBuf in, int at, String prefix) {
        if (in.writerIndex() - at < prefix.length()) {
            return false;
        }
        for (int k = 0; k < prefix.length(); k++) {
            if (in.getByte(at + k) != prefix.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isName(ByteBuf in, int at, int length, byte[] lowerName) {
        if (length != lowerName.length) {
            return false;
        }
        for (int k = 0; k < length; k++) {
            byte b = in.getByte(at + k);
            if (b >= 'A' && b <= 'Z') {
                b = (byte) (b + 32);
            }
            if (b != lowerName[k]) {
                return false;
            }
        }
        return true;
    }

    private static String valueOf(ByteBuf in, int from, int to) {
        return in.toString(from, to - from, StandardCharsets.US_ASCII).trim();
    }

    private static long parseLength(String value) {
        if (value.isEmpty() || value.length() > 18) {
            throw new MalformedRequest();
        }
        for (int k = 0; k < value.length(); k++) {
            if (value.charAt(k) < '0' || value.charAt(k) > '9') {
                throw new MalformedRequest();
            }
        }
        return Long.parseLong(value);
    }

    /** A request head or body framing that cannot be forwarded safely. */
    private static final class MalformedRequest extends RuntimeException {
        MalformedRequest() {
            super(null, null, false, false);
        }
    }
}
