package org.vmrole.host.lan;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;

/** An authenticated tunnel to another host, attached to one deployment's {@link VirtualLan}. */
final class TunnelLink implements LanPort {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final VirtualLan lan;
    private final String peerHost;
    private final Object writing = new Object();

    TunnelLink(Socket socket, DataInputStream in, OutputStream out, VirtualLan lan, String peerHost) {
        this.socket = socket;
        this.in = in;
        this.out = out;
        this.lan = lan;
        this.peerHost = peerHost;
    }

    static DataInputStream input(Socket s) throws IOException {
        return new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
    }

    static BufferedOutputStream output(Socket s) throws IOException {
        return new BufferedOutputStream(s.getOutputStream(), FrameStream.MAX_FRAME + 4);
    }

    String peerHost() { return peerHost; }

    @Override
    public boolean remote() {
        return true;
    }

    /** Attaches to the network and switches the peer's frames until the link breaks or is closed. */
    void run() {
        lan.attach(this);
        byte[] buffer = new byte[FrameStream.MAX_FRAME];
        try {
            while (true) {
                int length = FrameStream.read(in, buffer);
                lan.deliver(this, buffer, length);
            }
        } catch (IOException e) {
            // the peer went away or the link was closed: the dialing side connects again
        } finally {
            close();
        }
    }

    @Override
    public void send(byte[] frame, int length) {
        synchronized (writing) {
            try {
                FrameStream.write(out, frame, length);
            } catch (IOException e) {
                close();
            }
        }
    }

    void close() {
        lan.detach(this);
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
