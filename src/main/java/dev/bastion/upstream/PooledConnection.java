package dev.bastion.upstream;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PlainSocket;
import io.helidon.common.socket.TlsSocket;
import io.helidon.common.tls.Tls;
import io.helidon.webclient.api.ClientConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLSocket;

/**
 * One keep-alive connection of a {@link ConnectionPool}, handed to Helidon's HTTP/1.1 client as the
 * request's explicit connection: Helidon still writes the request and parses the answer; this class
 * only owns the socket. It is a {@link SocketChannel} (used in blocking mode through its socket
 * adaptor, or under an {@link SSLSocket} for https) so that the pool can check an idle connection
 * without blocking: {@link #stillOpen()} reads once in non-blocking mode, and end of stream, a reset
 * or an unsolicited byte all mean the server is done with it.
 *
 * <p>Unlike Helidon's own pool nothing watches an idle connection (Helidon starts a virtual thread per
 * returned connection that blocks in 101 ms reads and then reads the first byte of the next answer,
 * one more thread start and hand-off per call). A plain connection writes the request straight to the
 * channel and counts what the kernel accepted, so a failed write is known to have sent nothing
 * ({@link #refusedBeforeAnyByte()}); that, and only that, is the case where a request may be sent again.
 *
 * <p>Each request on a reused connection reads its answer through a {@link DataReader} of its own (the
 * previous one holds no unread byte then: a connection with bytes left over is never pooled). Helidon's
 * reader keeps the buffers it read in a linked list and, advancing past a consumed one, leaves that
 * node's link to the next in place: once a consumed node has reached the old generation (any full GC
 * puts every connection's current node there), everything the reader reads later stays reachable from
 * it through young collections and is copied into the old generation. A reader per request bounds
 * that to one answer instead of every answer the kept-alive connection will ever carry.
 */
final class PooledConnection implements ClientConnection {
  private static final List<String> ALPN = List.of("http/1.1");

  private final ConnectionPool pool;
  private final SocketChannel channel;
  private final Socket socket; // what reads go through: the channel's adaptor or the TLS socket over it
  private final HelidonSocket helidonSocket;
  private volatile DataReader reader; // replaced per request on a reused connection (see above)
  private final DataWriter writer;
  private final String channelId;
  private final boolean tls;
  private final ByteBuffer probe = ByteBuffer.allocate(1);
  private volatile boolean closed;
  private long lease; // guarded by this: which request the connection carries
  private boolean reused; // owned by the leasing thread
  private long sent; // bytes of the current request the kernel accepted (plain connections)
  private IOException writeFailure; // why the current request's write failed, if it did

  private PooledConnection(ConnectionPool pool, SocketChannel channel, Socket socket, HelidonSocket helidonSocket, String channelId, boolean tls) {
    this.pool = pool;
    this.channel = channel;
    this.socket = socket;
    this.helidonSocket = helidonSocket;
    this.channelId = channelId;
    this.tls = tls;
    this.reader = DataReader.create(helidonSocket);
    this.writer = tls ? new SocketWriter() : new ChannelWriter();
  }

  /** Connects (and for https, shakes hands) within {@code connectTimeout}. */
  static PooledConnection open(ConnectionPool pool, InetSocketAddress target, Tls tlsConfig, Duration connectTimeout, io.helidon.common.socket.SocketOptions options) {
    SocketChannel channel = null;
    try {
      channel = SocketChannel.open();
      options.configureSocket(channel);
      Socket adaptor = channel.socket();
      adaptor.connect(target, (int) Math.max(1, connectTimeout.toMillis()));
      String id = "0x" + Integer.toHexString(System.identityHashCode(channel));
      if (tlsConfig != null) {
        SSLSocket ssl = tlsConfig.createSocket(ALPN, adaptor, target);
        ssl.setSoTimeout((int) Math.max(1, connectTimeout.toMillis()));
        ssl.startHandshake();
        return new PooledConnection(pool, channel, ssl, TlsSocket.client(ssl, id), id, true);
      }
      return new PooledConnection(pool, channel, adaptor, PlainSocket.client(adaptor, id), id, false);
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  /** Starts request {@code id} on this connection (the pool calls it when it hands the connection out). */
  synchronized void lease(boolean fromPool, long id) {
    lease = id;
    reused = fromPool;
    sent = 0;
    writeFailure = null;
    if (fromPool) {
      renewReader();
    }
  }

  /**
   * Gives the next request a reader of its own when the previous one holds no unread byte; with bytes
   * left (never on a pooled connection) the reader stays, so that nothing is lost or reordered.
   */
  private void renewReader() {
    if (reader.available() == 0) {
      reader = DataReader.create(helidonSocket);
    }
  }

  /** The request the connection carries now. */
  synchronized long lease() {
    return lease;
  }

  /**
   * Closes the connection if it still carries request {@code id}: an abort that comes after its
   * request ended must not close a connection another request has taken over since.
   */
  synchronized void abort(long id) {
    if (lease == id) {
      closeResource();
    }
  }

  /** Whether the connection already carried a request before this one. */
  boolean reused() {
    return reused;
  }

  /**
   * Whether the current request's write failed before the kernel accepted a single byte of it, on a
   * plain connection, for a reason other than this side closing it (an abort, an interrupt): then the
   * server cannot have seen any of it.
   */
  boolean refusedBeforeAnyByte() {
    return !tls && writeFailure != null && sent == 0 && !(writeFailure instanceof ClosedChannelException);
  }

  /**
   * Whether an idle connection can carry another request: open, nothing left unread, and a
   * non-blocking read finds neither end of stream nor a byte the server sent unasked.
   */
  boolean stillOpen() {
    if (closed || !channel.isOpen() || !helidonSocket.isConnected() || reader.available() > 0) {
      return false;
    }
    try {
      channel.configureBlocking(false);
      try {
        probe.clear();
        return channel.read(probe) == 0;
      } finally {
        channel.configureBlocking(true);
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Whether the answer was read to its end (nothing buffered beyond it), so the connection may be pooled. */
  boolean drained() {
    return reader.available() == 0;
  }

  @Override
  public DataReader reader() {
    return reader;
  }

  @Override
  public DataWriter writer() {
    return writer;
  }

  @Override
  public String channelId() {
    return channelId;
  }

  @Override
  public HelidonSocket helidonSocket() {
    return helidonSocket;
  }

  @Override
  public void readTimeout(Duration readTimeout) {
    try {
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
    } catch (SocketException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean isConnected() {
    return !closed && channel.isOpen() && helidonSocket.isConnected();
  }

  @Override
  public boolean allowExpectContinue() {
    return false;
  }

  /** Helidon calls this when an answer was read to its end: back to the pool, or closed. */
  @Override
  public void releaseResource() {
    if (!closed && !pool.release(this)) {
      closeResource();
    }
  }

  @Override
  public void closeResource() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      // closing is all we wanted
    }
  }

  /** Writes a plain request straight to the channel, counting the bytes the kernel accepted. */
  private final class ChannelWriter implements DataWriter {
    private ByteBuffer out = ByteBuffer.allocateDirect(8192);

    @Override
    public void write(BufferData... buffers) {
      for (BufferData b : buffers) {
        write(b);
      }
    }

    @Override
    public void write(BufferData buffer) {
      int length = buffer.available();
      if (length > out.capacity()) {
        out = ByteBuffer.allocateDirect(Math.max(length, out.capacity() * 2));
      }
      out.clear();
      buffer.writeTo(out, length);
      out.flip();
      try {
        while (out.hasRemaining()) {
          sent += channel.write(out);
        }
      } catch (IOException e) {
        writeFailure = e;
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void writeNow(BufferData... buffers) {
      write(buffers);
    }

    @Override
    public void writeNow(BufferData buffer) {
      write(buffer);
    }
  }

  /** Writes through the TLS socket (what reached the server after a failure is unknown there). */
  private final class SocketWriter implements DataWriter {
    @Override
    public void write(BufferData... buffers) {
      for (BufferData b : buffers) {
        write(b);
      }
    }

    @Override
    public void write(BufferData buffer) {
      try {
        helidonSocket.write(buffer);
      } catch (UncheckedIOException e) {
        writeFailure = e.getCause();
        throw e;
      }
    }

    @Override
    public void writeNow(BufferData... buffers) {
      write(buffers);
    }

    @Override
    public void writeNow(BufferData buffer) {
      write(buffer);
    }
  }
}
