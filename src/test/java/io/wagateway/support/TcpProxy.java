package io.wagateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP proxy in front of Elasticsearch that a test switches between three behaviours: {@link Mode#REFUSE} (every
 * connection is closed at once, as while Elasticsearch is still starting), {@link Mode#FORWARD} and
 * {@link Mode#HANG} (connections stay open and nothing is answered, as with a SIGSTOPped node).
 */
public final class TcpProxy implements AutoCloseable {

    /** What the proxy does with traffic. */
    public enum Mode { REFUSE, FORWARD, HANG }

    private final ServerSocket server;
    private final URI target;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile Mode mode;

    /**
     * @param targetUrl the Elasticsearch URL to forward to
     * @param mode      the behaviour to start with
     */
    public TcpProxy(String targetUrl, Mode mode) throws IOException {
        this.target = URI.create(targetUrl);
        this.mode = mode;
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "tcp-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    /** @return the proxy's URL, e.g. {@code http://127.0.0.1:40123} */
    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** @param mode the behaviour from now on (connections already forwarding stop at their next bytes on HANG) */
    public void mode(Mode mode) {
        this.mode = mode;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                if (mode == Mode.REFUSE) {
                    client.setSoLinger(true, 0); // reset, like a port nobody listens on yet
                    client.close();
                    continue;
                }
                Socket upstream = new Socket(target.getHost(), target.getPort());
                sockets.add(upstream);
                pump(client.getInputStream(), upstream.getOutputStream());
                pump(upstream.getInputStream(), client.getOutputStream());
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private void pump(InputStream in, OutputStream out) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    if (mode == Mode.HANG) {
                        closed.await(); // bytes swallowed, connection held open until the proxy closes
                        return;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // connection closed
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
