package dev.bastion.audit;

import java.security.PublicKey;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Offline verification of a log: walks the chain from seq 1, recomputes every hash, checks that
 * seqs are contiguous and each record commits to its predecessor, and checks every checkpoint's
 * Ed25519 signature and that the chain passes through the head it signed.
 *
 * <p>How problems are told apart (reported at the first bad position):
 *
 * <ul>
 *   <li>a gap in seq → {@code removed} at the first missing seq;
 *   <li>a record whose hash does not match its content, but would at another seq nearby, and whose
 *       predecessor is present elsewhere → {@code reordered}; with no such predecessor and a
 *       higher original seq → {@code removed} (rows deleted and the rest renumbered);
 *   <li>a record whose hash does not match its content → {@code altered};
 *   <li>an intact record that commits to a predecessor found elsewhere → {@code reordered}; to a
 *       predecessor found nowhere → {@code altered} at the record before it (changed and rehashed);
 *   <li>a checkpoint with a bad signature or another key → {@code bad-signature} at its seq;
 *   <li>a checkpoint beyond the end of the log → {@code removed} (truncated tail);
 *   <li>a checkpoint whose signed head differs from the chain → {@code altered} at the first record
 *       after the previous matching checkpoint (the chain was rewritten in between).
 * </ul>
 *
 * Truncation after the newest checkpoint cannot be detected from the log alone; the gateway signs a
 * checkpoint at every clean shutdown and every interval to keep that window short.
 */
public final class AuditVerifier {
  private static final int PAGE = 2_000;
  private static final int WINDOW = 64;

  private AuditVerifier() {}

  public static VerifyResult verify(AuditStore store, PublicKey publicKey) {
    return new Walk(store, publicKey).run();
  }

  private static final class Walk {
    private final AuditStore store;
    private final PublicKey key;
    private final TreeMap<Long, Checkpoint> checkpoints = new TreeMap<>();
    private final Deque<AuditRecord> ahead = new ArrayDeque<>();
    private final Map<String, Long> behind = new LinkedHashMap<>();
    private long nextRead = 1;
    private boolean exhausted;
    private long malformedAt = -1;
    private String malformedWhy;
    private long lastGoodCheckpoint;

    Walk(AuditStore store, PublicKey key) {
      this.store = store;
      this.key = key;
    }

    VerifyResult run() {
      for (Checkpoint cp : store.checkpoints()) {
        checkpoints.put(cp.seq(), cp);
      }
      long n = 1;
      String prevHash = AuditRecord.GENESIS_HASH;
      while (true) {
        fill();
        AuditRecord r = ahead.pollFirst();
        if (r == null) {
          if (malformedAt == n) {
            return new VerifyResult.Broken(n, VerifyResult.Problem.ALTERED, malformedWhy);
          }
          break;
        }
        if (r.seq() > n) {
          return new VerifyResult.Broken(n, VerifyResult.Problem.REMOVED,
              "records " + n + (r.seq() - 1 > n ? ".." + (r.seq() - 1) : "") + " are missing (the next stored record is "
                  + r.seq() + ")");
        }
        boolean contentOk = r.hash() != null && r.hash().equals(r.computeHash());
        boolean linkOk = prevHash.equals(r.prevHash());
        if (!contentOk) {
          return contentProblem(n, r);
        }
        if (!linkOk) {
          if (present(r.prevHash(), r)) {
            return new VerifyResult.Broken(n, VerifyResult.Problem.REORDERED,
                "record " + n + " is intact but follows a record that is stored elsewhere in the log");
          }
          long bad = Math.max(1, n - 1);
          return new VerifyResult.Broken(bad, VerifyResult.Problem.ALTERED, n == 1
              ? "record 1 does not start from the genesis hash"
              : "record " + bad + " was changed and its hash recomputed: record " + n
                  + " commits to a different predecessor");
        }
        VerifyResult cpProblem = checkCheckpoint(n, r.hash());
        if (cpProblem != null) {
          return cpProblem;
        }
        behind.put(r.hash(), n);
        if (behind.size() > WINDOW) {
          behind.remove(behind.keySet().iterator().next());
        }
        prevHash = r.hash();
        n++;
      }
      long count = n - 1;
      Map.Entry<Long, Checkpoint> beyond = checkpoints.higherEntry(count);
      if (beyond != null) {
        Checkpoint cp = beyond.getValue();
        if (!AuditKeys.verify(key, cp)) {
          return badSignature(cp);
        }
        return new VerifyResult.Broken(count + 1, VerifyResult.Problem.REMOVED,
            "a signed checkpoint covers " + cp.seq() + " records but the log ends at " + count
                + ": records " + (count + 1) + ".." + cp.seq() + " were removed");
      }
      return new VerifyResult.Verified(count, new ChainHead(count, prevHash), checkpoints.size());
    }

    private VerifyResult checkCheckpoint(long n, String hash) {
      Checkpoint cp = checkpoints.get(n);
      if (cp == null) {
        return null;
      }
      if (!AuditKeys.verify(key, cp)) {
        return badSignature(cp);
      }
      if (!cp.headHash().equals(hash)) {
        long first = lastGoodCheckpoint + 1;
        return new VerifyResult.Broken(first, VerifyResult.Problem.ALTERED,
            "the signed checkpoint at seq " + n + " names a different head than the stored chain: records "
                + first + ".." + n + " were rewritten");
      }
      lastGoodCheckpoint = n;
      return null;
    }

    private VerifyResult badSignature(Checkpoint cp) {
      String why = AuditKeys.keyId(key).equals(cp.keyId())
          ? "its signature does not verify"
          : "it names key " + cp.keyId() + ", not the given public key " + AuditKeys.keyId(key);
      return new VerifyResult.Broken(cp.seq(), VerifyResult.Problem.BAD_SIGNATURE,
          "the checkpoint at seq " + cp.seq() + " is not authentic: " + why);
    }

    private VerifyResult contentProblem(long n, AuditRecord r) {
      for (long d = 1; d <= WINDOW; d++) {
        for (long m : new long[] {n + d, n - d}) {
          if (m >= 1 && r.withChain(m, r.prevHash(), r.hash()).computeHash().equals(r.hash())) {
            if (present(r.prevHash(), r) || m < n) {
              return new VerifyResult.Broken(n, VerifyResult.Problem.REORDERED,
                  "the record stored at seq " + n + " is record " + m + " (moved)");
            }
            return new VerifyResult.Broken(n, VerifyResult.Problem.REMOVED,
                "the record stored at seq " + n + " was renumbered from " + m + ": records before it were removed");
          }
        }
      }
      return new VerifyResult.Broken(n, VerifyResult.Problem.ALTERED,
          "record " + n + "'s content does not match its hash");
    }

    /** Whether some other stored record nearby has this hash. */
    private boolean present(String hash, AuditRecord except) {
      if (hash == null) {
        return false;
      }
      if (behind.containsKey(hash)) {
        return true;
      }
      for (AuditRecord a : ahead) {
        if (a != except && hash.equals(a.hash())) {
          return true;
        }
      }
      return false;
    }

    /** Keeps at least WINDOW records ahead of the walk, unless the log has ended. */
    private void fill() {
      while (!exhausted && ahead.size() <= WINDOW) {
        List<AuditRecord> page;
        if (malformedAt > 0) {
          page = nextRead < malformedAt ? store.read(nextRead, (int) Math.min(PAGE, malformedAt - nextRead)) : List.of();
        } else {
          try {
            page = store.read(nextRead, PAGE);
          } catch (AuditStoreException e) {
            if (e.malformedSeq() < 0) {
              throw e;
            }
            malformedAt = e.malformedSeq();
            malformedWhy = e.getMessage();
            continue;
          }
        }
        if (page.isEmpty()) {
          exhausted = true;
          return;
        }
        ahead.addAll(page);
        nextRead = page.getLast().seq() + 1;
      }
    }
  }

}
