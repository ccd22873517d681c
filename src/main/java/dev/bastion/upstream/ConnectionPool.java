package dev.bastion.upstream;

import io.helidon.common.socket.SocketOptions;
import io.helidon.common.tls.Tls;
import io.helidon.webclient.api.DnsAddressLookup;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.spi.DnsResolver;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The keep-alive connections of one HTTP upstream. A request takes the most recently returned idle
 * connection that {@link PooledConnection#stillOpen() is still open} (a non-blocking check, no thread
 * watches idle connections), else opens a new one; an answer read to its end gives the connection
 * back, anything else closes it. At most {@link #MAX_IDLE} connections are kept idle.
 */
final class ConnectionPool implements AutoCloseable {
  /** Idle connections kept per upstream (Helidon's own cache keeps 256). */
  static final int MAX_IDLE = 256;
  private static final Logger LOG = System.getLogger(ConnectionPool.class.getName());

  private final String name; // the upstream's, for messages
  private final String host;
  private final int port;
  private final Tls tls;
  private final Duration connectTimeout;
  private final SocketOptions socketOptions;
  private final DnsResolver dnsResolver;
  private final DnsAddressLookup dnsLookup;
  private final ConcurrentLinkedDeque<PooledConnection> idle = new ConcurrentLinkedDeque<>();
  private final AtomicInteger idleCount = new AtomicInteger();
  private final AtomicLong opened = new AtomicLong();
  private final AtomicLong leases = new AtomicLong();
  private volatile boolean closed;

  ConnectionPool(String name, URI url, Tls tls, Duration connectTimeout, SocketOptions socketOptions, DnsResolver dnsResolver, DnsAddressLookup dnsLookup) {
    boolean https = "https".equals(url.getScheme().toLowerCase(Locale.ROOT));
    this.name = name;
    this.host = url.getHost();
    this.port = url.getPort() >= 0 ? url.getPort() : https ? 443 : 80;
    this.tls = https ? tls : null;
    this.connectTimeout = connectTimeout;
    this.socketOptions = socketOptions;
    this.dnsResolver = dnsResolver;
    this.dnsLookup = dnsLookup;
  }

  /**
   * Sends a request ({@code body} null: without entity) on a pooled connection and returns the
   * answer's head ({@code exchange}, when given, learns the connection so that an abort can close it).
   * A reused connection whose write failed before the kernel took any byte of the request (the server
   * closed it after the pool's check) is replaced by a new one, once; a request that may have reached
   * the server is never sent again, whatever it was.
   */
  HttpClientResponse exchange(Supplier<Http1ClientRequest> request, byte[] body, HttpExchange exchange) {
    PooledConnection c = acquire();
    try {
      return send(c, request.get(), body, exchange);
    } catch (RuntimeException e) {
      c.closeResource();
      if (!c.reused() || !c.refusedBeforeAnyByte() || Thread.currentThread().isInterrupted()) {
        throw e;
      }
      LOG.log(Level.DEBUG, () -> "upstream " + name + ": a kept-alive connection was closed by the server before the request left; sending on a new one: "
          + HttpRequests.cause(e));
    }
    PooledConnection fresh = connect();
    try {
      return send(fresh, request.get(), body, exchange);
    } catch (RuntimeException e) {
      fresh.closeResource();
      throw e;
    }
  }

  private static HttpClientResponse send(PooledConnection c, Http1ClientRequest request, byte[] body, HttpExchange exchange) {
    if (exchange != null) {
      exchange.sentOn(c);
    }
    request.connection(c);
    return body == null ? request.request() : request.submit(body);
  }

  /**
   * An idle connection that is still open, else a new one. An interrupted thread gets none: its
   * first channel operation would close whatever connection it touched.
   */
  PooledConnection acquire() {
    if (Thread.currentThread().isInterrupted()) {
      throw new UncheckedIOException(new InterruptedIOException("interrupted before the request was sent"));
    }
    PooledConnection c;
    while ((c = idle.pollFirst()) != null) {
      idleCount.decrementAndGet();
      if (c.stillOpen()) {
        c.lease(true, leases.incrementAndGet());
        return c;
      }
      c.closeResource();
    }
    return connect();
  }

  /** A new connection, never one from the pool. */
  PooledConnection connect() {
    if (closed) {
      throw new IllegalStateException("the connection pool is closed");
    }
    InetSocketAddress target = new InetSocketAddress(dnsResolver.resolveAddress(host, dnsLookup), port);
    PooledConnection c = PooledConnection.open(this, target, tls, connectTimeout, socketOptions);
    opened.incrementAndGet();
    c.lease(false, leases.incrementAndGet());
    if (closed) {
      c.closeResource();
      throw new IllegalStateException("the connection pool is closed");
    }
    return c;
  }

  /** Takes a connection back after a complete answer; false when it should be closed instead. */
  boolean release(PooledConnection c) {
    if (closed || !c.drained()) {
      return false;
    }
    if (idleCount.incrementAndGet() > MAX_IDLE) {
      idleCount.decrementAndGet();
      return false;
    }
    idle.offerFirst(c);
    if (closed && idle.remove(c)) { // close() may have emptied the pool meanwhile
      idleCount.decrementAndGet();
      return false;
    }
    return true;
  }

  /** How many connections the pool has opened (tests: a request sent twice needs a second one). */
  long opened() {
    return opened.get();
  }

  /** How many idle connections are kept. */
  int idle() {
    return idleCount.get();
  }

  /** How many idle connections pass the reuse check now (tests: a server's close has arrived). */
  int idleStillOpen() {
    int n = 0;
    for (PooledConnection c : idle) {
      n += c.stillOpen() ? 1 : 0;
    }
    return n;
  }

  @Override
  public void close() {
    closed = true;
    PooledConnection c;
    while ((c = idle.pollFirst()) != null) {
      idleCount.decrementAndGet();
      c.closeResource();
    }
  }
}
