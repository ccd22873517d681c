package dev.bastion.identity;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The signing keys, cached. Keys are (re)loaded when older than {@code maxAge}, and when a token
 * names a key id the cache does not hold — at most once per {@code minRefresh}, so a flood of
 * tokens with made-up key ids cannot turn into a flood of fetches. A failed fetch keeps the keys
 * already held. Thread-safe; loading is serialised.
 */
final class JwksSource {
  private static final Logger LOG = Logger.getLogger(JwksSource.class.getName());
  private static final int MAX_JWKS_BYTES = 1 << 20;
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);

  private final JwtSettings.JwksLocation location;
  private final Duration maxAge;
  private final Duration minRefresh;
  private final Clock clock;
  private final HttpClient http;

  private volatile JWKSet keys = new JWKSet();
  private volatile Instant loadedAt = Instant.MIN;
  private Instant lastAttempt = Instant.MIN;
  private int fetches;

  JwksSource(JwtSettings.JwksLocation location, Duration maxAge, Duration minRefresh, Clock clock) {
    this.location = location;
    this.maxAge = maxAge;
    this.minRefresh = minRefresh;
    this.clock = clock;
    this.http = location instanceof JwtSettings.JwksLocation.Url
        ? HttpClient.newBuilder().connectTimeout(FETCH_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build()
        : null;
  }

  /** The keys with this id ({@code kid} may be null: then every key is a candidate). */
  List<JWK> candidates(String kid) {
    Instant now = clock.instant();
    if (loadedAt.plus(maxAge).isBefore(now)) {
      refresh(now, false);
    }
    List<JWK> found = select(keys, kid);
    if (found.isEmpty() && kid != null) {
      refresh(now, true);
      found = select(keys, kid);
    }
    return found;
  }

  synchronized int fetches() {
    return fetches;
  }

  private static List<JWK> select(JWKSet set, String kid) {
    if (kid == null) {
      return set.getKeys();
    }
    JWK key = set.getKeyByKeyId(kid);
    return key == null ? List.of() : List.of(key);
  }

  private synchronized void refresh(Instant now, boolean becauseUnknownKid) {
    if (lastAttempt.plus(minRefresh).isAfter(now)) {
      return; // fetched (or failed to) moments ago: no fetch storms, even while the source is down
    }
    if (!becauseUnknownKid && !loadedAt.plus(maxAge).isBefore(now)) {
      return; // another thread just loaded
    }
    lastAttempt = now;
    fetches++;
    try {
      JWKSet loaded = load().toPublicJWKSet();
      keys = loaded;
      loadedAt = now;
    } catch (IOException | ParseException | RuntimeException e) {
      LOG.log(Level.WARNING, "could not load the JWKS from " + describe() + "; keeping the " + keys.size() + " keys held: " + e.getMessage());
    }
  }

  private JWKSet load() throws IOException, ParseException {
    return switch (location) {
      case JwtSettings.JwksLocation.File f -> {
        if (Files.size(f.path()) > MAX_JWKS_BYTES) {
          throw new IOException("the JWKS file is larger than " + MAX_JWKS_BYTES + " bytes");
        }
        yield JWKSet.parse(Files.readString(f.path()));
      }
      case JwtSettings.JwksLocation.Url u -> {
        HttpRequest request = HttpRequest.newBuilder(u.uri()).timeout(FETCH_TIMEOUT).header("Accept", "application/json").GET().build();
        try {
          HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
          try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
              throw new IOException("HTTP " + response.statusCode());
            }
            byte[] bytes = body.readNBytes(MAX_JWKS_BYTES + 1);
            if (bytes.length > MAX_JWKS_BYTES) {
              throw new IOException("the JWKS is larger than " + MAX_JWKS_BYTES + " bytes");
            }
            yield JWKSet.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while fetching the JWKS", e);
        }
      }
    };
  }

  private String describe() {
    return switch (location) {
      case JwtSettings.JwksLocation.File f -> f.path().toString();
      case JwtSettings.JwksLocation.Url u -> u.uri().toString();
    };
  }
}
