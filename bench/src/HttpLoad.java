import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The benchmark's load generator: HTTP/1.1 with keep-alive over a fixed pool of connections, one NIO selector thread,
 * requests serialized once, responses parsed only for their status line and length (Content-Length or chunked).
 *
 * <p>Why not {@code java.net.http.HttpClient}: on this 2-core machine it used about 1.1 ms of CPU per request, a
 * quarter of the machine at the gateway's rate, taken from the gateway and Elasticsearch it is measuring. This uses
 * a few tens of µs. (Debian's {@code wrk} is as lean but has no fixed-rate mode, which the open-loop phase needs.)
 *
 * <p>A request waits in a queue until a connection is free; its latency is counted from the time the caller gives
 * ({@link #submit}), so an open-loop caller passing the scheduled send time sees queueing as latency (no coordinated
 * omission).
 */
final class HttpLoad implements Closeable {

    /** Completion of one request, called on the selector thread: keep it short. */
    interface Callback {
        /**
         * @param status     HTTP status, or -1 when the connection failed
         * @param startNanos the {@code startNanos} given to {@link #submit}
         */
        void done(int status, long startNanos);
    }

    private record Pending(byte[] request, long startNanos, Callback callback) {
    }

    private final InetSocketAddress address;
    private final Selector selector;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Connection> idle = new ArrayDeque<>();
    private final Thread loop;
    private volatile boolean running = true;

    /**
     * @param host        server host
     * @param port        server port
     * @param connections keep-alive connections opened (the most requests in flight)
     */
    HttpLoad(String host, int port, int connections) throws IOException {
        this.address = new InetSocketAddress(host, port);
        this.selector = Selector.open();
        for (int i = 0; i < connections; i++) {
            idle.add(new Connection());
        }
        loop = new Thread(this::run, "http-load");
        loop.setDaemon(true);
        loop.start();
    }

    /**
     * Serializes a POST once, for sending any number of times.
     *
     * @return the request bytes: request line, headers (with Host and Content-Length), body
     */
    static byte[] post(String host, int port, String path, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(host)
                .append(':').append(port).append("\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    /**
     * Queues a request; any thread.
     *
     * @param request    bytes from {@link #post}
     * @param startNanos {@code System.nanoTime()} the latency is counted from
     * @param callback   called once with the status
     */
    void submit(byte[] request, long startNanos, Callback callback) {
        queue.add(new Pending(request, startNanos, callback));
        if (Thread.currentThread() != loop) {
            selector.wakeup();
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey k : selector.keys()) {
            k.channel().close();
        }
        selector.close();
    }

    private void run() {
        try {
            while (running) {
                dispatch();
                selector.select(100);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    Connection c = (Connection) key.attachment();
                    try {
                        if (key.isValid() && key.isConnectable()) {
                            c.channel.finishConnect();
                            key.interestOps(SelectionKey.OP_WRITE);
                        }
                        if (key.isValid() && key.isWritable()) {
                            c.write();
                        }
                        if (key.isValid() && key.isReadable()) {
                            c.read();
                        }
                    } catch (IOException e) {
                        c.fail();
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void dispatch() {
        while (!idle.isEmpty()) {
            Pending p = queue.poll();
            if (p == null) {
                return;
            }
            Connection c = idle.poll();
            try {
                c.start(p);
            } catch (IOException e) {
                c.current = p;
                c.fail();
            }
        }
    }

    /** One keep-alive connection; at most one request at a time. */
    private final class Connection {
        SocketChannel channel;
        SelectionKey key;
        Pending current;
        ByteBuffer out;
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);

        void start(Pending p) throws IOException {
            current = p;
            out = ByteBuffer.wrap(p.request());
            in.clear();
            if (channel == null || !channel.isOpen()) {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                boolean connected = channel.connect(address);
                key = channel.register(selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, this);
                return;
            }
            write();
        }

        void write() throws IOException {
            channel.write(out);
            key.interestOps(out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        void read() throws IOException {
            if (!in.hasRemaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(in.capacity() * 2);
                in.flip();
                bigger.put(in);
                in = bigger;
            }
            int n = channel.read(in);
            if (n < 0) {
                throw new IOException("connection closed by the server");
            }
            int[] parsed = parse(in.array(), in.position());
            if (parsed == null) {
                return;
            }
            Pending done = current;
            current = null;
            if (parsed[1] == 1) { // Connection: close
                channel.close();
            }
            idle.add(this);
            done.callback().done(parsed[0], done.startNanos());
        }

        void fail() {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // closing anyway
            }
            channel = null;
            Pending p = current;
            current = null;
            idle.add(this);
            if (p != null) {
                p.callback().done(-1, p.startNanos());
            }
        }
    }

    /**
     * @return {status, close?} when {@code buf[0, len)} holds a whole response, else null
     */
    static int[] parse(byte[] buf, int len) {
        int headerEnd = indexOf(buf, 0, len, "\r\n\r\n");
        if (headerEnd < 0) {
            return null;
        }
        String head = new String(buf, 0, headerEnd, StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(head.substring(9, 12));
        String lower = head.toLowerCase(java.util.Locale.ROOT);
        int close = lower.contains("\r\nconnection: close") ? 1 : 0;
        int bodyStart = headerEnd + 4;
        int cl = lower.indexOf("\r\ncontent-length:");
        if (cl >= 0) {
            int eol = lower.indexOf("\r\n", cl + 2);
            int length = Integer.parseInt(lower.substring(cl + 17, eol < 0 ? lower.length() : eol).trim());
            return len - bodyStart >= length ? new int[] {status, close} : null;
        }
        if (lower.contains("\r\ntransfer-encoding: chunked")) {
            int pos = bodyStart;
            while (true) {
                int eol = indexOf(buf, pos, len, "\r\n");
                if (eol < 0) {
                    return null;
                }
                String sizeLine = new String(buf, pos, eol - pos, StandardCharsets.ISO_8859_1);
                int semi = sizeLine.indexOf(';');
                int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                if (size == 0) {
                    return indexOf(buf, eol + 2, len, "\r\n") >= 0 ? new int[] {status, close} : null;
                }
                pos = eol + 2 + size + 2;
                if (pos > len) {
                    return null;
                }
            }
        }
        return new int[] {status, close}; // no body (e.g. 204)
    }

    private static int indexOf(byte[] buf, int from, int len, String what) {
        byte[] w = what.getBytes(StandardCharsets.ISO_8859_1);
        outer:
        for (int i = from; i <= len - w.length; i++) {
            for (int j = 0; j < w.length; j++) {
                if (buf[i + j] != w[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
